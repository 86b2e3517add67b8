"""Benchmark: the site under load on loopback, idle and while calendar feeds import.

    DEBUG=1 .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--scale 10]
                                           [--keep] [--workers 3] [--feeds 4]
                                           [--events 200] [--think 1.0]

Builds a PostgreSQL database `bench_load` (on BENCH_POSTGRES, by default
postgres://postgres@127.0.0.1:5432/postgres): migrated, the shipped geography, the
whole demo (areas, people, directory, caseloads), and the directory scaled towards a
region: --scale times the demo's partners and activities across the three demo areas
(bulk-built as bench/matching.py and bench/whats_on.py do, then the project's own
materialisation writes 13 months of sessions). --keep keeps it, and reuses it next time.

Then serves the site as in production: gunicorn (config.wsgi, --workers sync
workers on 127.0.0.1, DEBUG off, a generated SECRET_KEY, behind a pretend TLS proxy:
X-Forwarded-Proto with BEHIND_TLS_PROXY=1; DEMO_MODE=1 so the demo link worker signs in
without two-factor) and `manage.py db_worker` (TASKS_BACKEND=database). A loopback HTTP
server in this process serves --feeds iCalendar feeds of --events weekly events each
(made with the icalendar package), linked to trusted partners, imported once before
anything is measured.

Locust (bench/locustfile.py, headless, in its own process) then runs --users users
(residents, open data consumers, link workers; about --think seconds between a user's
pages) for --seconds after a short warm-up, twice:
1. idle: nothing else running;
2. under import load: `import_feeds` is run again whenever the worker's queue is empty,
   and every fetch of a feed gets a new version (every event an hour earlier or later,
   its description changed), so each import rewrites every activity and re-times every
   session of its feed (about 56 a weekly event) while the users browse.
Reported for each endpoint: requests, p50/p95/p99 idle and under import, the p99 ratio
and errors (anything but 200; a redirect is an error), then the verdict against the
goal: p99 under import at most 2x idle, zero errors. Beside it: the imports and sessions
written during the loaded run, where the CPU went, and what PostgreSQL's backends were
doing (pg_stat_activity sampled twice a second).
A run with the defaults takes about 5 minutes to build and 3 to measure (--keep: 3).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "bench_load"
DEMO_ORGANISATIONS = 32  # partners per demo area (inspiring.demo.directory)
FEED_PARTNER = "Bench feed partner"  # the feeds' organisations, by name
GOAL = 2.0  # p99 under import at most this many times idle
WARM_UP = 10  # seconds of load before each measured run's numbers count (not reported)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (20)")
    parser.add_argument("--seconds", type=int, default=60, help="each measured run (60)")
    parser.add_argument(
        "--scale", type=int, default=10, help="times the demo's directory (10: ~3,400 activities)"
    )
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) the database")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--feeds", type=int, default=4, help="calendar feeds imported (4)")
    parser.add_argument("--events", type=int, default=200, help="weekly events a feed (200)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between a user's pages (1.0)"
    )
    return parser.parse_args()


ARGS = arguments()


def _postgres(name: str) -> str:
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


def _maintenance(sql: str) -> list[tuple[Any, ...]] | None:
    """One statement on the server's maintenance database: its rows, or None when the
    server cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []
    except psycopg.OperationalError as error:
        print(f"PostgreSQL at {POSTGRES}: {error}".strip())
        return None


_found = _maintenance(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")  # noqa: S608
if _found is None:
    print("PostgreSQL: not reachable, nothing measured (BENCH_POSTGRES names the server)")
    sys.exit(0)
if _found and not ARGS.keep:  # left over from a run that was killed
    _maintenance(f"DROP DATABASE {DATABASE} WITH (FORCE)")
if not _found or not ARGS.keep:
    _maintenance(f"CREATE DATABASE {DATABASE}")
os.environ["DATABASE_URL"] = _postgres(DATABASE)
os.environ["DEMO_MODE"] = "1"
# This process queues the imports (import_feeds) for the worker to run.
os.environ["TASKS_BACKEND"] = "database"
os.environ["FEEDS_ALLOW_PRIVATE_ADDRESSES"] = "1"

import django

django.setup()

from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar, Event

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.models import Client
from inspiring.demo.data import DEMO_PASSWORD
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Category, Organisation, Session, Venue
from inspiring.feeds.models import FeedImport, FeedSource

LINK_WORKER = "linkworker.ashfield@example.org"
LONDON = ZoneInfo("Europe/London")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def line(label: str, figure: str) -> None:
    print(f"  {label:<64}{figure}", flush=True)


def timed(label: str, func: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    result = func()
    line(label, f"{time.perf_counter() - began:8.1f} s")
    return result


# --- The data -------------------------------------------------------------------------


def build() -> None:
    timed("migrate", lambda: call_command("migrate", verbosity=0))
    timed(
        "load_geography",
        lambda: call_command("load_geography", verbosity=0, stdout=io.StringIO()),
    )
    timed("load_demo (areas, people, directory, caseloads, surveys)", load_demo)
    areas = list(Area.objects.filter(organisations__isnull=False).distinct().order_by("slug"))
    extra = DEMO_ORGANISATIONS * (ARGS.scale - 1)
    if extra > 0:
        today = timezone.localdate()

        def scale() -> None:
            with transaction.atomic():
                for area in areas:
                    build_area_directory(
                        area,
                        organisations=extra,
                        seed=f"bench-load-{area.slug}",
                        today=today,
                        bulk=True,
                    )

        timed(f"scale the directory: {extra} more partners an area (bulk)", scale)
        timed("materialise_all: 13 months of sessions", materialise_all)
    timed("feed partners and their feeds", make_feeds)


def make_feeds() -> None:
    """--feeds trusted partners (their imports are published at once), round the areas,
    each with a feed whose events go to a venue of the area, in two categories."""
    areas = list(Area.objects.filter(organisations__isnull=False).distinct().order_by("slug"))
    categories = list(Category.objects.order_by("slug")[:2])
    for number in range(ARGS.feeds):
        area = areas[number % len(areas)]
        organisation = Organisation.objects.create(
            home_area=area,
            name=f"{FEED_PARTNER} {number + 1}",
            kind=Organisation.Kind.values[0],
            trusted=True,
        )
        venue = Venue.objects.filter(organisation__home_area=area).order_by("pk").first()
        source = FeedSource.objects.create(
            organisation=organisation,
            url=f"http://127.0.0.1/feed/{number}.ics",  # the port is set each run
            default_venue=venue,
        )
        source.default_categories.set(categories)


def describe() -> None:
    feeds = FeedSource.objects.filter(organisation__name__startswith=FEED_PARTNER)
    line(
        "the region",
        f"{Activity.objects.filter(status='published').count():,} published activities, "
        f"{Session.objects.count():,} sessions, {Client.objects.count():,} clients, "
        f"{feeds.count()} feeds",
    )


def targets(path: Path) -> None:
    """What the Locust users ask for, read once: bench/locustfile.py loads it."""
    rng = random.Random("bench-load-targets")
    published = Activity.objects.filter(status="published", revision_of__isnull=True)
    activities = [
        [slug, str(public_id)]
        for slug, public_id in published.values_list("home_area__slug", "public_id")
    ]
    rng.shuffle(activities)
    ashfield = Area.objects.get(slug="ashfield")
    worker = User.objects.get(email=LINK_WORKER)
    assessed = Client.objects.in_area(ashfield.pk).filter(assessments__isnull=False).distinct()
    clients = list(assessed.filter(worker=worker).values_list("public_id", flat=True)[:40])
    if len(clients) < 10:
        clients += list(assessed.exclude(worker=worker).values_list("public_id", flat=True)[:40])
    data: dict[str, Any] = {
        "areas": sorted({slug for slug, _ in activities}),
        "categories": list(Category.objects.values_list("slug", flat=True)),
        # The calendar subscribed to: one kind of activity, not one the feeds bring.
        "calendar_category": Category.objects.order_by("slug")[2].slug,
        "activities": activities[:500],
        "services": [public_id for _, public_id in activities[:500]],
        "clients": [str(public_id) for public_id in clients],
        "email": LINK_WORKER,
        "password": DEMO_PASSWORD,
    }
    path.write_text(json.dumps(data))
    line(
        "targets for the users",
        f"{len(data['activities'])} activity pages, {len(data['clients'])} clients, "
        f"{len(data['areas'])} areas",
    )


# --- The feeds, served on loopback ----------------------------------------------------


def feed_content(number: int, version: int, events: int) -> bytes:
    """A calendar of `events` weekly events. Each version moves every event an hour
    (earlier, then later) and changes its description: an import of it rewrites every
    activity and re-times every session."""
    calendar = Calendar()
    calendar.add("prodid", "-//Inspiring//bench load//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{FEED_PARTNER} {number + 1}")
    first = timezone.localdate() - timedelta(days=30)
    stamp = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    for n in range(events):
        day = first + timedelta(days=n % 7)
        hour = 9 + n % 9 + version % 2
        start = datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON)
        event = Event()
        event.add("uid", f"bench-load-{number}-{n}@example.org")
        event.add("dtstamp", stamp)
        event.add("summary", f"Weekly group {n + 1}")
        event.add("description", f"A friendly group. Everyone welcome. (Version {version}.)")
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=90))
        event.add("rrule", {"freq": "weekly", "byday": DAYS[day.weekday()]})
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


class Feeds:
    """An HTTP server on loopback, in a thread: /feed/<n>.ics, a new version each fetch."""

    def __init__(self, events: int) -> None:
        self.events = events
        self.versions: Counter[int] = Counter()
        self.lock = threading.Lock()
        feeds = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.removeprefix("/feed/").removesuffix(".ics")
                if not name.isdigit():
                    self.send_error(404)
                    return
                with feeds.lock:
                    version = feeds.versions[int(name)]
                    feeds.versions[int(name)] += 1
                body = feed_content(int(name), version, feeds.events)
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def feed_sources() -> list[FeedSource]:
    return list(FeedSource.objects.filter(organisation__name__startswith=FEED_PARTNER))


def queued_imports() -> int:
    return DBTaskResult.objects.filter(
        task_path__endswith="import_feed_task", status__in=("READY", "RUNNING")
    ).count()


def import_round() -> None:
    """Every bench feed due again, and import_feeds queues them all (as cron would)."""
    FeedSource.objects.filter(pk__in=[s.pk for s in feed_sources()]).update(last_checked_at=None)
    call_command("import_feeds", stdout=io.StringIO())


def drain(timeout: float = 900) -> None:
    """Wait until the worker has nothing queued or running."""
    deadline = time.monotonic() + timeout
    while DBTaskResult.objects.filter(status__in=("READY", "RUNNING")).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not finish its queue")
        time.sleep(0.5)


class ImportLoad:
    """In a thread: a new round of imports whenever the last has been run."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if not queued_imports():
                    import_round()
                    self.rounds += 1
                self.stop.wait(0.5)
        finally:
            connection.close()

    def __enter__(self) -> ImportLoad:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


# --- The site's processes -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def production_env(name: str) -> dict[str, str]:
    """Production settings (README: Running in production), on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "DATABASE", "TASKS", "SECRET"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="https://127.0.0.1",
        DATABASE_URL=f"{_postgres(DATABASE)}?application_name={name}",
        TASKS_BACKEND="database",
        DEMO_MODE="1",
        BEHIND_TLS_PROXY="1",
        FEEDS_ALLOW_PRIVATE_ADDRESSES="1",
        LOG_LEVEL="WARNING",
    )
    return env


SECRET_KEY = secrets.token_urlsafe(50)


@dataclass
class Processes:
    """What this benchmark started; stop() ends them all, whatever happened."""

    logs: Path
    started: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.started[name] = process
        return process

    def check(self) -> None:
        for name, process in self.started.items():
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} stopped (status {process.returncode}):\n{tail}")

    def stop(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_site(url: str, processes: Processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        processes.check()
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the site did not answer at {url}")
        time.sleep(0.5)


# --- Measuring ------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (and its reaped children), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(value) for value in fields[11:15]) / ticks


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    # user nice system idle iowait irq softirq steal (guest time is in user already)
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


class Sampler:
    """pg_stat_activity twice a second, our database's active backends (not this one):
    what they wait on and what they run, by application (web, worker, bench)."""

    def __init__(self) -> None:
        self.samples = 0
        self.waits: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()
        self.active: Counter[str] = Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(_postgres(DATABASE), autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, coalesce(wait_event_type || ':' || wait_event, "
                    "'CPU'), left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
                    "FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                    "AND pid <> pg_backend_pid()",
                    (DATABASE,),
                ).fetchall()
                self.samples += 1
                for app, wait, query in rows:
                    who = app or "bench"
                    self.active[who] += 1
                    self.waits[f"{who} {wait}"] += 1
                    self.queries[f"{who}: {query}"] += 1
                self.stop.wait(0.5)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


@dataclass
class Row:
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float


@dataclass
class Run:
    rows: dict[str, Row]
    failures: list[tuple[str, str, int]]
    cpu: dict[str, float]
    seconds: float
    sampler: Sampler


def read_stats(prefix: Path) -> tuple[dict[str, Row], list[tuple[str, str, int]]]:
    rows: dict[str, Row] = {}
    with Path(f"{prefix}_stats.csv").open() as file:
        for record in csv.DictReader(file):
            aggregated = record["Name"] == "Aggregated"
            name = "all requests" if aggregated else f"{record['Type']} {record['Name']}"

            def number(key: str, record: dict[str, str] = record) -> float:
                value = record[key]
                return float(value) if value not in ("", "N/A") else float("nan")

            rows[name] = Row(
                int(record["Request Count"]),
                int(record["Failure Count"]),
                number("50%"),
                number("95%"),
                number("99%"),
            )
    failures = []
    with suppress(FileNotFoundError), Path(f"{prefix}_failures.csv").open() as file:
        for record in csv.DictReader(file):
            failures.append((record["Name"], record["Error"], int(record["Occurrences"])))
    return rows, failures


def locust(
    url: str, seconds: int, prefix: Path, targets_file: Path, processes: Processes
) -> tuple[dict[str, Row], list[tuple[str, str, int]]]:
    """One headless Locust run, in its own process (Locust patches the standard library
    with gevent: never imported here)."""
    argv = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(ARGS.users),
        "--spawn-rate",
        str(ARGS.users),
        "--run-time",
        f"{seconds}s",
        "--host",
        url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "30",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "BENCH_LOAD_TARGETS": str(targets_file),
        "BENCH_LOAD_THINK": str(ARGS.think),
    }
    log = prefix.with_suffix(".log")
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        processes.started[f"locust {prefix.name}"] = process
        try:
            process.wait(timeout=seconds + 120)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
            del processes.started[f"locust {prefix.name}"]
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"Locust wrote no figures:\n{log.read_text(errors='replace')[-3000:]}")
    text = log.read_text(errors="replace")
    for warning in ("CPU usage above", "CPU usage was too high"):
        if warning in text:
            print(f"  (Locust: {warning} on the load generator: figures include its delay)")
            break
    return read_stats(prefix)


def measured(
    label: str,
    url: str,
    prefix: Path,
    targets_file: Path,
    processes: Processes,
    gunicorn: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
) -> Run:
    web_pids = [gunicorn.pid, *children(gunicorn.pid)]
    before = {
        "gunicorn": sum(cpu_seconds(pid) for pid in web_pids),
        "db_worker": cpu_seconds(worker.pid),
        "this process (feeds, queueing)": cpu_seconds(os.getpid()),
    }
    busy0, total0 = machine_busy()
    began = time.perf_counter()
    with Sampler() as sampler:
        rows, failures = locust(url, ARGS.seconds, prefix, targets_file, processes)
    elapsed = time.perf_counter() - began
    busy1, total1 = machine_busy()
    cpu = {
        "gunicorn": sum(cpu_seconds(pid) for pid in web_pids) - before["gunicorn"],
        "db_worker": cpu_seconds(worker.pid) - before["db_worker"],
        "this process (feeds, queueing)": cpu_seconds(os.getpid())
        - before["this process (feeds, queueing)"],
    }
    cpu["machine busy (all processes, PostgreSQL and Locust too)"] = busy1 - busy0
    cpu["machine capacity"] = total1 - total0
    print(f"  {label}: {rows['all requests'].requests:,} requests in {elapsed:.0f} s", flush=True)
    return Run(rows, failures, cpu, elapsed, sampler)


def fmt(value: float) -> str:
    return "    -" if value != value else f"{value:5.0f}"  # NaN: no requests


def report(idle: Run, loaded: Run) -> bool:
    names = [n for n in idle.rows if n != "all requests"] + ["all requests"]
    names += [n for n in loaded.rows if n not in idle.rows]
    width = max(len(n) for n in names)
    print()
    print(
        f"  {'endpoint':<{width}}  {'requests':>13}  {'idle p50/p95/p99 ms':>19}  "
        f"{'import p50/p95/p99 ms':>21}  {'p99 x':>5}  {'errors':>9}"
    )
    over = []
    for name in names:
        a = idle.rows.get(name, Row(0, 0, float("nan"), float("nan"), float("nan")))
        b = loaded.rows.get(name, Row(0, 0, float("nan"), float("nan"), float("nan")))
        ratio = b.p99 / a.p99 if a.p99 and a.p99 == a.p99 and b.p99 == b.p99 else float("nan")
        if ratio > GOAL and name != "all requests":
            over.append(f"{name} ({ratio:.1f}x)")
        if name == "all requests":
            print(f"  {'-' * (width + 80)}")
        print(
            f"  {name:<{width}}  {a.requests:>6,}/{b.requests:<6,}  "
            f"{fmt(a.p50)}/{fmt(a.p95)}/{fmt(a.p99)}    "
            f"{fmt(b.p50)}/{fmt(b.p95)}/{fmt(b.p99)}    "
            f"{ratio:5.1f}  {a.failures:>4}/{b.failures:<4}"
        )
    for run, label in ((idle, "idle"), (loaded, "under import")):
        for name, error, count in run.failures:
            print(f"  error ({label}): {name}: {error} x{count}")
    total_a, total_b = idle.rows["all requests"], loaded.rows["all requests"]
    ratio = total_b.p99 / total_a.p99
    errors = total_a.failures + total_b.failures
    met = ratio <= GOAL and errors == 0
    print(
        f"\n  Goal: p99 under import at most {GOAL:.0f}x idle, zero errors. All requests: "
        f"p99 {total_a.p99:.0f} ms idle, {total_b.p99:.0f} ms under import ({ratio:.2f}x); "
        f"{errors} errors: {'MET' if met else 'MISSED'}"
        + (f". Endpoints over {GOAL:.0f}x: {', '.join(over)}" if over else "")
    )
    return met


def where_it_went(idle: Run, loaded: Run) -> None:
    print("\n  CPU seconds during each run (2 cores shared with whatever else runs):")
    for key in idle.cpu:
        if key == "machine capacity":
            continue
        line(f"  {key}", f"{idle.cpu[key]:7.1f} idle  {loaded.cpu[key]:7.1f} under import")
    line(
        "  machine capacity (cores x seconds)",
        f"{idle.cpu['machine capacity']:7.1f}       {loaded.cpu['machine capacity']:7.1f}",
    )
    for run, label in ((idle, "idle"), (loaded, "under import")):
        sampler = run.sampler
        if not sampler.samples:
            continue
        active = ", ".join(
            f"{who} {count / sampler.samples:.1f}" for who, count in sampler.active.most_common()
        )
        print(f"  PostgreSQL, {label}: active backends on average: {active or 'none'}")
        for wait, count in sampler.waits.most_common(5):
            print(f"    {count / sampler.samples:5.2f}  {wait}")
        for query, count in sampler.queries.most_common(4):
            print(f"    {count / sampler.samples:5.2f}  {query}")


@contextmanager
def kept_database() -> Iterator[None]:
    try:
        yield
    finally:
        connection.close()
        if not ARGS.keep:
            _maintenance(f"DROP DATABASE {DATABASE} WITH (FORCE)")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    # Ctrl+C, or a kill, still stops the site's processes and drops the database (a
    # shell starting this in the background would have it ignore SIGINT).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)
    print(f"Database: PostgreSQL {DATABASE} ({'kept' if ARGS.keep else 'dropped afterwards'})")
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    processes = Processes(work)
    feeds: Feeds | None = None
    with kept_database():
        try:
            began = time.perf_counter()
            tables = connection.introspection.table_names()
            if (
                "feeds_feedsource" in tables
                and Organisation.objects.filter(name__startswith=FEED_PARTNER).exists()
            ):
                print("Using the data already built (--keep; --scale as built then)")
                timed("migrate", lambda: call_command("migrate", verbosity=0))
            else:
                print("Building:")
                build()
            timed(
                "collectstatic (production's hashed files)",
                lambda: subprocess.run(
                    [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                    cwd=ROOT,
                    env=production_env("collectstatic"),
                    check=True,
                ),
            )
            # Tasks an interrupted run left queued or marked running (its worker was
            # stopped): no worker runs now, and waiting for them would wait for ever.
            DBTaskResult.objects.filter(status__in=("READY", "RUNNING")).delete()
            feeds = Feeds(ARGS.events)
            for source in feed_sources():
                number = source.organisation.name.rsplit(" ", 1)[1]
                source.url = f"http://127.0.0.1:{feeds.port}/feed/{int(number) - 1}.ics"
                source.save(update_fields=["url"])
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            gunicorn = processes.start(
                "gunicorn",
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(ARGS.workers),
                    "--timeout",
                    "120",
                    "--graceful-timeout",
                    "10",
                ],
                production_env("web"),
            )
            worker = processes.start(
                "db_worker",
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-startup-delay",
                    "--interval",
                    "0.5",
                ],
                production_env("worker"),
            )
            wait_for_site(f"{url}/health/", processes)
            line("gunicorn and the worker", f"{ARGS.workers} workers at {url}")

            def first_import() -> None:
                import_round()
                drain()

            timed(f"import the {ARGS.feeds} feeds ({ARGS.events} weekly events each)", first_import)
            timed("ANALYZE", lambda: connection.cursor().execute("ANALYZE"))
            line("setup in all", f"{time.perf_counter() - began:8.1f} s")
            describe()
            targets_file = work / "targets.json"
            targets(targets_file)

            print(
                f"\nLocust: {ARGS.users} users (residents, open data consumers, link workers "
                f"5:2:1), ~{ARGS.think:g} s between pages, {ARGS.seconds} s a run "
                f"after {WARM_UP} s of warm-up"
            )
            locust(url, WARM_UP, work / "warm", targets_file, processes)
            processes.check()
            idle = measured("idle", url, work / "idle", targets_file, processes, gunicorn, worker)
            processes.check()
            since = timezone.now()
            with ImportLoad() as load:
                time.sleep(1)  # the first round queued before the users arrive
                loaded = measured(
                    "under import", url, work / "loaded", targets_file, processes, gunicorn, worker
                )
                until = timezone.now()
            processes.check()
            # The imports running when the window closed finish first (their sessions are
            # committed with them), so the counts below are of the imports that ran in it.
            drained_at = time.perf_counter()
            drain()
            drained = time.perf_counter() - drained_at
            # A FeedImport is saved when its import ends (started_at is that save's time).
            imports = FeedImport.objects.filter(source__in=feed_sources(), finished_at__gte=since)
            inside = imports.filter(finished_at__lte=until).count()
            done = imports.filter(outcome=FeedImport.Outcome.IMPORTED).count()
            other = Counter(imports.exclude(outcome="imported").values_list("outcome", flat=True))
            sessions = Session.objects.filter(activity__feed_items__source__in=feed_sources())
            rewritten = sessions.filter(updated_at__gte=since).count()
            print(
                f"  during the loaded run: {load.rounds} rounds of import_feeds "
                f"({load.rounds * len(feed_sources())} imports queued); {done} imported "
                f"({inside} finished inside the window, the rest within {drained:.0f} s after)"
                + (f", others: {dict(other)}" if other else "")
                + f"; {rewritten:,} sessions written by them (of the feeds' {sessions.count():,})"
            )
            met = report(idle, loaded)
            where_it_went(idle, loaded)
            print(f"  (Locust's CSV files and the logs: {work})")
            if not met:
                print("  The goal was missed: see where the time went above.")
        finally:
            processes.stop()
            if feeds is not None:
                feeds.close()
            close_old_connections()


if __name__ == "__main__":
    main()
