"""Writing many new sessions at once, through the database's own bulk path; and
changing many (`update_sessions`).

A feed import or the nightly roll-forward makes tens of thousands of sessions.
Django's `bulk_create` spends most of its time building a model instance and
preparing each value of each one in Python (and on SQLite splits the rows into
statements of 999 parameters): more than the parsing and the SQL together. Here
the rows are plain tuples, written with `executemany` on SQLite and `COPY` on
PostgreSQL, with the values Django would write for a Session made with
`set_times` (tests/directory/test_bulk_sessions.py compares a row made both ways).

Like `bulk_create(..., ignore_conflicts=True)`, a session that already exists
for its (schedule, occurrence date) is left as it is: a sync running at the same
time (the nightly roll-forward and a change, say) may have just made it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from .models import Session


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session to make: what its schedule gives. The rest is worked out on writing."""

    activity_id: int
    schedule_id: int
    occurrence_date: date
    start: datetime
    end: datetime
    all_day: bool = False
    places: int | None = None


# Every column of directory_session but its key, in the order rows are written.
COLUMNS = (
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
    "moved",
    "all_day",
    "note",
    "places",
    "places_set",
    "booked",
    "updated_at",
)


def insert_sessions(sessions: Sequence[NewSession]) -> None:
    """Write these sessions, leaving alone any whose (schedule, date) already has one."""
    if not sessions:
        return
    zone = timezone.get_current_timezone()
    if connection.vendor == "postgresql":
        # psycopg sends each value as its own type (an aware datetime as timestamptz).
        _copy(list(_rows(sessions, zone, _same, _same, _dashed)))
    else:
        moment = _naive_in(connection.timezone or UTC)  # (None only without USE_TZ)
        _execute_many(list(_rows(sessions, zone, moment, date.isoformat, _hex)))


def update_sessions(sessions: Sequence[Session], fields: Sequence[str]) -> None:
    """Write these fields of these sessions, as `bulk_update` would: one UPDATE a
    session, prepared once and run for them all (executemany), each value prepared by
    its field as Django prepares it. bulk_update builds one CASE per field over a batch
    of sessions instead, and compiling those was a quarter of a 500-event feed's first
    import (its moved instances)."""
    if not sessions:
        return
    meta = Session._meta
    chosen = [cast(Field[Any, Any], meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in chosen)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 (names, placeholders)
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    rows = [
        (
            *(
                field.get_db_prep_save(getattr(session, field.attname), connection)
                for field in chosen
            ),
            session.pk,
        )
        for session in sessions
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _random_uuid() -> int:
    """A version 4 (random) UUID as its 128-bit number, set as uuid.uuid4() sets it,
    without building a UUID object for each of thousands of rows."""
    number = int.from_bytes(os.urandom(16))
    number = (number & ~(0xC000 << 48)) | (0x8000 << 48)  # the RFC 4122 variant
    return (number & ~(0xF000 << 64)) | (4 << 76)  # version 4


def _hex(number: int) -> str:
    return f"{number:032x}"  # SQLite has no uuid type: Django keeps the 32 hex digits


def _dashed(number: int) -> str:
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _rows(
    sessions: Sequence[NewSession], zone: tzinfo, moment: Any, day: Any, public_id: Any
) -> Iterator[tuple[Any, ...]]:
    """The rows, with the local columns `Session.set_times` derives (in the current zone,
    as timezone.localtime has it) and the defaults the model gives a new session; each
    datetime, date and uuid as `moment`, `day` and `public_id` make it for the database."""
    now = moment(timezone.now())
    scheduled = Session.Status.SCHEDULED.value
    for session in sessions:
        local = session.start.astimezone(zone)
        yield (
            public_id(_random_uuid()),
            session.activity_id,
            session.schedule_id,
            day(session.occurrence_date),
            moment(session.start),
            moment(session.end),
            day(local.date()),
            day(session.end.astimezone(zone).date()),
            local.weekday(),
            local.hour * 60 + local.minute,
            scheduled,
            False,
            session.all_day,
            "",
            session.places,
            False,
            0,
            now,
        )


# --- SQLite -------------------------------------------------------------------------


def _naive_in(zone: tzinfo) -> Any:
    """How Django's SQLite backend stores an aware datetime: as text, naive, in the
    connection's zone (UTC unless the database is set to another)."""

    def convert(value: datetime) -> str:
        return str(value.astimezone(zone).replace(tzinfo=None))

    return convert


def _execute_many(rows: list[tuple[Any, ...]]) -> None:
    table = connection.ops.quote_name(Session._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    with connection.cursor() as cursor:
        # One statement, prepared once: the rows are bound in C, not formatted in Python.
        cursor.executemany(
            f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


# --- PostgreSQL ---------------------------------------------------------------------

UNIQUE_VIOLATION = "23505"


def _same(value: Any) -> Any:
    return value


def _copy(rows: list[tuple[Any, ...]]) -> None:
    """COPY straight into the table; if that meets a session made at the same time
    (COPY cannot skip a conflicting row), undo it and go through a temporary table
    with INSERT ... ON CONFLICT DO NOTHING instead. Conflicts are rare, and the second
    path writes every row twice, so it is only the fallback."""
    table = connection.ops.quote_name(Session._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    try:
        with transaction.atomic():
            _copy_into(table, columns, rows)
    except IntegrityError as problem:
        if getattr(problem.__cause__, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE inspiring_new_sessions AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            try:
                _copy_into("inspiring_new_sessions", columns, rows)
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "  # noqa: S608
                    f"SELECT {columns} FROM inspiring_new_sessions ON CONFLICT DO NOTHING"
                )
            finally:
                cursor.execute("DROP TABLE inspiring_new_sessions")


def _copy_into(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    sql = f"COPY {table} ({columns}) FROM STDIN"
    # Django's wrapper passes copy() through to psycopg's own cursor, and turns
    # psycopg's errors into Django's only where asked to.
    with (
        connection.cursor() as cursor,
        _logged(cursor, sql, rows),
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


@contextmanager
def _logged(cursor: Any, sql: str, rows: list[tuple[Any, ...]]) -> Iterator[None]:
    """Count the COPY as one query where Django counts queries (DEBUG, the tests' query
    assertions, the benchmark): the wrapper logs execute() only."""
    debug_sql = getattr(cursor, "debug_sql", None)
    if debug_sql is None:
        yield
        return
    with debug_sql(sql, rows, many=True):
        yield
