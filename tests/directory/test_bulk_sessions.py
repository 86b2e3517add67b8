"""insert_sessions writes what bulk_create would, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.dispatch import receiver
from django.test.utils import CaptureQueriesContext

from inspiring.directory.bulk import COLUMNS, NewSession, insert_sessions, update_sessions
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Schedule, Session
from inspiring.directory.models.schedules import sessions_synced

from .builders import Directory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# Times a session is written with, each in both ways and compared.
TIMES = [
    # A London evening in summer (BST): a day's columns in London, stored in UTC.
    (
        datetime(2026, 7, 7, 19, 30, tzinfo=ZoneInfo("Europe/London")),
        datetime(2026, 7, 7, 23, 30, tzinfo=ZoneInfo("Europe/London")),
    ),
    # A New York series: 20:00 there is 01:00 the next day in London.
    (datetime(2026, 7, 7, 20, tzinfo=NEW_YORK), datetime(2026, 7, 7, 22, tzinfo=NEW_YORK)),
    # In UTC, with microseconds (which Django keeps on both databases).
    (datetime(2026, 1, 6, 9, 0, 0, 5, tzinfo=UTC), datetime(2026, 1, 6, 11, tzinfo=UTC)),
]


def _row(pk: int) -> dict[str, Any]:
    """The session's row as the database holds it (no conversion by the model)."""
    columns = [f.column for f in Session._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM directory_session WHERE id = %s", [pk])  # noqa: S608
        return dict(zip(columns, cursor.fetchone(), strict=True))


def _new(directory: Directory, day: date, start: datetime, end: datetime) -> NewSession:
    schedule = Schedule.objects.filter(activity=directory.knitting).get()
    return NewSession(directory.knitting.pk, schedule.pk, day, start, end, all_day=False)


def test_every_column_but_the_model_s_own_is_written() -> None:
    columns = {f.column for f in Session._meta.concrete_fields} - {"id"}
    assert set(COLUMNS) == columns


# insert_sessions alone tells no one (materialise sends sessions_synced after it): the
# tests writing with it directly leave matching's index behind on purpose.
@pytest.mark.stale_index
@pytest.mark.parametrize(("start", "end"), TIMES)
def test_a_row_is_what_bulk_create_writes(
    directory: Directory, start: datetime, end: datetime
) -> None:
    Session.objects.filter(activity=directory.knitting).delete()
    made = _new(directory, date(2026, 7, 7), start, end)
    insert_sessions([made])
    ours = Session.objects.get(schedule_id=made.schedule_id)
    theirs = Session(
        activity_id=made.activity_id,
        schedule_id=made.schedule_id,
        occurrence_date=date(2026, 7, 8),
        all_day=made.all_day,
    )
    theirs.set_times(start, end)
    Session.objects.bulk_create([theirs], ignore_conflicts=True)
    theirs = Session.objects.get(schedule_id=made.schedule_id, occurrence_date=date(2026, 7, 8))
    mine, django = _row(ours.pk), _row(theirs.pk)
    for name in ("id", "public_id", "occurrence_date", "updated_at"):
        del mine[name], django[name]
    assert mine == django
    assert ours.start == start and ours.end == end
    assert ours.public_id.version == 4 and ours.public_id != theirs.public_id
    assert abs(ours.updated_at - theirs.updated_at).total_seconds() < 60
    assert ours.occurrence_date == date(2026, 7, 7)


@pytest.mark.stale_index
def test_a_session_already_there_is_left_alone(directory: Directory) -> None:
    existing = Session.objects.filter(activity=directory.knitting).order_by("start")[:2]
    first, second = list(existing)
    Session.objects.filter(pk=first.pk).update(note="Bring wool")
    later = datetime.combine(first.occurrence_date, time(14), tzinfo=ZoneInfo("Europe/London"))
    clash = _new(directory, first.occurrence_date, later, later.replace(hour=15))
    fresh_day = date(2030, 1, 1)
    fresh = _new(
        directory,
        fresh_day,
        datetime(2030, 1, 1, 10, tzinfo=UTC),
        datetime(2030, 1, 1, 11, tzinfo=UTC),
    )
    Session.objects.filter(pk=second.pk).delete()
    again = _new(directory, second.occurrence_date, second.start, second.end)
    insert_sessions([clash, fresh, again])
    first.refresh_from_db()
    assert first.note == "Bring wool" and first.start != later  # as it was
    assert Session.objects.filter(schedule_id=fresh.schedule_id, occurrence_date=fresh_day).exists()
    assert Session.objects.filter(
        schedule_id=again.schedule_id, occurrence_date=second.occurrence_date
    ).exists()


def test_nothing_to_write_asks_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        insert_sessions([])
    assert len(queries) == 0


@pytest.mark.stale_index
def test_many_sessions_take_one_statement(directory: Directory) -> None:
    schedule = Schedule.objects.filter(activity=directory.knitting).get()
    many = [
        NewSession(
            directory.knitting.pk,
            schedule.pk,
            date(2040, 1, 1).fromordinal(date(2040, 1, 1).toordinal() + n),
            datetime(2040, 1, 1, 10, tzinfo=UTC),
            datetime(2040, 1, 1, 11, tzinfo=UTC),
        )
        for n in range(3000)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_sessions(many)
    assert len(queries) <= 3  # (a savepoint around COPY on PostgreSQL)
    assert Session.objects.filter(occurrence_date__gte=date(2040, 1, 1)).count() == 3000


def test_materialising_still_sends_its_signals(directory: Directory) -> None:
    heard: list[list[int]] = []

    @receiver(sessions_synced)
    def listen(sender: Any, schedule_ids: list[int], **kwargs: Any) -> None:
        heard.append(schedule_ids)

    try:
        Session.objects.filter(activity=directory.knitting).delete()
        report = materialise_activity(directory.knitting)
    finally:
        sessions_synced.disconnect(listen)
    schedule = Schedule.objects.filter(activity=directory.knitting).get()
    assert report.created == Session.objects.filter(activity=directory.knitting).count() > 50
    assert heard == [[schedule.pk]]


@pytest.mark.stale_index
@pytest.mark.parametrize(("start", "end"), TIMES)
def test_update_sessions_writes_what_bulk_update_writes(
    directory: Directory, start: datetime, end: datetime
) -> None:
    # Two sessions moved and cancelled alike, one written by update_sessions, the other by
    # bulk_update: every column the same but the session's own (and nothing else
    # changed); one statement for them all.
    ours, theirs, untouched = Session.objects.filter(activity=directory.knitting).order_by("start")[
        :3
    ]
    before = _row(untouched.pk)
    fields = ["status", "moved", *Session.TIME_FIELDS]
    for session in (ours, theirs):
        session.status, session.moved = Session.Status.CANCELLED, True
        session.set_times(start, end)
    with CaptureQueriesContext(connection) as queries:
        update_sessions([ours], fields)
    assert len(queries) == 1
    Session.objects.bulk_update([theirs], fields)
    mine, django = _row(ours.pk), _row(theirs.pk)
    for name in ("id", "public_id", "occurrence_date", "updated_at"):
        del mine[name], django[name]
    assert mine == django
    ours.refresh_from_db()
    assert (ours.start, ours.end, ours.status, ours.moved) == (start, end, "cancelled", True)
    assert _row(untouched.pk) == before
    with CaptureQueriesContext(connection) as queries:
        update_sessions([], fields)
    assert len(queries) == 0
