"""The public self-referral form of an area: a referral in the triage queue, a
reference number for the person, and a confirmation by email when they gave one and
by text when they chose texts (or gave only a mobile)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from inspiring.areas.models import Area
from lib import throttle
from lib.http import posted, sender
from lib.throttle import Limit

from ..actions.clients import do_self_refer
from ..forms.clients import SelfReferralForm
from ..models import Client


@login_not_required
@never_cache
def self_referral(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    form = SelfReferralForm(posted(request), instance=Client(area=area))
    if request.method == "POST" and form.is_valid():
        if not _within_limits(request, area):
            # Nothing is lost: the form comes back as it was filled in.
            return render(
                request,
                "casework/self_referral.html",
                {"area": area, "form": form, "throttled": True},
                status=429,
            )
        client = form.save(commit=False)
        client.area = area
        referred = do_self_refer(
            request,
            client,
            reasons=form.cleaned_data["reasons"],
            reason_detail=form.cleaned_data["reason_detail"],
        )
        # The confirmation page reads these from the session, so the reference is
        # never in an address and a refresh, Back or Forward still shows it.
        request.session[SENT_KEY] = {
            "area": area.slug,
            "reference": referred.referral.reference,
            "contact": referred.reaching.method,
            "not_a_mobile": not referred.reaching.as_asked,
            "emailed": referred.emailed,
            "texted": referred.texted,
        }
        return redirect("casework:self_referral_sent", slug=area.slug)
    return render(request, "casework/self_referral.html", {"area": area, "form": form})


SENT_KEY = "casework.self_referral_sent"


def _within_limits(request: HttpRequest, area: Area) -> bool:
    """Count this referral against its address and its area; False past either limit.
    (Throttled per address first, so one sender's flood does not shut the area's form.)"""
    per_address = Limit(settings.SELF_REFERRALS_PER_ADDRESS_HOURLY, 3600)
    per_area = Limit(settings.SELF_REFERRALS_PER_AREA_HOURLY, 3600)
    address = sender(request) or "unknown"
    return throttle.hit("self-referral", f"{area.pk}:{address}", per_address) and throttle.hit(
        "self-referral-area", str(area.pk), per_area
    )


@login_not_required
@never_cache
def self_referral_sent(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    sent = request.session.get(SENT_KEY) or {}
    if sent.get("area") != area.slug:
        sent = {}
    return render(request, "casework/self_referral_sent.html", {"area": area, "sent": sent})
