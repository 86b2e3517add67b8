"""The staff home, choosing the area to work in, and the account page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticToken

from lib.http import posted

from ..access import acting_user, has_authenticator, staff_context
from ..actions import do_choose_area
from ..forms import ChooseAreaForm
from ..home import cards_for
from ..roles import ROLE_DESCRIPTIONS


def staff_home(request: HttpRequest) -> HttpResponse:
    """What the signed-in person can do, for the role they hold in the area they work in."""
    context = staff_context(request)
    if context.needs_area_choice:
        return redirect("accounts:choose_area")
    cards = cards_for(context)
    warnings = [(card, card.warning(request) if card.warning else "") for card in cards]
    return render(
        request,
        "accounts/home.html",
        {
            "cards": [(card, card.status(request) if card.status else "") for card in cards],
            "warnings": [(card, text) for card, text in warnings if text],
            "role_description": ROLE_DESCRIPTIONS.get(context.role or "", ""),
            "other_areas": len(context.choosable_areas()) > 1,
        },
    )


def choose_area(request: HttpRequest) -> HttpResponse:
    context = staff_context(request)
    areas = context.choosable_areas()
    if not areas:
        return redirect("accounts:home")
    initial = {"area": context.area.pk} if context.area else None
    form = ChooseAreaForm(posted(request), areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        do_choose_area(request, form.chosen_area())
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("accounts:home")
        return redirect(next_url)
    return render(
        request,
        "accounts/choose_area.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = staff_context(request)
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": context.memberships,
            "has_two_factor": has_authenticator(acting_user(request)),
            "recovery_codes_left": StaticToken.objects.filter(device__user_id=user.pk).count(),
        },
    )
