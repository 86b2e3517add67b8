"""The year-long calendar: month by month, subscriptions for calendar apps, and printable
booklets made in the background."""

from __future__ import annotations

import calendar as pycalendar
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from urllib.parse import quote, urlencode

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from lib.http import is_htmx, posted

from ..actions import do_request_booklet
from ..booklets import MAX_MONTHS, months_between
from ..ical import SUBSCRIPTION_DAYS
from ..models import Activity, Booklet, Session
from ..recurrence import LONDON
from ..search import WhatsOnForm, search_sessions, with_details
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


# The booklets asked for in this browser's visit (public ids), newest first.
SESSION_BOOKLETS = "directory_booklets"
# The What's on filters the month page offers (its dates are the month's own).
MONTH_FILTERS = ("q", "postcode", "within", "free", "day", "time", "category", "feature")


@login_not_required
@require_GET
def month(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    area = _area(slug)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404("No such month")
    first = date(year, month, 1)
    last = first + relativedelta(months=1, days=-1)
    since = datetime.combine(first, time.min, tzinfo=LONDON)
    query = request.GET.copy()
    for name in set(query) - set(MONTH_FILTERS):
        del query[name]
    form = WhatsOnForm(query or None)
    valid = not form.is_bound or form.is_valid()
    filters = replace(form.filters(), date_from=first, date_to=last, sort="date")
    sessions = list(with_details(search_sessions(area, filters, now=since)))
    # A session lasting days is on each of its days in the month.
    by_day: dict[date, list[Session]] = defaultdict(list)
    for session in sessions:
        day = max(session.local_date, first)
        while day <= min(session.end_local_date, last):
            by_day[day].append(session)
            day += timedelta(days=1)
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    chosen = describe_filters(form)
    return render(
        request,
        "directory/month.html",
        {
            "area": area,
            "form": form,
            "valid": valid,
            "chosen": chosen,
            "query": query.urlencode(),
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
        # Remembered for the visit, so the person can leave while it is made and find it again.
        mine = [str(booklet.public_id)] + [
            b for b in request.session.get(SESSION_BOOKLETS, []) if b != str(booklet.public_id)
        ]
        request.session[SESSION_BOOKLETS] = mine[:5]
        return redirect(booklet)
    mine_ids = request.session.get(SESSION_BOOKLETS, [])
    yours = sorted(
        Booklet.objects.filter(area=area, public_id__in=mine_ids).defer("pdf"),
        key=lambda b: mine_ids.index(str(b.public_id)),
    )
    recent = (
        Booklet.objects.filter(area=area, status=Booklet.Status.READY)
        .exclude(public_id__in=mine_ids)
        .defer("pdf")[:5]
    )
    return render(
        request,
        "directory/booklet_request.html",
        {"area": area, "form": form, "yours": yours, "recent": recent, "max_months": MAX_MONTHS},
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


def describe_filters(form: WhatsOnForm) -> list[str]:
    """The chosen What's on filters in words, for people to check what they follow."""
    if not form.is_bound or not form.is_valid():
        return []
    data = form.cleaned_data
    words = []

    def names(field: str) -> list[str]:
        choices = dict(form.fields[field].choices)  # type: ignore[attr-defined]
        return [str(choices[value]) for value in data.get(field) or [] if value in choices]

    if data.get("q"):
        words.append(f"Matching “{data['q']}”")
    if data.get("category"):
        words.append(", ".join(names("category")))
    if data.get("day"):
        words.append("On " + ", ".join(f"{name}s" for name in names("day")))
    if data.get("time"):
        words.append(", ".join(names("time")))
    if data.get("feature"):
        words.append(", ".join(names("feature")))
    if data.get("free"):
        words.append("Free only")
    if data.get("postcode") is not None:
        within = data.get("within")
        near = data["postcode"].postcode
        words.append(f"Within {within} miles of {near}" if within else f"Near {near}")
    return words


@login_not_required
@require_GET
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """How to follow What's on (as filtered), or one activity, in a calendar app."""
    area = _area(slug)
    activity: Activity | None = None
    chosen: list[str] = []
    if "activity" in request.GET:
        try:
            public_id = uuid.UUID(request.GET["activity"])
        except ValueError:
            raise Http404("No such activity") from None
        activity = get_object_or_404(
            Activity.objects.visible_in(area).running().select_related("home_area"),
            public_id=public_id,
        )
        path = reverse("directory:activity_ics", args=[area.slug, activity.public_id])
        name = activity.title
    else:
        form = WhatsOnForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return render(
                request,
                "directory/subscribe.html",
                {"area": area, "form": form, "invalid": True},
                status=400,
            )
        chosen = describe_filters(form)
        query = urlencode(
            [(k, v) for k in request.GET for v in request.GET.getlist(k) if v and k != "page"]
        )
        path = reverse("directory:area_ics", args=[area.slug]) + (f"?{query}" if query else "")
        name = area.programme_name
    feed_url = f"{settings.SITE_URL}{path}"
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(
        request,
        "directory/subscribe.html",
        {
            "area": area,
            "activity": activity,
            "chosen": chosen,
            "feed_url": feed_url,
            "webcal_url": webcal_url,
            "google_url": "https://calendar.google.com/calendar/render?cid=" + quote(webcal_url),
            "outlook_url": "https://outlook.live.com/calendar/0/addfromweb?"
            + urlencode({"url": feed_url, "name": name}),
            "weeks": SUBSCRIPTION_DAYS // 7,
        },
    )
