"""Funding: the working area's grants (list with its CSV and XLSX, one grant's page,
new, change, delete) and the population figures it records, for its coordinators
(Capability.MANAGE_FUNDING). Every change is audited (funding.do_…, population.do_…)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability, working_area
from inspiring.accounts.roles import Capability
from inspiring.directory.models import Activity
from lib.http import posted

from . import access, exports, funding
from .forms import GrantForm, PopulationForm
from .models import Grant
from .population import DEFAULT_SOURCE, do_record_population, missing_groups, recorded

FUNDING = Capability.MANAGE_FUNDING
LIST_FORMATS = ("csv", "xlsx")


@never_cache
@require_capability(FUNDING)
def grants(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    today = timezone.localdate()
    reveal = access.reveals(request, [area])
    found = access.grants_for(request).prefetch_related(
        "organisations",
        Prefetch("activities", queryset=Activity.objects.order_by("title")),
    )
    rows = [funding.figures(grant, today=today, reveal=reveal) for grant in found]
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in LIST_FORMATS:
            return render(
                request,
                "monitoring/grants.html",
                {"area": area, "rows": rows, "error": "Choose CSV or XLSX to download"},
                status=400,
            )
        audit.record(
            request,
            "monitoring.exported",
            area=area,
            detail={"kind": "grants", "format": fmt, "grants": len(rows)},
        )
        report = funding.list_report(area, rows, reveal=reveal, today=today)
        return exports.response(report, fmt, area_names=[area.name], request=request)
    return render(
        request,
        "monitoring/grants.html",
        {
            "area": area,
            "rows": rows,
            "total": sum((row.grant.amount for row in rows), start=0),
            "reveal": reveal,
        },
    )


@never_cache
@require_capability(FUNDING)
def grant(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One grant's page, and its figures as CSV or XLSX (`?format=`): the page's table."""
    item = access.get_grant(request, public_id)
    today = timezone.localdate()
    reveal = access.reveals(request, [item.area])
    figures = funding.figures(item, today=today, reveal=reveal)
    report = funding.grant_report(figures, reveal=reveal)
    fmt = request.GET.get("format", "")
    error = ""
    if fmt and fmt not in LIST_FORMATS:
        error = "Choose CSV or XLSX to download"
    elif fmt and report is None:
        error = "This grant has no figures to download yet"
    elif fmt and report is not None and figures.period is not None:
        audit.record(
            request,
            "monitoring.exported",
            item,
            area=item.area,
            detail={
                "kind": "grant",
                "format": fmt,
                "from": str(figures.period.start),
                "to": str(figures.period.end),
                "small numbers shown": reveal,
            },
        )
        return exports.response(report, fmt, area_names=[item.area.name], request=request)
    return render(
        request,
        "monitoring/grant.html",
        {
            "grant": item,
            "figures": figures,
            "supports": funding.supports_text(item),
            "reveal": reveal,
            "people_label": funding.people_label(item),
            "error": error,
        },
        status=400 if error else 200,
    )


def _form_page(
    request: HttpRequest, form: GrantForm, item: Grant | None, stale: str = ""
) -> HttpResponse:
    return render(
        request,
        "monitoring/grant_form.html",
        {"form": form, "grant": item, "stale": stale, "area": working_area(request)},
    )


@never_cache
@require_capability(FUNDING)
def grant_create(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    form = GrantForm(posted(request), instance=Grant(area=area), area=area)
    if request.method == "POST" and form.is_valid():
        item = funding.do_create_grant(
            request,
            form.save(commit=False),
            organisations=form.cleaned_data["organisations"],
            activities=form.cleaned_data["activities"],
        )
        messages.success(request, f"The grant from {item.funder} is saved.")
        return redirect(item)
    return _form_page(request, form, None)


@never_cache
@require_capability(FUNDING)
def grant_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = access.get_grant(request, public_id)
    area = item.area
    # The form changes its own copy as it validates: `item` stays as saved, for the page.
    form = GrantForm(posted(request), instance=Grant.objects.get(pk=item.pk), area=area)
    stale = ""
    if request.method == "POST" and form.is_valid():
        try:
            saved = funding.do_update_grant(
                request,
                form.save(commit=False),
                form.changed_data,
                seen_version=form.cleaned_data["version"] or 0,
                organisations=form.cleaned_data["organisations"],
                activities=form.cleaned_data["activities"],
            )
        except funding.StaleGrant as problem:
            # Keep what they typed, now against the version saved meanwhile: saving again
            # is their decision, with what is saved now shown above it.
            item = access.get_grant(request, public_id)
            data = request.POST.copy()
            data["version"] = str(item.version)
            fresh = Grant.objects.get(pk=item.pk)
            form, stale = GrantForm(data, instance=fresh, area=area), str(problem)
        else:
            messages.success(request, f"The grant from {saved.funder} is saved.")
            return redirect(saved)
    return _form_page(request, form, item, stale)


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(FUNDING)
def grant_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = access.get_grant(request, public_id)
    if request.method == "POST":
        funding.do_delete_grant(request, item)
        messages.success(request, f"The grant from {item.funder} is deleted.")
        return redirect("monitoring:grants")
    return render(
        request,
        "monitoring/grant_delete.html",
        {"grant": item, "supports": funding.supports_text(item)},
    )


@never_cache
@require_capability(FUNDING)
def population(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    saved = recorded(area)
    initial: dict[str, object] = {
        f"{dimension}__{group}": figure.count for (dimension, group), figure in saved.items()
    }
    sources = sorted({figure.source for figure in saved.values()})
    initial["source"] = sources[0] if len(sources) == 1 else DEFAULT_SOURCE
    form = PopulationForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = do_record_population(
            request, area, form.figures(), source=form.cleaned_data["source"].strip()
        )
        messages.success(
            request,
            "The population figures are saved." if changed else "Nothing was changed.",
        )
        return redirect("monitoring:population")
    latest = max(saved.values(), key=lambda figure: figure.updated_at, default=None)
    return render(
        request,
        "monitoring/population.html",
        {
            "form": form,
            "area": area,
            "latest": latest,
            "sources": sources,
            "missing": missing_groups(saved.keys()),
        },
    )
