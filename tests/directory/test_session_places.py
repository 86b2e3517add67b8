"""Places to book: set for a schedule's sessions, for who may book them, and for one
session by hand, never below what is booked already."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.bookings.actions import do_book
from inspiring.bookings.models import Booking
from inspiring.directory.actions import ActionRefused, do_set_session_places
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.models.schedules import places_changed
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, as_date_input
from .conftest import TODAY

pytestmark = pytest.mark.django_db

PLACES = 3


@pytest.fixture(autouse=True)
def _today(frozen_today: None) -> None:
    """Bookings are for sessions still to start: pin now to the directory's fixed today."""


@pytest.fixture
def session(directory: Directory) -> Session:
    """Knit and Natter's next session, with 3 places anyone may book online."""
    knitting = directory.knitting
    Schedule.objects.filter(activity=knitting).update(places=PLACES)
    knitting.public_booking = True
    knitting.save()
    materialise_all(today=TODAY)
    found = (
        Session.objects.filter(activity=knitting, start__gt=timezone.now())
        .select_related("activity", "activity__home_area")
        .order_by("start")
        .first()
    )
    assert found is not None and (found.places, found.booked) == (PLACES, 0)
    return found


@pytest.fixture
def sent() -> Iterator[list[dict[str, Any]]]:
    """What places_changed was sent with, while the test runs."""
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    places_changed.connect(receiver, sender=Session, dispatch_uid="test-session-places")
    yield calls
    places_changed.disconnect(sender=Session, dispatch_uid="test-session-places")


def book(session: Session, name: str, *, wait: bool = False) -> Booking:
    return do_book(
        None, session, name=name, email=f"{name.lower()}@example.org", channel="online", wait=wait
    )


def as_coordinator(rf: Any, personas: Personas) -> Any:
    request = rf.post("/")
    request.user, request.session = personas.coordinator, SessionStore()
    return request


def places_url(session: Session) -> str:
    return f"/staff/listings/sessions/{session.public_id}/places/"


# --- A schedule's places, and who books them ---------------------------------------------


def schedule_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "frequency": "weekly",
        "days": ["TU"],
        "start_date": "2026-03-03",
        "start_time": "10:00",
        "end_time": "12:00",
    }
    data.update(changes)
    return as_date_input(data)


def test_the_schedule_form_saves_places_and_shows_them_back(
    client: Client, personas: Personas, directory: Directory
) -> None:
    schedule = directory.knitting.schedules.get()
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    sign_in(client, personas.coordinator)
    form = client.get(url).text
    assert "Places at each session (optional)" in form
    assert "Leave empty if people do not book a place here" in form
    assert client.post(url, schedule_post(places="12")).status_code == 302
    schedule.refresh_from_db()
    assert schedule.places == 12
    assert 'value="12"' in client.get(url).text
    # Emptied: its sessions are no longer booked here.
    assert client.post(url, schedule_post(places="")).status_code == 302
    schedule.refresh_from_db()
    assert schedule.places is None


@pytest.mark.parametrize(
    ("places", "message"),
    [
        ("0", "Enter 1 or more places, or leave it empty"),
        ("5001", "Enter at most 5,000 places"),
        ("ten", "Enter the number of places as a whole number, like 12"),
    ],
)
def test_schedule_places_out_of_range_are_refused_in_words(
    client: Client, personas: Personas, directory: Directory, places: str, message: str
) -> None:
    schedule = directory.knitting.schedules.get()
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    sign_in(client, personas.coordinator)
    response = client.post(url, schedule_post(places=places))
    assert response.status_code == 200 and message in response.text
    schedule.refresh_from_db()
    assert schedule.places is None


def activity_post(activity: Activity, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": activity.title,
        "summary": activity.summary or "Bring your knitting and have a chat.",
        "categories": list(activity.categories.values_list("pk", flat=True)),
        "venue": activity.venue_id,
        "cost": "free",
        "booking": "drop_in",
        "capacity_status": "welcoming",
        "bring_someone": "yes",
    }
    data.update(changes)
    return data


def test_the_activity_form_says_who_books_places_and_keeps_a_waiting_list(
    client: Client, personas: Personas, directory: Directory
) -> None:
    knitting = directory.knitting
    assert (knitting.public_booking, knitting.waiting_list) == (False, True)
    url = f"/staff/listings/activities/{knitting.public_id}/edit/"
    sign_in(client, personas.coordinator)
    form = client.get(url).text
    assert "Anyone can book a place online" in form
    assert "Keep a waiting list when a session is full" in form
    # Ticked and unticked, as a browser sends them (an unticked box is not sent).
    response = client.post(url, activity_post(knitting, public_booking="on"))
    assert response.status_code == 302, response.text[-2000:]
    knitting.refresh_from_db()
    assert (knitting.public_booking, knitting.waiting_list) == (True, False)


def test_a_partners_revision_carries_places_and_booking_settings_to_the_live_listing(
    client: Client, personas: Personas, directory: Directory
) -> None:
    knitting = directory.knitting
    schedule = knitting.schedules.get()
    sign_in(client, personas.partner_lead)  # Priya's changes wait for approval
    edit = f"/staff/listings/activities/{knitting.public_id}/edit/"
    assert client.post(edit, activity_post(knitting, public_booking="on")).status_code == 302
    url = f"/staff/listings/activities/{knitting.public_id}/schedules/{schedule.pk}/edit/"
    assert client.post(url, schedule_post(places="8")).status_code == 302
    knitting.refresh_from_db()
    schedule.refresh_from_db()
    assert (knitting.public_booking, knitting.waiting_list, schedule.places) == (False, True, None)
    revision = knitting.revisions.get()
    assert revision.schedules.get().places == 8
    client.logout()
    sign_in(client, personas.coordinator)
    client.post(f"/staff/curation/review/{revision.public_id}/", {"decision": "approve"})
    knitting.refresh_from_db()
    schedule.refresh_from_db()
    assert (knitting.public_booking, knitting.waiting_list, schedule.places) == (True, False, 8)


def test_a_revision_made_later_keeps_the_schedules_places(
    client: Client, personas: Personas, directory: Directory
) -> None:
    """A partner's change to the details only: the copied schedule's places come back."""
    knitting = directory.knitting
    Schedule.objects.filter(activity=knitting).update(places=6)
    sign_in(client, personas.partner_lead)
    edit = f"/staff/listings/activities/{knitting.public_id}/edit/"
    response = client.post(edit, activity_post(knitting, title="Knit, Natter and Cake"))
    assert response.status_code == 302
    revision = knitting.revisions.get()
    assert revision.schedules.get().places == 6
    client.logout()
    sign_in(client, personas.coordinator)
    client.post(f"/staff/curation/review/{revision.public_id}/", {"decision": "approve"})
    assert knitting.schedules.get().places == 6


# --- One session's places, by hand -----------------------------------------------------


def test_fewer_places_than_are_booked_are_refused_and_nothing_changes(
    rf: Any, personas: Personas, session: Session, sent: list[dict[str, Any]]
) -> None:
    book(session, "Ann")
    book(session, "Bob")
    request = as_coordinator(rf, personas)
    for places in (1, None):
        with pytest.raises(ActionRefused, match=r"^2 places are booked already: set at least 2$"):
            do_set_session_places(request, session, places)
    session.refresh_from_db()
    assert (session.places, session.places_set, session.booked) == (PLACES, False, 2)
    assert not AuditEntry.objects.filter(action="session.places").exists()
    assert sent == []


def test_one_booked_place_is_said_as_one(rf: Any, personas: Personas, session: Session) -> None:
    book(session, "Ann")
    with pytest.raises(ActionRefused, match=r"^1 place is booked already: set at least 1$"):
        do_set_session_places(as_coordinator(rf, personas), session, None)


def test_more_places_are_set_by_hand_audited_and_offered_to_those_waiting(
    rf: Any, personas: Personas, session: Session, sent: list[dict[str, Any]]
) -> None:
    for name in ("Ann", "Bob", "Cat"):
        book(session, name)
    waiting = book(session, "Dee", wait=True)
    assert waiting.status == Booking.Status.WAITING
    do_set_session_places(as_coordinator(rf, personas), session, 5)
    assert (session.places, session.places_set) == (5, True)
    assert sent == [{"signal": places_changed, "session_ids": [session.pk]}]
    entry = AuditEntry.objects.get(action="session.places")
    assert entry.detail == {"from": PLACES, "to": 5}
    assert entry.actor == personas.coordinator and entry.area == personas.ashfield
    # The bookings app took the new place for the person waiting.
    waiting.refresh_from_db()
    session.refresh_from_db()
    assert waiting.status == Booking.Status.BOOKED and session.booked == 4


def test_fewer_places_offer_nothing_and_the_schedule_no_longer_changes_them(
    rf: Any, personas: Personas, session: Session, sent: list[dict[str, Any]]
) -> None:
    do_set_session_places(as_coordinator(rf, personas), session, 2)
    assert sent == []
    Schedule.objects.filter(activity=session.activity).update(places=10)
    materialise_all(today=TODAY)
    session.refresh_from_db()
    assert (session.places, session.places_set) == (2, True)
    others = Session.objects.filter(activity=session.activity).exclude(pk=session.pk)
    assert set(others.filter(start__gt=timezone.now()).values_list("places", flat=True)) == {10}


def test_the_page_changes_one_sessions_places(
    client: Client, personas: Personas, session: Session
) -> None:
    book(session, "Ann")
    book(session, "Bob")
    sign_in(client, personas.partner_lead)
    activity_page = client.get(f"/staff/listings/activities/{session.activity.public_id}/").text
    assert "2 of 3 places booked" in activity_page
    assert places_url(session) in activity_page
    form = client.get(places_url(session)).text
    assert "Now: 2 of 3 places booked." in form and 'value="3"' in form
    response = client.post(places_url(session), {"places": "12"}, follow=True)
    assert response.redirect_chain[-1][0] == (
        f"/staff/listings/activities/{session.activity.public_id}/"
    )
    assert "The session has 12 places: 2 booked." in response.text
    assert "2 of 12 places booked" in response.text
    session.refresh_from_db()
    assert (session.places, session.places_set) == (12, True)


def test_the_page_refuses_fewer_than_booked_at_the_field(
    client: Client, personas: Personas, session: Session
) -> None:
    for name in ("Ann", "Bob"):
        book(session, name)
    sign_in(client, personas.partner_lead)
    response = client.post(places_url(session), {"places": "1"})
    assert response.status_code == 200
    html = response.text
    assert "There is a problem" in html
    assert '<a href="#id_places">2 places are booked already: set at least 2</a>' in html
    assert 'value="1"' in html  # what was typed stays, to correct
    response = client.post(places_url(session), {"places": "0"})
    assert "Enter 1 or more places, or leave it empty" in response.text
    session.refresh_from_db()
    assert (session.places, session.places_set) == (PLACES, False)


def test_emptied_a_sessions_places_are_no_longer_booked_here(
    client: Client, personas: Personas, session: Session
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.post(places_url(session), {"places": ""}, follow=True)
    assert "Places at this session are no longer booked here." in response.text
    session.refresh_from_db()
    assert (session.places, session.places_set) == (None, True)


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_session_is_404_for_a_partner(
    client: Client, personas: Personas, directory: Directory, method: str
) -> None:
    # Priya leads the knitting group: the Mansfield walkers' sessions are not hers.
    walk = Session.objects.filter(activity=directory.walk).first()
    assert walk is not None
    sign_in(client, personas.partner_lead)
    response = getattr(client, method)(places_url(walk), {"places": "5"})
    assert response.status_code == 404
    walk.refresh_from_db()
    assert (walk.places, walk.places_set) == (None, False)


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_areas_session_is_404_for_a_coordinator(
    client: Client, personas: Personas, session: Session, method: str
) -> None:
    # Marcus coordinates Mansfield: Ashfield's knitting group is not his.
    sign_in(client, personas.mansfield_coordinator)
    response = getattr(client, method)(places_url(session), {"places": "5"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert (session.places, session.places_set) == (PLACES, False)


def test_the_page_needs_signing_in(client: Client, session: Session) -> None:
    response = client.get(places_url(session))
    assert response.status_code == 302 and "/accounts/" in response["Location"]
