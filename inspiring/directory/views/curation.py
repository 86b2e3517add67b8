"""Coordinator pages: approvals, stale listings, reported changes, programme planning."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import editable_activities, get_activity_for_editing, working_area
from ..actions import (
    ActionRefused,
    do_approve,
    do_confirm_listing_signed_in,
    do_pause_listing,
    do_remind_group,
    do_resolve_report,
    do_return,
)
from ..forms import ReturnForm
from ..models import Activity, ActivityQuerySet, ListingReport
from ..planning import TIMES, sessions_going_ahead, supply


class OnBehalfForm(forms.Form):
    note = forms.CharField(
        label="How do you know it is still right?",
        help_text="For example, phoned the organiser on 4 December, or saw it on their website",
        max_length=300,
        error_messages={
            "required": "Say how you know the listing is still right",
            "max_length": "The note must be 300 characters or fewer",
        },
    )


LISTING_ACTIONS = ("remind", "confirm", "pause")


def act_on_listing(
    request: HttpRequest, candidates: ActivityQuerySet, *, anchor: str, gone: str
) -> tuple[HttpResponse | None, Activity | None, OnBehalfForm]:
    """A coordinator's answer to one listing among `candidates` (posted as `activity`):
    remind the group, confirm on its behalf with a note, or pause it. Used by the stale
    listings on the curation page and by the staff activity page.

    Returns a redirect to `anchor` on this page once done (so Back and refresh do not
    repeat it; `gone` is said when the listing is no longer among the candidates), else
    the listing whose note form is open (`?confirm=<public id>`) and that form."""
    action = request.POST.get("action")
    chosen = request.POST.get("activity") or request.GET.get("confirm") or ""
    try:
        uuid.UUID(chosen)
    except ValueError:
        chosen = ""
    target = candidates.filter(public_id=chosen).first() if chosen else None
    form = OnBehalfForm(posted(request) if action == "confirm" else None)
    if request.method != "POST" or action not in LISTING_ACTIONS:
        return None, target, form
    done = redirect(f"{request.path}#{anchor}")
    if target is None:
        messages.error(request, gone)
        return done, None, form
    if action == "remind":
        problem = do_remind_group(request, target)
        if problem:
            messages.error(request, problem)
        else:
            messages.success(request, f"{target.organisation} has been emailed a reminder.")
        return done, None, form
    if action == "pause":
        try:
            do_pause_listing(request, target)
        except ActionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                f"{target.title} is paused: its sessions are no longer listed or suggested. "
                "The group can set it running again from its listing.",
            )
        return done, None, form
    if form.is_valid():
        try:
            do_confirm_listing_signed_in(request, target, note=form.cleaned_data["note"])
        except ActionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"{target.title} is confirmed on behalf of the group.")
        return done, None, form
    return None, target, form


@require_capability(Capability.CURATE_DIRECTORY)
def curation(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    activities = editable_activities(request)
    acted, confirming, on_behalf_form = act_on_listing(
        request,
        activities.published().stale(),
        anchor="stale-listings",
        gone="That listing is no longer stale: the list has been refreshed.",
    )
    if acted is not None:
        return acted
    live = activities.published()
    now = timezone.now()
    confirmed = live.confirmed_since(now - timedelta(days=settings.LISTING_CONFIRM_DAYS)).count()
    total = live.count()
    return render(
        request,
        "directory/staff/curation.html",
        {
            "area": area,
            "pending": activities.filter(status=Activity.Status.PENDING)
            .select_related("organisation", "revision_of")
            .order_by("updated_at"),
            "stale": live.stale().select_related("organisation").order_by("last_confirmed_at")[:50],
            "stale_count": live.stale().count(),
            "reports": ListingReport.objects.filter(
                activity__in=activities, resolved_at__isnull=True
            ).select_related("activity", "activity__organisation"),
            "live_count": total,
            "confirmed_count": confirmed,
            "confirmed_share": round(100 * confirmed / total) if total else None,
            "confirm_days": settings.LISTING_CONFIRM_DAYS,
            "stale_days": settings.LISTING_STALE_DAYS,
            "hide_days": settings.LISTING_HIDE_DAYS,
            "confirming": confirming,
            "form": on_behalf_form,
        },
    )


@require_capability(Capability.CURATE_DIRECTORY)
def review(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A submission side by side with what is live now; approve it or send it back."""
    item = get_activity_for_editing(request, public_id)
    form = ReturnForm(posted(request))
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                live = do_approve(request, item)
                messages.success(request, f"{live.title} is published.")
                return redirect("directory:curation")
            if form.is_valid():
                do_return(request, item, note=form.cleaned_data["note"])
                messages.success(request, f"{item.title} has been sent back to the partner.")
                return redirect("directory:curation")
        except ActionRefused as refused:
            messages.error(request, str(refused))
            return redirect("directory:curation")
    changes = []
    if item.revision_of is not None:
        from ..actions import ACTIVITY_FIELDS

        for name in ACTIVITY_FIELDS:
            before, after = getattr(item.revision_of, name), getattr(item, name)
            if before != after:
                field = Activity._meta.get_field(name)
                label = str(getattr(field, "verbose_name", name)).capitalize()
                changes.append((label, before, after))
        live = item.revision_of
        for label, before_names, after_names in (
            (
                "Type of activity",
                live.categories.values_list("name", flat=True),
                item.categories.values_list("name", flat=True),
            ),
            (
                "What makes it easier to come",
                live.support_features.values_list("name", flat=True),
                item.support_features.values_list("name", flat=True),
            ),
        ):
            if set(before_names) != set(after_names):
                changes.append(
                    (label, ", ".join(sorted(before_names)), ", ".join(sorted(after_names)))
                )
        before_s = [s.summary for s in live.schedules.all()]
        after_s = [s.summary for s in item.schedules.all()]
        if before_s != after_s:
            changes.append(("When", "; ".join(before_s), "; ".join(after_s)))
        # Every excluded date, not the summary's count of them.
        before_x = sorted(d for s in live.schedules.all() for d in s.exdates)
        after_x = sorted(d for s in item.schedules.all() for d in s.exdates)
        if before_x != after_x:
            changes.append(("Dates it does not run", ", ".join(before_x), ", ".join(after_x)))
    return render(
        request,
        "directory/staff/review.html",
        {
            "activity": item,
            "form": form,
            "changes": changes,
            "schedules": list(item.schedules.all()),
        },
    )


@require_POST
@require_capability(Capability.CURATE_DIRECTORY)
def resolve_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(
        ListingReport.objects.filter(activity__in=editable_activities(request)), pk=report_id
    )
    do_resolve_report(request, report)
    messages.success(request, "The report has been marked as dealt with.")
    return redirect("directory:curation")


@require_capability(Capability.CURATE_DIRECTORY)
def planning(request: HttpRequest) -> HttpResponse:
    """How the calendar covers the year, with the gaps visible (planning.supply defines both,
    for this page and for "What the calendar lacks")."""
    area = working_area(request)
    offered = supply(area)
    category_rows = offered.category_rows()
    day_rows = offered.day_rows()
    # Locality (the venue's town): sessions and activities.
    localities = (
        sessions_going_ahead(area, offered.start, offered.end)
        .exclude(activity__venue__isnull=True)
        .values("activity__venue__town")
        .annotate(n=Count("pk"), activities=Count("activity", distinct=True))
        .order_by("-n")
    )
    day_peak = max([n for _, row in day_rows for n in row] or [1]) or 1
    month_totals = [offered.by_month[m] for m in offered.months]
    month_peak = max(month_totals or [1]) or 1
    return render(
        request,
        "directory/staff/planning.html",
        {
            "area": area,
            "months": offered.months,
            "category_rows": category_rows,
            "day_rows": day_rows,
            "day_cells": [
                (name, [(n, offered.per_week(n)) for n in row]) for name, row in day_rows
            ],
            # Chart geometry (SVG units), computed here so the template only draws.
            "day_chart": [
                {
                    "y": index * 14,
                    "label": name[:3],
                    "bars": [
                        {"x": 40 + slot * 85, "width": round(80 * n / day_peak), "n": n}
                        for slot, n in enumerate(counts)
                    ],
                }
                for index, (name, counts) in enumerate(day_rows)
            ],
            "month_chart": [
                {
                    "x": index * 25,
                    "height": round(80 * n / month_peak),
                    "y": 90 - round(80 * n / month_peak),
                    "label": f"{m:%b}",
                    "n": n,
                }
                for index, (m, n) in enumerate(zip(offered.months, month_totals, strict=True))
            ],
            "times": list(TIMES),
            "localities": localities,
            "gaps": offered.category_month_gaps,
            "day_time_gaps": len(offered.day_time_gaps),
            "empty_days": offered.empty_days,
        },
    )
