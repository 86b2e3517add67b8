"""What's on: the public list of an area's activities, filtered from the query string."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from lib.http import is_htmx

from ..search import search_sessions, with_details
from .public import _area, _by_day, _form, _rows

PAGE_SIZE = 20


@login_not_required
def whats_on(request: HttpRequest, slug: str) -> HttpResponse:
    area = _area(slug)
    form = _form(request)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters()
    sessions = search_sessions(area, filters)
    page = Paginator(with_details(sessions), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(list(page.object_list), filters, area)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "area": area,
        "form": form,
        "valid": valid,
        "page_obj": page,
        "rows": rows,
        "by_distance": filters.sort == "distance" and filters.place is not None,
        "days": _by_day(rows),
        "query": query.urlencode(),
        "query_without_page": f"{query.urlencode()}&" if query else "",
    }
    if is_htmx(request):
        if not valid:
            # The error summary sits outside the swapped results: load the whole page.
            return HttpResponseClientRedirect(request.get_full_path())
        return render(request, "directory/whats_on.html#results", context)
    return render(request, "directory/whats_on.html", context)
