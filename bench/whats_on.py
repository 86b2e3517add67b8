"""Benchmark: What's on over a large directory, beside a plain indexed SQL query.

    make bench          (or: DEBUG=1 .venv/bin/python bench/whats_on.py [--activities N])

Builds about 10,000 activities (three areas, weekly, fortnightly and monthly
schedules) and materialises 13 months of sessions (about 500,000), then
reports:
- the time to materialise all schedules, and to run it again (nothing to do);
- the server time of What's on's first page with a date, a category and a
  distance filter (median and p95 over repeated requests through Django's
  full request cycle), beside the floor: one hand-written indexed SQL query
  returning the same 20 rows;
- the number of SQL queries per page, for a page of few results and one of
  many (constant, not growing with results).
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
import time
from datetime import timedelta
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
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Session
from inspiring.directory.search import MILES_PER_DEGREE

CATEGORY = "social-and-friendship"
POSTCODE = "NG17 7AE"  # Kirkby-in-Ashfield
MILES = 5
REPEATS = 40


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, seconds: list[float]) -> None:
    median = statistics.median(seconds) * 1000
    p95 = percentile(seconds, 0.95) * 1000
    print(f"  {label:<62} median {median:7.1f} ms   p95 {p95:7.1f} ms")


def timed(label: str, func) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
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


def floor_query(
    area: Area, start: str, end: str, lat: float, lng: float
) -> list[tuple[object, ...]]:
    """The same first page as What's on, as one hand-written SQL query over the same indexes."""
    areas = [area.pk, *Area.objects.filter(shares_with=area).values_list("pk", flat=True)]
    dlat = MILES / MILES_PER_DEGREE
    scale = math.cos(math.radians(lat))
    dlng = dlat / scale
    placeholders = ",".join(["%s"] * len(areas))
    # Only placeholders are interpolated; every value is a query parameter.
    sql = f"""
        SELECT s.id, s.start, a.title, v.name
        FROM directory_session s
        JOIN directory_activity a ON a.id = s.activity_id
        JOIN directory_venue v ON v.id = a.venue_id
        WHERE a.status = 'published' AND a.revision_of_id IS NULL
          AND a.capacity_status <> 'paused'
          AND a.home_area_id IN ({placeholders})
          AND EXISTS (SELECT 1 FROM directory_activity_categories ac
                      JOIN directory_category c ON c.id = ac.category_id
                      WHERE ac.activity_id = a.id AND c.slug = %s)
          AND v.latitude BETWEEN %s AND %s AND v.longitude BETWEEN %s AND %s
          AND ((v.latitude - %s) * (v.latitude - %s)
               + (v.longitude - %s) * %s * (v.longitude - %s) * %s) <= %s
          AND s.local_date BETWEEN %s AND %s AND s."end" >= %s
        ORDER BY s.start, s.id
        LIMIT 20
    """  # noqa: S608
    params: list[Any] = [
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
        start,
        end,
        timezone.now(),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
    start, end = today.isoformat(), (today + timedelta(days=30)).isoformat()
    query = {
        "date_from": start,
        "date_to": end,
        "category": CATEGORY,
        "postcode": POSTCODE,
        "within": str(MILES),
    }
    client = Client()
    client.get("/ashfield/whats-on/", query)  # warm caches
    page_times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        response = client.get("/ashfield/whats-on/", query)
        page_times.append(time.perf_counter() - began)
        assert response.status_code == 200
    rows = response.context["rows"]
    found = response.context["page_obj"].paginator.count

    from inspiring.areas.geography import resolve_postcode

    place = resolve_postcode(POSTCODE)
    floor_times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        floor_rows = floor_query(area, start, end, place.latitude, place.longitude)
        floor_times.append(time.perf_counter() - began)
    assert [r[0] for r in floor_rows] == [row["session"].pk for row in rows], "floor differs"

    print(
        f"What's on, first page (date + category + {MILES} miles of {POSTCODE}; "
        f"{found:,} matching sessions), {REPEATS} requests:"
    )
    report("What's on page (full request: filters, count, page, render)", page_times)
    report("floor: one indexed SQL query for the same 20 rows", floor_times)

    print("SQL queries per What's on page:")
    for label, params in (
        ("few results (one category, 1 mile, one day)", {**query, "within": "1", "date_to": start}),
        ("many results (no filters)", {}),
    ):
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/ashfield/whats-on/", params)
        count = page.context["page_obj"].paginator.count
        print(f"  {label:<62} {len(captured.captured_queries):3d} queries ({count:,} sessions)")


if __name__ == "__main__":
    main()
