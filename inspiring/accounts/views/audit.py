"""The coordinator's view of the area's audit trail: filterable, paginated, read-only."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from lib.http import is_htmx

from ..access import require_capability, staff_context
from ..audit import describe
from ..forms import AuditFilterForm
from ..models import AuditEntry
from ..roles import Capability

PAGE_SIZE = 50


@require_capability(Capability.VIEW_AUDIT)
def audit_trail(request: HttpRequest) -> HttpResponse:
    area = staff_context(request).area
    assert area is not None
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.for_area(area).select_related("actor")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["person"]:
            entries = entries.filter(actor_label__icontains=data["person"])
        if data["record"]:
            entries = entries.filter(
                Q(object_id__iexact=data["record"]) | Q(object_repr__icontains=data["record"])
            )
        zone = timezone.get_current_timezone()
        if data["date_from"]:
            entries = entries.filter(at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data["date_to"]:
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, zone)
            entries = entries.filter(at__lt=end)
    elif form.is_bound:
        entries = entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.description = describe(entry.action)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page_obj": page,
        "query_without_page": f"{query.urlencode()}&" if query else "",
    }
    if is_htmx(request):
        if form.errors:
            # The error summary sits outside the swapped results: load the whole page.
            return HttpResponseClientRedirect(request.get_full_path())
        return render(request, "accounts/audit.html#results", context)
    return render(request, "accounts/audit.html", context)
