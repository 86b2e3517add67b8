"""The area dashboard, as a page and as CSV, XLSX and PDF files of the same tables."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability

from . import access, periods
from . import dashboard as dashboards
from .pages import asked, download, period_options, query_without


@never_cache
@require_capability(Capability.VIEW_MONITORING)
def dashboard(request: HttpRequest) -> HttpResponse:
    in_scope = access.monitoring_areas(request)
    slugs = [slug for slug in request.GET.getlist("area") if slug]
    areas = access.get_areas(request, slugs) if slugs else [access.default_area(request)]
    today = timezone.localdate()
    errors: list[str] = []
    coordinator = access.reveals(request, areas)
    # "For sharing": as anyone else sees it, under the same rules.
    for_sharing = request.GET.get("for") == "sharing"
    reveal = coordinator and not for_sharing
    if len(areas) > 1 and not reveal:
        # Figures for areas added together, beside each area's own, would let a hidden
        # count be worked out (the sum less the others): side by side is the compare page.
        errors.append(
            "Figures for several areas added together are for their coordinators: "
            "choose one area, or compare areas side by side"
        )
        areas = areas[:1]
    # With small numbers hidden: whole quarters that have ended (periods.Policy).
    policy = periods.Policy() if reveal else periods.Policy.hidden()
    try:
        choice = policy.choose(request.GET.dict(), today)
    except periods.PeriodError as error:
        errors.append(str(error))
        choice = policy.fallback(today)
    wanted = asked(
        request, dashboards.build(areas, choice, reveal=reveal), errors, where="on this page"
    )
    if wanted.fmt:
        return download(
            request,
            wanted,
            action="monitoring.exported",
            of=areas,
            period=choice.period,
            detail={"areas": [area.slug for area in areas], "small numbers shown": reveal},
        )
    context = {
        "report": wanted.report,
        "areas": areas,
        "in_scope": in_scope,
        "choice": choice,
        "choices": period_options(policy.choices(today), choice),
        "errors": errors,
        "downloads": query_without(request, "format", "table", "for"),
        "may_reveal": coordinator,
        # The PDF for sharing follows the rules for hidden figures: one area, a quarter
        # that has ended.
        "may_share": coordinator
        and len(areas) == 1
        and periods.Policy.hidden().offers(choice, today),
        "may_combine": access.reveals(request, in_scope),
    }
    return render(request, "monitoring/dashboard.html", context, status=400 if errors else 200)
