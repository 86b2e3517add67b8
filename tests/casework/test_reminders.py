"""Reminders (issue 14, point 7): a connection's date to check in is one open task for
the client's worker, made, moved and closed with the date; the caseload shows each
client's next contact due; after a missed first visit or stopping, the link worker is
asked when to try again, and the re-engagement task falls on that date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions.connections import (
    do_advance_connection,
    do_connect,
    try_again_on,
)
from inspiring.casework.models import Connection, Task
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db

CHECK_IN = "Check in with Mary Jones about Health walk"


def _edit(connection: Connection, follow_up_on: date | None) -> dict[str, Any]:
    connection.refresh_from_db()
    return {
        "level": connection.level,
        "first_session": connection.first_session_id or "",
        "shared_note": connection.shared_note,
        "follow_up_on": follow_up_on.isoformat() if follow_up_on else "",
        "version": connection.version,
    }


def _open(connection: Connection) -> list[Task]:
    return list(Task.objects.filter(connection=connection, done_at__isnull=True))


def test_the_date_to_check_in_makes_moves_and_closes_one_task(
    signed_in: Browser, casework: Casework, request_as_liam: Any, personas: Personas
) -> None:
    walk = do_connect(request_as_liam, casework.mary, Connection(activity=casework.walk))
    assert _open(walk) == []
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    soon = timezone.localdate() + timedelta(days=10)

    assert signed_in.post(edit, _edit(walk, soon)).status_code == 302
    [task] = _open(walk)
    assert (task.title, task.due_on) == (CHECK_IN, soon)
    assert task.client == casework.mary and task.assigned_to == personas.link_worker
    entry = AuditEntry.objects.filter(action="connection.edited").latest("pk")
    assert entry.detail["fields"] == ["follow_up_on"] and entry.detail["reminder"] == "added"

    # Changed: the same task moves; there is still one.
    later = soon + timedelta(days=7)
    assert signed_in.post(edit, _edit(walk, later)).status_code == 302
    [moved] = _open(walk)
    assert moved.pk == task.pk and moved.due_on == later
    assert AuditEntry.objects.filter(action="connection.edited").latest("pk").detail[
        "reminder"
    ] == ("moved")
    # It is on the case page's to-do list.
    page = signed_in.get(casework.mary.get_absolute_url()).content.decode()
    assert f"{CHECK_IN}, due {later:%-d %B %Y}" in page

    # Cleared: the reminder goes (not "done": nobody did it).
    assert signed_in.post(edit, _edit(walk, None)).status_code == 302
    assert _open(walk) == []
    assert not Task.objects.filter(pk=task.pk).exists()
    assert AuditEntry.objects.filter(action="connection.edited").latest("pk").detail[
        "reminder"
    ] == ("closed")


def test_a_date_to_check_in_given_when_connecting_makes_the_task(
    signed_in: Browser, casework: Casework
) -> None:
    soon = timezone.localdate() + timedelta(days=5)
    url = reverse("casework:connect_to", args=[casework.mary.public_id, casework.walk.public_id])
    response = signed_in.post(url, {"level": "signpost", "follow_up_on": soon.isoformat()})
    assert response.status_code == 302
    [task] = _open(Connection.objects.get())
    assert (task.title, task.due_on) == (CHECK_IN, soon)


def test_changing_the_date_moves_the_reminder_of_a_first_visit(
    casework: Casework, request_as_liam: Any, signed_in: Browser
) -> None:
    walk = do_connect(
        request_as_liam,
        casework.mary,
        Connection(activity=casework.walk, status=Connection.Status.AGREED),
    )
    today = timezone.localdate()
    do_advance_connection(request_as_liam, walk, Connection.Status.ATTENDED_FIRST, on=today)
    [task] = _open(walk)
    assert task.title == "Ask how the first visit to Health walk went"
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    signed_in.post(edit, _edit(walk, today + timedelta(days=3)))
    [moved] = _open(walk)
    assert moved.pk == task.pk and moved.due_on == today + timedelta(days=3)
    assert moved.title == "Ask how the first visit to Health walk went"


def test_the_caseload_shows_the_next_contact_due(
    signed_in: Browser, casework: Casework, request_as_liam: Any, personas: Personas
) -> None:
    make_client(personas.ashfield, "Alan", "Price", worker=personas.link_worker)
    walk = do_connect(request_as_liam, casework.mary, Connection(activity=casework.walk))
    soon = timezone.localdate() + timedelta(days=10)
    signed_in.post(reverse("casework:connection_edit", args=[walk.public_id]), _edit(walk, soon))
    page = signed_in.get(reverse("casework:caseload")).content.decode()
    assert "Next contact due" in page
    mary_row = page[page.index("Mary Jones") :]
    mary_row = mary_row[: mary_row.index("</tr>")]
    assert f"{soon:%-d %b %Y}" in mary_row and CHECK_IN in mary_row
    alan_row = page[page.index("Alan Price") :]
    assert "None" in alan_row[: alan_row.index("</tr>")]
    # Mary, with something due, comes before Alan, with nothing.
    assert page.index("Mary Jones") < page.index("Alan Price")


def _going(casework: Casework, request: Any, status: str) -> Connection:
    walk = do_connect(
        request, casework.mary, Connection(activity=casework.walk, status=Connection.Status.AGREED)
    )
    today = timezone.localdate()
    if status == Connection.Status.ATTENDING:
        do_advance_connection(request, walk, Connection.Status.ATTENDED_FIRST, on=today)
        do_advance_connection(request, walk, Connection.Status.ATTENDING, on=today)
    walk.refresh_from_db()
    return walk


def test_stopping_asks_when_to_try_again_and_the_task_falls_then(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = _going(casework, request_as_liam, Connection.Status.ATTENDING)
    url = reverse("casework:connection", args=[walk.public_id])
    today = timezone.localdate()
    page = signed_in.get(url).content.decode()
    assert "When should you try again?" in page
    assert f'value="{(today + timedelta(weeks=4)).isoformat()}"' in page  # 4 weeks, as usual
    assert "usually in 4 weeks" in page

    february = date(today.year + 1, 2, 1)
    response = signed_in.post(
        url,
        {
            "status": "stopped",
            "on": today.isoformat(),
            "reason": "Knee operation in January",
            "reason_code": "health",
            "try_again": february.isoformat(),
        },
    )
    assert response.status_code == 302
    [task] = _open(walk)
    assert task.due_on == february
    assert task.title == "Mary Jones stopped going to Health walk: re-engage, or try something else"
    walk.refresh_from_db()
    assert walk.follow_up_on == february  # the date to check in is the same date
    entry = AuditEntry.objects.filter(action="connection.changed").latest("pk")
    assert entry.detail["due"] == february.isoformat()

    # Back before February: going again, so no one to re-engage.
    response = signed_in.post(url, {"status": "attending", "on": today.isoformat()})
    assert response.status_code == 302
    assert _open(walk) == []
    walk.refresh_from_db()
    assert walk.follow_up_on is None


def test_the_date_to_try_again_is_checked_and_nothing_is_saved_when_wrong(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = _going(casework, request_as_liam, Connection.Status.ATTENDING)
    url = reverse("casework:connection", args=[walk.public_id])
    today = timezone.localdate()
    response = signed_in.post(
        url,
        {
            "status": "stopped",
            "on": today.isoformat(),
            "reason": "Knee operation",
            "reason_code": "health",
            "try_again": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "The date to try again must be today or later" in response.content.decode()
    walk.refresh_from_db()
    assert walk.status == Connection.Status.ATTENDING


def test_left_blank_the_usual_dates_apply_missed_3_days_stopped_4_weeks(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    today = timezone.localdate()
    agreed = _going(casework, request_as_liam, Connection.Status.AGREED)
    url = reverse("casework:connection", args=[agreed.public_id])
    page = signed_in.get(url).content.decode()
    assert f'value="{(today + timedelta(days=3)).isoformat()}"' in page
    assert "usually in 3 days" in page
    signed_in.post(url, {"status": "missed_first", "on": today.isoformat()})
    [task] = _open(agreed)
    assert task.due_on == today + timedelta(days=3) == try_again_on("missed_first", today)
    assert "missed Health walk: re-engage" in task.title

    signed_in.post(
        url,
        {
            "status": "stopped",
            "on": today.isoformat(),
            "reason": "Too far",
            "reason_code": "transport",
        },
    )
    [task] = _open(agreed)  # the same reminder, now to re-engage after stopping
    assert task.due_on == today + timedelta(weeks=4)
    assert "stopped going to Health walk" in task.title


def test_a_step_that_cannot_be_missing_or_stopping_does_not_ask(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = do_connect(request_as_liam, casework.mary, Connection(activity=casework.walk))
    page = signed_in.get(reverse("casework:connection", args=[walk.public_id])).content.decode()
    assert "When should you try again?" not in page
