"""Accepting an invitation: the link from the email, open to anyone who has it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lib.http import posted

from ..access import acting_user
from ..actions import ActionRefused, do_accept_invitation, do_accept_invitation_as_new_user
from ..forms import NewAccountForm
from ..invitations import invitation_from_token, what_for
from ..middleware import two_factor_redirect
from ..models import User


@login_not_required
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_from_token(token)
    if invitation is None or not invitation.is_pending:
        return render(
            request, "accounts/invitation_unusable.html", {"invitation": invitation}, status=410
        )
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if request.user.is_authenticated:
        # Signed in: accept as this user (the action checks it is the invited address),
        # once their two-factor sign-in is complete, as for any staff action.
        pending_two_factor = two_factor_redirect(request)
        if pending_two_factor is not None:
            return pending_two_factor
        if request.method == "POST":
            try:
                membership = do_accept_invitation(request, invitation, acting_user(request))
            except ActionRefused as refused:
                messages.error(request, str(refused))
                return redirect("accounts:home")
            messages.success(
                request,
                f"You have joined {membership.area.programme_name} as "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("accounts:home")
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "what_for": what_for(invitation)},
        )
    if existing is not None:
        # They have an account: sign in first, then come back to this link.
        return render(
            request,
            "accounts/invitation_sign_in.html",
            {
                "invitation": invitation,
                "what_for": what_for(invitation),
                "next": request.get_full_path(),
            },
        )
    form = NewAccountForm(
        posted(request), email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = do_accept_invitation_as_new_user(
                request,
                invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                f"Welcome to {membership.area.programme_name}. Your account is ready.",
            )
            return redirect("accounts:home")
    return render(
        request,
        "accounts/invitation_new_account.html",
        {"invitation": invitation, "what_for": what_for(invitation), "form": form},
    )
