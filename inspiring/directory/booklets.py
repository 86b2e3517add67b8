"""Building a printable calendar booklet: sessions by month, an index by day of the week."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time
from itertools import groupby
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from .models import Booklet, Session
from .recurrence import DAY_NAMES, LONDON
from .search import Filters, listed_on, search_sessions, with_details

MAX_MONTHS = 13
# What the public sees when a booklet could not be made.
BOOKLET_FAILED = "Something went wrong while making the PDF. Try again in a few minutes."
logger = logging.getLogger(__name__)


def _progress(booklet: Booklet, percent: int, stage: str) -> None:
    booklet.progress, booklet.stage = percent, stage
    Booklet.objects.filter(pk=booklet.pk).update(
        progress=percent, stage=stage, status=booklet.status
    )


def booklet_context(booklet: Booklet) -> dict[str, Any]:
    area = booklet.area
    filters = Filters(date_from=booklet.start, date_to=booklet.end)
    # From the booklet's first day, even if that is earlier than today.
    since = datetime.combine(booklet.start, time.min, tzinfo=LONDON)
    sessions = list(
        with_details(
            search_sessions(area, filters, now=since).filter(status=Session.Status.SCHEDULED)
        )
    )
    months = []

    def on(session: Session) -> date:
        return listed_on(session, booklet.start)

    for month, in_month in groupby(sessions, key=lambda s: on(s).replace(day=1)):
        days = [(day, list(items)) for day, items in groupby(in_month, key=on)]
        months.append((month, days))
    # Index: each weekday, the activities on it (first time seen), by start time.
    index: dict[int, dict[int, Session]] = defaultdict(dict)
    for session in sessions:
        index[session.weekday].setdefault(session.activity_id, session)
    weekdays = [
        (
            DAY_NAMES[day],
            sorted(index[day].values(), key=lambda s: (s.start_minute, s.activity.title)),
        )
        for day in range(7)
        if index[day]
    ]
    return {
        "booklet": booklet,
        "area": area,
        "months": months,
        "weekdays": weekdays,
        "count": len(sessions),
        "generated": timezone.localtime(),
        "site_url": settings.SITE_URL,
    }


def build(booklet: Booklet) -> Booklet:
    """Render the booklet's PDF, recording progress; a failure is recorded, not raised."""
    booklet.status = Booklet.Status.BUILDING
    _progress(booklet, 5, "Finding the sessions")
    try:
        context = booklet_context(booklet)
        _progress(booklet, 40, "Laying out the pages")
        html = render_to_string("directory/booklet.html", context)
        document = HTML(string=html, base_url=settings.SITE_URL).render()
        _progress(booklet, 80, "Writing the PDF")
        pdf = document.write_pdf()
    except Exception:
        # Whatever went wrong is logged for the team; the public sees a plain message.
        logger.exception("Booklet %s could not be made", booklet.public_id)
        Booklet.objects.filter(pk=booklet.pk).update(
            status=Booklet.Status.FAILED,
            error=BOOKLET_FAILED,
            finished_at=timezone.now(),
            stage="",
        )
        booklet.refresh_from_db()
        return booklet
    Booklet.objects.filter(pk=booklet.pk).update(
        status=Booklet.Status.READY,
        progress=100,
        stage="",
        pdf=pdf,
        pages=len(document.pages),
        sessions=context["count"],
        finished_at=timezone.now(),
    )
    booklet.refresh_from_db()
    return booklet


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1
