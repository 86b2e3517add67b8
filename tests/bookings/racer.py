"""Run in its own process by test_race.py: connect to the database, say it is ready,
wait for the word, then book one place on the session. Prints "booked" or "full"."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from inspiring.bookings.actions import SessionFull, do_book  # noqa: E402
from inspiring.bookings.models import Booking  # noqa: E402
from inspiring.directory.models import Session  # noqa: E402


def main() -> None:
    session_pk, name, folder = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    session = Session.objects.get(pk=session_pk)
    connection.ensure_connection()
    (folder / f"ready-{name}").touch()
    go = folder / "go"
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("no word to go")
        time.sleep(0.0005)
    try:
        do_book(None, session, name=name, channel=Booking.Channel.LINK_WORKER)
    except SessionFull:
        print("full")
    else:
        print("booked")


if __name__ == "__main__":
    main()
