"""Benchmark: What's on over a large directory, beside a plain indexed SQL query.

    make bench          (or: DEBUG=1 .venv/bin/python bench/whats_on.py [--activities N])

Builds about 10,000 activities (three areas, weekly, fortnightly and monthly
schedules) and materialises 13 months of sessions (about 500,000), then
reports:
- the time to materialise all schedules, and to run it again (nothing to do);
- the server time of What's on's first page with a date, a category and a
  distance filter (median and p95 over repeated requests through Django's
  full request cycle), beside the floor: one hand-written indexed SQL query
  returning the same 20 activities (each once, by its first matching session);
  then the same for the by-date view (sessions) and its floor;
- the number of SQL queries per page, for pages of few results and of many
  (constant, not growing with results).

Both floors leave out activities at a private address, as the page does (a
distance filter never finds them): the first floor did not, and so disagreed
with the page wherever such a group was within the radius.
Uses a throw-away SQLite database, or DATABASE_URL if set (it must be empty).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import tempfile
import time as time_module
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.template import Template
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone

from inspiring.areas.geography import resolve_postcode
from inspiring.areas.models import Area
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Session
from inspiring.directory.recurrence import LONDON, MAX_DURATION_DAYS
from inspiring.directory.search import MILES_PER_DEGREE

CATEGORY = "social-and-friendship"
POSTCODE = "NG17 7AE"  # Kirkby-in-Ashfield
MILES = 5
REPEATS = 40
# Template rendering as a live server does it (before the test environment records contexts).
PLAIN_RENDER = Template._render  # type: ignore[attr-defined]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, seconds: list[float]) -> None:
    median = statistics.median(seconds) * 1000
    p95 = percentile(seconds, 0.95) * 1000
    print(f"  {label:<62} median {median:7.1f} ms   p95 {p95:7.1f} ms")


def timed(label: str, func) -> float:  # type: ignore[no-untyped-def]
    start = time_module.perf_counter()
    func()
    seconds = time_module.perf_counter() - start
    print(f"  {label:<62} {seconds:8.1f} s")
    return seconds


def build(target: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    load_demo(directory=False)
    per_area = max(1, round(target / 3.5 / 3))
    today = timezone.localdate()
    made = 0
    for area in Area.objects.order_by("slug"):
        made += build_area_directory(
            area, organisations=per_area, seed=f"bench-{area.slug}", today=today, bulk=True
        )[1]
    print(f"Directory: {made:,} activities in {Area.objects.count()} areas")


def _floor_conditions(area: Area, lat: float, lng: float) -> tuple[str, list[Any]]:
    """The activity filters of the benchmark's query (published, not paused, seen in the
    area, the category, within MILES of the postcode and not at a private address)."""
    areas = [area.pk, *Area.objects.filter(shares_with=area).values_list("pk", flat=True)]
    dlat = MILES / MILES_PER_DEGREE
    scale = math.cos(math.radians(lat))
    dlng = dlat / scale
    placeholders = ",".join(["%s"] * len(areas))
    # Only placeholders are interpolated; every value is a query parameter.
    sql = f"""
          a.status = 'published' AND a.revision_of_id IS NULL
          AND a.capacity_status <> 'paused' AND a.hide_address = %s
          AND a.home_area_id IN ({placeholders})
          AND EXISTS (SELECT 1 FROM directory_activity_categories ac
                      JOIN directory_category c ON c.id = ac.category_id
                      WHERE ac.activity_id = a.id AND c.slug = %s)
          AND v.latitude BETWEEN %s AND %s AND v.longitude BETWEEN %s AND %s
          AND ((v.latitude - %s) * (v.latitude - %s)
               + (v.longitude - %s) * %s * (v.longitude - %s) * %s) <= %s
    """  # noqa: S608
    params: list[Any] = [
        False,
        *areas,
        CATEGORY,
        lat - dlat,
        lat + dlat,
        lng - dlng,
        lng + dlng,
        lat,
        lat,
        lng,
        scale,
        lng,
        scale,
        dlat * dlat,
    ]
    return sql, params


def _bounds(first: date, last: date) -> list[Any]:
    """London midnights of MAX_DURATION_DAYS before the first day (a session lasting
    days may have begun then and still be on) and of the day after the last, and the
    earliest end (now, or the first day's midnight), as the database stores datetimes."""
    adapt = connection.ops.adapt_datetimefield_value
    first_midnight = datetime.combine(first, time(0), tzinfo=LONDON)
    return [
        adapt(first_midnight - timedelta(days=MAX_DURATION_DAYS)),
        adapt(datetime.combine(last + timedelta(days=1), time(0), tzinfo=LONDON)),
        adapt(max(timezone.now(), first_midnight)),
    ]


def floor_activities(
    area: Area, first: date, last: date, lat: float, lng: float
) -> list[tuple[object, ...]]:
    """What's on's first page (each activity once, soonest first), as one hand-written
    SQL query: each activity's first session in the window is an index range on
    session (activity_id, start) that stops at the first match."""
    conditions, params = _floor_conditions(area, lat, lng)
    sql = f"""
        SELECT id, next_start FROM (
            SELECT a.id, (SELECT s.start FROM directory_session s
                          WHERE s.activity_id = a.id AND s.start >= %s AND s.start < %s
                            AND s."end" >= %s
                          ORDER BY s.start, s.id LIMIT 1) AS next_start
            FROM directory_activity a JOIN directory_venue v ON v.id = a.venue_id
            WHERE {conditions}
        ) found
        WHERE next_start IS NOT NULL
        ORDER BY next_start, id
        LIMIT 20
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_bounds(first, last), *params])
        return cursor.fetchall()


def floor_sessions(
    area: Area, first: date, last: date, lat: float, lng: float
) -> list[tuple[object, ...]]:
    """The by-date view's first page (sessions, soonest first), as one SQL query."""
    conditions, params = _floor_conditions(area, lat, lng)
    sql = f"""
        SELECT s.id, s.start, a.id
        FROM directory_session s
        JOIN directory_activity a ON a.id = s.activity_id
        JOIN directory_venue v ON v.id = a.venue_id
        WHERE {conditions}
          AND s.local_date BETWEEN %s AND %s AND s.end_local_date >= %s
          AND s."end" >= %s
        ORDER BY s.start, s.id
        LIMIT 20
    """  # noqa: S608
    earliest = first - timedelta(days=MAX_DURATION_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, earliest, last, first, _bounds(first, last)[2]])
        return cursor.fetchall()


def explain_difference(page_ids: list[Any], floor_ids: list[Any], model: Any) -> str:
    """Which rows only one side has, and what sets them apart, when the check fails."""
    only_page = [pk for pk in page_ids if pk not in floor_ids]
    only_floor = [pk for pk in floor_ids if pk not in page_ids]
    lines = [f"page only: {only_page}", f"floor only: {only_floor}"]
    for pk in only_page + only_floor:
        lines.append(f"  {model.__name__} {pk}: {model.objects.filter(pk=pk).values().first()}")
    return "\n".join(lines)


def time_page(client: Client, query: dict[str, str]) -> tuple[list[float], Any]:
    """Server times of the page, then one more response with its template context.

    The test environment records every template's context for the test client
    (copying it at each render), which a live server never does: it is switched
    off while timing, and on for the response whose rows are checked.
    """
    instrumented = Template._render  # type: ignore[attr-defined]
    Template._render = PLAIN_RENDER  # type: ignore[attr-defined]
    try:
        client.get("/ashfield/whats-on/", query)  # warm caches
        times = []
        for _ in range(REPEATS):
            began = time_module.perf_counter()
            response = client.get("/ashfield/whats-on/", query)
            times.append(time_module.perf_counter() - began)
            assert response.status_code == 200
    finally:
        Template._render = instrumented  # type: ignore[attr-defined]
    return times, client.get("/ashfield/whats-on/", query)


def time_floor(func: Any, *args: Any) -> tuple[list[float], Any]:
    times = []
    for _ in range(REPEATS):
        began = time_module.perf_counter()
        rows = func(*args)
        times.append(time_module.perf_counter() - began)
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=10_000)
    args = parser.parse_args()
    # Lets the test client record each response's template context (rows, counts).
    setup_test_environment()
    print(f"Database: {connection.vendor}")
    build(args.activities)

    print("Materialising 13 months of sessions:")
    first = timed("all schedules, empty (bulk writes)", lambda: materialise_all())
    sessions = Session.objects.count()
    print(
        f"  {sessions:,} sessions for {Activity.objects.count():,} activities "
        f"({sessions / first:,.0f} sessions a second)"
    )
    timed("all schedules again (compared, nothing to write)", lambda: materialise_all())
    # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would
    # give a live database; without them the planner guesses badly after a
    # bulk load (seconds instead of milliseconds here).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    area = Area.objects.get(slug="ashfield")
    today = timezone.localdate()
    first_day, last_day = today, today + timedelta(days=30)
    query = {
        "date_from": first_day.isoformat(),
        "date_to": last_day.isoformat(),
        "category": CATEGORY,
        "postcode": POSTCODE,
        "within": str(MILES),
    }
    place = resolve_postcode(POSTCODE)
    assert place is not None
    client = Client()
    described = f"date + category + {MILES} miles of {POSTCODE}"

    page_times, response = time_page(client, query)
    floor_times, floor_rows = time_floor(
        floor_activities, area, first_day, last_day, place.latitude, place.longitude
    )
    page_ids = [row["activity"].pk for row in response.context["rows"]]
    floor_ids = [row[0] for row in floor_rows]
    assert page_ids == floor_ids, "floor differs\n" + explain_difference(
        page_ids, floor_ids, Activity
    )
    found = response.context["page_obj"].paginator.count
    print(
        f"What's on, first page, each activity once ({described}; "
        f"{found:,} matching activities), {REPEATS} requests:"
    )
    report("What's on page (full request: filters, count, page, dates, render)", page_times)
    report("floor: one indexed SQL query for the same 20 activities", floor_times)

    by_date = {**query, "view": "dates"}
    page_times, response = time_page(client, by_date)
    floor_times, floor_rows = time_floor(
        floor_sessions, area, first_day, last_day, place.latitude, place.longitude
    )
    page_ids = [row["session"].pk for row in response.context["rows"]]
    floor_ids = [row[0] for row in floor_rows]
    assert page_ids == floor_ids, "by-date floor differs\n" + explain_difference(
        page_ids, floor_ids, Session
    )
    found = response.context["page_obj"].paginator.count
    print(f"What's on by date, first page ({found:,} matching sessions), {REPEATS} requests:")
    report("What's on page, by date (full request)", page_times)
    report("floor: one indexed SQL query for the same 20 sessions", floor_times)

    print("SQL queries per What's on page:")
    for label, params in (
        (
            "few results (one category, 1 mile, one day)",
            {**query, "within": "1", "date_to": first_day.isoformat()},
        ),
        ("many results (no filters)", {"q": ""}),
        ("many results, nearest first", {"postcode": POSTCODE, "sort": "distance"}),
        ("many results, by date", {"q": "", "view": "dates"}),
    ):
        with CaptureQueriesContext(connection) as captured:
            began = time_module.perf_counter()
            page = client.get("/ashfield/whats-on/", params)
            took = (time_module.perf_counter() - began) * 1000
        count = page.context["page_obj"].paginator.count
        what = "sessions" if params.get("view") == "dates" else "activities"
        print(
            f"  {label:<50} {len(captured.captured_queries):3d} queries "
            f"({count:,} {what}, {took:.0f} ms)"
        )


if __name__ == "__main__":
    main()
