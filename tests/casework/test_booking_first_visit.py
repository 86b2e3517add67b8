"""A link worker books a client's first visit from their connection; the group's register
shows the session's bookings."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.bookings import actions as bookings
from inspiring.bookings.models import Booking
from inspiring.casework.actions import StaleEdit
from inspiring.casework.actions.bookings import UNNAMED, do_book_first_visit
from inspiring.casework.actions.connections import do_advance_connection, do_withdraw_connection
from inspiring.casework.models import Connection
from inspiring.directory.models import Activity, Session
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client
from .test_partner import S, as_partner, connect, field, main, register_url

pytestmark = pytest.mark.django_db

PLACES = 3


def bookable(walk: Activity, *, places: int = PLACES, waiting_list: bool = True) -> list[Session]:
    """The walk's upcoming sessions, each with `places` to book here."""
    Activity.objects.filter(pk=walk.pk).update(waiting_list=waiting_list, public_booking=True)
    upcoming = Session.objects.filter(activity=walk, start__gt=timezone.now())
    upcoming.update(places=places)
    return list(upcoming.order_by("start"))


def book_url(connection: Connection) -> str:
    return reverse("casework:connection_book", args=[connection.public_id])


def cancel_url(connection: Connection) -> str:
    return reverse("casework:connection_booking_cancel", args=[connection.public_id])


def form(session: Session, connection: Connection, **more: Any) -> dict[str, Any]:
    connection.refresh_from_db()
    return {
        "session": str(session.public_id),
        "consent": "on",
        "version": connection.version,
        **more,
    }


def resident_books(session: Session, name: str = "Ann Example", places: int = 2) -> Booking:
    return bookings.do_book(
        None,
        session,
        name=name,
        email="ann@example.org",
        phone="07700 900123",
        places=places,
        channel=Booking.Channel.ONLINE,
    )


def test_a_link_worker_books_one_place_from_the_connection(
    signed_in: Browser, casework: Casework, personas: Personas
) -> None:
    first, second, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk, status=S.SUGGESTED, first=second)
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    assert book_url(mary) in page

    page = signed_in.get(book_url(mary)).content.decode()
    assert "3 places left" in page
    # Only one place to choose: no buddy or companion agreed.
    assert 'name="places"' not in page
    # Her first session, which has room, is chosen already.
    assert re.search(rf'value="{second.public_id}"[^>]*checked', page)

    response = signed_in.post(book_url(mary), form(first, mary, name="Mary"))
    assert response.status_code == 302 and response["Location"] == mary.get_absolute_url()
    mary.refresh_from_db()
    booking = mary.booking
    assert booking is not None
    assert (booking.session, booking.places, booking.status) == (first, 1, Booking.Status.BOOKED)
    assert booking.channel == Booking.Channel.LINK_WORKER
    assert booking.booked_by == personas.link_worker
    assert (booking.email, booking.phone) == ("", "")  # her messages go through casework
    assert mary.first_session == first
    assert mary.status == S.AGREED  # she agreed to go
    first.refresh_from_db()
    assert first.booked == 1 and first.places_left == 2
    assert "Booked for" in signed_in.get(mary.get_absolute_url()).content.decode()

    # Audited against her record, with her consent; nothing she said in the entry.
    entry = AuditEntry.objects.get(action="connection.booked")
    assert entry.object_id == str(casework.mary.public_id)
    assert entry.actor == personas.link_worker
    assert entry.detail["consent"] is True and entry.detail["places"] == 1
    assert entry.detail["booking"] == str(booking.public_id)
    assert "Mary" not in json.dumps(entry.detail)


def test_two_places_when_a_buddy_goes_with_them(signed_in: Browser, casework: Casework) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk, support=["buddy"])
    page = signed_in.get(book_url(mary)).content.decode()
    assert 'name="places"' in page and "2 places: Mary and the person going with them" in page
    response = signed_in.post(book_url(mary), form(first, mary, name="Mary", places="2"))
    assert response.status_code == 302
    mary.refresh_from_db()
    assert mary.booking is not None and mary.booking.places == 2

    # Without a buddy agreed, 2 places are refused, even if posted.
    alan = connect(
        make_client(casework.mary.area, "Alan", "Price", worker=casework.mary.worker),
        casework.walk,
    )
    response = signed_in.post(book_url(alan), form(first, alan, name="Alan", places="2"))
    assert response.status_code == 302
    alan.refresh_from_db()
    assert alan.booking is not None and alan.booking.places == 1


def test_consent_is_required_and_nothing_is_booked_without_it(
    signed_in: Browser, casework: Casework
) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    data = form(first, mary, name="Mary")
    del data["consent"]
    response = signed_in.post(book_url(mary), data)
    assert response.status_code == 200
    assert "Confirm they agree to this booking" in response.content.decode()
    assert not Booking.objects.exists()
    first.refresh_from_db()
    assert first.booked == 0
    mary.refresh_from_db()
    assert mary.booking is None and mary.version == 1
    assert not AuditEntry.objects.filter(action="connection.booked").exists()


def test_a_full_session_is_refused_with_a_message_or_offers_its_waiting_list(
    signed_in: Browser, casework: Casework, personas: Personas
) -> None:
    first, *_ = bookable(casework.walk, places=2)
    resident_books(first, places=2)
    mary = connect(casework.mary, casework.walk)
    page = signed_in.get(book_url(mary)).content.decode()
    assert "full, you can join its waiting list" in page

    response = signed_in.post(book_url(mary), form(first, mary, name="Mary"))
    assert response.status_code == 200
    assert "There are not enough places left at this session" in response.content.decode()
    mary.refresh_from_db()
    assert mary.booking is None and mary.version == 1
    assert Booking.objects.count() == 1

    response = signed_in.post(book_url(mary), form(first, mary, name="Mary", wait="on"))
    assert response.status_code == 302
    mary.refresh_from_db()
    assert mary.booking is not None and mary.booking.status == Booking.Status.WAITING
    assert mary.first_session is None  # no place yet
    first.refresh_from_db()
    assert first.booked == 2

    # A resident cancelling gives her the place, and the register expects her.
    bookings.do_cancel(None, Booking.objects.get(channel=Booking.Channel.ONLINE))
    mary.booking.refresh_from_db()
    assert mary.booking.status == Booking.Status.BOOKED
    partner = as_partner(Browser(), personas)
    page = main(partner.get(register_url(first)).content.decode())
    assert "<li>Mary:" in page and "Booked: 1 place." in page


def test_without_a_waiting_list_a_full_session_is_only_refused(
    signed_in: Browser, casework: Casework
) -> None:
    first, *_ = bookable(casework.walk, places=1, waiting_list=False)
    resident_books(first, places=1)
    mary = connect(casework.mary, casework.walk)
    page = signed_in.get(book_url(mary)).content.decode()
    assert ": full" in page and "waiting list" not in main(page)
    assert 'name="wait"' not in page
    response = signed_in.post(book_url(mary), form(first, mary, name="Mary", wait="on"))
    assert "There are not enough places left at this session." in response.content.decode()
    assert "waiting list instead" not in response.content.decode()


def test_the_name_is_shared_only_with_consent(signed_in: Browser, casework: Casework) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)  # an introduction she agreed to share
    page = signed_in.get(book_url(mary)).content.decode()
    assert 'name="name"' in page and 'value="Mary"' in page
    signed_in.post(book_url(mary), form(first, mary, name="  Mary  "))
    mary.refresh_from_db()
    assert mary.booking is not None and mary.booking.name == "Mary"

    # A signpost shares nothing: no name field, and a name posted anyway is not used.
    alan = connect(
        make_client(casework.mary.area, "Alan", "Price", worker=casework.mary.worker),
        casework.walk,
        level="signpost",
        share=False,
        note="",
    )
    page = signed_in.get(book_url(alan)).content.decode()
    assert 'name="name"' not in page and UNNAMED in page
    signed_in.post(book_url(alan), form(first, alan, name="Alan Price"))
    alan.refresh_from_db()
    assert alan.booking is not None and alan.booking.name == UNNAMED


def test_another_areas_client_is_404(
    client: Browser, casework: Casework, personas: Personas
) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert client.get(book_url(mary)).status_code == 404
    assert client.post(book_url(mary), form(first, mary, name="Mary")).status_code == 404
    assert client.post(cancel_url(mary), {"version": 1}).status_code == 404
    assert not Booking.objects.exists()


def test_cancelling_frees_the_place_and_is_audited(
    signed_in: Browser, casework: Casework, personas: Personas
) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    signed_in.post(book_url(mary), form(first, mary, name="Mary"))
    mary.refresh_from_db()
    first.refresh_from_db()
    assert first.booked == 1
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    assert cancel_url(mary) in page

    # A stale page is refused, and nothing is cancelled.
    response = signed_in.post(cancel_url(mary), {"version": mary.version - 1})
    assert response.status_code == 302
    assert Booking.objects.get().status == Booking.Status.BOOKED

    response = signed_in.post(cancel_url(mary), {"version": mary.version})
    assert response.status_code == 302 and response["Location"] == mary.get_absolute_url()
    mary.refresh_from_db()
    first.refresh_from_db()
    assert mary.booking is not None and mary.booking.status == Booking.Status.CANCELLED
    assert first.booked == 0 and mary.first_session is None
    entry = AuditEntry.objects.get(action="connection.booking_cancelled")
    assert entry.object_id == str(casework.mary.public_id)
    assert AuditEntry.objects.filter(action="booking.cancelled").exists()
    # She can be booked again.
    assert book_url(mary) in signed_in.get(mary.get_absolute_url()).content.decode()


def test_a_stale_version_books_nothing(casework: Casework, request_as_liam: Any) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    with pytest.raises(StaleEdit):
        do_book_first_visit(request_as_liam, mary, first, name="Mary", consent=True, seen_version=0)
    first.refresh_from_db()
    assert first.booked == 0 and not Booking.objects.exists()


def test_the_register_lists_other_bookings_by_name_without_contact_details(
    client: Browser, casework: Casework, personas: Personas, request_as_liam: Any
) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    do_book_first_visit(
        request_as_liam, mary, first, name="Mary", places=1, consent=True, seen_version=1
    )
    resident_books(first, "Ann Example", places=2)
    as_partner(client, personas)
    page = main(client.get(register_url(first)).content.decode())
    assert "Ann Example, 2 places" in page
    for secret in ("ann@example.org", "07700 900123", "Jones", "01632 960001"):
        assert secret not in page
    # Mary is on it once: as the connection, with her booked place.
    assert page.count("Mary") == 1 and "Booked: 1 place." in page


def test_attendance_moves_a_booked_connection_on(
    client: Browser, casework: Casework, personas: Personas, request_as_liam: Any
) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    do_book_first_visit(request_as_liam, mary, first, name="Mary", consent=True, seen_version=1)
    # The session has happened.
    start = timezone.now() - timedelta(hours=2)
    first.set_times(start, start + timedelta(hours=1))
    first.save()
    as_partner(client, personas)
    response = client.post(register_url(first), {field(mary): "came"})
    assert response.status_code == 302
    mary.refresh_from_db()
    assert mary.status == S.ATTENDED_FIRST


def test_declining_or_withdrawing_gives_the_place_back(
    casework: Casework, personas: Personas, request_as_liam: Any
) -> None:
    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    do_book_first_visit(request_as_liam, mary, first, name="Mary", consent=True, seen_version=1)
    do_advance_connection(
        request_as_liam, mary, S.DECLINED, on=timezone.localdate(), reason="Changed her mind"
    )
    first.refresh_from_db()
    assert first.booked == 0
    assert Booking.objects.get().status == Booking.Status.CANCELLED

    alan = connect(
        make_client(personas.ashfield, "Alan", "Price", worker=personas.link_worker),
        casework.walk,
    )
    do_book_first_visit(request_as_liam, alan, first, name="Alan", consent=True, seen_version=1)
    do_withdraw_connection(request_as_liam, alan, reason="Wrong walk")
    first.refresh_from_db()
    assert first.booked == 0


def test_erasing_a_client_blanks_the_name_on_their_booking_and_keeps_the_place(
    signed_in: Browser, casework: Casework
) -> None:
    from inspiring.casework.actions.privacy import do_erase_client

    first, *_ = bookable(casework.walk)
    mary = connect(casework.mary, casework.walk)
    signed_in.post(book_url(mary), form(first, mary, name="Mary"))
    mary.refresh_from_db()
    assert mary.booking is not None and mary.booking.name == "Mary"
    do_erase_client(None, casework.mary, reason="She asked us to", actor=casework.mary.worker)
    booking = Booking.objects.get(pk=mary.booking.pk)
    assert booking.name == "" and booking.status == Booking.Status.BOOKED
    assert Session.objects.get(pk=first.pk).booked == booking.places
