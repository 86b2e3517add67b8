"""One session at a time: cancelled, moved or put back, with a note people see."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from inspiring.directory.actions import ActionRefused, do_move_session
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Session
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory
from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_putting_back_a_moved_session_restores_its_time(
    client: Client, personas: Personas, directory: Directory
) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start")[1]
    original = session.start
    sign_in(client, personas.partner_lead)
    url = f"/staff/listings/sessions/{session.public_id}/"
    client.post(
        url, {"action": "move", "new_date": "2026-03-11", "new_start": "14:00", "new_end": "16:00"}
    )
    client.post(url, {"action": "restore"})
    session.refresh_from_db()
    assert (session.start, session.moved, session.status) == (original, False, "scheduled")


@pytest.mark.parametrize("new_date", ["9999-12-31", "0001-01-01"])
def test_a_session_cannot_be_moved_off_the_end_of_the_calendar(
    client: Client, personas: Personas, directory: Directory, new_date: str
) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start")[1]
    before = (session.start, session.end, session.moved)
    sign_in(client, personas.partner_lead)
    response = client.post(
        f"/staff/listings/sessions/{session.public_id}/",
        {"action": "move", "new_date": new_date, "new_start": "14:00", "new_end": "16:00"},
    )
    assert response.status_code == 200
    assert "Enter a new date between 1 January 2000 and" in response.text
    session.refresh_from_db()
    assert (session.start, session.end, session.moved) == before


def test_the_action_refuses_a_far_date_too(
    rf: Any, personas: Personas, directory: Directory
) -> None:
    session = Session.objects.filter(activity=directory.knitting).first()
    assert session is not None
    request = rf.post("/")
    request.user, request.session = personas.coordinator, SessionStore()
    with pytest.raises(ActionRefused, match="Enter a new date between 1 January 2000 and"):
        do_move_session(
            request,
            session,
            start=datetime(9999, 12, 30, 10, tzinfo=UTC),
            end=datetime(9999, 12, 30, 11, tzinfo=UTC),
            note="",
        )


def test_a_session_lasting_days_keeps_its_span_when_moved(
    client: Client, personas: Personas, directory: Directory
) -> None:
    schedule = directory.knitting.schedules.get()
    schedule.start_time, schedule.end_time, schedule.duration_days = time(20), time(1, 30), 1
    schedule.save()
    materialise_all(today=TODAY)
    session = Session.objects.filter(activity=directory.knitting).order_by("start")[1]
    sign_in(client, personas.partner_lead)
    url = f"/staff/listings/sessions/{session.public_id}/"
    page = client.get(url).text
    assert "On its last day, 1 day after the first" in page
    assert "Tuesday 10 March 20:00 to Wednesday 11 March 01:30" in page
    client.post(
        url, {"action": "move", "new_date": "2026-03-13", "new_start": "19:00", "new_end": "01:00"}
    )
    session.refresh_from_db()
    assert (session.local_date, session.end_local_date) == (date(2026, 3, 13), date(2026, 3, 14))
    assert session.time_label == "19:00 Friday to 01:00 Saturday"
