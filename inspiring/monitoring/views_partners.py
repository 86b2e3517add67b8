"""Partners' impact reports: the organisations to choose from, and one organisation's
report as a page, a PDF, CSV and XLSX (each table's own files too).

A partner lead reaches the organisations they lead, a coordinator every organisation of
their working area (access.partner_organisations); anyone else's organisation answers
404. Small numbers are hidden for everyone (partners.build): the report goes with bids.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from inspiring.accounts.access import require_capability, staff_context, working_area
from inspiring.accounts.roles import Capability
from inspiring.casework.figures import partner_impact

from . import access, partners, periods
from .pages import asked, download, period_options, query_without

# A partner lead for their own organisations; a coordinator (who curates the directory)
# for every organisation of the area.
PARTNER_REPORTS = (Capability.EDIT_OWN_LISTINGS, Capability.CURATE_DIRECTORY)


@never_cache
@require_capability(*PARTNER_REPORTS)
def partner_list(request: HttpRequest) -> HttpResponse:
    organisations = list(access.partner_organisations(request))
    curator = staff_context(request).can(Capability.CURATE_DIRECTORY)
    if len(organisations) == 1 and not curator:
        # A partner lead with one organisation has nothing to choose.
        query = query_without(request)
        url = reverse("monitoring:partner", kwargs={"public_id": organisations[0].public_id})
        return redirect(f"{url}?{query}" if query else url)
    return render(
        request,
        "monitoring/partners.html",
        {"organisations": organisations, "curator": curator, "area": working_area(request)},
    )


@never_cache
@require_capability(*PARTNER_REPORTS)
def partner(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    organisation = access.get_partner(request, public_id)
    today = timezone.localdate()
    errors: list[str] = []
    try:
        choice = partners.POLICY.choose(request.GET.dict(), today)
    except periods.PeriodError as error:
        errors.append(str(error))
        choice = partners.POLICY.fallback(today)
    impact = partner_impact(organisation.pk, choice.period)
    wanted = asked(
        request, partners.build(organisation, choice, impact), errors, where="in this report"
    )
    report = wanted.report
    if wanted.fmt:
        return download(
            request,
            wanted,
            action="partner_report.downloaded",
            record=organisation,
            of=[organisation.home_area],
            period=choice.period,
        )
    context = {
        "organisation": organisation,
        "area": organisation.home_area,
        "report": report,
        "empty": partners.is_empty(impact),
        "choice": choice,
        "choices": period_options(partners.POLICY.choices(today), choice),
        "errors": errors,
        "downloads": query_without(request, "format", "table"),
        "several": access.partner_organisations(request).count() > 1,
    }
    return render(request, "monitoring/partner.html", context, status=400 if errors else 200)
