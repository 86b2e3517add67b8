"""Never overbooked: people racing for the last place, each in its own process with its
own database connection (real concurrent connections, on SQLite and PostgreSQL): exactly
one is booked, and the session's count is its places."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from inspiring.bookings.actions import do_book
from inspiring.bookings.models import Booking
from inspiring.directory.models import Session
from tests.geography import ensure_geography

from .conftest import PLACES, Bookable

ROOT = Path(__file__).resolve().parents[2]
RACERS = 4


def _database_url(folder: Path) -> str:
    """Where the racers connect: this test's own database. An in-memory SQLite test
    database cannot be shared with other processes, so it is copied to a file first."""
    if connection.vendor == "sqlite":
        path = folder / "race.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        return f"sqlite:///{path}"
    given: dict[str, Any] = connection.settings_dict
    password = f":{given['PASSWORD']}" if given.get("PASSWORD") else ""
    return (
        f"postgres://{given['USER']}{password}@{given['HOST'] or '127.0.0.1'}:"
        f"{given['PORT'] or 5432}/{given['NAME']}"
    )


def _race(session: Session, folder: Path) -> tuple[list[str], Path | None]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(folder),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    racers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bookings.racer", str(session.pk), f"racer{n}", folder],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(RACERS)
    ]
    try:
        for _ in range(1200):  # every racer connected, waiting for the word
            if len(list(folder.glob("ready-*"))) == RACERS:
                break
            if any(r.poll() is not None for r in racers):
                break
            time.sleep(0.05)
        (folder / "go").touch()
        results = []
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            assert racer.returncode == 0, err
            results.append(out.strip())
    finally:
        for racer in racers:
            racer.kill()
    sqlite_file = folder / "race.sqlite3" if connection.vendor == "sqlite" else None
    return results, sqlite_file


@pytest.fixture
def geography(transactional_db: None) -> None:
    """The postcodes the directory's venues are placed by: a test run outside a
    transaction starts from an empty database (the run's geography is flushed)."""
    ensure_geography()


@pytest.mark.django_db(transaction=True)
def test_racing_for_the_last_place_exactly_one_is_booked(
    geography: None, bookable: Bookable, tmp_path: Path
) -> None:
    session = bookable.session
    do_book(None, session, name="Early", places=2, channel=Booking.Channel.LINK_WORKER)
    assert Session.objects.get(pk=session.pk).places_left == PLACES - 2 == 1
    results, sqlite_file = _race(session, tmp_path)
    assert sorted(results) == ["booked"] + ["full"] * (RACERS - 1), results
    if sqlite_file is not None:
        with sqlite3.connect(sqlite_file) as db:
            booked = db.execute(
                "SELECT booked, places FROM directory_session WHERE id = ?", [session.pk]
            ).fetchone()
            rows = db.execute(
                "SELECT count(*) FROM bookings_booking WHERE session_id = ? AND status = ?",
                [session.pk, Booking.Status.BOOKED],
            ).fetchone()
    else:
        fresh = Session.objects.get(pk=session.pk)
        booked = (fresh.booked, fresh.places)
        rows = (Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count(),)
    assert tuple(booked) == (PLACES, PLACES)
    assert rows[0] == 2  # Early's pair, and the one racer who won
