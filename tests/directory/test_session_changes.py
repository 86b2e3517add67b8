"""One session at a time: cancelled, moved or put back, with a note people see."""

from __future__ import annotations

import pytest
from django.test import Client

from inspiring.directory.models import Session
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory

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
