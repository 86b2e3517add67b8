"""The main reason for stopping or declining a connection (issue 17): asked with the
link worker's words, required for those two steps only, kept on the step, shown in the
connection's history and the timeline, and counted by monitoring by its code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.casework import figures
from inspiring.casework.actions import ActionRefused
from inspiring.casework.actions.connections import do_advance_connection, do_connect
from inspiring.casework.forms.connections import ConnectionStatusForm
from inspiring.casework.models import Connection, ConnectionStep
from inspiring.casework.timeline import timeline
from lib.tallies import Period

from .conftest import Casework

pytestmark = pytest.mark.django_db

S = Connection.Status


def _connected(casework: Casework, request: Any, *steps: str) -> Connection:
    connection = do_connect(
        request, casework.mary, Connection(activity=casework.walk, status=S.AGREED)
    )
    for step in steps:
        do_advance_connection(request, connection, step, on=timezone.localdate())
    connection.refresh_from_db()
    return connection


def _post(browser: Browser, connection: Connection, **data: str) -> Any:
    data.setdefault("on", timezone.localdate().isoformat())
    return browser.post(reverse("casework:connection", args=[connection.public_id]), data)


def test_the_main_reason_is_asked_only_where_stopping_or_declining_is_offered() -> None:
    offered = ConnectionStatusForm(options=[(S.ATTENDING, "Attending"), (S.STOPPED, "Stopped")])
    assert list(offered.fields)[:4] == ["status", "on", "reason_code", "reason"]
    assert offered.fields["reason_code"].label == "Main reason"
    assert dict(offered.fields["reason_code"].choices)["cost"] == "Cost"  # type: ignore[attr-defined]
    assert "reason_code" not in ConnectionStatusForm(options=[(S.ATTENDING, "Attending")]).fields


def test_stopping_needs_the_main_reason_and_saves_it_on_the_step(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    going = _connected(casework, request_as_liam, S.ATTENDED_FIRST, S.ATTENDING)
    page = signed_in.get(reverse("casework:connection", args=[going.public_id])).content.decode()
    assert "Main reason" in page and 'class="nhsuk-radios__input"' in page
    assert 'value="transport"' in page and "Transport or distance" in page

    response = _post(signed_in, going, status="stopped", reason="The bus stopped running")
    assert response.status_code == 200
    assert "Select the main reason" in response.content.decode()
    going.refresh_from_db()
    assert going.status == S.ATTENDING  # nothing saved

    response = _post(
        signed_in, going, status="stopped", reason="The bus stopped", reason_code="nonsense"
    )
    assert "Select the main reason" in response.content.decode()

    response = _post(
        signed_in,
        going,
        status="stopped",
        reason="The bus stopped running",
        reason_code="transport",
    )
    assert response.status_code == 302
    step = ConnectionStep.objects.filter(connection=going).latest("pk")
    assert (step.status, step.reason_code, step.reason) == (
        S.STOPPED,
        "transport",
        "The bus stopped running",
    )

    # Shown in the connection's history and on the timeline, with their words.
    page = signed_in.get(reverse("casework:connection", args=[going.public_id])).content.decode()
    assert "(main reason: transport or distance): The bus stopped running" in page
    [entry] = [e for e in timeline(casework.mary) if e.title.endswith("stopped going")]
    assert entry.detail == "Main reason: Transport or distance. The bus stopped running"

    # And counted by its code.
    today = timezone.localdate()
    counted = figures.stop_reasons([casework.mary.area_id], Period(today, today), "stopped")
    assert counted.get("transport") == 1


def test_declining_needs_the_main_reason_too(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    suggested = do_connect(request_as_liam, casework.mary, Connection(activity=casework.walk))
    response = _post(signed_in, suggested, status="declined", reason="Not for now")
    assert "Select the main reason" in response.content.decode()
    response = _post(
        signed_in, suggested, status="declined", reason="Not for now", reason_code="time"
    )
    assert response.status_code == 302
    assert ConnectionStep.objects.filter(connection=suggested).latest("pk").reason_code == "time"


def test_another_step_keeps_no_reason_code(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    going = _connected(casework, request_as_liam, S.ATTENDED_FIRST)
    # Offered with "stopped", a code sent with "attending" is not kept.
    response = _post(signed_in, going, status="attending", reason_code="cost")
    assert response.status_code == 302
    step = ConnectionStep.objects.filter(connection=going).latest("pk")
    assert (step.status, step.reason_code) == (S.ATTENDING, "")


def test_the_action_refuses_a_code_not_on_the_list(
    casework: Casework, request_as_liam: Any
) -> None:
    going = _connected(casework, request_as_liam, S.ATTENDED_FIRST)
    with pytest.raises(ActionRefused):
        do_advance_connection(
            request_as_liam,
            going,
            S.STOPPED,
            on=timezone.localdate(),
            reason="Too far",
            reason_code="nonsense",
        )
    assert ConnectionStep.objects.filter(connection=going, status=S.STOPPED).count() == 0
