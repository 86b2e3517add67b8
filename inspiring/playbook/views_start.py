"""Starting a new area (site administrators only): the form, then what was copied.

access -> validate -> act (starting.start_area) -> respond: the message is made here.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from inspiring.accounts.access import acting_user
from inspiring.accounts.models import AuditEntry
from inspiring.areas.models import Area
from lib.http import posted

from . import access
from .forms_start import StartAreaForm
from .starting import (
    ACTION,
    NEVER_COPIED,
    SITE_WIDE,
    StartRefused,
    start_area,
    started_from,
    summary,
)

# The playbook's progress page (tasks part); its address if the name is not there.
PROGRESS_URL_NAME = "playbook:progress"
PROGRESS_PATH = "/staff/playbook/"


def _only_site_admins(request: HttpRequest) -> None:
    if not access.can_start_areas(request):
        raise PermissionDenied("Only a site administrator can start a new area.")


def _progress_url() -> str:
    try:
        return reverse(PROGRESS_URL_NAME)
    except NoReverseMatch:
        return PROGRESS_PATH


def start_area_page(request: HttpRequest) -> HttpResponse:
    _only_site_admins(request)
    form = StartAreaForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = start_area(
                name=data["name"],
                programme_name=data["programme_name"],
                slug=data["slug"],
                districts=data["districts"],
                lead_organisation=data["lead_organisation"],
                source=data["source"],
                by=acting_user(request),
                request=request,
            )
        except StartRefused as refused:
            form.add_refusal(refused)
        else:
            if started.created:
                messages.success(request, started.message)
            else:
                messages.info(request, started.message)
            return redirect("playbook:area_started", slug=started.area.slug)
    return render(
        request,
        "playbook/start_area.html",
        {
            "form": form,
            "site_wide": SITE_WIDE,
            "never_copied": NEVER_COPIED,
            "started_areas": _started_areas(),
        },
    )


def _started_areas() -> list[tuple[Area, Area]]:
    """Areas started here so far, with where each started from (newest first)."""
    entries = AuditEntry.objects.filter(action=ACTION, area__isnull=False).order_by("-pk")[:20]
    by_slug = {area.slug: area for area in Area.objects.all()}
    found: list[tuple[Area, Area]] = []
    seen: set[int] = set()
    for entry in entries.select_related("area"):
        source = by_slug.get(entry.detail.get("from", ""))
        if entry.area is not None and source is not None and entry.area.pk not in seen:
            seen.add(entry.area.pk)
            found.append((entry.area, source))
    return found


def area_started_page(request: HttpRequest, slug: str) -> HttpResponse:
    _only_site_admins(request)
    area = get_object_or_404(Area, slug=slug)
    source = started_from(area)
    if source is None:
        raise Http404("This area was not started from another")
    started = summary(area, source, created=False, message="")
    return render(
        request,
        "playbook/start_done.html",
        {
            "started": started,
            "area": area,
            "districts": area.districts_named(),
            "site_wide": SITE_WIDE,
            "never_copied": NEVER_COPIED,
            "progress_url": _progress_url(),
            "team_url": reverse("accounts:team"),
        },
    )
