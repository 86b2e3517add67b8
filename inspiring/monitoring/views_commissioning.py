"""The areas side by side and the quarterly return (pages, and CSV, XLSX and PDF files
of the same tables), and the researcher's home. Who sees which areas, and whether small
numbers are shown, is access.py's; the figures are commissioning.py's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area
from inspiring.evaluation.access import research_areas
from inspiring.evaluation.questions import QUESTIONS

from . import access, commissioning, exports, lines, periods
from .exports import Report
from .pages import asked, download, period_options, query_without

QUARTER_ONLY = "The quarterly return is for a financial quarter: choose one from the list"


def _areas(request: HttpRequest) -> list[Area]:
    """The areas asked for (`?area=slug&area=slug`), or every one in scope; 404 for an
    area out of scope."""
    return access.get_areas(request, [slug for slug in request.GET.getlist("area") if slug])


def _page(
    request: HttpRequest,
    template: str,
    build: Callable[[bool], Report],
    *,
    areas: list[Area],
    choice: periods.Choice,
    choices: list[periods.Choice],
    errors: list[str],
    extra: Callable[[Report], dict[str, Any]] = lambda report: {},
) -> HttpResponse:
    """Build the Report, then answer with one of its files (`?format=`, one table's with
    `&table=`) or the page; a bad parameter is said on the page, with 400."""
    may_reveal = access.reveals(request, areas)
    reveal = may_reveal and request.GET.get("for") != "sharing"
    wanted = asked(request, build(reveal), errors, where="on this page")
    report = wanted.report
    if wanted.fmt:
        return download(
            request,
            wanted,
            action="monitoring.exported",
            of=areas,
            period=choice.period,
            detail={
                "page": template.split("/")[-1].removesuffix(".html"),
                "areas": [area.slug for area in areas],
                "small numbers shown": reveal,
            },
        )
    context = {
        "report": report,
        "areas": areas,
        "in_scope": access.monitoring_areas(request),
        "choice": choice,
        "choices": period_options(choices, choice),
        "errors": errors,
        "downloads": query_without(request, "format", "table", "for"),
        "may_reveal": may_reveal,
        "may_share": may_reveal and periods.Policy.hidden().offers(choice, timezone.localdate()),
        **extra(report),
    }
    return render(request, template, context, status=400 if errors else 200)


@never_cache
@require_capability(Capability.VIEW_MONITORING)
def compare(request: HttpRequest) -> HttpResponse:
    areas = _areas(request)
    today = timezone.localdate()
    errors: list[str] = []
    # With small numbers hidden (for sharing too): whole quarters that have ended.
    reveal = access.reveals(request, areas) and request.GET.get("for") != "sharing"
    policy = periods.Policy() if reveal else periods.Policy.hidden()
    try:
        choice = policy.choose(request.GET.dict(), today)
    except periods.PeriodError as error:
        errors.append(str(error))
        choice = policy.fallback(today)
    return _page(
        request,
        "monitoring/compare.html",
        lambda reveal: commissioning.compare(areas, choice, today, reveal=reveal),
        areas=areas,
        choice=choice,
        choices=policy.choices(today),
        errors=errors,
        # Each trend table drawn as lines too (the page only: the files have the table).
        extra=lambda report: {
            "charts": {
                table.key: lines.chart(table, len(areas))
                for section in report.sections
                for table in section.tables
                if table.key.startswith("trend-")
            }
        },
    )


@never_cache
@require_capability(Capability.VIEW_MONITORING)
def quarterly_return(request: HttpRequest) -> HttpResponse:
    areas = _areas(request)
    today = timezone.localdate()
    default = periods.last_complete_quarter(today)
    errors: list[str] = []
    reveal = access.reveals(request, areas) and request.GET.get("for") != "sharing"
    hidden = periods.Policy.hidden()
    try:
        choice = periods.parse(request.GET.dict(), today, default=default)
        if not commissioning.is_quarter(choice):
            errors.append(QUARTER_ONLY)
            choice = periods.parse({}, today, default=default)
        elif not reveal:
            # With small numbers hidden (for sharing too): a quarter that has ended.
            choice = hidden.choose(request.GET.dict(), today)
    except periods.PeriodError as error:
        errors.append(str(error))
        choice = periods.parse({}, today, default=default)
    offered = periods.choices(today) if reveal else hidden.choices(today)
    return _page(
        request,
        "monitoring/quarterly_return.html",
        lambda reveal: commissioning.quarterly_return(areas, choice, reveal=reveal),
        areas=areas,
        choice=choice,
        choices=[c for c in offered if commissioning.is_quarter(c)],
        errors=errors,
        extra=lambda report: {"codes": commissioning.CODES},
    )


@never_cache
@require_capability(Capability.ANALYSE_RESEARCH_DATA)
def research(request: HttpRequest) -> HttpResponse:
    """A researcher's areas, with the ways into the evaluation and monitoring, and the
    headline figures of the last complete quarter (small numbers hidden, as for anyone
    but the areas' own coordinators), as CSV or XLSX too (`?format=`: the page's own
    tables, audited; a bad format, or no figures to give, is said on the page with 400)."""
    from .tables import Section

    areas = research_areas(request)
    watched = access.monitoring_areas(request)
    today = timezone.localdate()
    choice = periods.parse({}, today, default=commissioning.last_complete_quarter(today))
    fmt = request.GET.get("format", "")
    errors: list[str] = []
    if fmt and fmt not in ("csv", "xlsx"):
        errors.append("Choose CSV or XLSX to download")
    elif fmt and not watched:
        errors.append("There are no figures to download: none are open to your role")
    context: dict[str, Any] = {
        "areas": areas,
        "watched": watched,
        "choice": choice,
        "questions": QUESTIONS,
        "tables": [],
        "revealed": False,
        "errors": errors,
    }
    if watched:
        revealed = access.reveals(request, watched)
        context["revealed"] = revealed
        tables = commissioning.headline_tables(
            watched, choice.period, reveal=revealed, prefix="research-"
        )
        context["tables"] = tables
        if fmt and not errors:
            names = [area.name for area in watched]
            where = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            report = Report(
                title=f"Headline figures: {choice.label}",
                covers=f"{where}: {periods.describe(choice.period)}",
                sections=[Section("headline", "Headline figures", tables)],
                slug="research-{}-{}-to-{}".format(
                    "-".join(area.slug for area in watched), choice.period.start, choice.period.end
                ),
                revealed=revealed,
            )
            audit.record(
                request,
                "monitoring.exported",
                area=watched[0] if len(watched) == 1 else None,
                detail={
                    "page": "research",
                    "areas": [area.slug for area in watched],
                    "from": str(choice.period.start),
                    "to": str(choice.period.end),
                    "format": fmt,
                    "small numbers shown": revealed,
                },
            )
            return exports.response(report, fmt, area_names=names, request=request)
    return render(request, "monitoring/research.html", context, status=400 if errors else 200)
