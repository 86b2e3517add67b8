"""Writes that span models or have side effects: each one transaction, each audited.

Views, commands and tests call these; none of them writes memberships or
invitations directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.areas.models import Area
from lib.actions import ActionRefused

from . import audit
from .access import SESSION_AREA_KEY, acting_user
from .invitations import invitation_accepted
from .models import EmailStatus, Invitation, Membership, User, normalise_email
from .roles import Role
from .tasks import send_invitation_email


def _lock_area(area_id: int) -> Area:
    """Serialise team changes within one area.

    Rules that span rows (at least one coordinator; one pending invitation per
    address) are checked after this lock, so two coordinators acting at once
    take turns instead of both passing the check or deadlocking on each
    other's rows. (A no-op on SQLite, whose IMMEDIATE transactions already
    serialise writers.)
    """
    return Area.objects.select_for_update().get(pk=area_id)


def _enqueue_invitation_email(invitation: Invitation) -> None:
    # After commit, so a worker in another process can see the invitation.
    transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk))


def do_send_invitation(
    request: HttpRequest,
    *,
    area: Area,
    email: str,
    full_name: str,
    role: str,
    extra: dict[str, Any] | None = None,
) -> Invitation:
    """Invite someone by email. `extra`: other apps' answers (InvitationQuestion), kept
    as they are for the app to act on when the invitation is accepted."""
    email = normalise_email(email)
    with transaction.atomic():
        _lock_area(area.pk)
        if Membership.objects.filter(area=area, user__email=email).exists():
            raise ActionRefused(
                f"{email} is already in the {area.name} team. Change their role instead."
            )
        if Invitation.objects.pending().filter(area=area, email=email).exists():
            raise ActionRefused(
                f"{email} already has an invitation waiting. You can send it again from the "
                "team page."
            )
        invitation = Invitation.objects.create(
            area=area,
            email=email,
            full_name=full_name,
            role=role,
            invited_by=acting_user(request),
            extra=extra or {},
        )
        audit.record(
            request,
            "invitation.sent",
            invitation,
            area=area,
            detail={"email": email, "role": role},
        )
        _enqueue_invitation_email(invitation)
    return invitation


def do_resend_invitation(request: HttpRequest, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise ActionRefused("This invitation was accepted or withdrawn, so it cannot be sent.")
        now = timezone.now()
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
        invitation.email_status = EmailStatus.QUEUED
        invitation.email_error = ""
        invitation.save(update_fields=["sent_at", "expires_at", "email_status", "email_error"])
        audit.record(request, "invitation.resent", invitation, area=invitation.area)
        _enqueue_invitation_email(invitation)
    return invitation


def do_revoke_invitation(request: HttpRequest, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise ActionRefused("This invitation has already been accepted.")
        if not invitation.revoked_at:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit.record(request, "invitation.revoked", invitation, area=invitation.area)
    return invitation


def _lock_pending_invitation(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().select_related("area").get(pk=invitation.pk)
    if not locked.is_pending:
        raise ActionRefused(
            "This invitation can no longer be used. Ask the coordinator to send a new one."
        )
    return locked


def _accept(request: HttpRequest, invitation: Invitation, user: User) -> Membership:
    if normalise_email(user.email) != invitation.email:
        raise ActionRefused(
            f"This invitation is for {invitation.email}. Sign out, then open the link again "
            "and sign in with that address."
        )
    if Membership.objects.filter(user=user, area=invitation.area).exists():
        raise ActionRefused(f"You are already in the {invitation.area.name} team.")
    membership = Membership.objects.create(
        user=user, area=invitation.area, role=invitation.role, created_by=invitation.invited_by
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(request, "invitation.accepted", invitation, area=invitation.area, actor=user)
    audit.record(
        request,
        "membership.created",
        membership,
        area=invitation.area,
        actor=user,
        detail={"role": membership.role},
    )
    # Other apps act on their answers to the invitation, in this transaction.
    invitation_accepted.send(
        sender=Invitation,
        invitation=invitation,
        membership=membership,
        user=user,
        request=request,
    )
    return membership


def do_accept_invitation(request: HttpRequest, invitation: Invitation, user: User) -> Membership:
    """Give an existing user the invited role. It must be their email address."""
    with transaction.atomic():
        return _accept(request, _lock_pending_invitation(invitation), user)


def do_accept_invitation_as_new_user(
    request: HttpRequest, invitation: Invitation, *, full_name: str, password: str
) -> Membership:
    """Create the invited person's account and give it the role, in one transaction.

    The invitation is locked first, so a double-click or two tabs cannot create
    the account twice.
    """
    with transaction.atomic():
        locked = _lock_pending_invitation(invitation)
        exists = ActionRefused(
            f"There is already an account for {locked.email}. Sign in, then open the link again."
        )
        if User.objects.filter(email__iexact=locked.email).exists():
            raise exists
        try:
            with transaction.atomic():
                user = User.objects.create_user(locked.email, password, full_name=full_name)
        except IntegrityError:
            raise exists from None
        return _accept(request, locked, user)


def _lock_membership(membership: Membership, seen_updated_at: datetime | None) -> Membership:
    _lock_area(membership.area_id)
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "area")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise ActionRefused("This person has already been removed from the team.")
    if seen_updated_at is not None and locked.updated_at != seen_updated_at:
        raise ActionRefused(
            f"Someone else changed {locked.user}'s role while you were looking at it: it is now "
            f"{locked.get_role_display()}. Check it and try again."
        )
    return locked


def _refuse_if_last_coordinator(membership: Membership, change: str) -> None:
    if membership.role != Role.COORDINATOR:
        return
    # The area is locked (_lock_membership), so this count cannot change under us.
    others = Membership.objects.filter(area=membership.area, role=Role.COORDINATOR).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ActionRefused(
            f"{membership.user} is the only coordinator of {membership.area.name}, so you cannot "
            f"{change}. Make someone else a coordinator first."
        )


def do_change_role(
    request: HttpRequest,
    membership: Membership,
    *,
    role: str,
    seen_updated_at: datetime | None,
) -> Membership:
    with transaction.atomic():
        locked = _lock_membership(membership, seen_updated_at)
        if locked.role == role:
            return locked
        if role != Role.COORDINATOR:
            _refuse_if_last_coordinator(locked, "change their role")
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role", "updated_at"])
        audit.record(
            request,
            "membership.role_changed",
            locked,
            area=locked.area,
            detail={"user": locked.user.email, "from": before, "to": role},
        )
    return locked


def do_remove_membership(
    request: HttpRequest, membership: Membership, *, seen_updated_at: datetime | None
) -> None:
    with transaction.atomic():
        locked = _lock_membership(membership, seen_updated_at)
        _refuse_if_last_coordinator(locked, "remove them")
        audit.record(
            request,
            "membership.removed",
            locked,
            area=locked.area,
            detail={"user": locked.user.email, "role": locked.role},
        )
        locked.delete()


def do_choose_area(request: HttpRequest, area: Area) -> None:
    request.session[SESSION_AREA_KEY] = area.pk
    audit.record(request, "area.chosen", area, area=area)


# --- Two-factor sign-in -------------------------------------------------------------

# Recovery codes made at a time: each works once.
RECOVERY_CODE_COUNT = 10


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new single-use ones."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def do_pair_authenticator(request: HttpRequest, user: User, device: TOTPDevice) -> list[str]:
    """Save the authenticator app whose code was right, with new recovery codes (returned,
    to show once)."""
    with transaction.atomic():
        # Unconfirmed devices left by earlier versions of the pairing page.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device.user = user
        device.confirmed = True
        device.save()
        codes = _new_recovery_codes(user)
        audit.record(request, "auth.two_factor_set_up", user)
    return codes


def do_renew_recovery_codes(request: HttpRequest, user: User) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(request, "auth.recovery_codes_renewed", user)
    return codes
