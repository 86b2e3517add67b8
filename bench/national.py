"""Benchmark: a national directory (England-scale) on PostgreSQL, beside hand-written SQL.

    DEBUG=1 .venv/bin/python bench/national.py --run [--activities N] [--keep] [--repeats R]

Opt-in: `make bench` runs every script in bench/, and this one takes most of an hour,
so without --run it says so and exits 0.

Builds, on a throw-away PostgreSQL database (BENCH_POSTGRES names the server; --keep
builds `bench_national_<N>` once and reuses it), 40 areas over England (the four whose
postcodes the project ships, in Nottinghamshire, and 36 more around real town centres,
each with 300 made-up postcodes inside six miles so venues have real-ish positions;
each area shares with its two nearest), N activities (default 250,000) from the demo
generator in bulk, and their sessions for 13 months as the nightly roll-forward left
them yesterday (about 11 million), written with COPY; then the nightly roll-forward
itself (`materialise_all()` for today: a day more at the horizon), timed. Then, warm,
over R varied requests each (default 50), the server time (Django's full request cycle,
templates rendered as a live server does) median and p95 of:

- What's on, first page, with a date range, a category and 5 miles of a postcode, in
  varied areas: beside bench/whats_on.py's floor (the same 20 activities, checked);
- an activity page: beside one SQL statement reading the activity, its partner, venue
  and next ten sessions;
- ORUK /services (pages 1 to 20, some searched or by term) and
  /service_at_locations?postcode=...&proximity=... (Nottinghamshire postcodes): beside
  the page's rows and count in SQL (checked); ORUK /services/{id} and
  /service_at_locations/{id}: beside one statement reading all the service shows
  (checked), and an id nobody has (a 404, timed);
- an RPDE page of each OpenActive feed, at varied places in the feed: beside one SQL
  statement reading the page's rows and all each item shows (a series' organisation,
  venue, area, categories, features, schedules and sub-events; a session's activity
  and area) (checked);
- a client's top 20 suggestions (`suggestions_for`, as the case page asks): beside
  bench/matching.py's floor (every upcoming session in the client's box).

Goal (issue 20): each public read's p95 at most 100 ms and within 2x its floor; the
roll-forward well under an hour.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="store_true", help="run it (opt-in: about an hour)")
    parser.add_argument("--activities", type=int, default=250_000)
    parser.add_argument("--repeats", type=int, default=50, help="requests per read (50)")
    parser.add_argument("--clients", type=int, default=50, help="clients asked (50)")
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) the database")
    parser.add_argument(
        "--only",
        choices=("roll-forward", "whats-on", "activity", "oruk", "rpde", "suggestions"),
        action="append",
        help="measure only these (repeatable; with --keep, on the database built before)",
    )
    return parser.parse_args()


ARGS = arguments()
if not ARGS.run:
    print("bench/national.py: opt-in (about an hour on PostgreSQL); run it with --run")
    sys.exit(0)

sys.path[:0] = [str(ROOT), str(BENCH)]
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
NAME = f"bench_national_{ARGS.activities if ARGS.keep else os.getpid()}"


def _maintenance(sql: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


# Names are made here (a number), never given by anyone.
if not _maintenance(f"SELECT 1 FROM pg_database WHERE datname = '{NAME}'"):  # noqa: S608
    _maintenance(f"CREATE DATABASE {NAME}")
os.environ["DATABASE_URL"] = POSTGRES.rsplit("/", 1)[0] + "/" + NAME

# bench/monitoring.py reads its own options on import: it is given none (it then uses
# DATABASE_URL, set above) while its writers are borrowed.
_argv, sys.argv = sys.argv, sys.argv[:1]
import monitoring

sys.argv = _argv

import io
import logging
import math
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import whats_on
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.template import Template
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import timezone

from config.warm import warm_and_freeze
from inspiring.areas.geography import resolve_postcode
from inspiring.areas.models import Area, District, Postcode
from inspiring.casework.models import Client as CaseClient
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import horizon, materialise_all
from inspiring.directory.models import (
    Activity,
    Category,
    Organisation,
    Schedule,
    Session,
)
from inspiring.directory.recurrence import occurrences
from inspiring.matching import index as match_index
from inspiring.opendata import openactive, oruk
from inspiring.opendata.views_oruk import METRES_PER_MILE
from lib.geo import EARTH_RADIUS_MILES, box_around

AREAS = 40
GOAL_MS = 100
# Town centres the 36 further areas are built around (lat, lng): England, north to south.
TOWNS = (
    ("Carlisle", 54.892, -2.934),
    ("Newcastle", 54.978, -1.618),
    ("Middlesbrough", 54.574, -1.235),
    ("Lancaster", 54.047, -2.801),
    ("York", 53.960, -1.082),
    ("Preston", 53.763, -2.703),
    ("Leeds", 53.800, -1.549),
    ("Hull", 53.744, -0.333),
    ("Liverpool", 53.408, -2.991),
    ("Manchester", 53.481, -2.243),
    ("Sheffield", 53.381, -1.470),
    ("Lincoln", 53.230, -0.540),
    ("Stoke", 53.003, -2.180),
    ("Derby", 52.922, -1.477),
    ("Shrewsbury", 52.708, -2.754),
    ("Leicester", 52.637, -1.139),
    ("Norwich", 52.630, 1.297),
    ("Peterborough", 52.573, -0.241),
    ("Birmingham", 52.486, -1.890),
    ("Coventry", 52.406, -1.512),
    ("Northampton", 52.240, -0.903),
    ("Cambridge", 52.205, 0.122),
    ("Hereford", 52.056, -2.716),
    ("Ipswich", 52.057, 1.148),
    ("Milton Keynes", 52.041, -0.759),
    ("Gloucester", 51.864, -2.244),
    ("Oxford", 51.752, -1.258),
    ("Bristol", 51.455, -2.588),
    ("Reading", 51.454, -0.978),
    ("Bath", 51.381, -2.359),
    ("Canterbury", 51.280, 1.079),
    ("Southampton", 50.910, -1.404),
    ("Brighton", 50.822, -0.137),
    ("Exeter", 50.718, -3.534),
    ("Plymouth", 50.376, -4.143),
    ("Truro", 50.263, -5.051),
)
NOTTS_POSTCODES = ("NG17 7AE", "NG18 1AA", "NG24 1AA", "NG4 1AA", "NG19 6AA", "NG15 7AA")


def line(label: str, figure: str) -> None:
    print(f"  {label:<66}{figure}", flush=True)


def stopwatch(label: str, func: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - began
    line(label, f"{seconds:8.1f} s")
    return seconds, result


# --- Building ---------------------------------------------------------------------------


def build_areas() -> list[Area]:
    """The demo's areas and Gedling (shipped postcodes), then 36 around TOWNS with
    made-up postcodes ("ZZ7 3AB") six miles around each centre; each shares with its
    two nearest (as neighbouring programmes choose to)."""
    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    load_demo(directory=False)
    Area.objects.get_or_create(
        slug="gedling",
        defaults={
            "name": "Gedling",
            "programme_name": "Inspiring Gedling",
            "local_authority_code": "E07000173",
            "lead_organisation": "Gedling CVS",
        },
    )
    rng = random.Random("bench-national-areas")
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for number, (town, lat, lng) in enumerate(TOWNS, start=1):
        code = f"E0799{number:04d}"
        District.objects.get_or_create(code=code, defaults={"name": town})
        Area.objects.get_or_create(
            slug=town.lower().replace(" ", "-"),
            defaults={
                "name": town,
                "programme_name": f"Inspiring {town}",
                "local_authority_code": code,
                "lead_organisation": f"{town} CVS",
            },
        )
        scale = math.cos(math.radians(lat))
        Postcode.objects.bulk_create(
            [
                Postcode(
                    postcode=f"ZZ{number} {n // 100}{letters[n // 20 % 20]}{letters[n % 20]}",
                    district_code=code,
                    latitude=lat + rng.uniform(-6, 6) / 69.0,
                    longitude=lng + rng.uniform(-6, 6) / 69.0 / scale,
                )
                for n in range(300)
            ],
            ignore_conflicts=True,
        )
    areas = list(Area.objects.order_by("pk"))
    centres = {
        area.pk: Postcode.objects.filter(district_code=area.local_authority_code)
        .values_list("latitude", "longitude")
        .first()
        for area in areas
    }
    for area in areas:
        here = centres[area.pk]
        assert here is not None
        nearest = sorted(
            (o for o in areas if o.pk != area.pk),
            key=lambda o: math.dist(here, centres[o.pk] or here),
        )[:2]
        area.shares_with.add(*nearest)
    return areas


def build_directory(areas: list[Area], target: int) -> None:
    per_area = max(1, round(target / 3.5 / len(areas)))
    today = timezone.localdate()
    for area in areas:
        if Organisation.objects.filter(home_area=area).exists():
            continue
        with transaction.atomic():
            build_area_directory(
                area,
                organisations=per_area,
                seed=f"bench-national-{area.slug}",
                today=today,
                bulk=True,
            )


def build_sessions(day: date) -> int:
    """Each schedule's sessions from `day` to its horizon, exactly as materialise() makes
    them (its own occurrences(), computed once per distinct rule), written with COPY."""
    rng = random.Random("bench-national-sessions")
    writer = monitoring.Writer(
        Session,
        (
            "id",
            "public_id",
            "activity_id",
            "schedule_id",
            "occurrence_date",
            "start",
            "end",
            "local_date",
            "end_local_date",
            "weekday",
            "start_minute",
            "status",
            "all_day",
            "updated_at",
        ),
    )
    start, end = horizon(day)
    known: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    next_id = (Session.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    adapt = monitoring.adapt
    schedules = Schedule.objects.filter(
        activity__status=Activity.Status.PUBLISHED, activity__revision_of__isnull=True
    ).order_by("pk")
    for schedule in schedules.iterator(chunk_size=5000):
        key = (
            schedule.start_date,
            schedule.start_time,
            schedule.end_time,
            schedule.rrule,
            tuple(schedule.listed_exdates),
            tuple(schedule.extra_dates),
            schedule.all_day,
            schedule.duration_days,
            schedule.skip_bank_holidays,
        )
        if key not in known:
            known[key] = [
                (
                    adapt(o.date),
                    adapt(o.start),
                    adapt(o.end),
                    adapt(timezone.localtime(o.start).date()),
                    adapt(timezone.localtime(o.end).date()),
                    timezone.localtime(o.start).weekday(),
                    timezone.localtime(o.start).hour * 60 + timezone.localtime(o.start).minute,
                )
                for o in occurrences(
                    start_date=schedule.start_date,
                    start_time=schedule.start_time,
                    end_time=schedule.end_time,
                    rule=schedule.rrule,
                    exdates=schedule.listed_exdates,
                    rdates=schedule.extra_dates,
                    window_start=start - timedelta(days=schedule.duration_days),
                    window_end=end,
                    zone=schedule.zone,
                    skip_bank_holidays=schedule.skip_bank_holidays,
                    duration_days=schedule.duration_days,
                )
            ]
        for occurrence, begins, ends, local, end_local, weekday, minute in known[key]:
            writer.add(
                next_id,
                monitoring.new_id(),
                schedule.activity_id,
                schedule.pk,
                occurrence,
                begins,
                ends,
                local,
                end_local,
                weekday,
                minute,
                "cancelled" if rng.random() < 0.02 else "scheduled",
                schedule.all_day,
                # Changed at some time in the last month: the RPDE feed's order.
                monitoring.NOW - timedelta(seconds=rng.randrange(30 * 86400)),
            )
            next_id += 1
        if len(writer.rows) >= monitoring.BATCH:
            monitoring.flush([writer])
    monitoring.flush([writer])
    monitoring.reset_sequences(Session)
    return writer.written


def analyze() -> None:
    """VACUUM (ANALYZE), as autovacuum would have by the time anyone reads: the planner's
    statistics, and the visibility map that lets an index-only scan skip the table (a
    server with autovacuum off, as a test machine may be, has none after a bulk load)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def build(target: int) -> float:
    print("Building the national directory:", flush=True)
    total, areas = stopwatch("migrate, geography, 40 areas sharing with neighbours", build_areas)
    if Activity.objects.exists():
        line("directory and sessions already built (--keep)", "")
        return total
    took, _ = stopwatch(
        "partners, venues, activities, schedules (demo generator, bulk)",
        lambda: build_directory(areas, target),
    )
    total += took
    yesterday = timezone.localdate() - timedelta(days=1)
    took, written = stopwatch(
        "sessions as of yesterday's roll-forward (COPY)", lambda: build_sessions(yesterday)
    )
    total += took
    took, _ = stopwatch("matching's index (match_index rebuild)", match_index.rebuild)
    total += took
    took, _ = stopwatch("VACUUM (ANALYZE)", analyze)
    total += took
    line("in all", f"{total:8.1f} s")
    line(f"{written:,} sessions", "")
    return total


# --- Measuring ----------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    return whats_on.percentile(values, share)


class Figures:
    def __init__(self) -> None:
        self.rows: list[tuple[str, list[float], list[float]]] = []

    def add(
        self, label: str, ours: list[float], floor: list[float], in_sql: list[float] | None = None
    ) -> None:
        """One read's line: ours, and (`in_sql`) the part of ours spent in the database,
        beside the floor. A page's own database work is what compares with a floor
        that only reads its rows; the rest is building and rendering the answer."""
        self.rows.append((label, ours, floor))
        ms = [statistics.median(ours) * 1000, percentile(ours, 0.95) * 1000]
        floor_ms = [statistics.median(floor) * 1000, percentile(floor, 0.95) * 1000]
        # Within 2x the floor: the read's own database work where it is measured (the
        # floor reads the rows; building and rendering the answer is the rest), or all
        # of it.
        compared = percentile(in_sql, 0.95) * 1000 if in_sql else ms[1]
        met = ms[1] <= GOAL_MS and compared <= 2 * max(floor_ms[1], 0.001)
        print(
            f"  {label:<44} ours p50 {ms[0]:7.1f} p95 {ms[1]:7.1f} ms   floor p50 "
            f"{floor_ms[0]:6.1f} p95 {floor_ms[1]:6.1f} ms   {'ok' if met else 'OVER GOAL'}",
            flush=True,
        )
        if in_sql:
            print(
                f"  {'':<44} of which SQL p50 {statistics.median(in_sql) * 1000:6.1f} "
                f"p95 {percentile(in_sql, 0.95) * 1000:6.1f} ms",
                flush=True,
            )


class SqlTimer:
    """Time spent in the database while it is installed (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began


def measure(
    client: Client, requests: list[tuple[str, dict[str, str]]]
) -> tuple[list[float], list[Any], list[float]]:
    """Server times of each request, warm (each asked once first), templates rendered
    as a live server renders them (no context recording), no query log; and the part
    of each spent in the database."""
    instrumented = Template._render  # type: ignore[attr-defined]
    Template._render = whats_on.PLAIN_RENDER  # type: ignore[attr-defined]
    settings.DEBUG = False
    try:
        for path, query in requests:
            assert client.get(path, query).status_code == 200, (path, query)
        times, responses, in_sql = [], [], []
        for path, query in requests:
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                began = time.perf_counter()
                response = client.get(path, query)
                times.append(time.perf_counter() - began)
            in_sql.append(timer.seconds)
            responses.append(response)
    finally:
        Template._render = instrumented  # type: ignore[attr-defined]
        settings.DEBUG = True
    return times, responses, in_sql


def floors(calls: list[Callable[..., Any]]) -> tuple[list[float], list[Any]]:
    for call in calls:
        call()
    times, results = [], []
    for call in calls:
        began = time.perf_counter()
        results.append(call())
        times.append(time.perf_counter() - began)
    return times, results


def sql(statement: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def bench_whats_on(figures: Figures, client: Client, rng: random.Random) -> None:
    today = timezone.localdate()
    areas = list(Area.objects.order_by("pk"))
    requests: list[tuple[str, dict[str, str]]] = []
    calls: list[Callable[..., Any]] = []
    for n in range(ARGS.repeats):
        area = areas[n % len(areas)]
        postcode = rng.choice(
            list(
                Postcode.objects.filter(district_code=area.local_authority_code)
                .order_by("pk")
                .values_list("postcode", flat=True)[:300]
            )
        )
        place = resolve_postcode(postcode)
        first = today + timedelta(days=rng.randrange(0, 60))
        last = first + timedelta(days=rng.choice((0, 6, 30)))
        requests.append(
            (
                f"/{area.slug}/whats-on/",
                {
                    "date_from": first.isoformat(),
                    "date_to": last.isoformat(),
                    "category": whats_on.CATEGORY,
                    "postcode": postcode,
                    "within": str(whats_on.MILES),
                },
            )
        )
        calls.append(
            lambda a=area, f=first, t=last, p=place: whats_on.floor_activities(
                a, f, t, p.latitude, p.longitude
            )
        )
    ours, _, in_sql = measure(client, requests)
    floor, rows = floors(calls)
    for (path, query), found in list(zip(requests, rows, strict=True))[:5]:
        page = client.get(path, query)
        assert [r["activity"].pk for r in page.context["rows"]] == [r[0] for r in found], query
    figures.add("What's on, first page (date, category, 5 mi)", ours, floor, in_sql)


def bench_activity_page(figures: Figures, client: Client, rng: random.Random) -> None:
    count = Activity.objects.count()
    requests: list[tuple[str, dict[str, str]]] = []
    calls: list[Callable[..., Any]] = []
    for _ in range(ARGS.repeats):
        _pk, public_id, slug = (
            Activity.objects.published()
            .filter(capacity_status="welcoming")
            .order_by("pk")
            .values_list("pk", "public_id", "home_area__slug")[rng.randrange(count // 2)]
        )
        requests.append((f"/{slug}/activities/{public_id}/", {}))
        calls.append(
            lambda p=public_id: sql(
                """
                SELECT a.*, o.name, v.name, v.latitude, s.start, s."end", s.status
                FROM directory_activity a
                JOIN directory_organisation o ON o.id = a.organisation_id
                LEFT JOIN directory_venue v ON v.id = a.venue_id
                LEFT JOIN LATERAL (
                    SELECT * FROM directory_session s WHERE s.activity_id = a.id
                      AND s."end" >= now() ORDER BY s.start LIMIT 10) s ON true
                WHERE a.public_id = %s AND a.status = 'published'
                ORDER BY s.start
                """,
                [p],
            )
        )
    ours, _, in_sql = measure(client, requests)
    floor, _ = floors(calls)
    figures.add("activity page", ours, floor, in_sql)


def _published_where() -> str:
    return "a.status = 'published' AND a.revision_of_id IS NULL"


def bench_oruk(figures: Figures, client: Client, rng: random.Random) -> None:
    categories = list(Category.objects.order_by("pk"))
    requests: list[tuple[str, dict[str, str]]] = []
    calls: list[Callable[..., Any]] = []
    for n in range(ARGS.repeats):
        page = 1 + n % 20
        query = {"page": str(page)}
        if n % 5 == 1:
            category = categories[n % len(categories)]
            query["taxonomy_term_id"] = oruk.derived_id("category", category.slug)
            calls.append(
                lambda c=category.pk, p=page: (
                    sql(
                        f"""SELECT a.id FROM directory_activity a
                        JOIN directory_organisation o ON o.id = a.organisation_id
                        LEFT JOIN directory_venue v ON v.id = a.venue_id
                        WHERE {_published_where()} AND EXISTS (SELECT 1 FROM
                          directory_activity_categories ac WHERE ac.activity_id = a.id
                          AND ac.category_id = %s)
                        ORDER BY a.title, a.id LIMIT 50 OFFSET %s""",  # noqa: S608
                        [c, (p - 1) * 50],
                    ),
                    sql(
                        f"""SELECT count(*) FROM directory_activity a WHERE
                        {_published_where()} AND EXISTS (SELECT 1 FROM
                          directory_activity_categories ac WHERE ac.activity_id = a.id
                          AND ac.category_id = %s)""",  # noqa: S608
                        [c],
                    ),
                )
            )
        else:
            calls.append(
                lambda p=page: (
                    sql(
                        f"""SELECT a.id FROM directory_activity a
                        JOIN directory_organisation o ON o.id = a.organisation_id
                        LEFT JOIN directory_venue v ON v.id = a.venue_id
                        WHERE {_published_where()}
                        ORDER BY a.title, a.id LIMIT 50 OFFSET %s""",  # noqa: S608
                        [(p - 1) * 50],
                    ),
                    sql(
                        f"SELECT count(*) FROM directory_activity a WHERE {_published_where()}",  # noqa: S608
                        [],
                    ),
                )
            )
        requests.append(("/api/openreferral/services", query))
    ours, responses, in_sql = measure(client, requests)
    floor, rows = floors(calls)
    public = dict(Activity.objects.values_list("pk", "public_id"))
    for response, (ids, count) in zip(responses, rows, strict=True):
        data = response.json()
        assert data["total_items"] == count[0][0]
        assert [c["id"] for c in data["contents"]] == [str(public[r[0]]) for r in ids]
    figures.add("ORUK /services (pages 1-20, some by term)", ours, floor, in_sql)

    requests, calls = [], []
    for n in range(ARGS.repeats):
        postcode = NOTTS_POSTCODES[n % len(NOTTS_POSTCODES)]
        place = resolve_postcode(postcode)
        metres = rng.choice((1000, 2000, 5000, 8000))
        page = 1 + n % 3
        requests.append(
            (
                "/api/openreferral/service_at_locations",
                {"postcode": postcode, "proximity": str(metres), "page": str(page)},
            )
        )
        calls.append(lambda p=place, m=metres, g=page: near_floor(p.latitude, p.longitude, m, g))
    ours, responses, in_sql = measure(client, requests)
    floor, rows = floors(calls)
    for response, (ids, count) in zip(responses, rows, strict=True):
        data = response.json()
        assert data["total_items"] == count, (data["total_items"], count)
        assert [c["service_id"] for c in data["contents"]] == [str(public[i]) for i in ids]
    figures.add("ORUK /service_at_locations?postcode&proximity", ours, floor, in_sql)


SERVICE_JOIN = """JOIN directory_organisation o ON o.id = t.organisation_id
    LEFT JOIN directory_venue v ON v.id = t.venue_id
    JOIN areas_area ar ON ar.id = t.home_area_id"""


def bench_oruk_items(figures: Figures, client: Client, rng: random.Random) -> None:
    """One service, one service at location (looked up by its stored id), and an id
    nobody has: each beside one statement reading all the service shows (as an RPDE
    series' floor does)."""
    rows = sql(
        f"""SELECT a.public_id, k.item_id FROM directory_activity a TABLESAMPLE SYSTEM (1)
        JOIN opendata_serviceatlocationid k ON k.activity_id = a.id
        WHERE {_published_where()} LIMIT 400""",  # noqa: S608
        [],
    )
    chosen = [rng.choice(rows) for _ in range(ARGS.repeats)]
    where = _published_where().replace("a.", "t.")
    for label, path, key, filter_sql in (
        ("ORUK /services/{id}", "/api/openreferral/services/", 0, "t.public_id = %s"),
        (
            "ORUK /service_at_locations/{id}",
            "/api/openreferral/service_at_locations/",
            1,
            "t.id = (SELECT activity_id FROM opendata_serviceatlocationid WHERE item_id = %s)",
        ),
    ):
        requests: list[tuple[str, dict[str, str]]] = [(f"{path}{row[key]}", {}) for row in chosen]
        calls: list[Callable[..., Any]] = [
            lambda v=row[key], f=filter_sql: sql(
                f"SELECT t.public_id, {SERIES_SHOWN} FROM directory_activity t {SERVICE_JOIN} "  # noqa: S608
                f"WHERE {f} AND {where}",
                [v],
            )
            for row in chosen
        ]
        ours, responses, in_sql = measure(client, requests)
        floor, found = floors(calls)
        for response, got in zip(responses, found, strict=True):
            data = response.json()
            assert data.get("service_id", data["id"]) == str(got[0][0]), label
        figures.add(label, ours, floor, in_sql)
    unknown = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(10)]
    times = []
    quiet = logging.getLogger("django.request")
    level, quiet.level = quiet.level, logging.ERROR  # ten 404s, as asked
    try:
        for item_id in unknown:
            began = time.perf_counter()
            response = client.get(f"/api/openreferral/service_at_locations/{item_id}")
            times.append(time.perf_counter() - began)
            assert response.status_code == 404
    finally:
        quiet.level = level
    line(
        "ORUK /service_at_locations/{an id nobody has}",
        f"p50 {statistics.median(times) * 1000:7.1f} ms (404)",
    )


def near_floor(lat: float, lng: float, metres: float, page: int) -> tuple[list[int], int]:
    """The published activities at a public venue within `metres`, nearest first (the
    haversine distance, as lib.geo works it out), one page and the count."""
    miles = metres / METRES_PER_MILE
    south, north, west, east = box_around(lat, lng, miles)
    rows = sql(
        f"""
        WITH near AS (
            SELECT a.id, a.title, 2 * %s * asin(least(1.0, sqrt(
                power(sin(radians(v.latitude - %s) / 2), 2)
                + cos(radians(%s)) * cos(radians(v.latitude))
                  * power(sin(radians(v.longitude - %s) / 2), 2)))) AS miles
            FROM directory_venue v JOIN directory_activity a ON a.venue_id = v.id
            WHERE v.latitude BETWEEN %s AND %s AND v.longitude BETWEEN %s AND %s
              AND {_published_where()} AND NOT a.hide_address
        )
        SELECT id, count(*) OVER () FROM near WHERE miles <= %s
        ORDER BY miles, title, id LIMIT 50 OFFSET %s
        """,  # noqa: S608
        [EARTH_RADIUS_MILES, lat, lat, lng, south, north, west, east, miles, (page - 1) * 50],
    )
    if not rows and page > 1:
        count = near_floor(lat, lng, metres, 1)[1]
        return [], count
    return [r[0] for r in rows], (rows[0][1] if rows else 0)


# What an RPDE page shows of each row, read by its floor in the same statement: for a
# SessionSeries the activity with its organisation, venue and area, its categories,
# support features and schedules, and (with no repeating schedule) its next 20
# sessions; for a ScheduledSession the session and its activity's address.
SERIES_SHOWN = """t.updated_at, t.status, t.title, t.summary, t.description_html, t.cost,
    t.price, t.concession_price, t.online, t.hide_address, t.locality, t.min_age,
    t.max_age, t.capacity, ar.slug, o.public_id, o.name, o.website, o.email, o.phone,
    v.public_id, v.name, v.address_line_1, v.address_line_2, v.town, v.postcode,
    v.district_code, v.latitude, v.longitude, v.parking, v.step_free,
    v.accessible_toilet, v.hearing_loop,
    ARRAY(SELECT category_id FROM directory_activity_categories x
          WHERE x.activity_id = t.id),
    ARRAY(SELECT supportfeature_id FROM directory_activity_support_features x
          WHERE x.activity_id = t.id),
    (SELECT json_agg(json_build_array(s.start_date, s.start_time, s.end_time, s.rrule,
        s.exdates, s.timezone, s.all_day, s.duration_days))
     FROM directory_schedule s WHERE s.activity_id = t.id),
    CASE WHEN NOT EXISTS (SELECT 1 FROM directory_schedule s
                          WHERE s.activity_id = t.id AND s.rrule <> '')
    THEN (SELECT json_agg(json_build_array(n.public_id, n.start, n."end", n.status))
          FROM (SELECT * FROM directory_session n WHERE n.activity_id = t.id
                ORDER BY n.start LIMIT 20) n) END"""
SESSION_SHOWN = """t.updated_at, t.start, t."end", t.all_day, t.status, t.moved,
    a.public_id, (SELECT slug FROM areas_area ar WHERE ar.id = a.home_area_id)"""


def bench_rpde(figures: Figures, client: Client, rng: random.Random) -> None:
    size = settings.OPENACTIVE_PAGE_SIZE
    for feed, table, join, where, shown in (
        (
            "session-series",
            "directory_activity",
            "JOIN directory_organisation o ON o.id = t.organisation_id "
            "LEFT JOIN directory_venue v ON v.id = t.venue_id "
            "JOIN areas_area ar ON ar.id = t.home_area_id",
            "t.revision_of_id IS NULL AND NOT (t.status = 'pending' AND t.published_at IS NULL)",
            SERIES_SHOWN,
        ),
        (
            "scheduled-sessions",
            "directory_session",
            "JOIN directory_activity a ON a.id = t.activity_id",
            "a.revision_of_id IS NULL",
            SESSION_SHOWN,
        ),
    ):
        marks = sql(
            f"SELECT updated_at, public_id FROM {table} TABLESAMPLE SYSTEM (1) LIMIT 400",  # noqa: S608
            [],
        )
        requests: list[tuple[str, dict[str, str]]] = []
        calls: list[Callable[..., Any]] = []
        for n in range(ARGS.repeats):
            query = {}
            if n:
                changed, public_id = rng.choice(marks)
                query = {
                    "afterTimestamp": str(openactive.modified(changed)),
                    "afterId": str(public_id),
                }
            requests.append((f"/api/openactive/{feed}", query))
            after = ""
            params: list[Any] = []
            if query:
                after = "AND (t.updated_at, t.public_id) > (%s, %s)"
                params = [
                    openactive.from_modified(int(query["afterTimestamp"])),
                    query["afterId"],
                ]
            calls.append(
                lambda w=where, a=after, p=params, j=join, t=table, c=shown: sql(
                    f"""SELECT t.public_id, {c} FROM {t} t {j} WHERE {w} {a}
                    ORDER BY t.updated_at, t.public_id LIMIT {size}""",  # noqa: S608
                    p,
                )
            )
        ours, responses, in_sql = measure(client, requests)
        floor, rows = floors(calls)
        for response, found in list(zip(responses, rows, strict=True))[:10]:
            got = [item["id"] for item in response.json()["items"]]
            assert got == [str(r[0]) for r in found], feed
        figures.add(f"OpenActive RPDE page, {feed}", ours, floor, in_sql)


def bench_suggestions(figures: Figures) -> None:
    """Imported here: matching is being reworked, and a broken import there should
    cost this one figure, not the run."""
    try:
        import matching

        from inspiring.matching.service import suggestions_for
    except ImportError as error:
        print(f"  top 20 suggestions: not measured ({error})")
        return
    if not CaseClient.objects.exists():
        stopwatch(
            "clients for the suggestions (matching's builder)",
            lambda: matching.build_clients(ARGS.clients + matching.WARM_UP),
        )
        analyze()
    clients = list(CaseClient.objects.order_by("pk"))
    where = matching.homes(clients)
    for client in clients[: matching.WARM_UP]:
        suggestions_for(client)
        matching.floor_query(where[client.pk], timezone.now())

    def ask_each() -> tuple[list[float], list[float], list[float]]:
        ours, floor, in_sql = [], [], []
        for client in clients[matching.WARM_UP :]:
            now = timezone.now()
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                began = time.perf_counter()
                suggestions_for(client, now=now)
                ours.append(time.perf_counter() - began)
            in_sql.append(timer.seconds)
            began = time.perf_counter()
            matching.floor_query(where[client.pk], now)
            floor.append(time.perf_counter() - began)
        return ours, floor, in_sql

    # Each client asked once first, as every read here is (the first ask reads the
    # client's part of the country into the database's buffers): both are given.
    first, first_floor, first_sql = ask_each()
    figures.add("top 20 suggestions, first ask", first, first_floor, first_sql)
    figures.add("top 20 suggestions (suggestions_for)", *ask_each())


def main() -> None:
    print(f"Database: {connection.vendor} ({NAME})")
    if connection.vendor != "postgresql":
        sys.exit("bench/national.py measures PostgreSQL: BENCH_POSTGRES names the server")
    setup_test_environment()
    build(ARGS.activities)
    call_command("migrate", verbosity=0)  # a table or index added since the build
    sessions = Session.objects.count()
    print(
        f"  {Activity.objects.count():,} activities, {sessions:,} sessions, "
        f"{Area.objects.count()} areas",
        flush=True,
    )
    wanted = set(
        ARGS.only or ("roll-forward", "whats-on", "activity", "oruk", "rpde", "suggestions")
    )
    if "roll-forward" in wanted:
        print("Nightly roll-forward:", flush=True)
        _took, report = stopwatch("materialise_all() for today", lambda: materialise_all())
        line(
            f"{report.schedules:,} schedules: {report.created:,} created, "
            f"{report.updated:,} updated, {report.deleted:,} deleted",
            "",
        )
    analyze()
    # As each gunicorn worker does once it has loaded the site (config/gunicorn.py).
    warm_and_freeze()
    rng = random.Random("bench-national-requests")
    client = Client()
    figures = Figures()
    print(
        f"Public reads, {ARGS.repeats} varied requests each, warm (goal: p95 <= "
        f"{GOAL_MS} ms and <= 2x floor):",
        flush=True,
    )
    for name, run in (
        ("whats-on", lambda: bench_whats_on(figures, client, rng)),
        ("activity", lambda: bench_activity_page(figures, client, rng)),
        ("oruk", lambda: bench_oruk(figures, client, rng)),
        ("oruk", lambda: bench_oruk_items(figures, client, rng)),
        ("rpde", lambda: bench_rpde(figures, client, rng)),
        ("suggestions", lambda: bench_suggestions(figures)),
    ):
        if name in wanted:
            run()
    if not ARGS.keep:
        connection.close()
        _maintenance(f"DROP DATABASE {NAME}")


if __name__ == "__main__":
    main()
