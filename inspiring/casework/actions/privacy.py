"""Erasing a client's personal data (on request, or by the retention policy).

What is erased is whatever the personal-data registry holds for the client
(`inspiring.accounts.personal_data`; casework's part is `privacy.ERASED_FIELDS`),
so a record another app registers is erased with the rest."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit, personal_data
from inspiring.accounts.models import User

from .. import facts
from ..models import Client, Referral, ReferralStatusChange
from ..privacy import due_for_retention, scrub
from . import ActionRefused


class ErasureRefused(ActionRefused):
    """The erasure cannot be done; str(error) says why."""


def do_erase_client(
    request: HttpRequest | None,
    client: Client,
    *,
    reason: str,
    now: datetime | None = None,
    actor: User | None = None,
) -> Client:
    """Erase a client's personal data, leaving an audited tombstone. Open referrals are
    closed (the case ends), with the date kept for monitoring."""
    reason = reason.strip()
    if not reason:
        raise ErasureRefused("Give the reason for erasing their data.")
    now = now or timezone.now()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.erased_at is not None:
            return client
        recorded_reason = scrub(reason, client)[:500]
        closed = client.referrals.filter(status__in=Referral.OPEN)
        closing = list(closed.values_list("pk", flat=True))
        for referral_pk in closing:
            ReferralStatusChange.objects.create(
                referral_id=referral_pk,
                status=Referral.Status.CLOSED,
                on=timezone.localdate(now),
                by=actor or _user(request),
            )
        closed.update(status=Referral.Status.CLOSED, status_changed_on=timezone.localdate(now))
        personal_data.erase(client)
        Client.objects.filter(pk=client.pk).update(
            erased_at=now,
            closed_at=client.closed_at or now,
            version=client.version + 1,
            updated_at=now,
        )
        client.refresh_from_db()
        # Referrals closed and fields blanked by UPDATE, which sends no signal.
        facts.refresh([client.pk])
        audit.record(
            request,
            "client.erased",
            client,
            area=client.area,
            actor=actor,
            detail={"reason": recorded_reason, "closed_referrals": len(closing)},
        )
    return client


def _user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def apply_retention(
    now: datetime | None = None, *, dry_run: bool = False, years: int | None = None
) -> dict[str, int]:
    """Close the open cases and erase the clients past the retention period.

    Returns {"erased": clients erased, "closed": of those, how many had an open case}
    (with dry_run, what would be done, and nothing is changed)."""
    now = now or timezone.now()
    years = years or settings.CASEWORK_RETENTION_YEARS
    due = due_for_retention(now, years)
    counts = {
        "erased": due.count(),
        "closed": due.filter(closed_at__isnull=True).count(),
        "years": years,
    }
    if dry_run:
        return counts
    reason = f"Nothing recorded about them for {years} years (the retention policy)"
    for client in due.select_related("area"):
        do_erase_client(None, client, reason=reason, now=now)
    return counts
