"""Changes to a client and their case: details, referrals, assessment, groups, contacts,
tasks and their link worker. (The rules every action keeps: `actions/__init__.py`.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.directory.models import Category
from lib.mail import send_notification

from .. import choices
from ..models import (
    Assessment,
    Client,
    Contact,
    GroupMembership,
    Referral,
    ReferralStatusChange,
    SentMessage,
    Task,
)
from ..plan import gsm_text, text_parts
from . import ActionRefused, StaleEdit
from .messages import Outgoing, deliver, record_sending, text_number


def possible_duplicates(
    area_id: int,
    *,
    nhs_number: str,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    phone: str = "",
    email: str = "",
    postcode: str = "",
    exclude: int | None = None,
) -> list[Client]:
    """Clients of the area who may be the same person: the same NHS number; or the same
    name with the same date of birth, phone number, email address or postcode (a
    self-referral sent twice rarely carries an NHS number or a date of birth)."""
    match = Q(pk__in=[])
    if nhs_number:
        match |= Q(nhs_number=nhs_number)
    if first_name.strip() and last_name.strip():
        same_name = Q(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip())
        also = Q(pk__in=[])
        if date_of_birth is not None:
            also |= Q(date_of_birth=date_of_birth)
        for name, value in (("phone", phone), ("email__iexact", email), ("postcode", postcode)):
            if value.strip():
                also |= Q(**{name: value.strip()})
        match |= same_name & also
    found = Client.objects.in_area(area_id).filter(match)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.order_by("pk")[:5])


def save_received_referral(client: Client, referral: Referral, by: User | None) -> None:
    """Save a referral as received, its first step coded SNOMED CT 871731000000106."""
    referral.client = client
    referral.status = Referral.Status.RECEIVED
    referral.status_changed_on = referral.received_on
    referral.created_by = by
    referral.save()
    ReferralStatusChange.objects.create(
        referral=referral,
        status=Referral.Status.RECEIVED,
        on=referral.received_on,
        snomed_code=choices.SNOMED_REFERRAL,
        by=by,
    )


def do_create_client(
    request: HttpRequest | None,
    client: Client,
    referral: Referral,
    *,
    recorded_by: User | None = None,
) -> Client:
    """A new client with their first referral. Consent to hold their data is required."""
    if not client.consent_to_hold:
        raise ActionRefused("Record the person's consent to hold their details first.")
    now = timezone.now()
    with transaction.atomic():
        duplicates = possible_duplicates(
            client.area_id,
            nhs_number=client.nhs_number,
            first_name=client.first_name,
            last_name=client.last_name,
            date_of_birth=client.date_of_birth,
            phone=client.phone,
            email=client.email,
            postcode=client.postcode,
        )
        client.possible_duplicate_of = duplicates[0] if duplicates else None
        client.consent_recorded_at = now
        client.consent_recorded_by = recorded_by
        client.save()
        save_received_referral(client, referral, recorded_by)
        action = "referral.self_referred" if recorded_by is None else "client.created"
        audit.record(
            request,
            action,
            client,
            area=client.area,
            detail={"duplicate_of": str(duplicates[0].public_id)} if duplicates else None,
        )
    return client


@dataclass(frozen=True)
class Reaching:
    """How the programme will contact someone who referred themselves, in words for them
    ("by text message as you asked"): the confirmation page, email and text say the same."""

    method: str  # "text message", "phone call", "email", "letter"; "" when they did not say
    as_asked: bool  # False: they asked for a text, and their number cannot take one
    mobile: str | None  # where a text can go ("+447700900982"); None for a landline or none


def reaching(client: Client) -> Reaching:
    mobile = text_number(client.phone) if client.phone else None
    chosen = client.preferred_contact
    if chosen == choices.ContactMethod.TEXT and mobile is None:
        # A landline cannot take a text: the link worker calls it instead.
        return Reaching(choices.ContactMethod.PHONE.label.lower(), as_asked=False, mobile=None)
    method = choices.ContactMethod(chosen).label.lower() if chosen else ""
    return Reaching(method, as_asked=True, mobile=mobile)


@dataclass(frozen=True)
class SelfReferred:
    """What happened: the client and referral in triage, how they will be contacted,
    whether the confirmation email went (sent after the commit; a failure loses
    nothing), and the confirmation text, if one is due (kept; retried if it failed)."""

    client: Client
    referral: Referral
    emailed: bool
    reaching: Reaching
    text: SentMessage | None = None

    @property
    def texted(self) -> str:
        """How the confirmation text went: "sent"; "later" (it failed, and will be tried
        again); or "" (no text, or it cannot be sent)."""
        if self.text is None:
            return ""
        if self.text.status == SentMessage.Status.SENT:
            return "sent"
        return "later" if self.text.status == SentMessage.Status.FAILED else ""


# Their reference and what happens next fit two text messages; longer costs more and
# arrives in pieces on some phones.
SELF_REFERRAL_TEXT_PARTS = 2


def self_referral_text(area: Area, reference: str, how: Reaching) -> str:
    """The confirmation by text: the reference and what happens next, in the fullest
    words that fit two text messages. No name or reason: a phone's lock screen shows it."""
    text = ""
    for call in (True, False):  # "Not heard from us in a week? Call …", if it fits
        rendered = render_to_string(
            "casework/sms/self_referral_received.txt",
            {"area": area, "reference": reference, "reaching": how, "call": call},
        )
        text = gsm_text("\n".join(line.strip() for line in rendered.splitlines() if line.strip()))
        if text_parts(text) <= SELF_REFERRAL_TEXT_PARTS:
            break
    return text


def _wants_text(client: Client, how: Reaching) -> bool:
    """A confirmation by text when they chose texts, or a mobile is all they gave."""
    return (
        how.mobile is not None
        and client.consent_to_contact
        and (client.preferred_contact == choices.ContactMethod.TEXT or not client.email)
    )


def do_self_refer(
    request: HttpRequest | None, client: Client, *, reasons: list[str], reason_detail: str
) -> SelfReferred:
    """Someone refers themselves on the public form: a client and referral for triage,
    then (committed) a confirmation with their reference: by email if they gave an
    address, by text if they chose texts or gave only a mobile."""
    referral = Referral(
        source=choices.ReferralSource.SELF,
        reasons=reasons,
        reason_detail=reason_detail,
        received_on=timezone.localdate(),
    )
    how = reaching(client)
    mobile = how.mobile if _wants_text(client, how) else None
    text: SentMessage | None = None
    with transaction.atomic():
        do_create_client(request, client, referral, recorded_by=None)
        if mobile is not None:
            # Recorded with the referral, sent once both are committed.
            text = record_sending(
                request,
                client,
                Outgoing(
                    SentMessage.Kind.SELF_REFERRAL_TEXT,
                    to=mobile,
                    body=self_referral_text(client.area, referral.reference, how),
                ),
            )
    if text is not None:
        text = deliver(text)
    emailed = bool(client.email) and send_notification(
        [client.email],
        f"{client.area.programme_name}: we have your referral, reference {referral.reference}",
        "casework/email/self_referral_received.txt",
        {"area": client.area, "client": client, "reference": referral.reference, "reaching": how},
    )
    return SelfReferred(client, referral, emailed, how, text)


def do_add_referral(request: HttpRequest, client: Client, referral: Referral) -> Referral:
    """Another referral for a client already known (closed cases reopen)."""
    user = acting_user(request)
    with transaction.atomic():
        save_received_referral(client, referral, user)
        if client.closed_at is not None:
            Client.objects.filter(pk=client.pk).update(closed_at=None)
        client.touch()
        audit.record(request, "referral.created", client, area=client.area)
    return referral


def do_update_client(
    request: HttpRequest, client: Client, fields: Iterable[str], *, seen_version: int
) -> Client:
    """Save changes to a client's details, unless someone else saved them meanwhile."""
    changed = sorted(set(fields))
    with transaction.atomic():
        current = Client.objects.select_for_update().get(pk=client.pk)
        if current.version != seen_version:
            raise StaleEdit(
                "Someone else changed these details while you were editing them. Your changes "
                "have not been saved: check the details below and make them again."
            )
        client.version = current.version + 1
        client.save()
        audit.record(
            request, "client.changed", client, area=client.area, detail={"fields": changed}
        )
        client.touch()
    return client


def do_save_gp_summary(request: HttpRequest, referral: Referral, summary: str) -> Referral:
    """The link worker's summary for the message back to the GP and referrer (audited)."""
    with transaction.atomic():
        referral.summary_for_gp = summary.strip()
        referral.save(update_fields=["summary_for_gp"])
        client = referral.client
        client.touch()
        audit.record(request, "referral.summary_changed", client, area=client.area)
    return referral


def do_change_referral_status(
    request: HttpRequest,
    referral: Referral,
    status: str,
    *,
    on: date,
    reason: str = "",
    outcome: str = "",
) -> Referral:
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("client").get(pk=referral.pk)
        if status not in referral.NEXT.get(referral.status, ()):
            raise ActionRefused(
                f"A referral that is {referral.get_status_display().lower()} cannot become "
                f"{Referral.Status(status).label.lower()}."
            )
        if status in Referral.NEEDS_REASON and not reason.strip():
            raise ActionRefused("Give the reason.")
        if on < referral.status_changed_on:
            raise ActionRefused("The date cannot be before the referral's last step.")
        referral.status, referral.status_changed_on = status, on
        if status == Referral.Status.CLOSED:
            referral.outcome = outcome
        referral.save(update_fields=["status", "status_changed_on", "outcome"])
        ReferralStatusChange.objects.create(
            referral=referral,
            status=status,
            on=on,
            reason=reason.strip(),
            snomed_code=choices.SNOMED_DECLINED if status == Referral.Status.DECLINED else "",
            by=acting_user(request),
        )
        client = referral.client
        if not client.referrals.filter(status__in=Referral.OPEN).exists():
            Client.objects.filter(pk=client.pk).update(closed_at=timezone.now())
        elif client.closed_at is not None:
            Client.objects.filter(pk=client.pk).update(closed_at=None)
        client.touch()
        audit.record(
            request,
            "referral.status_changed",
            client,
            area=client.area,
            detail={"referral": str(referral.public_id), "status": status},
        )
    return referral


def do_save_assessment(
    request: HttpRequest, client: Client, assessment: Assessment, interests: Iterable[Category]
) -> Assessment:
    with transaction.atomic():
        assessment.client = client
        assessment.by = acting_user(request)
        assessment.referral = client.referrals.filter(status__in=Referral.OPEN).first()
        assessment.save()
        assessment.interests.set(list(interests))
        referral = assessment.referral
        if referral is not None and referral.status == Referral.Status.CONTACTED:
            do_change_referral_status(
                request, referral, Referral.Status.ASSESSED, on=assessment.assessed_on
            )
        elif referral is not None and referral.status == Referral.Status.RECEIVED:
            # Assessed at the first contact: both steps, on the same day.
            do_change_referral_status(
                request, referral, Referral.Status.CONTACTED, on=assessment.assessed_on
            )
            do_change_referral_status(
                request, referral, Referral.Status.ASSESSED, on=assessment.assessed_on
            )
        client.touch()
        audit.record(request, "assessment.saved", client, area=client.area)
    return assessment


def do_add_group(request: HttpRequest, client: Client, group: GroupMembership) -> GroupMembership:
    with transaction.atomic():
        group.client = client
        group.save()
        client.touch()
        audit.record(request, "group.changed", client, area=client.area, detail={"added": True})
    return group


def do_remove_group(
    request: HttpRequest, group: GroupMembership, *, on: date | None = None
) -> GroupMembership:
    """They have left the group: dated, not deleted, so how many groups they had at
    their baseline can still be counted (outcomes compare it with now)."""
    client = group.client
    left_on = on or timezone.localdate()
    with transaction.atomic():
        if group.left_on is None:
            if group.joined_on is not None and left_on < group.joined_on:
                left_on = group.joined_on  # left the day they joined, at the earliest
            group.left_on = left_on
            group.save(update_fields=["left_on"])
            client.touch()
            audit.record(request, "group.changed", client, area=client.area, detail={"left": True})
    return group


def do_record_contact(request: HttpRequest, client: Client, contact: Contact) -> Contact:
    with transaction.atomic():
        contact.client = client
        contact.by = acting_user(request)
        contact.save()
        referral = client.referrals.filter(status=Referral.Status.RECEIVED).first()
        if referral is not None and contact.on.date() >= referral.status_changed_on:
            do_change_referral_status(
                request,
                referral,
                Referral.Status.CONTACTED,
                on=timezone.localtime(contact.on).date(),
            )
        client.touch()
        audit.record(request, "contact.recorded", client, area=client.area)
    return contact


def do_add_task(request: HttpRequest, client: Client, task: Task) -> Task:
    with transaction.atomic():
        task.client = client
        task.created_by = acting_user(request)
        task.assigned_to = task.assigned_to or client.worker or acting_user(request)
        task.save()
        client.touch()
        audit.record(
            request, "task.changed", client, area=client.area, detail={"added": task.title}
        )
    return task


def do_complete_task(request: HttpRequest, task: Task) -> Task:
    with transaction.atomic():
        if task.done_at is None:
            task.done_at = timezone.now()
            task.save(update_fields=["done_at"])
            task.client.touch()
            audit.record(
                request,
                "task.changed",
                task.client,
                area=task.client.area,
                detail={"done": task.title},
            )
    return task


def do_assign(request: HttpRequest, client: Client, worker: User | None) -> Client:
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(worker=worker)
        client.worker = worker
        client.touch()
        audit.record(
            request,
            "client.handed_over",
            client,
            area=client.area,
            detail={"to": worker.email if worker else None},
        )
    return client
