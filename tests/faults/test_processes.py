"""Faults, as tests (issue 19, item 5): the production processes broken on purpose.

- A worker killed (SIGKILL) in the middle of a feed import, once while the calendar is
  still arriving and once while the import is writing, then started again: the feed
  ends with the sessions of one complete import, no duplicates, nothing half-written.
- PostgreSQL stopped and started while requests arrive: the web processes answer clean
  500/503 pages meanwhile, and 200 again soon after, without being restarted (with
  connections closed after each request, and with persistent ones).
- Two workers taking one queue: every task done exactly once.

Each test starts the Procfile's processes against a database of its own (conftest.py).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inspiring.areas.models import Area
from inspiring.directory.models import Activity, Organisation, Session
from inspiring.feeds.models import FeedImport, FeedItem, FeedSource
from inspiring.ops.models import Heartbeat, beat
from tests.directory.builders import organisation

from .conftest import (
    Bounce,
    Database,
    FeedServer,
    Process,
    Stack,
    backends,
    children,
    free_port,
    wait_for,
)

pytestmark = pytest.mark.faults

LONDON = ZoneInfo("Europe/London")
IMPORT_TASK = "inspiring.feeds.tasks.import_feed_task"
RUNNING, READY, SUCCESSFUL, FAILED = "RUNNING", "READY", "SUCCESSFUL", "FAILED"


def make_area() -> Area:
    """A minimal area of our own: no demo data, nothing but what a test adds."""
    return Area.objects.create(
        slug="faultshire",
        name="Faultshire",
        programme_name="Inspiring Faultshire",
        local_authority_code="E07000170",
        lead_organisation="Faultshire Voluntary Action",
    )


def partner(area: Area) -> Organisation:
    # Trusted: its imported activities are published at once, so they have sessions.
    return organisation(area, "Faultshire Walking Group", trusted=True)


def calendar(*events: str) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Inspiring fault tests//EN"]
    for event in events:
        lines += event.splitlines()
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def weekly_event(uid: str, first: date, weeks: int) -> str:
    day = first.strftime("%Y%m%d")
    return "\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"SUMMARY:Health walk {uid}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/London:{day}T100000",
            f"DTEND;TZID=Europe/London:{day}T110000",
            f"RRULE:FREQ=WEEKLY;COUNT={weeks}",
            "END:VEVENT",
        ]
    )


def sessions_of(source: FeedSource) -> list[tuple[str, date]]:
    """(event UID, date) of every session the feed's activities have, duplicates kept."""
    return list(
        Session.objects.filter(activity__feed_items__source=source).values_list(
            "activity__source_ref", "occurrence_date"
        )
    )


def abandon_running_tasks(database: Any, stack: Any) -> None:
    """Move the RUNNING tasks' start back past TASK_ABANDONED_MINUTES, then run the
    scheduler's job that marks such tasks failed (what an hour's wait would do)."""
    with psycopg.connect(database.url, autocommit=True) as connection:
        connection.execute(
            "UPDATE django_tasks_database_dbtaskresult SET started_at = started_at - "
            "interval '1 day' WHERE status = 'RUNNING'"
        )
    said = stack.manage("run_scheduler", "--once", "fail_abandoned_tasks")
    assert (
        "abandoned task" in said
        and "marked failed" in said
        and not said.startswith("fail_abandoned_tasks: 0 ")
    ), said


def task_results(path: str = IMPORT_TASK) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=path).order_by("enqueued_at"))


# --- A worker killed in the middle of a feed import --------------------------------------------

EVENTS, WEEKS = 200, 10


def test_a_worker_killed_mid_import_leaves_nothing_half_written_and_the_import_completes_once(
    database: Database, stack: Stack, feed_server: FeedServer
) -> None:
    first = datetime.now(LONDON).date() + timedelta(days=2)
    uids = [f"walk-{n}@faults.test" for n in range(EVENTS)]
    feed_server.bodies["/walks.ics"] = calendar(*(weekly_event(uid, first, WEEKS) for uid in uids))
    expected = {(uid, first + timedelta(weeks=week)) for uid in uids for week in range(WEEKS)}
    area = make_area()
    # Checked two hours ago: due again (FEEDS_INTERVAL_MINUTES is 60).
    checked = timezone.now() - timedelta(hours=2)
    source = FeedSource.objects.create(
        organisation=partner(area), url=feed_server.url("/walks.ics"), last_checked_at=checked
    )

    def nothing_stored() -> None:
        source.refresh_from_db()
        assert source.last_checked_at == checked, "a killed import moved last_checked_at"
        assert source.health == FeedSource.Health.NEW and source.content_hash == ""
        assert not FeedImport.objects.exists()
        assert not FeedItem.objects.exists() and not Activity.objects.exists()
        assert not Session.objects.exists()

    # 1. Killed while the calendar is still arriving (the server sends it over 40 s).
    feed_server.trickle_seconds = 40
    worker = stack.start("worker", name="worker-killed-fetching")
    assert "Queued 1 feed import." in stack.manage("run_scheduler", "--once", "import_feeds")
    first_id = stack.worker_id(worker)
    wait_for(
        lambda: feed_server.sent.get("/walks.ics", 0) > 0,
        timeout=60,
        what="the worker to start fetching the feed",
    )
    worker.kill()
    sent = feed_server.sent["/walks.ics"]
    assert 0 < sent < len(feed_server.bodies["/walks.ics"])
    nothing_stored()
    [fetching] = task_results()
    assert (fetching.status, fetching.worker_ids) == (RUNNING, [first_id])

    # While that task is RUNNING (its worker gone), the feed is not queued again; once it
    # has been running longer than TASK_ABANDONED_MINUTES (moved back here rather than
    # waited for), the scheduler's job marks it failed and the feed is queued again.
    assert "1 already queued or running" in stack.manage("run_scheduler", "--once", "import_feeds")
    abandon_running_tasks(database, stack)

    # 2. Killed while writing: the session table is locked against writes, so the import
    # stops at its first write of sessions (a COPY), its activities, schedules and items already
    # written in its (uncommitted) transaction.
    feed_server.trickle_seconds = 0
    with psycopg.connect(database.url) as blocker:
        blocker.execute("LOCK TABLE directory_session IN SHARE MODE")
        worker = stack.start("worker", name="worker-killed-writing")
        assert "Queued 1 feed import." in stack.manage("run_scheduler", "--once", "import_feeds")
        second_id = stack.worker_id(worker)

        def writing() -> dict[str, object] | None:
            for backend in backends(database):
                query = str(backend["query"] or "")
                # Sessions go in by COPY (directory/bulk.py), or INSERT after a conflict.
                if backend["wait_event_type"] == "Lock" and query.startswith(
                    ('COPY "directory_session"', 'INSERT INTO "directory_session"')
                ):
                    return backend
            return None

        stuck = wait_for(writing, timeout=90, what="the import to reach its session COPY")
        assert stuck["xid"], "the import had written nothing yet"
        worker.kill()
        blocker.rollback()
    # The server notices its client is gone and rolls its transaction back.
    wait_for(
        lambda: all(b["pid"] != stuck["pid"] for b in backends(database)),
        timeout=30,
        what="the killed worker's connection to end",
    )
    nothing_stored()
    assert [(r.status, r.worker_ids) for r in task_results()] == [
        (FAILED, [first_id]),
        (RUNNING, [second_id]),
    ]
    abandon_running_tasks(database, stack)

    # 3. The scheduler queues the feed again (still due); a worker imports it whole.
    worker = stack.start("worker", name="worker-completes")
    assert "Queued 1 feed import." in stack.manage("run_scheduler", "--once", "import_feeds")
    third_id = stack.worker_id(worker)
    done = wait_for(
        lambda: DBTaskResult.objects.filter(task_path=IMPORT_TASK, status=SUCCESSFUL).first(),
        timeout=120,
        what="the third import to finish",
        every=0.5,
    )
    assert done.return_value == "imported" and done.worker_ids == [third_id]

    sessions = sessions_of(source)
    assert len(sessions) == len(set(sessions)), "a session was written twice"
    assert set(sessions) == expected
    assert FeedItem.objects.filter(source=source).count() == EVENTS
    assert Activity.objects.count() == EVENTS
    assert sorted(Activity.objects.values_list("source_ref", flat=True)) == sorted(uids)
    [record] = FeedImport.objects.all()
    assert (record.outcome, record.created, record.error) == (
        FeedImport.Outcome.IMPORTED,
        EVENTS,
        "",
    )
    source.refresh_from_db()
    assert source.health == FeedSource.Health.OK
    assert source.last_checked_at is not None and source.last_checked_at > checked

    # Once done, it is not queued again until it is due.
    assert "Queued 0 feed imports." in stack.manage("run_scheduler", "--once", "import_feeds")
    assert feed_server.hits["/walks.ics"] == 3
    assert worker.alive()
    worker.stop()

    # django-tasks-db leaves a task whose worker died RUNNING for ever; the scheduler's
    # fail_abandoned_tasks said what happened to the two killed runs.
    results = task_results()
    assert [(r.status, r.worker_ids) for r in results] == [
        (FAILED, [first_id]),
        (FAILED, [second_id]),
        (SUCCESSFUL, [third_id]),
    ]
    assert {r.exception_class_path for r in results[:2]} == {
        "inspiring.ops.abandoned.WorkerStopped"
    }


# --- PostgreSQL restarted while requests arrive -------------------------------------------------


@dataclass
class Answer:
    server: str
    path: str
    began: float
    took: float
    status: int | None  # None: no HTTP answer at all
    body: bytes = b""
    error: str = ""


class Visitor(threading.Thread):
    """Asks one web process for its pages, one after another, until told to stop."""

    PATHS = ("/health/ready/", "/faultshire/whats-on/")
    # No answer in this long is a hung request (gunicorn's own timeout is 30 s).
    TIMEOUT = 15.0

    def __init__(self, server: str, port: int) -> None:
        super().__init__(daemon=True, name=f"visitor-{server}")
        self.server, self.port = server, port
        self.answers: list[Answer] = []
        self.stopping = threading.Event()

    def ask(self, path: str) -> Answer:
        began = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.TIMEOUT)
        try:
            connection.request("GET", path, headers={"Host": "localhost"})
            response = connection.getresponse()
            body = response.read()
            return Answer(self.server, path, began, time.monotonic() - began, response.status, body)
        except (OSError, http.client.HTTPException) as error:
            took = time.monotonic() - began
            return Answer(self.server, path, began, took, None, error=repr(error))
        finally:
            connection.close()

    def run(self) -> None:
        turn = 0
        while not self.stopping.is_set():
            self.answers.append(self.ask(self.PATHS[turn % len(self.PATHS)]))
            turn += 1
            # About 20 requests a second: well short of gunicorn's max_requests (2000 a
            # worker) in the test's minute, so any worker restart is not that.
            self.stopping.wait(0.05)


def _pids(web: Process) -> tuple[int, set[int]]:
    return web.pid, children(web.pid)


def _clean_failure(answer: Answer) -> str | None:
    """Why this failed answer is not a clean one (None: it is): an HTTP answer, quickly,
    the site's own error page (500) or readiness saying "not ready" (503), and nothing of
    the error itself."""
    if answer.status is None:
        return f"no HTTP answer: {answer.error}"
    text = answer.body.decode(errors="replace")
    for leak in ("Traceback", "psycopg", "OperationalError", "InterfaceError", 'File "'):
        if leak in text:
            return f"{answer.status} showing {leak!r}"
    if answer.status == 503 and answer.path == "/health/ready/":
        if json.loads(text)["status"] != "not ready":
            return f"readiness answered 503 saying {text}"
    elif answer.status != 500 or "Sorry, there is a problem with the service" not in text:
        return f"{answer.status} without the error page"
    return None


def test_postgres_restarted_while_requests_arrive(
    database: Database, stack: Stack, postgres_bounce: Callable[[float], Bounce]
) -> None:
    make_area()
    beat(Heartbeat.Process.WORKER)
    beat(Heartbeat.Process.SCHEDULER)
    # The same site twice: one closing its connection after each request (the default),
    # one keeping it for a minute (conn_health_checks must notice it died).
    webs: dict[str, tuple[Process, int]] = {}
    for conn_max_age in ("0", "60"):
        port = free_port()
        web = stack.start(
            "web",
            name=f"web-conn-max-age-{conn_max_age}",
            PORT=str(port),
            BIND_ADDRESS="127.0.0.1",
            WEB_CONCURRENCY="2",
            DATABASE_CONN_MAX_AGE=conn_max_age,
            DATABASE_URL=f"{database.url}?application_name=faults-web-{conn_max_age}",
        )
        webs[conn_max_age] = (web, port)
    visitors = {name: Visitor(name, port) for name, (_, port) in webs.items()}
    for name, visitor in visitors.items():
        for path in Visitor.PATHS:
            wait_for(
                lambda v=visitor, p=path: v.ask(p).status == 200,  # type: ignore[misc]
                timeout=120,
                what=f"gunicorn ({name}) to serve {path}",
                every=0.5,
            )
    before = {name: _pids(web) for name, (web, _) in webs.items()}
    for name, (_, workers) in before.items():
        assert len(workers) == 2, f"{name}: gunicorn workers {workers}"

    bounce: Bounce | None = None
    for visitor in visitors.values():
        visitor.start()
    try:
        time.sleep(2)
        persistent = [b for b in backends(database) if b["application_name"] == "faults-web-60"]
        assert persistent, "CONN_MAX_AGE=60 kept no connection open"
        bounce = postgres_bounce(3.0)
        up = bounce.started

        def recovered() -> bool:
            # Every page of every server answered 200 at least 5 times since the restart.
            after = [a for v in visitors.values() for a in v.answers if a.began > up]
            ok = {(a.server, a.path) for a in after if a.status == 200}
            count = {key: sum(1 for a in after if (a.server, a.path) == key) for key in ok}
            return len(ok) == 4 and min(count.values()) >= 5

        wait_for(recovered, timeout=30, what="every page to answer 200 again", every=0.2)
        time.sleep(2)
    finally:
        for visitor in visitors.values():
            visitor.stopping.set()
        for visitor in visitors.values():
            visitor.join(timeout=Visitor.TIMEOUT + 5)
    assert bounce is not None
    print(
        f"\nPostgreSQL stopped in {bounce.stopped - bounce.stopping:.1f} s, answered again "
        f"{bounce.started - bounce.stopping:.1f} s after the stop began"
    )
    for name, visitor in visitors.items():
        answers = visitor.answers
        before_stop = [a for a in answers if a.began + a.took < bounce.stopping]
        down = [a for a in answers if bounce.stopping <= a.began < bounce.started]
        after = [a for a in answers if a.began >= bounce.started]
        failures = [a for a in answers if a.status != 200]
        # Recovered: the first 200 after the server answered again, for each page.
        back = {
            path: min(a.began + a.took for a in after if a.path == path and a.status == 200)
            - bounce.started
            for path in Visitor.PATHS
        }
        summary = (
            f"CONN_MAX_AGE={name}: {len(answers)} requests, {len(down)} while down, "
            f"{len(failures)} failed {dict(Counter(a.status for a in failures))}, 200 again "
            + ", ".join(f"{path} {seconds:.2f} s" for path, seconds in back.items())
            + f" after; slowest {max(a.took for a in answers):.2f} s"
        )
        print(summary)
        # Before: all well (a request still running as the server stops may fail).
        assert all(a.status == 200 for a in before_stop), summary
        # While down: it failed (the test saw the fault), cleanly, and quickly.
        assert failures, f"{name}: no request failed while PostgreSQL was down"
        unclean = [(a.path, why) for a in failures if (why := _clean_failure(a))]
        assert not unclean, f"{name}: {unclean[:5]}"
        # (Seconds are possible as the server stops, on a busy machine; unanswered is not.)
        assert max(a.took for a in answers) < Visitor.TIMEOUT, f"{name}: a request hung"
        # After: every page within seconds, and no request failed once one had succeeded.
        assert max(back.values()) < 10, summary
        first_success = bounce.started + min(back.values())
        late = [(a.path, a.status) for a in failures if a.began >= first_success]
        assert not late, f"{name}: failed after recovering: {late[:5]}"
        # The same processes throughout: gunicorn's master and workers, none restarted.
        web = webs[name][0]
        assert web.alive()
        assert _pids(web) == before[name], f"{name}: {before[name]} became {_pids(web)}"


# --- Two workers taking one queue ----------------------------------------------------------------

FEEDS = 200


def test_two_workers_taking_one_queue_do_each_task_once(
    database: Database, stack: Stack, feed_server: FeedServer
) -> None:
    area = make_area()
    owner = partner(area)
    day = datetime.now(LONDON).date() + timedelta(days=3)
    for n in range(FEEDS):
        feed_server.bodies[f"/feed-{n}.ics"] = calendar(
            weekly_event(f"event-{n}@faults.test", day, 1)
        )
    FeedSource.objects.bulk_create(
        FeedSource(organisation=owner, url=feed_server.url(f"/feed-{n}.ics")) for n in range(FEEDS)
    )
    one, two = stack.start("worker", name="worker-one"), stack.start("worker", name="worker-two")
    one_id, two_id = stack.worker_id(one), stack.worker_id(two)
    # Queued as the scheduler queues them, while both workers poll.
    assert f"Queued {FEEDS} feed imports." in stack.manage("import_feeds")
    wait_for(
        lambda: not DBTaskResult.objects.filter(status__in=[READY, RUNNING]).exists(),
        timeout=180,
        what="the queue to empty",
        every=0.5,
    )
    results = task_results()
    assert len(results) == FEEDS
    assert {r.status for r in results} == {SUCCESSFUL}
    assert {r.return_value for r in results} == {"imported"}
    # Claimed once each (a claim appends the worker's id), by one worker or the other.
    assert all(len(r.worker_ids) == 1 for r in results)
    took = Counter(r.worker_ids[0] for r in results)
    assert set(took) == {one_id, two_id}, f"one worker did all the work: {took}"
    # ...and run once each: one fetch, one import report, one activity per feed.
    assert all(feed_server.hits[f"/feed-{n}.ics"] == 1 for n in range(FEEDS))
    per_source = Counter(FeedImport.objects.values_list("source_id", flat=True))
    assert len(per_source) == FEEDS and set(per_source.values()) == {1}
    assert Activity.objects.count() == FEEDS == FeedItem.objects.count()
    assert Session.objects.count() == FEEDS
    assert one.alive() and two.alive()
    assert one.stop() == 0 and two.stop() == 0
    print(f"\nTasks per worker: {dict(took)}")
