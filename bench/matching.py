"""Benchmark: suggestions for a client over a large region, beside a plain indexed query.

    make bench          (or: DEBUG=1 .venv/bin/python bench/matching.py
                              [--activities N] [--clients N])

Builds a region of about 100,000 activities (three areas that all share with each
other, venues at real postcodes of the loaded geography) with about 20 sessions
each in the six weeks matching looks at (about 2,000,000), and 100 clients living
at real postcodes, each assessed (their week, barriers, interests, 1 to 5 miles of
travel) with some groups. Then, asking once for each client in turn, reports:
- the time to produce their top 20 suggestions (`suggestions_for`, the case
  page's call: profile, candidates, ranking), median and p95 over the clients,
  beside the floor: one hand-written indexed SQL query returning every upcoming
  session of the activities in the client's box (the candidate rows, nothing else
  read, nothing ranked or built); and the same time by how many candidates each
  request ranks, which is what it grows with;
- the number of SQL queries per request, by count (constant: not growing with the
  candidates; the sessions are read in at most three batches; a few more when
  nothing fits, for the near misses);
- the distance search: the bounding box on the venues' indexed position plus an
  exact distance for the venues inside it (what the matching does), beside a
  naive scan working out the distance to every venue;
- where suggestions_for's time goes, its steps timed one by one for 20 clients.
For 10 clients it checks the ranking against the engine's reference (every
candidate with every session) and the sessions used against the floor's rows.
The region is dense (three districts, about 120 activities a square kilometre):
a 5-mile reach holds tens of thousands of activities. A full run takes about
20 minutes; `--activities 5000` is a quick one.
Uses a throw-away SQLite database, or DATABASE_URL if set (it must be empty).
`--keep` builds into (or reuses, the same day: the sessions start today) a database
that is kept: DATABASE_URL's, or <temp>/bench_matching_<N>.sqlite3; a database that
already holds the region is measured as it is (migrated and analysed first), so
several versions of the code can be measured on the same data.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
_tmp = tempfile.TemporaryDirectory()
if "--keep" in sys.argv:
    _size = next(
        (arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--activities=")),
        sys.argv[sys.argv.index("--activities") + 1] if "--activities" in sys.argv else "100000",
    )
    _kept = Path(tempfile.gettempdir()) / f"bench_matching_{_size}.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{_kept}")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspiring.areas.models import Area, Postcode
from inspiring.casework import choices
from inspiring.casework.models import Assessment, Client, GroupMembership
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory.bulk import COLUMNS as SESSION_COLUMNS
from inspiring.directory.models import Activity, Category, Schedule, Session, Venue
from inspiring.directory.recurrence import LONDON
from inspiring.matching import index as match_index
from inspiring.matching.engine import select, select_paged, suggest, week
from inspiring.matching.loading import (
    WINDOW,
    activities,
    candidate,
    candidates,
    client_profile,
    indexed,
    slot_loader,
    upcoming,
)
from inspiring.matching.service import TOP, suggestions_for
from lib.geo import box_around, miles_between

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Days a week an activity meets, and how often: about 3.3 on average, so about 20
# sessions each in the six-week window.
DAYS_A_WEEK = ((1, 10), (2, 20), (3, 25), (4, 25), (5, 10), (6, 10))
WARM_UP = 5  # clients asked for first (not timed): caches, plans, connections
CHECKED = 10  # clients whose floor rows are checked against what the matching loads
STEPS = 20  # clients asked again, suggestions_for's steps timed one by one
BATCH = 5000  # sessions built and written at a time


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, seconds: list[float]) -> None:
    median = statistics.median(seconds) * 1000
    p95 = percentile(seconds, 0.95) * 1000
    print(f"  {label:<62} median {median:7.1f} ms   p95 {p95:7.1f} ms")


def timed(label: str, func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    print(f"  {label:<62} {seconds:8.1f} s")
    return seconds


# --- Building the region ------------------------------------------------------------


def build_directory(target: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    load_demo(directory=False)
    areas = list(Area.objects.order_by("slug"))
    # One region: every area sees every other's activities.
    for area in areas:
        area.shares_with.add(*[other for other in areas if other != area])
    per_area = max(1, round(target / 3.5 / len(areas)))
    today = timezone.localdate()
    with transaction.atomic():
        for area in areas:
            build_area_directory(
                area, organisations=per_area, seed=f"bench-{area.slug}", today=today, bulk=True
            )


def _session_rows(today: date, rng: random.Random) -> Iterator[list[tuple[Any, ...]]]:
    """Each activity meets on a few days a week at its schedule's times, from today to a
    week past the matching window (so the window's end cuts); about 2% are cancelled.
    Rows as the database takes them (Session's own values, adapted as Django would)."""
    ops = connection.ops
    native_uuid = connection.features.has_native_uuid_field
    days = [today + timedelta(days=n) for n in range(WINDOW.days + 7)]
    counts, weights = zip(*DAYS_A_WEEK, strict=True)
    updated = ops.adapt_datetimefield_value(timezone.now())
    scheduled, cancelled = Session.Status.SCHEDULED.value, Session.Status.CANCELLED.value
    schedules = list(
        Schedule.objects.order_by("pk").values_list("pk", "activity_id", "start_time", "end_time")
    )
    rules: dict[str, list[int]] = {}
    batch: list[tuple[Any, ...]] = []
    for schedule_id, activity_id, start_time, end_time in schedules:
        weekdays = sorted(rng.sample(range(7), rng.choices(counts, weights)[0]))
        rules.setdefault(
            "FREQ=WEEKLY;BYDAY=" + ",".join(DAY_CODES[d] for d in weekdays), []
        ).append(schedule_id)
        minute = start_time.hour * 60 + start_time.minute
        for day in days:
            if day.weekday() not in weekdays:
                continue
            start = datetime.combine(day, start_time, tzinfo=LONDON).astimezone(UTC)
            end = datetime.combine(day, end_time, tzinfo=LONDON).astimezone(UTC)
            public_id = uuid.uuid4()
            batch.append(
                (
                    public_id if native_uuid else public_id.hex,
                    activity_id,
                    schedule_id,
                    ops.adapt_datefield_value(day),
                    ops.adapt_datetimefield_value(start),
                    ops.adapt_datetimefield_value(end),
                    ops.adapt_datefield_value(day),
                    ops.adapt_datefield_value(day),  # end_local_date: within the day
                    day.weekday(),
                    minute,
                    cancelled if rng.random() < 0.02 else scheduled,
                    False,
                    False,
                    "",
                    None,  # places: not booked here
                    False,
                    0,
                    updated,
                )
            )
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
    # The schedules say what the sessions are: several days a week, no exceptions.
    for rule, ids in rules.items():
        for index in range(0, len(ids), 900):
            Schedule.objects.filter(pk__in=ids[index : index + 900]).update(rrule=rule, exdates=[])


def build_sessions() -> None:
    """Sessions written directly, many rows a statement (COPY on PostgreSQL):
    materialise_all() expands the rules and writes through the ORM, 13 months ahead,
    far too slow for millions of rows."""
    rng = random.Random("bench-matching-sessions")
    # The session table's columns as the directory writes them (rows in this order).
    columns = ", ".join(connection.ops.quote_name(c) for c in SESSION_COLUMNS)
    placeholders = ", ".join(["%s"] * len(SESSION_COLUMNS))
    # Only column names are interpolated; every value is a query parameter.
    sql = f"INSERT INTO directory_session ({columns}) VALUES ({placeholders})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in _session_rows(timezone.localdate(), rng):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY directory_session ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, batch)


def build_clients(count: int) -> None:
    """`count` assessed clients at real postcodes of the region, in bulk."""
    rng = random.Random("bench-matching-clients")
    areas = {area.local_authority_code: area for area in Area.objects.all()}
    postcodes = list(
        Postcode.objects.filter(district_code__in=areas).values_list(
            "postcode", "district_code", "latitude", "longitude"
        )
    )
    categories = list(Category.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    clients = []
    for number in range(count):
        code, district, lat, lng = rng.choice(postcodes)
        clients.append(
            Client(
                area=areas[district],
                first_name=f"Bench{number}",
                last_name="Client",
                date_of_birth=date(today.year - rng.randint(19, 88), rng.randint(1, 12), 1),
                postcode=code,
                latitude=lat,
                longitude=lng,
                sex=rng.choice(choices.Sex.values),
                consent_to_hold=True,
                consent_recorded_at=timezone.now(),
            )
        )
    with transaction.atomic():
        Client.objects.bulk_create(clients, batch_size=500)
        assessments = []
        groups = []
        for client in clients:
            week: dict[str, list[str]] = {}
            if rng.random() < 0.9:  # the rest have no week recorded: any time suits them
                for day in rng.sample(DAY_CODES, k=rng.randint(2, 6)):
                    week[day] = rng.sample(["morning", "afternoon", "evening"], k=rng.randint(1, 3))
            assessments.append(
                Assessment(
                    client=client,
                    what_matters="Meeting people again.",
                    barriers=rng.sample(list(choices.Barrier.values), k=rng.randint(0, 3)),
                    availability=week,
                    max_travel_miles=Decimal(rng.randint(1, 5)),
                    assessed_on=today - timedelta(days=rng.randint(1, 60)),
                )
            )
            for n in range(rng.randint(0, 3)):
                groups.append(
                    GroupMembership(
                        client=client,
                        name=f"Group {n}",
                        kind=rng.choice(choices.GroupKind.values),
                        importance=rng.randint(1, 5),
                        positivity=rng.randint(1, 5),
                        contact=rng.choice(choices.ContactFrequency.values),
                    )
                )
        Assessment.objects.bulk_create(assessments, batch_size=500)
        through = Assessment.interests.through
        through.objects.bulk_create(
            [
                through(assessment_id=assessment.pk, category_id=category)
                for assessment in assessments
                for category in rng.sample(categories, k=rng.randint(1, 3))
            ],
            batch_size=500,
        )
        GroupMembership.objects.bulk_create(groups, batch_size=500)


# --- What is measured ---------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    """What the floor and the distance search need about a client, read beforehand."""

    areas: tuple[int, ...]
    lat: float
    lng: float
    miles: float


def box(home: Home) -> tuple[float, float, float, float]:
    """The bounding box the matching cuts by (loading.activities)."""
    return box_around(home.lat, home.lng, home.miles)


def floor_query(home: Home, now: datetime) -> list[tuple[Any, ...]]:
    """The candidate rows the matching loads (each upcoming session of each published
    activity in the box, or online), as one hand-written query over the indexes: venue
    position, activity venue, session (activity, start).

    CROSS JOIN is SQLite's way to fix the join order (PostgreSQL plans it as a join):
    from the few activities to their sessions, never a range over every session."""
    placeholders = ",".join(["%s"] * len(home.areas))
    where = f"""a.status = 'published' AND a.revision_of_id IS NULL
                AND a.home_area_id IN ({placeholders}) AND s.activity_id = a.id
                AND s.status = 'scheduled' AND s.start >= %s AND s.start < %s"""
    # Only placeholders are interpolated; every value is a query parameter.
    sql = f"""
        SELECT s.activity_id, s.start, s."end", s.weekday, s.start_minute
        FROM directory_venue v
        CROSS JOIN directory_activity a
        CROSS JOIN directory_session s
        WHERE v.latitude BETWEEN %s AND %s AND v.longitude BETWEEN %s AND %s
          AND a.venue_id = v.id AND a.online = %s AND {where}
        UNION ALL
        SELECT s.activity_id, s.start, s."end", s.weekday, s.start_minute
        FROM directory_activity a
        CROSS JOIN directory_session s
        WHERE a.online = %s AND {where}
    """  # noqa: S608
    window = [
        connection.ops.adapt_datetimefield_value(now),
        connection.ops.adapt_datetimefield_value(now + WINDOW),
    ]
    params: list[Any] = [*box(home), False, *home.areas, *window, True, *home.areas, *window]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def venues_by_box(home: Home) -> set[int]:
    """The matching's distance search: an indexed range on the venue's position, then
    the exact distance for the venues inside the box."""
    south, north, west, east = box(home)
    return {
        pk
        for pk, lat, lng in Venue.objects.filter(
            latitude__range=(south, north), longitude__range=(west, east)
        ).values_list("pk", "latitude", "longitude")
        if miles_between(home.lat, home.lng, lat, lng) <= home.miles
    }


def venues_by_scan(home: Home) -> set[int]:
    """The naive search: every venue, and the distance to each."""
    return {
        pk
        for pk, lat, lng in Venue.objects.values_list("pk", "latitude", "longitude")
        if miles_between(home.lat, home.lng, lat, lng) <= home.miles
    }


def homes(clients: list[Client]) -> dict[int, Home]:
    sharing = {
        area.pk: tuple(Area.objects.sharing_with(area).values_list("pk", flat=True))
        for area in Area.objects.all()
    }
    found = {}
    for client in clients:
        assessment = client.assessments.first()
        assert assessment is not None and assessment.max_travel_miles is not None
        assert client.latitude is not None and client.longitude is not None
        found[client.pk] = Home(
            sharing[client.area_id],
            client.latitude,
            client.longitude,
            float(assessment.max_travel_miles),
        )
    return found


def check(client: Client, home: Home, now: datetime) -> None:
    """The floor holds every session the matching could use for this client, and the
    lazy ranking (sessions read for the most promising activities only) is exactly the
    reference ranking over every candidate with every session the person can go to."""
    client = Client.objects.get(pk=client.pk)
    built = client_profile(client)
    every = candidates(client.area, built.profile, home=built.home, now=now)
    loaded = {(c.activity_id, slot.start) for c in every for slot in c.slots}
    # Raw rows: SQLite's driver gives naive datetimes (UTC, as Django stores them).
    rows = {
        (row[0], row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC))
        for row in floor_query(home, now)
    }
    assert loaded <= rows, f"{len(loaded - rows)} sessions the matching uses are not in the floor"
    reference = suggest(built.profile, every, now, limit=TOP)
    lazily = suggestions_for(client, now=now).suggestions
    assert [(s.candidate.activity_id, s.score) for s in lazily] == [
        (s.candidate.activity_id, s.score) for s in reference
    ], "the lazy ranking differs from the reference"


def breakdown(clients: list[Client]) -> dict[str, list[float]]:
    """suggestions_for's steps, timed one by one (the same calls it makes)."""
    steps: dict[str, list[float]] = {"profile": [], "activities": [], "rank": []}
    # "activities": the index's first page; "rank": the rest (more pages if needed).
    for client in clients:
        client = Client.objects.get(pk=client.pk)  # fresh: nothing cached on it
        now = timezone.now()
        began = time.perf_counter()
        built = client_profile(client)
        area = client.area
        profiled = time.perf_counter()
        pool = indexed(area, built.profile, home=built.home, now=now, taxonomy=built.taxonomy)
        pages = pool.pages()
        first = next(pages)  # the first page of the index's walk: what "activities" costs
        loaded = time.perf_counter()
        load = slot_loader(built.profile, now, pool)
        week(
            select_paged(
                built.profile, itertools.chain([first], pages), candidate, load, now, limit=TOP
            )
        )
        ranked = time.perf_counter()
        steps["profile"].append(profiled - began)
        steps["activities"].append(loaded - profiled)
        steps["rank"].append(ranked - loaded)
    return steps


def unindexed(client: Client, now: datetime) -> float:
    """The same ranking as suggestions_for without the match index (ADR 0010's path
    before it: every activity in reach read and bounded in Python), timed: the
    comparison the index is measured against, in the same run."""
    began = time.perf_counter()
    built = client_profile(client)
    pool = activities(client.area, built.profile, home=built.home, now=now, taxonomy=built.taxonomy)
    load = slot_loader(built.profile, now, pool)
    week(select(built.profile, pool.prospects, candidate, load, now, limit=TOP))
    return time.perf_counter() - began


def analyze() -> None:
    """Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would give a
    live database: without them the planner guesses badly after a bulk load. On
    PostgreSQL a VACUUM too, as autovacuum would have run by the time anyone asks (a
    table written at once, or all updated by the nightly roll-forward, is past its
    thresholds): until then no page is marked all-visible, so the match index's covering
    index cannot be read alone (an index-only scan) and every entry in reach costs a
    visit to the table (the walk's median 67 ms against 35 ms after it, measured)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100, help="timed requests, one a client")
    parser.add_argument(
        "--keep", action="store_true", help="build into (or reuse) a database that is kept"
    )
    args = parser.parse_args()
    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    region = "directory_activity" in connection.introspection.table_names()
    if args.keep and region and Client.objects.count() == args.clients + WARM_UP:
        print("Using the region already built (--keep):")
        timed(
            "migrate (matching's index written again if new)",
            lambda: call_command("migrate", verbosity=0),
        )
        timed("ANALYZE (PostgreSQL: VACUUM too)", analyze)
    else:
        print("Building the region:")
        build = timed(
            "directory: geography, 3 areas, partners, venues, activities",
            lambda: build_directory(args.activities),
        )
        build += timed("sessions: ~20 an activity in the window (bulk writes)", build_sessions)
        build += timed("matching's index (match_index rebuild)", match_index.rebuild)
        build += timed(
            f"{args.clients + WARM_UP} clients, assessments, groups (bulk writes)",
            lambda: build_clients(args.clients + WARM_UP),
        )
        build += timed("ANALYZE (PostgreSQL: VACUUM too)", analyze)
        print(f"  {'in all':<62} {build:8.1f} s")
    now = timezone.now()
    in_window = upcoming(now).count()
    print(
        f"  {Activity.objects.count():,} activities at {Venue.objects.count():,} venues in "
        f"{Area.objects.count()} areas sharing with each other; {Session.objects.count():,} "
        f"sessions, {in_window:,} going ahead in the {WINDOW.days}-day window"
    )

    clients = list(Client.objects.order_by("pk"))
    where = homes(clients)
    for client in clients[:WARM_UP]:
        suggestions_for(client)
        floor_query(where[client.pk], timezone.now())
        venues_by_box(where[client.pk])
        venues_by_scan(where[client.pk])
    timed_clients = clients[WARM_UP:]
    match_times, floor_times, box_times, scan_times, before_times = [], [], [], [], []
    queries, rows, in_box, suggested, venues, considered = [], [], [], [], [], []
    index_rows: list[int] = []  # rows of the match index each request read
    for client in timed_clients:
        home = where[client.pk]
        now = timezone.now()
        reset_queries()  # DEBUG keeps the last 9,000 queries: room to count these
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            result = suggestions_for(client, now=now)
            match_times.append(time.perf_counter() - began)
        queries.append(len(captured))
        before_times.append(unindexed(client, now))
        suggested.append(len(result.suggestions))
        built = client_profile(client)
        considered.append(
            indexed(client.area, built.profile, home=built.home, now=now).walk.count()
        )
        index_rows.append(result.considered)
        began = time.perf_counter()
        found = floor_query(home, now)
        floor_times.append(time.perf_counter() - began)
        rows.append(len(found))
        in_box.append(len({row[0] for row in found}))
        began = time.perf_counter()
        near = venues_by_box(home)
        box_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        scanned = venues_by_scan(home)
        scan_times.append(time.perf_counter() - began)
        assert near == scanned, "the bounding box lost a venue"
        venues.append(len(near))
    for client in timed_clients[:CHECKED]:
        check(client, where[client.pk], timezone.now())
    steps = breakdown(timed_clients[:STEPS])

    count = len(timed_clients)
    print(
        f"Top {TOP} suggestions, {count} clients (1 to 5 miles of travel) each asked once; "
        f"in the box per request: median {statistics.median(in_box):,.0f} activities, "
        f"{statistics.median(rows):,.0f} sessions (max {max(in_box):,}, {max(rows):,}); "
        f"activities in reach that no limit of their own rules out (the candidates "
        f"ranked): median {statistics.median(considered):,.0f}, max {max(considered):,}:"
    )
    report("suggestions_for (profile, index walk, rank, top 20)", match_times)
    print(
        f"    rows of the match index read to decide: median "
        f"{statistics.median(index_rows):,.0f}, max {max(index_rows):,} (a page is 200)"
    )
    report("the same without the index (every candidate read, bounded)", before_times)
    report("floor: one indexed SQL query, every session in the box", floor_times)
    print(
        f"  {sum(n == TOP for n in suggested)} of {count} clients got a full {TOP} suggestions; "
        f"for {min(CHECKED, count)}, the ranking was checked against the reference (every "
        f"candidate, every session) and the sessions used against the floor's rows"
    )
    print("suggestions_for by the candidates ranked (what its time grows with):")
    bands = ((0, 1000), (1000, 2500), (2500, 5000), (5000, 10000), (10000, 20000))
    for low, high in (*bands, (20000, None)):
        times = [
            t
            for t, n in zip(match_times, considered, strict=True)
            if n >= low and (high is None or n < high)
        ]
        if times:
            label = f"{low:,} to {high:,} candidates" if high else f"{low:,} or more candidates"
            report(f"{label} ({len(times)} clients)", times)
    print("SQL queries per request (by count: how many clients, their candidates):")
    for number in sorted(set(queries)):
        sizes = [n for q, n in zip(queries, considered, strict=True) if q == number]
        label = f"{number} queries"
        clients_label = f"{len(sizes)} client" + ("s" if len(sizes) != 1 else "")
        print(
            f"  {label:<62} {clients_label:>11}, {min(sizes):,} to {max(sizes):,} candidates"
            + ("  (nothing in reach: near misses looked for)" if max(sizes) == 0 else "")
        )
    print(
        f"Distance search over {Venue.objects.count():,} venues "
        f"(median {statistics.median(venues):,.0f} within the client's travel):"
    )
    report("bounding box on the indexed position, then exact distance", box_times)
    report("naive: the distance to every venue", scan_times)
    print(f"Where suggestions_for's time goes ({len(steps['rank'])} clients again, step by step):")
    report("client_profile (+ area): assessment, groups, tables, labels", steps["profile"])
    report("activities: limits in SQL, categories, features, distance, bound", steps["activities"])
    report("select + week: sessions in batches for the best bounds, score", steps["rank"])


if __name__ == "__main__":
    main()
