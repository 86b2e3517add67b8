"""The year-long calendar: month by month, and printable booklets made in the background."""

from __future__ import annotations

import calendar as pycalendar
import uuid
from datetime import date, datetime, time
from itertools import groupby

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lib.http import is_htmx, posted

from ..actions import do_request_booklet
from ..booklets import MAX_MONTHS, months_between
from ..models import Booklet
from ..recurrence import LONDON
from ..search import Filters, search_sessions, with_details
from .public import _area


def _month_choices(today: date) -> list[tuple[str, str]]:
    first = today.replace(day=1)
    return [
        ((first + relativedelta(months=n)).isoformat(), f"{first + relativedelta(months=n):%B %Y}")
        for n in range(MAX_MONTHS)
    ]


@login_not_required
@require_GET
def calendar_index(request: HttpRequest, slug: str) -> HttpResponse:
    today = timezone.localdate()
    return redirect("directory:month", slug=slug, year=today.year, month=today.month)


@login_not_required
@require_GET
def month(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    area = _area(slug)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404("No such month")
    first = date(year, month, 1)
    last = first + relativedelta(months=1, days=-1)
    since = datetime.combine(first, time.min, tzinfo=LONDON)
    sessions = list(
        with_details(search_sessions(area, Filters(date_from=first, date_to=last), now=since))
    )
    by_day = {day: list(items) for day, items in groupby(sessions, key=lambda s: s.local_date)}
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return render(
        request,
        "directory/month.html",
        {
            "area": area,
            "first": first,
            "previous": first - relativedelta(months=1),
            "next": first + relativedelta(months=1),
            "weeks": [
                [(day, len(by_day.get(day, [])), day.month == month) for day in week]
                for week in weeks
            ],
            "days": sorted(by_day.items()),
            "count": len(sessions),
        },
    )


class BookletForm(forms.Form):
    start = forms.ChoiceField(label="From")
    end = forms.ChoiceField(label="To (inclusive)")
    large_print = forms.BooleanField(
        label="Large print",
        required=False,
        help_text="Bigger text, for people who find small print hard to read",
    )

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = _month_choices(today)
        for name in ("start", "end"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
        self.initial.setdefault("start", choices[0][0])
        self.initial.setdefault("end", choices[2][0])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end"):
            start = date.fromisoformat(str(cleaned["start"]))
            end_month = date.fromisoformat(str(cleaned["end"]))
            if end_month < start:
                self.add_error("end", "The last month must be the same as or after the first")
            cleaned["start_date"] = start
            cleaned["end_date"] = end_month + relativedelta(months=1, days=-1)
        return cleaned


@login_not_required
def booklet_request(request: HttpRequest, slug: str) -> HttpResponse:
    area = _area(slug)
    form = BookletForm(posted(request), today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        booklet = do_request_booklet(
            area,
            start=form.cleaned_data["start_date"],
            end=form.cleaned_data["end_date"],
            large_print=form.cleaned_data["large_print"],
        )
        return redirect(booklet)
    recent = Booklet.objects.filter(area=area, status=Booklet.Status.READY).defer("pdf")[:5]
    return render(
        request,
        "directory/booklet_request.html",
        {"area": area, "form": form, "recent": recent, "max_months": MAX_MONTHS},
    )


@login_not_required
@require_GET
def booklet(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    area = _area(slug)
    item = get_object_or_404(Booklet.objects.defer("pdf"), area=area, public_id=public_id)
    context = {"area": area, "booklet": item, "months": months_between(item.start, item.end)}
    if is_htmx(request):
        return render(request, "directory/booklet_progress.html#progress", context)
    return render(request, "directory/booklet_progress.html", context)


@login_not_required
@require_GET
def booklet_pdf(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    area = _area(slug)
    item = get_object_or_404(Booklet, area=area, public_id=public_id, status=Booklet.Status.READY)
    response = HttpResponse(bytes(item.pdf or b""), content_type="application/pdf")
    suffix = "-large-print" if item.large_print else ""
    name = f"{area.slug}-{item.start:%Y-%m}-to-{item.end:%Y-%m}{suffix}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
