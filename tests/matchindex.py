"""Matching's index (inspiring/matching/index.py) and Open Referral's stored
service-at-location ids (inspiring/opendata/service_ids.py) are checked against the
records after every test that could write to the database: whatever path a test drives
(a form, a feed, an import, the demo, a session moved or cancelled), a path that forgot
to keep them fails here, naming the activity and what differs. Tests that run outside a
transaction (browser and live-server tests) are left out: their writes come from the
same paths, driven in-process by the rest of the suite. `@pytest.mark.stale_index`
leaves a test out on purpose (one that breaks the index to see it found).

Tests often set a record up with a queryset's update() or delete(), which send no
signals: those called from a file under tests/ have their activities' rows worked out
again, so the check speaks about the product's paths only (an update() in the
product's own code is left as it is, and caught if it forgets the index).

On SQLite the check is skipped when it cannot find anything new: when no table it reads
was written during the test, and none has been written outside a test's transaction
since a test found the index exact on what was there. Temporary triggers on those tables
count every row inserted, updated or deleted through the test connection (raw SQL,
bulk writes and cascades included: they fire in SQLite itself); the count lives in the
database, so a test's rollback takes back its writes and their count together, while a
write that stays (a module's fixture loading the demo, a transactional test's flush)
leaves it higher. Each check that runs also records the tables its statements read:
one that is not watched, or a trigger gone, turns the skipping off for the rest of the
run. A test module that loads the demo once for hundreds of read-only tests paid the
whole comparison after each of them (about 10% of the SQLite pass's time)."""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import QuerySet

TESTS = str(Path(__file__).resolve().parent)


def _activities_of(queryset: QuerySet[Any]) -> list[int] | None:
    """The activities whose rows a write to these records could change, or None."""
    from inspiring.directory.models import Activity, Schedule, Session, Venue

    model = queryset.model
    if model is Activity:
        return list(queryset.values_list("pk", flat=True))
    if model in (Session, Schedule):
        return list(queryset.values_list("activity_id", flat=True))
    if model is Venue:
        return list(
            Activity.objects.filter(
                venue__in=list(queryset.values_list("pk", flat=True))
            ).values_list("pk", flat=True)
        )
    if model in (Activity.categories.through, Activity.support_features.through):
        return list(queryset.values_list("activity_id", flat=True))
    return None


def _kept(write: Callable[..., Any]) -> Callable[..., Any]:
    def kept(self: QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1)
        if caller.f_code.co_filename.endswith("manager.py"):  # Model.objects.update()
            caller = caller.f_back or caller
        if not caller.f_code.co_filename.startswith(TESTS):
            return write(self, *args, **kwargs)
        ids = _activities_of(self)
        done = write(self, *args, **kwargs)
        if ids:
            from inspiring.matching.index import refresh
            from inspiring.opendata import service_ids

            refresh(ids)
            service_ids.refresh(ids)
        return done

    return kept


@pytest.fixture(autouse=True, scope="session")
def _tests_own_writes_keep_the_index() -> Iterator[None]:
    update, delete = QuerySet.update, QuerySet.delete
    QuerySet.update = _kept(update)  # type: ignore[method-assign]
    QuerySet.delete = _kept(delete)  # type: ignore[method-assign]
    yield
    QuerySet.update, QuerySet.delete = update, delete  # type: ignore[method-assign]


_TRIGGER = "matchindex_watch_"
_TABLE = re.compile(r'(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


class _Watch:
    """The watched tables, the write count at which the index was last found exact
    (None: not yet), the connection's count of every row it ever wrote as the last
    checked test ended, and whether skipping is still on."""

    tables: frozenset[str] = frozenset()
    exact_at: int | None = None
    quiet_since: int | None = None
    on = False


def _watched_tables() -> frozenset[str]:
    """Every table of the apps whose rows the two checks read (the directory's
    activities, venues, sessions, schedules, categories and their links; the areas;
    matching's index; Open Referral's ids): more than the checks read today."""
    from django.apps import apps

    tables: set[str] = set()
    for label in ("areas", "directory", "matching", "opendata"):
        # Many-to-many links' own tables included (auto-created models).
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    return frozenset(tables)


def watch_tables() -> None:
    """On SQLite: the counter and its triggers. Called by tests/conftest.py's
    django_db_setup, outside any transaction, so that they stay for the run (temporary:
    this connection's own, never in the schema). Not a fixture of its own: one every
    test used would count as reaching the database for tests/dbonce.py."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    tables = _watched_tables()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE matchindex_writes (n INTEGER NOT NULL)")
        cursor.execute("INSERT INTO matchindex_writes (n) VALUES (0)")
        for table in sorted(tables):
            for event in ("INSERT", "UPDATE", "DELETE"):
                # Django's own table names, not input.
                cursor.execute(
                    f'CREATE TEMP TRIGGER "{_TRIGGER}{table}_{event.lower()}" '  # noqa: S608
                    f'AFTER {event} ON main."{table}" '
                    "BEGIN UPDATE matchindex_writes SET n = n + 1; END"
                )
    _Watch.tables, _Watch.exact_at, _Watch.on = tables, None, True


def _writes() -> int | None:
    """The count of rows written to the watched tables, or None when the counter or a
    trigger is missing (the connection was replaced, or a table rebuilt)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name GLOB ?",
                [_TRIGGER + "*"],
            )
            if cursor.fetchone()[0] != 3 * len(_Watch.tables):
                return None
            cursor.execute("SELECT n FROM matchindex_writes")
            return int(cursor.fetchone()[0])
    except DatabaseError:
        return None


def _stop_skipping(why: str) -> None:
    _Watch.on = False
    warnings.warn(f"tests/matchindex.py checks after every test from now on: {why}", stacklevel=2)


@pytest.fixture(autouse=True)
def _match_index_exact(request: pytest.FixtureRequest) -> Iterator[None]:
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    wanted = (marker is not None or "db" in names) and not transactional
    if not wanted or request.node.get_closest_marker("stale_index"):
        yield
        return
    from django.db import connection

    if connection.vendor != "sqlite":
        # The paths are the same on both databases (the bulk writers send the same
        # signals): checked once, on the quicker run, to keep CI's time.
        yield
        return
    request.getfixturevalue("db")  # set up before this fixture's end: checked inside it
    # Quiet: the connection has written no row at all since the last test seen here
    # ended (but for that test's own writes, rolled back), so this one starts on what
    # was committed, no fixture of its own having written yet; the count of watched
    # writes is then the committed one, which only grows. The check is skipped when the
    # test starts quiet, writes no watched row, and a quiet test that wrote none found
    # the index exact at this same count: the same rows.
    quiet = _Watch.on and _total_changes() == _Watch.quiet_since
    before = _writes() if _Watch.on else None
    yield
    after = _writes() if _Watch.on else None
    unchanged = quiet and before is not None and before == after
    if not (unchanged and before == _Watch.exact_at):
        _check(connection)
        if unchanged and _Watch.on:
            _Watch.exact_at = before  # the rollback leaves these rows as they are
    _Watch.quiet_since = _total_changes()


def _total_changes() -> int | None:
    """Rows the SQLite connection has inserted, updated or deleted since it opened,
    rolled back or not (it only grows)."""
    from django.db import connection

    raw = connection.connection
    return None if raw is None else int(raw.total_changes)


def _check(connection: Any) -> None:
    """Both checks, noting the tables their statements read (skipping stops if one is
    not watched)."""
    from django.test.utils import CaptureQueriesContext

    from inspiring.matching.index import differences
    from inspiring.opendata import service_ids

    with CaptureQueriesContext(connection) as read:
        found = differences()
        wrong = service_ids.differences()
    assert not found, "Matching's index differs from the records: " + "; ".join(
        str(d) for d in found[:10]
    )
    assert not wrong, "Open Referral's stored ids differ from the records: " + "; ".join(wrong[:10])
    unwatched = {
        table
        for query in read.captured_queries
        for table in _TABLE.findall(query["sql"])
        if table not in _Watch.tables
    }
    if unwatched and _Watch.on:
        _stop_skipping(f"it reads {', '.join(sorted(unwatched))}, which no trigger watches")
