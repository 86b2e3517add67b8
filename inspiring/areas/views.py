"""Public pages: the list of programmes and each area's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render

from .forms import FindProgrammeForm
from .geography import area_for_place
from .models import Area

# The postcode a visitor last searched from, remembered for their visit (the
# site root, the area home and What's on share it).
POSTCODE_KEY = "visit_postcode"


def remembered_postcode(request: HttpRequest) -> str:
    return str(request.session.get(POSTCODE_KEY, ""))


def remember_postcode(request: HttpRequest, postcode: str) -> None:
    """Keep a postcode for this visit only; an empty one forgets it."""
    if not postcode:
        if POSTCODE_KEY in request.session:
            del request.session[POSTCODE_KEY]
        return
    if request.session.get(POSTCODE_KEY) == postcode:
        return
    request.session[POSTCODE_KEY] = postcode
    if not request.user.is_authenticated:
        # A visitor's session ends when the browser closes: the postcode is for this visit.
        request.session.set_expiry(0)


def near_query(postcode: str) -> str:
    """What's on's query for "nearest to this postcode first"."""
    query = QueryDict(mutable=True)
    query.update({"postcode": postcode, "sort": "distance"})
    return query.urlencode()


@login_not_required
def index(request: HttpRequest) -> HttpResponse:
    """Every programme, and "find your local programme" by postcode."""
    form = FindProgrammeForm(request.GET if "postcode" in request.GET else None)
    place = None
    if form.is_bound and form.is_valid():
        place = form.cleaned_data["postcode"]
        # Remembered for the visit: the area home offers What's on nearest to it.
        remember_postcode(request, place.postcode)
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
    postcode = ""
    if request.GET.get("postcode"):
        form = FindProgrammeForm(request.GET)
        if form.is_valid():
            postcode = form.cleaned_data["postcode"].postcode
            remember_postcode(request, postcode)
    else:
        postcode = remembered_postcode(request)
    return render(
        request,
        "areas/home.html",
        {
            "area": area,
            "postcode": postcode,
            "near_query": near_query(postcode) if postcode else "",
            # Areas whose activities people here also see, and those that see ours.
            "shared_from": area.shared_by.all(),
            "shares_with": area.shares_with.all(),
        },
    )
