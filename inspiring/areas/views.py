"""Public pages: the list of programmes and each area's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from .forms import FindProgrammeForm
from .geography import area_for_place
from .models import Area


@login_not_required
def index(request: HttpRequest) -> HttpResponse:
    """Every programme, and "find your local programme" by postcode."""
    form = FindProgrammeForm(request.GET if "postcode" in request.GET else None)
    place = None
    if form.is_bound and form.is_valid():
        place = form.cleaned_data["postcode"]
        area = area_for_place(place)
        if area is not None:
            return redirect(area)
    return render(
        request,
        "areas/index.html",
        {"areas": Area.objects.all(), "form": form, "place_without_programme": place},
    )


@login_not_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    return render(
        request,
        "areas/home.html",
        {
            "area": area,
            # Areas whose activities people here also see, and those that see ours.
            "shared_from": area.shared_by.all(),
            "shares_with": area.shares_with.all(),
        },
    )
