"""The public self-referral form of an area: a referral in the triage queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from inspiring.areas.models import Area
from lib.http import posted

from ..actions.clients import do_create_client
from ..choices import ReferralSource
from ..forms.clients import SelfReferralForm
from ..models import Client, Referral


@login_not_required
@never_cache
def self_referral(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    form = SelfReferralForm(posted(request), instance=Client(area=area))
    if request.method == "POST" and form.is_valid():
        client = form.save(commit=False)
        client.area = area
        today = timezone.localdate()
        referral = Referral(
            source=ReferralSource.SELF,
            reasons=form.cleaned_data["reasons"],
            reason_detail=form.cleaned_data["reason_detail"],
            received_on=today,
        )
        do_create_client(request, client, referral, recorded_by=None)
        return redirect("casework:self_referral_sent", slug=area.slug)
    return render(request, "casework/self_referral.html", {"area": area, "form": form})


@login_not_required
def self_referral_sent(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    return render(request, "casework/self_referral_sent.html", {"area": area})
