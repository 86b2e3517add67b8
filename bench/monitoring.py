"""Benchmark: the area dashboard over a million referrals, beside one hand-written SQL statement.

    DEBUG=1 .venv/bin/python bench/monitoring.py [--referrals N | --quick]
                                                 [--database sqlite|postgresql|both]
                                                 [--repeats R] [--explain] [--keep]
                                                 [--period 2026-q2 --period fy2025]

Builds three areas (the demo's Ashfield, Mansfield, Newark and Sherwood) with a directory
of about 1,000 activities, a weekly session each for four and a half years (about
233,000), 75 GP practices in 15 primary care networks, and N referrals (default
1,000,000; --quick: 50,000) received over four years, more each year, of about 0.8 N
clients: their status changes (contacted after a median of 4 days, assessed, active,
closed, declined...), contacts, assessments with barriers and interests, about 0.4 N
connections with their steps (first visits, attending, stopped and declined with coded
reasons), about 1.5 N attendances, about 0.3 N outcome administrations (ONS4 and ONS
loneliness, baseline and follow-up pairs, scored by the instruments' own rule, stored as
casework stores them) and group memberships. Seeded: every run has the same data. Rows
are written straight to the tables, many a statement (COPY on PostgreSQL), in chunks of
BATCH rows: memory stays bounded. A million referrals take 10 to 12 minutes.

Then, for the largest area and the last whole financial quarter, and again for the last
whole financial year (or the --period codes given), it reports medians of warm runs of:

- the dashboard's server time: `monitoring.dashboard.build()` (every section, the
  period and the one it is compared with, as the page, CSV, XLSX and PDF get it), with
  small numbers shown (R runs) and hidden (R / 2), and its SQL queries;
- each figures call the dashboard makes (casework, directory, surveys, areas), its time
  per dashboard and the part of it in the queries' execute (on SQLite rows are worked
  out as they are fetched, so that part is less than the SQL's whole time), over R / 2
  runs: the hot spots; and the five slowest queries (--explain: the plans of three);
- the floor: ONE hand-written SQL statement computing the same figures for the same
  periods (referrals by source, practice, PCN and reason; first contact's median, 90th
  percentile and timeliness; connections made, first visits, stops and declines;
  retention at 6 and 12 weeks; stop and decline reasons; outcome means and reliable
  change; groups joined; interests and barriers; equity's reach, uptake and outcome by
  four dimensions; sessions by kind, month, day and time of day; the population). Its
  figures are checked against the dashboard's figures calls before the times are
  printed (any that differ are listed first). Left out of the floor: the community
  survey's wishes (one survey's summary, benchmarked in bench/surveys.py), the recorded
  population shares and the list of practice networks (a few rows each). On SQLite,
  which has no percentile function, the percentiles are worked out in the statement
  from an ordered window.
  Goal: the dashboard within 2x the floor, and under a second on PostgreSQL.

--database both (the default) runs the whole benchmark once on a throw-away SQLite file
and once on a throw-away PostgreSQL database (created on BENCH_POSTGRES, by default
postgres://postgres@127.0.0.1:5432/postgres, and dropped afterwards). DATABASE_URL, when
set and no --database is given, is used as the other benchmarks use it (it must be empty).
--keep builds into (or reuses) a database that is kept: bench_monitoring_<N> on
PostgreSQL, <temp>/bench_monitoring_<N>.sqlite3 for SQLite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from math import exp
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

QUICK = 50_000
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} referrals")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"))
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs of build() and the floor (5)"
    )
    parser.add_argument("--explain", action="store_true", help="plans of the slowest queries")
    parser.add_argument(
        "--period",
        action="append",
        help="a period code as the page takes it (2026-q2, fy2025); default: the last whole "
        "quarter and the last whole financial year",
    )
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) the database")
    args = parser.parse_args()
    if args.quick:
        args.referrals = QUICK
    if args.database is None:
        args.database = "given" if os.environ.get("DATABASE_URL") else "both"
    return args


ARGS = arguments()


def _postgres(name: str) -> str:
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


def _maintenance(sql: str) -> list[tuple[Any, ...]] | None:
    """Run one statement on the PostgreSQL server's maintenance database: its rows, or
    None when the server cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []
    except psycopg.OperationalError as error:
        print(f"PostgreSQL at {POSTGRES}: {error}".strip())
        return None


def _without_database(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--database":
            skip = True
        elif not arg.startswith("--database="):
            kept.append(arg)
    return kept


if ARGS.database == "both":
    # Each database in its own process: Django is set up once, for one database.
    status = 0
    for vendor in ("sqlite", "postgresql"):
        print(f"==== {vendor}", flush=True)
        argv = [sys.executable, __file__, *_without_database(sys.argv[1:]), "--database", vendor]
        status |= subprocess.call(argv, env={**os.environ, "BENCH_BOTH": "1"})  # noqa: S603
    sys.exit(status)

_tmp = tempfile.TemporaryDirectory()
_DROP: str | None = None
if ARGS.database == "sqlite":
    _file = (
        Path(tempfile.gettempdir()) / f"bench_monitoring_{ARGS.referrals}.sqlite3"
        if ARGS.keep
        else Path(_tmp.name) / "bench.sqlite3"
    )
    os.environ["DATABASE_URL"] = f"sqlite:///{_file}"
elif ARGS.database == "postgresql":
    _name = f"bench_monitoring_{ARGS.referrals if ARGS.keep else os.getpid()}"
    found = _maintenance(f"SELECT 1 FROM pg_database WHERE datname = '{_name}'")  # noqa: S608
    if found is None:
        print("PostgreSQL: not reachable, nothing measured (BENCH_POSTGRES names the server)")
        # Asked for both: SQLite's figures stand; asked for PostgreSQL alone: a failure.
        sys.exit(0 if os.environ.get("BENCH_BOTH") else 1)
    if not found:
        _maintenance(f"CREATE DATABASE {_name}")
    os.environ["DATABASE_URL"] = _postgres(_name)
    _DROP = None if ARGS.keep else _name

import django

django.setup()

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas import figures as area_figures
from inspiring.areas.models import LSOA, Area, GPPractice
from inspiring.casework import choices, facts
from inspiring.casework import figures as case
from inspiring.casework.models import (
    Administration,
    Assessment,
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    Contact,
    GroupMembership,
    Referral,
    ReferralStatusChange,
)
from inspiring.casework.models.connections import OPEN_STATUSES
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory import figures as supply
from inspiring.directory.models import Activity, Category, Schedule, Session
from inspiring.directory.recurrence import LONDON
from inspiring.measures import library
from inspiring.measures.instruments.base import score
from inspiring.monitoring import dashboard, periods
from inspiring.monitoring.models import PopulationFigure
from inspiring.surveys import figures as survey_figures
from inspiring.surveys.models import Response, Survey
from inspiring.surveys.template import build_template_survey
from lib.tallies import Period

PG = connection.vendor == "postgresql"
BATCH = 20_000  # rows of the busiest table written at a time
YEARS = 4  # referrals received over the last four years
AREA_SHARES = (0.40, 0.33, 0.27)  # of the clients, by area (the first is measured)
ORGANISATIONS = 100  # partners per area, about 3.5 activities each
PRACTICES = 25  # GP practices per area, in 5 primary care networks
WORKERS = 8  # link workers per area
FOLLOW_UP = 84  # days from baseline to follow-up (12 weeks)
ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
LONELINESS_ITEMS = ("lack_companionship", "left_out", "isolated", "lonely")


def line(label: str, figure: str) -> None:
    print(f"  {label:<66}{figure}")


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def timed(func: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    func()  # warm: connection, caches, the planner's statistics
    times = []
    result = None
    for _ in range(repeats):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return times, result


# --- Writing rows straight to the tables ----------------------------------------------


def adapt(value: Any) -> Any:
    """A value as the database takes it (what Django's field would write)."""
    if value is None or PG:
        return json.dumps(value) if isinstance(value, dict | list) else value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


NOW = timezone.now()
TRUE, FALSE = adapt(True), adapt(False)


def new_id() -> Any:
    return uuid.uuid4() if PG else uuid.uuid4().hex


def _default(field: models.Field) -> Any:
    """The value of a column the bench does not vary: the field's default."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return NOW
    if field.unique and not field.primary_key:
        raise ValueError(f"{field} is unique: give it a value")
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field} needs a value")


class Writer:
    """One table's rows, the columns the bench varies first (in `fields` order) and the
    rest at their defaults; written many a statement (COPY on PostgreSQL)."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        rest = [f for f in meta.concrete_fields if f not in given]
        self.model = model
        self.table = meta.db_table
        self.constant = tuple(adapt(_default(f)) for f in rest)
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in given + rest)  # type: ignore[union-attr,arg-type]
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.constant)

    def flush(self, cursor: Any) -> None:
        if not self.rows:
            return
        if PG:
            with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.rows[0]))
            # Only table and column names are put in; every value is a parameter.
            sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, self.rows)
        self.written += len(self.rows)
        self.rows = []


def flush(writers: Sequence[Writer]) -> None:
    """Every table's rows, parents first, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        for writer in writers:
            writer.flush(cursor)


def reset_sequences(*tables: type[models.Model]) -> None:
    """After rows written with their own ids, the next id PostgreSQL gives is past them."""
    if PG:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(tables)):
                cursor.execute(sql)


# --- The areas, their directory and reference data ------------------------------------


@dataclass
class Place:
    """What the caseload is drawn from: one area's people, practices and activities."""

    area: Area
    workers: list[int]
    practices: list[int]
    lsoas: list[tuple[str, int | None]]
    activities: list[int]  # indexes into World.activities


@dataclass
class World:
    places: list[Place]
    categories: list[int]
    # Each activity's weekly session: (activity id, weekday, start_time, end_time)
    activities: list[tuple[int, int, clock, clock]]
    first_monday: int  # ordinal of the first week's Monday
    weeks: int


def build_areas() -> list[Area]:
    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    load_demo(directory=False)
    return list(Area.objects.order_by("slug"))


def build_reference(areas: list[Area]) -> None:
    """GP practices (5 PCNs of 5 per area), link workers, the recorded population by sex
    and ethnic group, and a community survey with 3,000 responses in the first area."""
    rng = random.Random("bench-monitoring-reference")
    practices = []
    for n, area in enumerate(areas):
        for p in range(PRACTICES):
            pcn = p // 5
            practices.append(
                GPPractice(
                    code=f"C8{n}{p:03d}",
                    name=f"{area.name} Medical Practice {p + 1}",
                    district_code=area.local_authority_code,
                    pcn_code=f"U{n}{pcn:04d}",
                    pcn_name=f"{area.name} PCN {pcn + 1}",
                    list_size=rng.randint(3000, 16000),
                    list_size_on=date(2026, 10, 1),
                )
            )
    GPPractice.objects.bulk_create(practices)
    for area in areas:
        for w in range(WORKERS):
            User.objects.create_user(
                f"worker{w}.{area.slug}@bench.example.org", full_name=f"Worker {w} {area.name}"
            )
        figures = [
            PopulationFigure(area=area, dimension="sex", group=code, count=n, source="Bench")
            for code, n in (("female", 61000), ("male", 58000))
        ] + [
            PopulationFigure(
                area=area, dimension="ethnic_group", group=code, count=n, source="Bench"
            )
            for code, n in (
                ("white_british", 105000),
                ("white_other", 5000),
                ("asian_indian", 2000),
            )
        ]
        PopulationFigure.objects.bulk_create(figures)
    survey = build_template_survey(areas[0])
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN, synthetic=True)
    positions = list(survey.categories.values_list("position", flat=True))
    Response.objects.bulk_create(
        [
            Response(
                survey=survey,
                submitted_on=date(2026, rng.randint(1, 11), rng.randint(1, 28)),
                wants_mask=sum(1 << p for p in positions if rng.random() < 0.3),
                synthetic=True,
            )
            for _ in range(3000)
        ],
        batch_size=1000,
    )


def build_directory(areas: list[Area], today: date) -> None:
    with transaction.atomic():
        for area in areas:
            build_area_directory(
                area,
                organisations=ORGANISATIONS,
                seed=f"bench-monitoring-{area.slug}",
                today=today,
                bulk=True,
            )


def world(areas: list[Area], start: int, today: int) -> World:
    """The areas' people, practices and activities, each activity's weekly slot."""
    rng = random.Random("bench-monitoring-world")
    first_schedule: dict[int, tuple[clock, clock]] = {}
    for activity_id, begins, ends in Schedule.objects.order_by("-pk").values_list(
        "activity_id", "start_time", "end_time"
    ):
        first_schedule[activity_id] = (begins, ends)
    activities: list[tuple[int, int, clock, clock]] = []
    places = []
    for area in areas:
        indexes = []
        for activity_id in (
            Activity.objects.filter(home_area=area).order_by("pk").values_list("pk", flat=True)
        ):
            begins, ends = first_schedule.get(activity_id, (clock(10), clock(12)))
            if ends <= begins:
                ends = clock(min(begins.hour + 2, 23), begins.minute)
            indexes.append(len(activities))
            activities.append((activity_id, rng.randrange(7), begins, ends))
        lsoas = list(
            LSOA.objects.filter(district_code=area.local_authority_code).values_list(
                "code", "imd_decile"
            )
        )
        places.append(
            Place(
                area=area,
                workers=list(
                    User.objects.filter(email__endswith=f".{area.slug}@bench.example.org")
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                practices=list(
                    GPPractice.objects.filter(district_code=area.local_authority_code)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                lsoas=lsoas or [("", None)],
                activities=indexes,
            )
        )
    first_monday = start - 21 - date.fromordinal(start - 21).weekday()
    weeks = (today + 70 - first_monday) // 7 + 1
    return World(
        places=places,
        categories=list(Category.objects.order_by("pk").values_list("pk", flat=True)),
        activities=activities,
        first_monday=first_monday,
        weeks=weeks,
    )


def session_id(w: World, activity: int, week: int) -> int:
    return 1 + activity * w.weeks + week


def cancelled(activity: int, week: int) -> bool:
    return (activity * 7 + week * 13) % 50 == 0


def build_sessions(w: World) -> int:
    """Every activity's weekly session from before the first referral to ten weeks
    ahead, with ids the caseload can work out (session_id); about 2% cancelled."""
    writer = Writer(
        Session,
        (
            "id",
            "public_id",
            "activity_id",
            "occurrence_date",
            "start",
            "end",
            "local_date",
            "end_local_date",
            "weekday",
            "start_minute",
            "status",
        ),
    )
    for index, (activity_id, weekday, begins, ends) in enumerate(w.activities):
        for week in range(w.weeks):
            day = date.fromordinal(w.first_monday + 7 * week + weekday)
            local = adapt(day)
            writer.add(
                session_id(w, index, week),
                new_id(),
                activity_id,
                local,
                adapt(datetime.combine(day, begins, tzinfo=LONDON).astimezone(UTC)),
                adapt(datetime.combine(day, ends, tzinfo=LONDON).astimezone(UTC)),
                local,
                local,
                weekday,
                begins.hour * 60 + begins.minute,
                "cancelled" if cancelled(index, week) else "scheduled",
            )
        if len(writer.rows) >= BATCH:
            flush([writer])
    flush([writer])
    reset_sequences(Session)
    return writer.written


# --- The caseload -----------------------------------------------------------------------


def _weighted(pairs: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    codes, weights = zip(*pairs, strict=True)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return list(codes), cumulative


SOURCES = _weighted(
    [
        ("gp", 40),
        ("practice_staff", 14),
        ("pharmacy", 3),
        ("hospital", 5),
        ("mental_health", 6),
        ("adult_social_care", 6),
        ("council", 4),
        ("housing", 3),
        ("job_centre", 2),
        ("police_fire", 1),
        ("voluntary", 6),
        ("self", 9),
        ("other", 1),
    ]
)
REASONS = _weighted(
    [
        ("loneliness", 30),
        ("low_mood", 25),
        ("long_term_condition", 12),
        ("inactivity", 8),
        ("bereavement", 6),
        ("money", 6),
        ("housing", 4),
        ("carer_stress", 3),
        ("weight", 3),
        ("employment", 2),
        ("other", 1),
    ]
)
ETHNIC = _weighted(
    [
        ("white_british", 78),
        ("white_other", 4),
        ("white_irish", 1),
        ("asian_indian", 2),
        ("asian_pakistani", 1),
        ("black_african", 1),
        ("black_caribbean", 1),
        ("mixed_white_black_caribbean", 1),
        ("other", 1),
        ("prefer_not", 2),
        ("", 8),
    ]
)
SEXES = _weighted([("female", 60), ("male", 36), ("prefer_not", 1), ("", 3)])
IMD = _weighted([(str(d), 11 - d) for d in range(1, 11)])
STOP_REASONS = list(choices.StopReason.values)
BARRIERS = list(choices.Barrier.values)
CLOSED_OUTCOMES = ("goals_met", "partly_met", "not_met", "disengaged", "other_service")


CONTACT_KINDS = ("phone", "phone", "face_to_face", "home_visit", "message")
GROUP_NAMES = ("Walking group", "Coffee and chat", "Craft club", "Community garden", "Choir")
GROUP_KINDS = ("hobby", "sport", "community", "neighbours", "support")
FREQUENCIES = ("daily", "weekly", "monthly", "less")


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class Caseload:
    """Clients and all that is recorded about them, written in chunks (the busiest table
    BATCH rows at a time). Days are ordinals; ids are given, counted here."""

    def __init__(self, w: World, today: date, referrals: int) -> None:
        self.w = w
        self.rng = random.Random("bench-monitoring-caseload")
        self.today = today.toordinal()
        self.start = self.today - YEARS * 365
        self.target = referrals
        self.base = self.start - 4000  # the earliest day a group was joined
        self.days = [adapt(date.fromordinal(o)) for o in range(self.base, self.today + 400)]
        # Moments at 9:00 to 16:00 London time of each day, as the database takes them.
        self.moments = [
            [
                adapt(datetime.combine(date.fromordinal(o), clock(h), tzinfo=LONDON))
                for h in range(9, 17)
            ]
            for o in range(self.start - 30, self.today + 400)
        ]
        self.ids: dict[str, int] = defaultdict(int)
        self.open: set[int] = set()  # activities the client has an open connection to
        self.scored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.instruments = {code: library.get(code) for code in ("ons4", "ons-loneliness")}
        self.clients = Writer(
            Client,
            (
                "id", "public_id", "area", "worker", "first_name", "last_name",
                "date_of_birth", "lsoa_code", "imd_decile", "sex", "ethnic_group",
                "gp_practice", "registered_practice", "consent_to_hold",
                "consent_recorded_at", "consent_to_contact", "consent_to_research",
                "created_at", "updated_at", "last_activity_at", "closed_at", "erased_at",
            ),
        )  # fmt: skip
        self.referrals = Writer(
            Referral,
            (
                "id", "public_id", "client", "source", "reasons", "received_on", "status",
                "status_changed_on", "outcome", "created_at",
            ),
        )  # fmt: skip
        self.changes = Writer(
            ReferralStatusChange, ("id", "referral", "status", "on", "snomed_code", "by", "at")
        )
        self.contacts = Writer(Contact, ("id", "client", "kind", "on", "minutes", "by"))
        self.assessments = Writer(
            Assessment,
            ("id", "client", "referral", "what_matters", "barriers", "assessed_on", "by"),
        )
        self.interests = Writer(
            Assessment.interests.through, ("id", "assessment_id", "category_id")
        )
        self.connections = Writer(
            Connection,
            (
                "id", "public_id", "client", "activity", "first_session", "status",
                "status_changed_on", "created_at", "updated_at",
            ),
        )  # fmt: skip
        self.steps = Writer(ConnectionStep, ("id", "connection", "status", "on", "reason_code"))
        self.attendances = Writer(Attendance, ("id", "connection", "session", "attended"))
        self.administrations = Writer(
            Administration,
            (
                "id", "public_id", "client", "instrument_code", "instrument_version",
                "timepoint", "answers", "scores", "bands", "problems", "complete",
                "administered_on", "how", "by", "created_at",
            ),
        )  # fmt: skip
        self.groups = Writer(
            GroupMembership,
            ("id", "client", "name", "kind", "importance", "positivity", "contact", "joined_on"),
        )
        # Parents first: each chunk is written in this order.
        self.writers = [
            self.clients,
            self.referrals,
            self.changes,
            self.contacts,
            self.assessments,
            self.interests,
            self.connections,
            self.steps,
            self.attendances,
            self.administrations,
            self.groups,
        ]

    def next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def day(self, o: int) -> Any:
        return self.days[o - self.base]

    def moment(self, o: int) -> Any:
        return self.moments[o - self.start + 30][self.rng.randrange(8)]

    def pick(self, weighted: tuple[list[str], list[float]]) -> str:
        codes, cumulative = weighted
        return self.rng.choices(codes, cum_weights=cumulative)[0]

    def wait(self, median: float, sigma: float, most: int) -> int:
        """Days, lognormal: most waits short, a few long."""
        return min(most, int(exp(self.rng.gauss(0, sigma)) * median))

    def build(self) -> None:
        made = 0
        while made < self.target:
            made += self.client(self.target - made)
            if max(len(w.rows) for w in self.writers) >= BATCH:
                flush(self.writers)
        flush(self.writers)
        reset_sequences(*(writer.model for writer in self.writers))

    def client(self, wanted_at_most: int) -> int:
        rng = self.rng
        u = rng.random()
        place = self.w.places[0 if u < AREA_SHARES[0] else 1 if u < sum(AREA_SHARES[:2]) else 2]
        client = self.next("client")
        worker = rng.choice(place.workers)
        self.open = set()
        # Referrals: more each year (their density grows linearly over the four years).
        first = received = self.start + int(YEARS * 365 * rng.random() ** 0.5)
        wanted = 1 if rng.random() < 0.8 else 2 if rng.random() < 0.75 else 3
        made, last_day, still_open = 0, received, False
        while made < min(wanted, wanted_at_most) and received <= self.today:
            last_day, still_open = self.referral(client, worker, place, received)
            made += 1
            received = last_day + rng.randint(30, 400)
        born = None
        if rng.random() < 0.92:
            u = rng.random()
            age = (
                rng.randint(8, 15)
                if u < 0.04
                else rng.randint(16, 59)
                if u < 0.6
                else rng.randint(60, 95)
            )
            born = date.fromordinal(first - age * 365 - rng.randint(0, 364))
        lsoa, decile = rng.choice(place.lsoas)
        if decile is None or rng.random() < 0.1:
            decile = int(self.pick(IMD)) if rng.random() < 0.5 else None
        u = rng.random()
        practice = rng.choice(place.practices) if u < 0.85 else None
        erased = rng.random() < 0.005
        created = self.moment(first)
        touched = self.moment(min(last_day, self.today))
        self.clients.add(
            client,
            new_id(),
            place.area.pk,
            worker,
            "" if erased else f"Bench{client}",
            "" if erased else "Client",
            None if erased or born is None else adapt(born),
            lsoa,
            decile,
            self.pick(SEXES),
            self.pick(ETHNIC),
            "Riverside Surgery" if 0.85 <= u < 0.9 else "",
            practice,
            TRUE,
            created,
            TRUE,
            TRUE if rng.random() < 0.7 else FALSE,
            created,
            touched,
            touched,
            None if still_open else touched,
            self.moment(self.today) if erased else None,
        )
        return made

    def referral(self, client: int, worker: int, place: Place, received: int) -> tuple[int, bool]:
        """One referral's life: its steps as the link worker records them (contacted after
        a median of 4 days, assessed, active with connections, closed; or declined,
        unable to contact), none after today. Returns its last step's day and whether
        it is still open."""
        rng = self.rng
        referral = self.next("referral")
        today = self.today
        steps: list[tuple[str, int]] = [("received", received)]
        outcome = ""

        def step(status: str, on: int) -> bool:
            if on > today:
                return False
            steps.append((status, on))
            return True

        contacted = assessed = active = None
        u = rng.random()
        if u < 0.03:  # never reached: unable to contact, then closed
            if step("unable_to_contact", received + rng.randint(7, 28)):
                step("closed", steps[-1][1] + rng.randint(7, 60))
        elif u < 0.045:  # declined before any contact
            step("declined", received + rng.randint(1, 14))
        elif u < 0.055:  # recorded as assessed at once (moved from another system)
            if step("assessed", received + self.wait(6, 0.8, 90)):
                assessed = steps[-1][1]
        elif step("contacted", received + self.wait(4, 0.9, 120)):
            contacted = steps[-1][1]
            v = rng.random()
            if v < 0.08:
                step("declined", contacted + rng.randint(0, 14))
            elif v < 0.11:
                if step("unable_to_contact", contacted + rng.randint(5, 30)):
                    step("closed", steps[-1][1] + rng.randint(7, 60))
            elif step("assessed", contacted + self.wait(7, 0.7, 90)):
                assessed = steps[-1][1]
        if assessed is not None:
            self.assessment(client, referral, worker, assessed)
            if rng.random() < 0.36:
                if step("active", assessed + rng.randint(0, 21)):
                    active = steps[-1][1]
            elif rng.random() < 0.7 and step("closed", assessed + rng.randint(20, 120)):
                outcome = rng.choice(("not_met", "other_service", "disengaged"))
        if active is not None:
            ends = active + rng.randint(60, 300)
            self.connect(client, active, min(ends, today), place)
            if step("closed", ends):
                outcome = rng.choice(CLOSED_OUTCOMES)
        status, changed = steps[-1]
        for n, (what, on) in enumerate(steps):
            snomed = (
                choices.SNOMED_REFERRAL
                if n == 0
                else choices.SNOMED_DECLINED
                if what == "declined"
                else ""
            )
            self.changes.add(
                self.next("change"), referral, what, self.day(on), snomed, worker, self.moment(on)
            )
        if contacted is not None or assessed is not None:
            until = changed if status in ("closed", "declined") else today
            self.contacts_after(client, worker, contacted or assessed or received, until)
        reasons = sorted({self.pick(REASONS) for _ in range(rng.choice((1, 1, 2, 2, 3)))})
        self.referrals.add(
            referral,
            new_id(),
            client,
            self.pick(SOURCES),
            json.dumps(reasons),
            self.day(received),
            status,
            self.day(changed),
            outcome,
            self.moment(received),
        )
        return changed, status in Referral.OPEN

    def contacts_after(self, client: int, worker: int, first: int, until: int) -> None:
        """The first contact, then about one more on average."""
        rng = self.rng
        on = first
        while True:
            self.contacts.add(
                self.next("contact"),
                client,
                rng.choice(CONTACT_KINDS),
                self.moment(on),
                rng.choice((10, 15, 20, 30, 45, 60)),
                worker,
            )
            on += rng.randint(3, 40)
            if on > until or rng.random() < 0.5:
                return

    def assessment(self, client: int, referral: int, worker: int, on: int) -> None:
        rng = self.rng
        assessment = self.next("assessment")
        barriers = rng.sample(BARRIERS, k=rng.choice((0, 1, 1, 2, 2, 3)))
        self.assessments.add(
            assessment,
            client,
            referral,
            "Meeting people again.",
            json.dumps(barriers),
            self.day(on),
            worker,
        )
        for category in rng.sample(self.w.categories, k=rng.choice((1, 2, 2, 3))):
            self.interests.add(self.next("interest"), assessment, category)
        for _ in range(rng.choice((0, 0, 1, 1, 2))):  # the groups they had then
            self.group(client, None if rng.random() < 0.1 else on - rng.randint(100, 3500))
        if rng.random() < 0.13:
            self.outcomes(client, worker, on)

    def group(self, client: int, joined: int | None) -> None:
        rng = self.rng
        self.groups.add(
            self.next("group"),
            client,
            rng.choice(GROUP_NAMES),
            rng.choice(GROUP_KINDS),
            rng.randint(1, 5),
            rng.randint(1, 5),
            rng.choice(FREQUENCIES),
            None if joined is None else self.day(joined),
        )

    def outcomes(self, client: int, worker: int, on: int) -> None:
        """ONS4 and ONS loneliness at baseline; at follow-up twelve weeks on for most,
        somewhat better (as the demo's outcomes)."""
        rng = self.rng
        g = rng.gauss
        w0 = -0.9 + 0.8 * g(0, 1)
        l0 = 0.6 - 0.3 * w0 + 0.7 * g(0, 1)
        self.administer(client, worker, "ons4", "baseline", self.ons4(w0), on)
        self.administer(client, worker, "ons-loneliness", "baseline", self.lonely(l0), on)
        follow = on + FOLLOW_UP + rng.randint(-7, 14)
        if follow <= self.today and rng.random() < 0.78:
            w1 = w0 + 0.25 + 0.5 * g(0, 1)
            l1 = l0 - 0.2 + 0.5 * g(0, 1)
            self.administer(client, worker, "ons4", "follow_up", self.ons4(w1), follow)
            self.administer(client, worker, "ons-loneliness", "follow_up", self.lonely(l1), follow)

    def ons4(self, w: float) -> dict[str, int]:
        g = self.rng.gauss
        return {
            "life_satisfaction": _clamp(5 + 1.5 * w + 0.6 * g(0, 1), 0, 10),
            "worthwhile": _clamp(5.5 + 1.4 * w + 0.6 * g(0, 1), 0, 10),
            "happiness": _clamp(5 + 1.6 * w + 0.9 * g(0, 1), 0, 10),
            "anxiety": _clamp(5 - 1.3 * w + 1.2 * g(0, 1), 0, 10),
        }

    def lonely(self, lonely: float) -> dict[str, int]:
        g = self.rng.gauss
        answers = {
            item: _clamp(2.1 + 0.5 * lonely + 0.35 * g(0, 1), 1, 3) for item in LONELINESS_ITEMS[:3]
        }
        answers["lonely"] = _clamp(3.3 + 0.9 * lonely + 0.5 * g(0, 1), 1, 5)
        return answers

    def administer(
        self, client: int, worker: int, code: str, timepoint: str, answers: dict, on: int
    ) -> None:
        """Stored as casework stores it: the answers, and the scores, bands and problems
        of the instrument's own scoring rule (3% leave a question out: incomplete)."""
        if self.rng.random() < 0.03:
            del answers[self.rng.choice(list(answers))]
        key = (code, *answers.items())
        if key not in self.scored:
            instrument = self.instruments[code]
            assert instrument is not None
            result = score(instrument, answers)
            self.scored[key] = (
                instrument.version,
                json.dumps(result.scores),
                json.dumps(result.bands),
                json.dumps(result.problems),
                adapt(result.complete),
            )
        version, scores, bands, problems, complete = self.scored[key]
        self.administrations.add(
            self.next("administration"),
            new_id(),
            client,
            code,
            version,
            timepoint,
            json.dumps(answers),
            scores,
            bands,
            problems,
            complete,
            self.day(on),
            "call",
            worker,
            self.moment(on),
        )

    def connect(self, client: int, active: int, until: int, place: Place) -> None:
        """One to three connections while the referral is active."""
        rng = self.rng
        count = 1 if rng.random() < 0.6 else 2 if rng.random() < 0.75 else 3
        made = active
        for n in range(count):
            if n:
                made += rng.randint(7, 60)
            if made > until:
                return
            self.connection(client, made, place)

    def connection(self, client: int, made: int, place: Place) -> None:
        """A connection's steps (suggested, agreed, first visit or missed, attending,
        stopped or declined with a coded reason 85% of the time, a few withdrawn) and the
        registers its group kept (about 45% of the weeks recorded)."""
        rng = self.rng
        w = self.w
        today = self.today
        index = rng.choice(place.activities)
        while index in self.open:  # one open connection per client and activity
            index = rng.choice(place.activities)
        weekday = w.activities[index][1]
        connection = self.next("connection")
        steps: list[tuple[str, int, str]] = []
        attended: list[tuple[int, bool]] = []  # (week, came)

        def step(status: str, on: int, code: str = "") -> bool:
            if on > today:
                return False
            steps.append((status, on, code))
            return True

        def reason() -> str:
            return rng.choice(STOP_REASONS) if rng.random() < 0.85 else ""

        def week_from(day: int) -> int:
            return (day - w.first_monday - weekday + 6) // 7

        def on_week(week: int) -> int:
            return w.first_monday + 7 * week + weekday

        def register(week: int, came: bool, share: float) -> None:
            if rng.random() < share and on_week(week) <= today and not cancelled(index, week):
                attended.append((week, came))

        agreed = made
        if rng.random() < 0.6:
            step("suggested", made)
            agreed = made + rng.randint(0, 7)
        first_session = None
        if step("agreed", agreed):
            u = rng.random()
            if u < 0.02:
                step("withdrawn", agreed + rng.randint(0, 10))
            elif u < 0.14:
                step("declined", agreed + rng.randint(1, 21), reason())
            elif u >= 0.19:  # the rest of the first 19% still wait for their first visit
                week = week_from(agreed + rng.randint(2, 14))
                first_session = session_id(w, index, week)
                going = True
                if u < 0.25 and step("missed_first", on_week(week)):
                    register(week, False, 0.5)
                    v = rng.random()
                    if v < 0.5:
                        week += 1
                    else:
                        going = False
                        gone = on_week(week) + rng.randint(7, 28)
                        step("stopped" if v < 0.8 else "declined", gone, reason())
                if going and step("attended_first", on_week(week)):
                    register(week, True, 0.6)
                    first = on_week(week)
                    if rng.random() < 0.2:
                        step("stopped", first + rng.randint(7, 28), reason())
                    elif step("attending", first + 7):
                        weeks = int(rng.expovariate(1 / 14)) + 1
                        for k in range(1, weeks + 1):
                            register(week + k, rng.random() < 0.9, 0.45)
                        step("stopped", first + 7 * weeks + rng.randint(1, 6), reason())
                        for _ in range(rng.choice((0, 1, 1, 2))):  # groups joined since
                            joined = first + rng.randint(7, 120)
                            if joined <= today:
                                self.group(client, joined)
        status, changed, _ = steps[-1]
        if status in OPEN_STATUSES:
            self.open.add(index)
        self.connections.add(
            connection,
            new_id(),
            client,
            w.activities[index][0],
            first_session,
            status,
            self.day(changed),
            self.moment(made),
            self.moment(changed),
        )
        for status, on, code in steps:
            self.steps.add(self.next("step"), connection, status, self.day(on), code)
        for week, came in attended:
            self.attendances.add(
                self.next("attendance"),
                connection,
                session_id(w, index, week),
                TRUE if came else FALSE,
            )


def build(referrals: int) -> None:
    today = timezone.localdate()
    began = time.perf_counter()

    def done(what: str) -> None:
        nonlocal began
        now = time.perf_counter()
        line(what, f"{now - began:8.1f} s")
        began = now

    print("Building:")
    if not PG:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")  # a throw-away file
    areas = build_areas()
    done("migrate, geography, the demo's 3 areas")
    build_reference(areas)
    build_directory(areas, today)
    done(f"{ORGANISATIONS * 3} partners' activities, practices, workers, a survey")
    start = today.toordinal() - YEARS * 365
    w = world(areas, start, today.toordinal())
    sessions = build_sessions(w)
    done(f"{sessions:,} weekly sessions of {len(w.activities):,} activities")
    caseload = Caseload(w, today, referrals)
    caseload.build()
    done(f"{referrals:,} referrals and their casework ({len(caseload.scored):,} scorings)")
    written = facts.rebuild()
    done(f"monitoring's summary rows written from them ({written:,}: casework_facts rebuild)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if PG else "ANALYZE")  # as a live database has
    done("VACUUM ANALYZE" if PG else "ANALYZE")


def describe_data() -> None:
    counts = [
        (model._meta.verbose_name_plural, model.objects.count())
        for model in (
            Client,
            Referral,
            ReferralStatusChange,
            Contact,
            Assessment,
            Connection,
            ConnectionStep,
            Attendance,
            Administration,
            GroupMembership,
            Session,
        )
    ]
    print("  " + ", ".join(f"{n:,} {name}" for name, n in counts))


# --- Timing the dashboard and its figures calls ----------------------------------------

FIGURES = (
    (case, "casework."),
    (supply, "directory."),
    (survey_figures, "surveys."),
    (area_figures, "areas."),
)


@dataclass
class Query:
    owner: str
    seconds: float
    sql: str
    params: Any


class Recorder:
    """Times each figures call the dashboard makes (the outermost, not their helpers),
    the SQL each runs, and keeps what each returned (for the floor's check)."""

    def __init__(self) -> None:
        self.owner = "dashboard"
        self.depth = 0
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.sql_seconds: dict[str, float] = defaultdict(float)
        self.queries: list[Query] = []
        self.results: dict[tuple[Any, ...], Any] = {}

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return func(*args, **kwargs)
            self.depth += 1
            self.owner = name
            began = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - began
                self.calls[name] += 1
                self.depth -= 1
                self.owner = "dashboard"
            period = next((a for a in args if isinstance(a, Period)), None)
            extra = tuple(a for a in args[1:] if not isinstance(a, Period))
            self.results[name, period, *extra] = result
            return result

        return timed_call

    def execute(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - began
            self.sql_seconds[self.owner] += spent
            self.queries.append(Query(self.owner, spent, sql, params))


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    patched: list[tuple[Any, str, Any]] = []
    for module, prefix in FIGURES:
        for name, func in list(vars(module).items()):
            if (
                not name.startswith("_")
                and callable(func)
                and getattr(func, "__module__", None) == module.__name__
                and not isinstance(func, type)
            ):
                patched.append((module, name, func))
                setattr(module, name, recorder.wrap(prefix + name, func))
    patched.append((dashboard, "population_shares", dashboard.population_shares))
    dashboard.population_shares = recorder.wrap(
        "monitoring.population_shares", dashboard.population_shares
    )
    try:
        with connection.execute_wrapper(recorder.execute):
            yield
    finally:
        for module, name, func in patched:
            setattr(module, name, func)


def profile(areas: list[Area], choice: periods.Choice, repeats: int) -> list[Recorder]:
    recorders = []
    for _ in range(repeats):
        recorder = Recorder()
        with recording(recorder):
            began = time.perf_counter()
            dashboard.build(areas, choice, reveal=True)
            recorder.seconds["build"] = time.perf_counter() - began
        recorders.append(recorder)
    return recorders


def explain(query: Query) -> list[str]:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if PG else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + query.sql, query.params)
        return [" | ".join(str(v) for v in row) for row in cursor.fetchall()]


# --- The floor: one hand-written statement ---------------------------------------------


def floor_sql(
    areas: list[Area], this: Period, before: Period, today: date
) -> tuple[str, dict[str, Any]]:
    """Every figure the dashboard shows, in one statement: rows of (figure, period,
    group, n, a, b, c). The same definitions as the figures modules (their docstrings),
    written as a person would write them by hand against these tables and indexes."""
    zone = LONDON
    params: dict[str, Any] = {}

    def p(value: Any) -> str:
        """A named parameter (one value may be used at several places)."""
        name = f"p{len(params)}"
        params[name] = adapt(value)
        if PG and isinstance(value, datetime):
            return f"CAST(%({name})s AS timestamptz)"
        if PG and isinstance(value, date):
            return f"CAST(%({name})s AS date)"
        return f"%({name})s"

    area_ids = ", ".join(p(area.pk) for area in areas)

    def days(later: str, earlier: str) -> str:
        if PG:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def elements(column: str, alias: str) -> str:
        if PG:
            return f"CROSS JOIN LATERAL jsonb_array_elements_text({column}) AS {alias}(value)"
        return f"CROSS JOIN json_each({column}) AS {alias}"

    def scale(column: str, key: str) -> str:
        if PG:
            return f"CAST({column} ->> {key} AS float)"
        return f"json_extract({column}, '$.' || {key})"

    def part(fmt: str, column: str) -> str:
        """Year or month-and-day of a date, as text ('YYYY', 'MMDD')."""
        if PG:
            return f"to_char({column}, '{'YYYY' if fmt == 'Y' else 'MMDD'}')"
        # %% for %: the statement goes through the driver's parameter formatting.
        return f"strftime('{'%%Y' if fmt == 'Y' else '%%m%%d'}', {column})"

    def percentile(fraction: float) -> str:
        if PG:
            return f"percentile_cont({fraction}) WITHIN GROUP (ORDER BY days)"
        # SQLite has none: interpolate between the two ranks either side (R's type 7).
        at = f"((n - 1) * {fraction})"
        low = f"CAST({at} AS INTEGER)"
        return (
            f"SUM(CASE WHEN i = {low} THEN days * (1 - ({at} - {low})) "
            f"WHEN i = {low} + 1 THEN days * ({at} - {low}) ELSE 0 END)"
        )

    def moment(day: date) -> datetime:
        return datetime.combine(day, clock.min, zone)

    bounds = (
        f"bounds(period, s, e, ms, me, l) AS (VALUES "
        f"('this', {p(this.start)}, {p(this.end)}, {p(moment(this.start))}, "
        f"{p(moment(this.end + timedelta(days=1)))}, {p(min(this.end, today))}), "
        f"('before', {p(before.start)}, {p(before.end)}, {p(moment(before.start))}, "
        f"{p(moment(before.end + timedelta(days=1)))}, {p(min(before.end, today))}))"
    )
    criteria = []
    for code in ("ons4", "ons-loneliness"):
        instrument = library.get(code)
        for s in instrument.scales if instrument else ():
            if s.reliability is not None:
                criteria.append(
                    f"({p(f'{code}:{s.name}')}, {p(float(s.reliability.criterion))}, "
                    f"{p(1 if s.higher_is_better else 0)})"
                )
    # The scales' reliable change criteria (none of the shipped instruments has one yet).
    reliabilities = (
        "VALUES " + ", ".join(criteria)
        if criteria
        else "SELECT CAST(NULL AS TEXT), CAST(NULL AS FLOAT), 0 WHERE 1 = 0"
    )
    median, p90 = percentile(0.5), percentile(0.9)
    if PG:
        waits = f"SELECT 'contact', period, '', COUNT(*), {median}, {p90}, NULL"
        waits += " FROM waits GROUP BY period"
    else:
        ranked = (
            "SELECT period, days, ROW_NUMBER() OVER (PARTITION BY period ORDER BY days) - 1 "
            "AS i, COUNT(*) OVER (PARTITION BY period) AS n FROM waits"
        )
        waits = f"SELECT 'contact', period, '', MAX(n), {median}, {p90}, NULL FROM ("  # noqa: S608
        waits += f"{ranked}) ranked GROUP BY period"
    age = (
        f"CAST({part('Y', 'r.received_on')} AS INTEGER) - "
        f"CAST({part('Y', 'r.date_of_birth')} AS INTEGER) - CASE WHEN "
        f"{part('MD', 'r.received_on')} < {part('MD', 'r.date_of_birth')} THEN 1 ELSE 0 END"
    )
    if PG:
        unpivot = (
            "CROSS JOIN LATERAL jsonb_each(p.after) AS j WHERE p.latest = 1 "
            "AND jsonb_typeof(j.value) = 'number' AND jsonb_typeof(p.before -> j.key) = 'number'"
        )
        value = "CAST(CAST(j.value AS text) AS float)"
        month = "to_char(local_date, 'YYYY-MM')"
        text = "text"
    else:
        unpivot = (
            "CROSS JOIN json_each(p.after) AS j WHERE p.latest = 1 "
            "AND j.type IN ('integer', 'real') "
            "AND json_type(p.before, '$.' || j.key) IN ('integer', 'real')"
        )
        value = "j.value"
        month = "substr(local_date, 1, 7)"
        text = "TEXT"
    this_s, this_e = p(this.start), p(this.end)
    # The last day a period's figures count: its end, or today while it runs. Retention's
    # evidence (attendances, steps) and equity's (first visits, scores) dated by then.
    counted_to = min(this.end, today)
    last = p(counted_to)
    due_6, due_12 = p(counted_to - timedelta(weeks=6)), p(counted_to - timedelta(weeks=12))
    came_for = days(
        "(SELECT MAX(se.local_date) FROM casework_attendance t JOIN directory_session se "  # noqa: S608
        "ON se.id = t.session_id WHERE t.connection_id = f.connection_id AND t.attended "
        f"AND se.local_date <= {last})",
        "f.first_on",
    )
    went_for = days(
        '(SELECT MIN(x."on") FROM casework_connectionstep x WHERE x.connection_id = '  # noqa: S608
        f"f.connection_id AND x.status = 'stopped' AND x.\"on\" <= {last})",
        "f.first_on",
    )
    districts = ", ".join(p(area.local_authority_code) for area in areas)
    # Every value is a parameter; only this function's own SQL is put together.
    sql = f"""
WITH {bounds},
criteria(scale, criterion, higher) AS ({reliabilities}),
ref AS (
  SELECT b.period, r.id, r.client_id, r.source, r.reasons, r.received_on, r.status,
         c.registered_practice_id AS practice_id, c.gp_practice, c.imd_decile,
         c.date_of_birth, c.sex, c.ethnic_group
  FROM bounds b
  JOIN casework_referral r ON r.received_on >= b.s AND r.received_on <= b.e
  JOIN casework_client c ON c.id = r.client_id
  WHERE c.area_id IN ({area_ids})
),
contact AS (
  SELECT ref.period,
    (SELECT {days('MIN(ch."on")', "ref.received_on")} FROM casework_referralstatuschange ch
     WHERE ch.referral_id = ref.id AND ch.status IN ('contacted', 'assessed')
     AND ch."on" <= b.l) AS days,
    EXISTS (SELECT 1 FROM casework_referralstatuschange ch WHERE ch.referral_id = ref.id
     AND ch.status IN ('declined', 'unable_to_contact', 'closed') AND ch."on" <= b.l) AS ended
  FROM ref JOIN bounds b ON b.period = ref.period
),
waits AS (SELECT period, days FROM contact WHERE days IS NOT NULL),
steps AS (
  SELECT b.period, b.s, s.connection_id, s.status, s.reason_code, s."on"
  FROM bounds b
  JOIN casework_connectionstep s ON s."on" >= b.s AND s."on" <= b.e
  JOIN casework_connection k ON k.id = s.connection_id
  JOIN casework_client c ON c.id = k.client_id
  WHERE s.status IN ('attended_first', 'stopped', 'declined') AND k.status <> 'withdrawn'
    AND c.area_id IN ({area_ids})
),
firsts AS (
  SELECT st.period, st.connection_id, MIN(st."on") AS first_on FROM steps st
  WHERE st.status = 'attended_first' AND NOT EXISTS (
    SELECT 1 FROM casework_connectionstep e WHERE e.connection_id = st.connection_id
    AND e.status = 'attended_first' AND e."on" < st.s)
  GROUP BY st.period, st.connection_id
),
kept AS (
  SELECT f.first_on, {came_for} AS came_for, {went_for} AS went_for,
    EXISTS (SELECT 1 FROM casework_connectionstep x WHERE x.connection_id = f.connection_id
            AND x.status = 'attending' AND x."on" <= {last}) AS attending
  FROM firsts f WHERE f.period = 'this'
),
fu AS (
  SELECT a.client_id, a.instrument_code, a.scores, a.administered_on, a.created_at, a.id,
    (SELECT h.scores FROM casework_administration h WHERE h.client_id = a.client_id
     AND h.instrument_code = a.instrument_code AND h.timepoint = 'baseline' AND h.complete
     AND h.administered_on <= a.administered_on
     ORDER BY h.administered_on, h.created_at, h.id LIMIT 1) AS before
  FROM casework_administration a JOIN casework_client c ON c.id = a.client_id
  WHERE a.timepoint = 'follow_up' AND a.complete
    AND a.administered_on >= {this_s} AND a.administered_on <= {this_e}
    AND c.area_id IN ({area_ids})
),
pairs AS (
  SELECT instrument_code, scores AS after, before, ROW_NUMBER() OVER (
    PARTITION BY client_id, instrument_code
    ORDER BY administered_on DESC, created_at DESC, id DESC) AS latest
  FROM fu WHERE before IS NOT NULL
),
scales AS (
  SELECT p.instrument_code || ':' || j.key AS scale, {scale("p.before", "j.key")} AS b,
         {value} AS a
  FROM pairs p {unpivot}
),
latest AS (
  SELECT a.id, a.client_id, a.barriers FROM casework_assessment a
  JOIN casework_client c ON c.id = a.client_id
  WHERE a.assessed_on >= {this_s} AND a.assessed_on <= {this_e} AND c.area_id IN ({area_ids})
  AND NOT EXISTS (SELECT 1 FROM casework_assessment l WHERE l.client_id = a.client_id
    AND l.assessed_on <= {this_e} AND (l.assessed_on > a.assessed_on
    OR (l.assessed_on = a.assessed_on AND l.id > a.id)))
),
cohort AS (
  SELECT
    CASE WHEN r.imd_decile IS NULL THEN '' ELSE CAST((r.imd_decile + 1) / 2 AS {text}) END
      AS imd_quintile,
    CASE WHEN r.date_of_birth IS NULL THEN '' WHEN {age} >= 60 THEN '60+'
      WHEN {age} >= 16 THEN '16-59' ELSE '0-15' END AS age_band,
    r.sex, r.ethnic_group,
    CASE WHEN EXISTS (SELECT 1 FROM casework_connection k JOIN casework_connectionstep s
      ON s.connection_id = k.id WHERE k.client_id = r.client_id AND k.status <> 'withdrawn'
      AND s.status = 'attended_first' AND s."on" >= r.received_on AND s."on" <= {last})
      THEN 1 ELSE 0 END AS went,
    (SELECT {scale("h.scores", "'ucla3'")} FROM casework_administration h
     WHERE h.client_id = r.client_id AND h.instrument_code = 'ons-loneliness'
     AND h.timepoint = 'baseline' AND h.complete AND h.administered_on <= (
       SELECT f.administered_on FROM casework_administration f
       WHERE f.client_id = r.client_id AND f.instrument_code = 'ons-loneliness'
       AND f.timepoint = 'follow_up' AND f.complete AND f.administered_on <= {last}
       ORDER BY f.administered_on DESC, f.created_at DESC, f.id DESC LIMIT 1)
     ORDER BY h.administered_on, h.created_at, h.id LIMIT 1) AS before,
    (SELECT {scale("h.scores", "'ucla3'")} FROM casework_administration h
     WHERE h.client_id = r.client_id AND h.instrument_code = 'ons-loneliness'
     AND h.timepoint = 'follow_up' AND h.complete AND h.administered_on <= {last}
     ORDER BY h.administered_on DESC, h.created_at DESC, h.id DESC LIMIT 1) AS after
  FROM (SELECT ref.*, ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY received_on, id)
        AS nth FROM ref WHERE period = 'this') r
  WHERE r.nth = 1
),
sessions AS (
  SELECT se.local_date, se.weekday, se.start_minute, se.all_day, se.activity_id
  FROM directory_session se JOIN directory_activity ac ON ac.id = se.activity_id
  WHERE ac.home_area_id IN ({area_ids}) AND ac.status = 'published'
    AND ac.revision_of_id IS NULL AND se.status = 'scheduled'
    AND se.local_date >= {this_s} AND se.local_date <= {this_e}
)
SELECT 'source', period, source, COUNT(*), CAST(NULL AS FLOAT), CAST(NULL AS FLOAT),
  CAST(NULL AS FLOAT) FROM ref GROUP BY period, source
UNION ALL
SELECT 'practice', ref.period, COALESCE(g.code, CASE WHEN ref.gp_practice <> '' THEN 'typed'
  ELSE '' END), COUNT(*), NULL, NULL, NULL
FROM ref LEFT JOIN areas_gppractice g ON g.id = ref.practice_id
GROUP BY ref.period, COALESCE(g.code, CASE WHEN ref.gp_practice <> '' THEN 'typed' ELSE '' END)
UNION ALL
SELECT 'pcn', ref.period, COALESCE(g.pcn_code, ''), COUNT(*), NULL, NULL, NULL
FROM ref LEFT JOIN areas_gppractice g ON g.id = ref.practice_id
GROUP BY ref.period, COALESCE(g.pcn_code, '')
UNION ALL
SELECT 'reason', ref.period, e.value, COUNT(*), NULL, NULL, NULL
FROM ref {elements("ref.reasons", "e")} GROUP BY ref.period, e.value
UNION ALL
{waits}
UNION ALL
SELECT 'timeliness', period, kind, COUNT(*), NULL, NULL, NULL FROM (
  SELECT period, CASE WHEN days <= 7 THEN 'within' WHEN days IS NOT NULL THEN 'later'
    WHEN NOT ended THEN 'waiting' ELSE 'never' END AS kind FROM contact) t
  GROUP BY period, kind
UNION ALL
SELECT 'connections', b.period, 'made', COUNT(*), NULL, NULL, NULL
FROM bounds b
JOIN casework_connection k ON k.created_at >= b.ms AND k.created_at < b.me
JOIN casework_client c ON c.id = k.client_id
WHERE k.status <> 'withdrawn' AND c.area_id IN ({area_ids})
GROUP BY b.period
UNION ALL
SELECT 'connections', period, 'first_visit', COUNT(*), NULL, NULL, NULL FROM firsts
GROUP BY period
UNION ALL
SELECT 'connections', period, status, COUNT(*), NULL, NULL, NULL FROM steps
WHERE status <> 'attended_first' GROUP BY period, status
UNION ALL
SELECT status, period, reason_code, COUNT(*), NULL, NULL, NULL FROM steps
WHERE status <> 'attended_first' GROUP BY status, period, reason_code
UNION ALL
SELECT 'retention', 'this', 'first_visits', COUNT(*), NULL, NULL, NULL FROM kept
UNION ALL
SELECT 'retention', 'this', weeks, COUNT(*), SUM(CASE WHEN came_for >= days
  OR (attending AND (went_for IS NULL OR went_for >= days)) THEN 1 ELSE 0 END), NULL, NULL
FROM (SELECT '6' AS weeks, 42 AS days, {due_6} AS due UNION ALL
      SELECT '12', 84, {due_12}) w
JOIN kept ON kept.first_on <= w.due GROUP BY weeks
UNION ALL
SELECT 'outcome', 'this', scale, COUNT(*), AVG(b), AVG(a), AVG(a - b) FROM scales
GROUP BY scale
UNION ALL
SELECT 'reliable', 'this', scale || ':' || judged, COUNT(*), NULL, NULL, NULL FROM (
  SELECT s.scale, CASE WHEN ABS(s.a - s.b) <= r.criterion THEN 'same'
    WHEN (s.a - s.b > 0) = (r.higher = 1) THEN 'better' ELSE 'worse' END AS judged
  FROM scales s JOIN criteria r ON r.scale = s.scale) j GROUP BY scale, judged
UNION ALL
SELECT 'groups', b.period, '', COUNT(*), COUNT(DISTINCT g.client_id), NULL, NULL
FROM bounds b
JOIN casework_groupmembership g ON g.joined_on >= b.s AND g.joined_on <= b.e
JOIN casework_client c ON c.id = g.client_id
WHERE c.area_id IN ({area_ids}) GROUP BY b.period
UNION ALL
SELECT 'assessed', 'this', '', COUNT(*), NULL, NULL, NULL FROM latest
UNION ALL
SELECT 'interests', 'this', cat.slug, COUNT(DISTINCT la.client_id), NULL, NULL, NULL
FROM latest la
JOIN casework_assessment_interests ai ON ai.assessment_id = la.id
JOIN directory_category cat ON cat.id = ai.category_id
GROUP BY cat.slug
UNION ALL
SELECT 'barriers', 'this', e.value, COUNT(*), NULL, NULL, NULL
FROM latest la {elements("la.barriers", "e")} GROUP BY e.value
UNION ALL
{
        " UNION ALL ".join(
            f"SELECT 'equity:{dimension}', 'this', {dimension}, COUNT(*), SUM(went), "
            f"AVG(after - before), COUNT(after - before) FROM cohort GROUP BY {dimension}"
            for dimension, _ in case.EQUITY_DIMENSIONS
        )
    }
UNION ALL
SELECT 'sessions', 'this', '', COUNT(*), NULL, NULL, NULL FROM sessions
UNION ALL
SELECT 'sessions:category', 'this', cat.slug, COUNT(*), NULL, NULL, NULL
FROM sessions s JOIN directory_activity_categories ac ON ac.activity_id = s.activity_id
JOIN directory_category cat ON cat.id = ac.category_id GROUP BY cat.slug
UNION ALL
SELECT 'sessions:month', 'this', {month}, COUNT(*), NULL, NULL, NULL FROM sessions
GROUP BY {month}
UNION ALL
SELECT 'sessions:weekday', 'this', CAST(weekday AS {text}), COUNT(*), NULL, NULL, NULL
FROM sessions GROUP BY weekday
UNION ALL
SELECT 'sessions:time', 'this', slot, COUNT(*), NULL, NULL, NULL FROM (
  SELECT CASE WHEN all_day THEN 'all_day' WHEN start_minute < 720 THEN 'morning'
    WHEN start_minute < 1020 THEN 'afternoon' ELSE 'evening' END AS slot FROM sessions) t
GROUP BY slot
UNION ALL
SELECT 'population:imd', '', CAST((imd_decile + 1) / 2 AS {text}), SUM(population),
  NULL, NULL, NULL
FROM areas_lsoa WHERE district_code IN ({districts}) AND imd_decile IS NOT NULL
  AND population IS NOT NULL GROUP BY CAST((imd_decile + 1) / 2 AS {text})
UNION ALL
SELECT 'population:age', '', '', SUM(population_0_15), SUM(population_16_59),
  SUM(population_60_plus), NULL
FROM areas_lsoa WHERE district_code IN ({districts})
"""  # noqa: S608
    return sql, params


Floor = dict[tuple[str, str, str], tuple[Any, ...]]


def run_floor(sql: str, params: dict[str, Any]) -> Floor:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (kind, period, "" if group is None else str(group)): tuple(values)
            for kind, period, group, *values in cursor.fetchall()
        }


def _close(ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return (ours or 0) == (theirs or 0)
    return abs(float(ours) - float(theirs)) <= 1e-6 * max(1.0, abs(float(ours)))


def check(results: dict[tuple[Any, ...], Any], floor: Floor, this: Period) -> list[str]:
    """Every figure the floor computes against what the figures calls returned."""
    problems: list[str] = []

    def value(key: tuple[str, str, str], index: int = 0) -> Any:
        row = floor.get(key)
        return None if row is None else row[index]

    def same(label: str, ours: Any, key: tuple[str, str, str], index: int = 0) -> None:
        theirs = value(key, index)
        if not _close(ours, theirs):
            problems.append(f"{label}: dashboard {ours}, floor {theirs}")

    def tally(label: str, found: Any, kind: str, period: str) -> None:
        for code, count in found.counts.items():
            same(f"{label} {code!r}", count, (kind, period, code))
        stray = [g for k, p, g in floor if k == kind and p == period and g not in found.counts]
        if stray:
            problems.append(f"{label}: floor has groups {stray} the dashboard has not")

    checked = 0
    for (name, period, *extra), found in results.items():
        p = ("this" if period == this else "before") if period is not None else ""
        label = f"{name}({p}{', ' if extra else ''}{', '.join(map(str, extra))})"
        short = name.split(".", 1)[1]
        checked += 1
        if short.startswith("referrals_by_"):
            tally(label, found, short.removeprefix("referrals_by_"), p)
        elif short == "first_contact":
            same(f"{label} contacted", found.days.n, ("contact", p, ""))
            same(f"{label} median", found.days.get("median"), ("contact", p, ""), 1)
            same(f"{label} p90", found.days.get("p90"), ("contact", p, ""), 2)
            tally(f"{label} timeliness", found.timeliness, "timeliness", p)
        elif short == "connections_made":
            tally(label, found, "connections", p)
        elif short == "retention":
            same(f"{label} first visits", found.first_visits, ("retention", p, "first_visits"))
            for weeks in (6, 12):
                key = ("retention", p, str(weeks))
                same(f"{label} due {weeks}", getattr(found, f"due_{weeks}"), key)
                same(f"{label} still {weeks}", getattr(found, f"still_{weeks}"), key, 1)
        elif short == "stop_reasons":
            tally(label, found, extra[0], p)
        elif short == "outcome_changes":
            outcomes = [k for k in floor if k[0] == "outcome"]
            if len(outcomes) != len(found):
                problems.append(f"{label}: {len(found)} scales, floor {len(outcomes)}")
            for change in found:
                key = ("outcome", p, f"{change.instrument_code}:{change.scale_id}")
                same(f"{label} {key[2]} n", change.change.n, key)
                same(f"{label} {key[2]} baseline", change.baseline.get("mean"), key, 1)
                same(f"{label} {key[2]} follow-up", change.follow_up.get("mean"), key, 2)
                same(f"{label} {key[2]} change", change.change.get("mean"), key, 3)
                for judged, count in (change.reliable.counts if change.reliable else {}).items():
                    same(f"{label} {key[2]} {judged}", count, ("reliable", p, f"{key[2]}:{judged}"))
        elif short == "groups_gained":
            same(f"{label} memberships", found.get("memberships"), ("groups", p, ""))
            same(f"{label} people", found.get("people"), ("groups", p, ""), 1)
        elif short in ("interests", "barriers"):
            same(f"{label} people", found.total, ("assessed", p, ""))
            tally(label, found, short, p)
        elif short in ("equity", "equities"):
            by_dimension = found if short == "equities" else {extra[0]: found}
            for dimension, equity in by_dimension.items():
                kind, named = f"equity:{dimension}", f"{label} {dimension}"
                tally(f"{named} referred", equity.referred, kind, p)
                for code, count in equity.connected.counts.items():
                    same(f"{named} connected {code!r}", count, (kind, p, code), 1)
                for code, spread in equity.outcome.items():
                    same(f"{named} outcome n {code!r}", spread.n, (kind, p, code), 3)
                    same(f"{named} outcome mean {code!r}", spread.get("mean"), (kind, p, code), 2)
        elif short == "sessions_by_category":
            same(f"{label} sessions", found.total, ("sessions", p, ""))
            tally(label, found, "sessions:category", p)
        elif short.startswith("sessions_by_"):
            kinds = {"month": "month", "weekday": "weekday", "time_of_day": "time"}
            tally(label, found, f"sessions:{kinds[short.removeprefix('sessions_by_')]}", p)
        elif short == "population_by_imd_quintile":
            tally(label, found, "population:imd", "")
        elif short == "population_by_age_band":
            for index, band in enumerate(("0-15", "16-59", "60+")):
                same(f"{label} {band}", found.get(band), ("population:age", "", ""), index)
        else:
            checked -= 1  # not among the floor's figures (the survey's wishes, ...)
    if not checked:
        problems.append("nothing was checked")
    return problems


# --- Reporting ---------------------------------------------------------------------


def bench(areas: list[Area], choice: periods.Choice, repeats: int, today: date) -> None:
    period = choice.period
    print(
        f"\n{areas[0].name}, {choice.label} ({periods.describe(period)}), beside "
        f"{periods.describe(choice.previous)}:"
    )
    build_times, report = timed(lambda: dashboard.build(areas, choice, reveal=True), repeats)
    # Fewer runs of these: a year's dashboard takes a while.
    fewer = max(1, repeats // 2)
    hidden_times, _ = timed(lambda: dashboard.build(areas, choice, reveal=False), fewer)
    recorders = profile(areas, choice, fewer)
    sql, params = floor_sql(areas, period, choice.previous, today)
    floor_times, floor = timed(lambda: run_floor(sql, params), repeats)
    problems = check(recorders[-1].results, floor, period)
    if problems:
        print("  THE FLOOR AND THE DASHBOARD DISAGREE:")
        for problem in problems[:40]:
            print(f"    {problem}")
        if len(problems) > 40:
            print(f"    ... and {len(problems) - 40} more")
    ours, best = median_ms(build_times), median_ms(floor_times)
    referrals = sum(v[0] for k, v in floor.items() if k[0] == "source" and k[1] == "this")
    queries = len(recorders[-1].queries)
    print(
        f"  {referrals:,} referrals in the period; {len(report.sections)} sections, "
        f"{sum(len(s.tables) for s in report.sections)} tables; {queries} SQL queries"
        + ("" if problems else "; every figure checked equal to the floor's")
    )
    line("dashboard build(), small numbers shown (median)", f"{ours:8.1f} ms")
    line("dashboard build(), small numbers hidden", f"{median_ms(hidden_times):8.1f} ms")
    line("floor: one hand-written SQL statement, the same figures", f"{best:8.1f} ms")
    line("ratio build() / floor (goal: at most 2x)", f"{ours / best:8.2f}x")
    print("  Where build() goes (median per dashboard; SQL: time in the queries' execute):")
    names = sorted(
        {n for r in recorders for n in r.seconds if n != "build"},
        key=lambda n: -statistics.median(r.seconds.get(n, 0) for r in recorders),
    )
    accounted = [sum(v for n, v in r.seconds.items() if n != "build") for r in recorders]
    for name in names:
        total = median_ms([r.seconds.get(name, 0) for r in recorders])
        in_sql = median_ms([r.sql_seconds.get(name, 0) for r in recorders])
        calls = recorders[-1].calls.get(name, 0)
        count = sum(1 for q in recorders[-1].queries if q.owner == name)
        line(
            f"  {name} x{calls}",
            f"{total:8.1f} ms  (SQL {in_sql:7.1f} ms, {count} queries)",
        )
    rest = median_ms([r.seconds["build"] - a for r, a in zip(recorders, accounted, strict=True)])
    line("  the rest: labels, tables, disclosure control", f"{rest:8.1f} ms")
    slowest = sorted(recorders[-1].queries, key=lambda q: -q.seconds)[:5]
    print("  The slowest queries (one dashboard):")
    for query in slowest:
        text = " ".join(query.sql.split())
        print(f"    {query.seconds * 1000:7.1f} ms  {query.owner}: {text[:150]}...")
    if ARGS.explain:
        for query in slowest[:3]:
            print(f"  Plan of {query.owner} ({query.seconds * 1000:.1f} ms):")
            for row in explain(query):
                print(f"    {row}")


def main() -> None:
    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    began = time.perf_counter()
    try:
        built = "casework_referral" in connection.introspection.table_names()
        found = Referral.objects.count() if built else 0
        if found == ARGS.referrals:
            print("Using the data already built (--keep)")
            began = time.perf_counter()
            call_command("migrate", verbosity=0)  # the summary rows written if new
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if PG else "ANALYZE")  # as the build does
            line("migrate (and summary rows if new)", f"{time.perf_counter() - began:8.1f} s")
        elif found:
            sys.exit(f"{found:,} referrals there, not {ARGS.referrals:,}: remove the database")
        else:
            build(ARGS.referrals)
            line("setup in all", f"{time.perf_counter() - began:8.1f} s")
        describe_data()
        today = timezone.localdate()
        areas = [Area.objects.get(slug="ashfield")]
        year, number = periods.quarter_of(today)
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
        codes = ARGS.period or [f"{year}-q{number}", f"fy{periods.quarter_of(today)[0] - 1}"]
        for code in codes:
            bench(areas, periods.parse({"period": code}, today), ARGS.repeats, today)
    finally:
        connection.close()
        if _DROP:
            _maintenance(f"DROP DATABASE {_DROP} WITH (FORCE)")


if __name__ == "__main__":
    main()
