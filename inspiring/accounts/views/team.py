"""The coordinator's team page: members and invitations of the area, and role changes."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from lib.http import posted

from ..access import (
    get_invitation_for_area,
    get_membership_for_area,
    require_capability,
    staff_context,
)
from ..actions import (
    ActionRefused,
    do_change_role,
    do_remove_membership,
    do_resend_invitation,
    do_revoke_invitation,
    do_send_invitation,
)
from ..forms import ConfirmForm, InviteForm, RoleForm
from ..models import Invitation, Membership
from ..roles import Capability


@require_capability(Capability.MANAGE_TEAM)
def team(request: HttpRequest) -> HttpResponse:
    area = staff_context(request).area
    assert area is not None
    return render(
        request,
        "accounts/team.html",
        {
            "members": Membership.objects.in_area(area).order_by("user__full_name"),
            "invitations": Invitation.objects.pending()
            .filter(area=area)
            .select_related("invited_by")
            .order_by("-sent_at"),
        },
    )


@require_capability(Capability.MANAGE_TEAM)
def invite(request: HttpRequest) -> HttpResponse:
    area = staff_context(request).area
    assert area is not None
    form = InviteForm(posted(request), area=area)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = do_send_invitation(
                request,
                area=area,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                extra=form.extra,
            )
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works until "
                f"{date_format(timezone.localtime(invitation.expires_at), 'j F Y')}.",
            )
            return redirect("accounts:team")
    return render(request, "accounts/invite.html", {"form": form})


@require_capability(Capability.MANAGE_TEAM)
def member(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    membership = get_membership_for_area(request, public_id)
    form = RoleForm(
        posted(request), initial={"role": membership.role, "seen": membership.updated_at}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = do_change_role(
                request,
                membership,
                role=form.cleaned_data["role"],
                seen_updated_at=form.cleaned_data["seen"],
            )
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, f"{changed.user} is now {changed.get_role_display().lower()}."
            )
            return redirect("accounts:team")
    return render(request, "accounts/member.html", {"membership": membership, "form": form})


@require_capability(Capability.MANAGE_TEAM)
def remove_member(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    membership = get_membership_for_area(request, public_id)
    form = ConfirmForm(posted(request), initial={"seen": membership.updated_at})
    if request.method == "POST" and form.is_valid():
        try:
            do_remove_membership(request, membership, seen_updated_at=form.cleaned_data["seen"])
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, f"{membership.user} has been removed from the {membership.area.name} team."
            )
            return redirect("accounts:team")
    return render(request, "accounts/remove_member.html", {"membership": membership, "form": form})


@require_POST
@require_capability(Capability.MANAGE_TEAM)
def resend_invitation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    invitation = get_invitation_for_area(request, public_id)
    try:
        do_resend_invitation(request, invitation)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    return redirect("accounts:team")


@require_POST
@require_capability(Capability.MANAGE_TEAM)
def revoke_invitation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    invitation = get_invitation_for_area(request, public_id)
    try:
        do_revoke_invitation(request, invitation)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The invitation for {invitation.email} has been withdrawn.")
    return redirect("accounts:team")
