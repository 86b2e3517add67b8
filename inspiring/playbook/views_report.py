"""The scale-up report (issue 18): each area's playbook progress beside its first
monitoring figures, as a page and as CSV, XLSX and PDF files of the same tables.

Who sees which areas is playbook.access's (`report_areas`: every area of the person's
VIEW_MONITORING memberships); whether small numbers are shown, and which periods are
offered, is monitoring's, exactly as on the areas side by side (monitoring.access,
monitoring.periods.Policy); the report is report.py's.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.monitoring import access as monitoring_access
from inspiring.monitoring import periods
from inspiring.monitoring.pages import asked, download, period_options, query_without

from . import report as scale_up
from .access import chosen_report_areas


@never_cache
@require_capability(Capability.VIEW_MONITORING)
def report(request: HttpRequest) -> HttpResponse:
    areas, in_scope = chosen_report_areas(request)
    today = timezone.localdate()
    errors: list[str] = []
    may_reveal = monitoring_access.reveals(request, areas)
    # With small numbers hidden (for sharing too): whole quarters that have ended.
    reveal = may_reveal and request.GET.get("for") != "sharing"
    policy = periods.Policy() if reveal else periods.Policy.hidden()
    try:
        choice = policy.choose(request.GET.dict(), today)
    except periods.PeriodError as error:
        errors.append(str(error))
        choice = policy.fallback(today)
    wanted = asked(
        request,
        scale_up.build(areas, choice, reveal=reveal, today=today),
        errors,
        where="on this page",
    )
    if wanted.fmt:
        return download(
            request,
            wanted,
            action="scale_up.exported",
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
        "may_reveal": may_reveal,
        "may_share": may_reveal and periods.Policy.hidden().offers(choice, today),
    }
    return render(request, "playbook/report.html", context, status=400 if errors else 200)
