"""Changing a connection once made, withdrawing one made by mistake, one open connection
per activity, and picking the activity to connect to (issue 14, points 1 and 2)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions import ActionRefused, StaleEdit
from inspiring.casework.actions.connections import (
    AlreadyConnected,
    do_advance_connection,
    do_connect,
    do_edit_connection,
    do_withdraw_connection,
)
from inspiring.casework.forms.connections import in_their_week
from inspiring.casework.models import Assessment, Client, Connection, ConnectionStep, Task
from inspiring.casework.plan import build_plan
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Session
from inspiring.matching.actions import do_propose
from lib.geo import miles_between
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.geography import ensure_geography
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db


def _connect(request: Any, client: Client, walk: Activity, **fields: Any) -> Connection:
    return do_connect(request, client, Connection(activity=walk, **fields))


def _next_session(walk: Activity, after: int = 0) -> Session:
    sessions = walk.sessions.filter(start__gte=timezone.now()).order_by("start")
    return sessions[after]


def _form(connection: Connection, **changes: Any) -> dict[str, Any]:
    """The change form as posted, with what it shows now and `changes`."""
    data: dict[str, Any] = {
        "level": connection.level,
        "first_session": connection.first_session_id or "",
        "support": list(connection.support),
        "shared_note": connection.shared_note,
        "follow_up_on": connection.follow_up_on.isoformat() if connection.follow_up_on else "",
        "version": connection.version,
    }
    if connection.share_consent:
        data["share_consent"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Changing a connection ------------------------------------------------------------


def test_a_connection_is_changed_and_the_change_audited(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk, level="signpost")
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    page = signed_in.get(edit)
    assert page.status_code == 200
    assert "Change the connection to Health walk" in page.content.decode()
    first = _next_session(casework.walk)
    # What it is, as on the picker: who runs it, where, when, and its next date.
    assert "Run by Kirkby Walking Group" in page.content.decode()
    assert f"Next: {timezone.localtime(first.start):%A %-d %B, %H:%M}" in page.content.decode()
    # Its own page and the case page both lead to it.
    assert edit in signed_in.get(walk.get_absolute_url()).content.decode()
    assert edit in signed_in.get(casework.mary.get_absolute_url()).content.decode()

    response = signed_in.post(
        edit,
        _form(
            walk,
            level="introduction",
            first_session=first.pk,
            support=["accompany", "contact_leader"],
            share_consent="on",
            shared_note="Mary, a little nervous; her daughter may come too.",
        ),
    )
    assert response.status_code == 302 and response["Location"] == walk.get_absolute_url()
    walk.refresh_from_db()
    assert walk.level == "introduction" and walk.first_session == first
    assert walk.support == ["accompany", "contact_leader"]
    assert walk.shared_note.startswith("Mary, a little nervous")
    assert walk.version == 2
    assert walk.status == Connection.Status.SUGGESTED  # its status is a step, not an edit
    entry = AuditEntry.objects.get(action="connection.edited")
    assert entry.object_id == str(casework.mary.public_id)
    assert entry.detail == {
        "connection": str(walk.public_id),
        "fields": ["first_session", "level", "share_consent", "shared_note", "support"],
    }
    assert "nervous" not in json.dumps(entry.detail)  # which fields, never what they say

    # Back to a signpost: nothing about her goes to the group any more.
    response = signed_in.post(edit, _form(walk, level="signpost"))
    assert response.status_code == 302
    walk.refresh_from_db()
    assert (walk.level, walk.share_consent, walk.shared_note) == ("signpost", False, "")


def test_a_change_with_a_problem_says_what_to_do_and_saves_nothing(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk, level="signpost")
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    response = signed_in.post(edit, _form(walk, level="referral", support=["accompany"]))
    assert response.status_code == 200
    assert "ask whether they agree, or choose a signpost" in response.content.decode()
    walk.refresh_from_db()
    assert (walk.level, walk.support, walk.version) == ("signpost", [], 1)
    assert not AuditEntry.objects.filter(action="connection.edited").exists()


def test_a_check_in_date_now_past_does_not_stop_other_changes(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk, level="signpost")
    last_week = timezone.localdate() - timedelta(days=7)
    Connection.objects.filter(pk=walk.pk).update(follow_up_on=last_week)
    walk.refresh_from_db()
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    response = signed_in.post(edit, _form(walk, support=["transport"]))
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.support == ["transport"] and walk.follow_up_on == last_week
    # A new date in the past is still refused.
    response = signed_in.post(
        edit, _form(walk, follow_up_on=(last_week - timedelta(days=1)).isoformat())
    )
    assert "must be today or later" in response.content.decode()


def test_a_change_made_meanwhile_by_someone_else_is_kept_and_theirs_is_not_lost(
    signed_in: Browser, casework: Casework, request_as_liam: Any, rf: Any, personas: Personas
) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk, level="signpost")
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    opened = _form(walk)  # Liam opens the page (version 1) ...
    # ... and meanwhile his coordinator agrees accompanying her.
    colleague = rf.post("/")
    colleague.user = personas.coordinator
    theirs = Connection.objects.get(pk=walk.pk)
    theirs.support = ["accompany"]
    do_edit_connection(colleague, theirs, ["support"], seen_version=1)

    response = signed_in.post(edit, {**opened, "support": ["transport"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this connection while you were changing it" in page
    # What is saved now is shown, and the colleague's change is not undone ...
    assert "Accompany them on the first visit" in page
    walk.refresh_from_db()
    assert walk.support == ["accompany"] and walk.version == 2
    # ... and what Liam chose is still in the form, ready to save again.
    assert re.search(r'<input[^>]*value="transport"[^>]*checked', page)
    assert re.search(r'name="version" value="2"', page)
    response = signed_in.post(edit, {**opened, "support": ["transport"], "version": 2})
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.support == ["transport"] and walk.version == 3


def test_the_action_refuses_a_stale_version(casework: Casework, request_as_liam: Any) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk)
    do_advance_connection(
        request_as_liam, walk, Connection.Status.AGREED, on=timezone.localdate()
    )  # a step counts as a change too
    walk.support = ["accompany"]
    with pytest.raises(StaleEdit):
        do_edit_connection(request_as_liam, walk, ["support"], seen_version=1)
    assert Connection.objects.get(pk=walk.pk).support == []


# --- Withdrawing one made by mistake ----------------------------------------------------


def test_a_connection_made_by_mistake_is_withdrawn_with_its_reason(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk, status="agreed")
    do_advance_connection(
        request_as_liam, walk, Connection.Status.ATTENDED_FIRST, on=timezone.localdate()
    )
    assert Task.objects.filter(connection=walk).count() == 1  # "ask how it went"
    withdraw = reverse("casework:connection_withdraw", args=[walk.public_id])
    assert withdraw in signed_in.get(walk.get_absolute_url()).content.decode()
    assert signed_in.get(withdraw).status_code == 200

    response = signed_in.post(withdraw, {"reason": ""})
    assert response.status_code == 200
    assert "Give the reason for withdrawing it" in response.content.decode()
    assert Connection.objects.get(pk=walk.pk).status == "attended_first"

    response = signed_in.post(withdraw, {"reason": "Recorded against the wrong walk."})
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.status == Connection.Status.WITHDRAWN and walk.withdrawn
    assert walk.reason == "Recorded against the wrong walk."
    assert [s.status for s in walk.steps.all()] == ["agreed", "attended_first", "withdrawn"]
    assert not Task.objects.filter(connection=walk).exists()  # no reminder about it
    assert AuditEntry.objects.filter(
        action="connection.withdrawn", object_id=str(casework.mary.public_id)
    ).exists()

    case = signed_in.get(casework.mary.get_absolute_url()).content.decode()
    timeline = case[case.index("<h2>Timeline</h2>") :]
    assert "Health walk: withdrawn" in timeline
    assert "Recorded against the wrong walk." in timeline
    # Nothing more can be done to it: no change, no step.
    page = signed_in.get(walk.get_absolute_url()).content.decode()
    assert "This connection has no further steps." in page and withdraw not in page
    edit = reverse("casework:connection_edit", args=[walk.public_id])
    assert signed_in.get(edit).status_code == 302
    with pytest.raises(ActionRefused):
        do_edit_connection(request_as_liam, walk, ["support"], seen_version=walk.version)
    with pytest.raises(ActionRefused):
        do_advance_connection(
            request_as_liam, walk, Connection.Status.ATTENDING, on=timezone.localdate()
        )


def test_a_withdrawn_connection_is_left_out_of_the_message_back_and_the_plan(
    signed_in: Browser, casework: Casework, request_as_liam: Any, personas: Personas
) -> None:
    mary = casework.mary
    group = organisation(personas.ashfield, "Kirkby Gardeners")
    garden = activity(group, "Garden Therapy", at=casework.walk.venue)
    weekly(garden, "WE", time(14), time(16), from_date=timezone.localdate())
    materialise_all()
    walk = _connect(request_as_liam, mary, casework.walk, status="agreed", support=["accompany"])
    mistake = _connect(request_as_liam, mary, garden, status="agreed", support=["transport"])
    assert {item.title for item in build_plan(mary).activities} == {"Health walk", "Garden Therapy"}

    do_withdraw_connection(request_as_liam, mistake, reason="The wrong group.")

    doc = json.loads(
        signed_in.get(reverse("casework:message_back_json", args=[mary.public_id])).content
    )
    assert [a["activity"] for a in doc["activities_connected"]] == ["Health walk"]
    # Nor the support agreed on the withdrawn one.
    assert [s["code"] for s in doc["support_offered"]["support"]] == ["accompany"]
    pdf = signed_in.get(reverse("casework:message_back_pdf", args=[mary.public_id])).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Health walk" in text
    assert "Garden Therapy" not in text and "withdrawn" not in text.lower()
    assert [item.title for item in build_plan(mary).activities] == ["Health walk"]
    plan = signed_in.get(reverse("casework:plan", args=[mary.public_id])).content.decode()
    assert "Garden Therapy" not in plan
    assert walk.status == "agreed"


# --- One open connection per activity --------------------------------------------------


def test_a_second_open_connection_to_an_activity_is_refused_naming_the_first(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    mary, walk = casework.mary, casework.walk
    first = _connect(request_as_liam, mary, walk)
    connect = reverse("casework:connect_to", args=[mary.public_id, walk.public_id])
    page = signed_in.get(connect).content.decode()
    assert "Mary Jones is already connected to Health walk (suggested)" in page
    assert first.get_edit_url() in page
    response = signed_in.post(connect, {"level": "signpost", "agreed": "on"})
    assert response.status_code == 200
    assert first.get_edit_url() in response.content.decode()
    assert mary.connections.count() == 1

    with pytest.raises(AlreadyConnected) as refused:
        _connect(request_as_liam, mary, walk, status="agreed")
    assert refused.value.existing == first
    assert "change that connection instead" in str(refused.value)
    # The database holds to it too (two link workers in the same moment).
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(
            client=mary, activity=walk, status="agreed", status_changed_on=date.today()
        )
    # The picker says so beside the activity.
    picker = signed_in.get(reverse("casework:connect", args=[mary.public_id]), {"q": "walk"})
    assert "Already connected" in picker.content.decode()


def test_once_declined_or_withdrawn_they_may_be_connected_again(
    casework: Casework, request_as_liam: Any
) -> None:
    mary, walk, today = casework.mary, casework.walk, timezone.localdate()
    first = _connect(request_as_liam, mary, walk)
    do_advance_connection(request_as_liam, first, "declined", on=today, reason="Not now.")
    second = _connect(request_as_liam, mary, walk)
    do_withdraw_connection(request_as_liam, second, reason="Made twice by mistake.")
    third = _connect(request_as_liam, mary, walk, status="agreed")
    assert third.is_open and mary.connections.count() == 3


def test_going_again_is_refused_while_another_connection_to_it_is_open(
    casework: Casework, request_as_liam: Any
) -> None:
    mary, walk, today = casework.mary, casework.walk, timezone.localdate()
    old = _connect(request_as_liam, mary, walk, status="agreed")
    for step in ("attended_first", "stopped"):
        do_advance_connection(request_as_liam, old, step, on=today, reason="Moved away.")
    new = _connect(request_as_liam, mary, walk, status="agreed")
    with pytest.raises(AlreadyConnected) as refused:
        do_advance_connection(request_as_liam, old, "attending", on=today)
    assert refused.value.existing == new
    assert Connection.objects.get(pk=old.pk).status == "stopped"


def test_proposing_returns_the_new_connections_for_a_link_to_change_them(
    casework: Casework, request_as_liam: Any
) -> None:
    made = do_propose(request_as_liam, casework.mary, [str(casework.walk.public_id)], agreed=True)
    assert made == 1 and f"{made}" == "1"  # what callers have always counted
    [connection] = made.connections
    assert connection.get_edit_url() == reverse(
        "casework:connection_edit", args=[connection.public_id]
    )
    again = do_propose(request_as_liam, casework.mary, [str(casework.walk.public_id)])
    assert again == 0 and again.connections == ()


def test_another_areas_connection_cannot_be_changed_or_withdrawn(
    client: Browser, personas: Personas, casework: Casework, request_as_liam: Any
) -> None:
    walk = _connect(request_as_liam, casework.mary, casework.walk)
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    for name in ("connection_edit", "connection_withdraw"):
        url = reverse(f"casework:{name}", args=[walk.public_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "version": 1}).status_code == 404
    walk.refresh_from_db()
    assert walk.status == "suggested" and walk.version == 1


# --- Picking the activity --------------------------------------------------------------


@pytest.fixture
def gardens(personas: Personas, casework: Casework) -> list[Activity]:
    """Three "Garden Therapy" groups: Kirkby on Tuesday mornings, Mansfield on Saturday
    afternoons (further than Mary can travel), and one online."""
    today = timezone.localdate()
    kirkby = organisation(personas.ashfield, "Kirkby Allotment Society")
    near = activity(
        kirkby,
        "Garden Therapy",
        at=venue(kirkby, "Kirkby Allotments", "NG17 7AE", town="Kirkby-in-Ashfield"),
    )
    weekly(near, "TU", time(10), time(12), from_date=today)
    mansfield = organisation(personas.ashfield, "Mansfield Green Spaces")
    far = activity(
        mansfield,
        "Garden Therapy",
        at=venue(mansfield, "Titchfield Park", "NG18 1AA", town="Mansfield"),
    )
    weekly(far, "SA", time(13), time(15), from_date=today)
    online = organisation(personas.ashfield, "Grow Online")
    remote = activity(online, "Garden Therapy", at=None, online=True)
    weekly(remote, "TH", time(19), time(20), from_date=today)
    materialise_all()
    Assessment.objects.create(
        client=casework.mary,
        what_matters="Being outdoors again.",
        availability={"TU": ["morning"], "TH": ["morning", "afternoon"]},
        max_travel_miles=Decimal("2"),
        assessed_on=today,
    )
    return [near, far, remote]


def _item(page: str, organiser: str) -> str:
    """The part of the picker's page about the activity run by `organiser`."""
    items = page.split('<li class="nhsuk-u-margin-bottom-5">')[1:]
    [found] = [item for item in items if organiser in item]
    return found


def test_the_picker_tells_activities_of_one_name_apart(
    signed_in: Browser, casework: Casework, gardens: list[Activity]
) -> None:
    near, far, _online = gardens
    page = signed_in.get(
        reverse("casework:connect", args=[casework.mary.public_id]), {"q": "garden"}
    ).content.decode()
    assert page.count("Garden Therapy<span") == 3

    kirkby = _item(page, "Run by Kirkby Allotment Society")
    assert "Kirkby Allotments, Kirkby-in-Ashfield" in kirkby
    assert "Every Tuesday, 10:00 to 12:00" in kirkby
    next_near = _next_session(near).start
    assert f"Next: {timezone.localtime(next_near):%A %-d %B, %H:%M}" in kirkby
    assert "under 0.1 miles from their home" in kirkby
    assert f'href="{near.get_absolute_url()}"' in kirkby

    mansfield = _item(page, "Run by Mansfield Green Spaces")
    mary, park = casework.mary, far.venue
    assert mary.latitude is not None and mary.longitude is not None and park is not None
    miles = miles_between(mary.latitude, mary.longitude, park.latitude, park.longitude)
    assert miles > 2
    assert f"Titchfield Park, Mansfield · {miles:.1f} miles from their home" in mansfield
    assert "Every Saturday, 13:00 to 15:00" in mansfield
    assert f'href="{far.get_absolute_url()}"' in mansfield

    online = _item(page, "Run by Grow Online")
    assert "Online" in online and "miles" not in online
    assert "Every Thursday, 19:00 to 20:00" in online


def _queries(browser: Browser, url: str, **query: str) -> list[str]:
    """The queries a page makes, but the session's own (saved when it is due)."""
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url, query).status_code == 200
    return [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def test_the_pickers_queries_do_not_grow_with_the_activities(
    signed_in: Browser, casework: Casework, gardens: list[Activity], personas: Personas
) -> None:
    url = reverse("casework:connect", args=[casework.mary.public_id])
    few = _queries(signed_in, url, q="garden")
    assert len(few) <= 10
    group = organisation(personas.ashfield, "Sutton Growers")
    for n in range(4):
        more = activity(group, f"Garden Therapy {n}", at=casework.walk.venue)
        weekly(more, "MO", time(9), time(10), from_date=timezone.localdate())
    materialise_all()
    many = _queries(signed_in, url, q="garden")
    assert len(many) == len(few)
    page = signed_in.get(url, {"q": "garden"}).content.decode()
    assert len(re.findall(r"Garden Therapy( \d)?<span", page)) == 7


def test_a_first_session_outside_their_week_or_reach_is_warned_not_blocked(
    signed_in: Browser, casework: Casework, gardens: list[Activity]
) -> None:
    near, far, _ = gardens
    mary = casework.mary
    connect = reverse("casework:connect_to", args=[mary.public_id, far.public_id])
    page = signed_in.get(connect).content.decode()
    assert "Further than they can travel" in page
    assert "further than the 2 miles they said they can travel" in page
    saturday = _next_session(far)
    label = f"{timezone.localtime(saturday.start):%A %-d %B, %H:%M} (not in their week)"
    assert label in page
    assert "Tuesday morning, Thursday morning and afternoon" in page

    response = signed_in.post(
        connect, {"level": "signpost", "first_session": saturday.pk, "agreed": "on"}, follow=True
    )
    connection = Connection.objects.get(client=mary, activity=far)
    assert connection.first_session == saturday  # a warning, not a block
    shown = response.content.decode()
    assert "Mary Jones is connected to Garden Therapy." in shown
    assert "is not in their week" in shown and "Check it suits them" in shown
    # Its page keeps saying so.
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "is not in their week" in page and "further than the 2 miles" in page

    # A Tuesday morning near home: nothing to warn about.
    page = signed_in.get(
        reverse("casework:connect_to", args=[mary.public_id, near.public_id])
    ).content.decode()
    assert "Further than they can travel" not in page and "(not in their week)" not in page


def test_in_their_week_by_day_and_part_of_the_day() -> None:
    week = {"TU": ["morning"], "SA": ["evening"]}

    def session(weekday: int, hour: int, minute: int = 0, all_day: bool = False) -> Session:
        return Session(weekday=weekday, start_minute=hour * 60 + minute, all_day=all_day)

    assert in_their_week(week, session(1, 10)) is True
    assert in_their_week(week, session(1, 11, 59)) is True
    assert in_their_week(week, session(1, 12)) is False  # afternoon from noon
    assert in_their_week(week, session(5, 17)) is True  # evening from five
    assert in_their_week(week, session(5, 13)) is False
    assert in_their_week(week, session(2, 10)) is False
    assert in_their_week(week, session(5, 0, all_day=True)) is True
    assert in_their_week(week, session(6, 0, all_day=True)) is False
    assert in_their_week({}, session(1, 10)) is None  # not recorded: nothing to warn
    assert in_their_week({"MO": []}, session(1, 10)) is None


# --- The migration: open duplicates made before they were refused -------------------------


@pytest.fixture
def geography(transactional_db: None) -> None:
    # Transactional tests run after the others, with the database flushed between
    # them: the geography loaded once for the run may be gone.
    ensure_geography()


@pytest.fixture
def at_0004(transactional_db: None) -> Iterator[MigrationExecutor]:
    """The database as before migration 0005 (later casework migrations unapplied too),
    and as it was afterwards for the tests that follow, whatever happens."""
    executor = MigrationExecutor(connection)
    executor.migrate([("casework", "0004_self_referral_text")])
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_withdraws_open_duplicates_keeping_the_one_furthest_along(
    geography: None, casework: Casework, at_0004: MigrationExecutor
) -> None:
    before, after = (
        [("casework", "0004_self_referral_text")],
        [("casework", "0005_connection_edits")],
    )
    executor = at_0004
    old = executor.loader.project_state(before).apps
    OldConnection = old.get_model("casework", "Connection")
    today = timezone.localdate()

    def made(status: str, client_id: int | None = None) -> int:
        return OldConnection.objects.create(
            client_id=client_id or casework.mary.pk,
            activity_id=casework.walk.pk,
            status=status,
            status_changed_on=today,
        ).pk

    # The workaround: "Suggested" and "Agreed" side by side, and a declined one.
    suggested, agreed, declined = made("suggested"), made("agreed"), made("declined")
    alone = made("suggested", casework.other_area_client.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    status = dict(Connection.objects.values_list("pk", "status"))
    assert status == {
        suggested: "withdrawn",
        agreed: "agreed",
        declined: "declined",
        alone: "suggested",
    }
    # (Columns read one by one: later migrations may add some the models know.)
    reason = Connection.objects.filter(pk=suggested).values_list("reason", flat=True).get()
    assert "the one kept is agreed" in reason
    steps = ConnectionStep.objects.filter(connection_id=suggested).values_list("status", flat=True)
    assert list(steps) == ["withdrawn"]


def test_a_withdrawn_connection_is_not_shown_to_the_partner_lead(
    client: Browser, personas: Personas, casework: Casework, request_as_liam: Any
) -> None:
    walk = _connect(
        request_as_liam,
        casework.mary,
        casework.walk,
        level="introduction",
        share_consent=True,
        shared_note="Mary, who likes birds",
    )
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    url = reverse("casework:partner_connections") + "?show=all"
    assert "Mary, who likes birds" in client.get(url).content.decode()
    do_withdraw_connection(request_as_liam, walk, reason="The wrong Mary")
    assert "Mary, who likes birds" not in client.get(url).content.decode()
