"""Booking places: counted on the session in the statement that books, never past its
places; the waiting list; cancelling; a session cancelled or removed by its group."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.bookings.actions import SessionFull, do_book, do_cancel
from inspiring.bookings.models import Booking
from inspiring.directory.materialise import materialise_activity, materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from lib.actions import ActionRefused

from .conftest import PLACES, TODAY, Bookable

pytestmark = pytest.mark.django_db
ONLINE = Booking.Channel.ONLINE


def book(session: Session, name: str = "Ann", **kwargs: object) -> Booking:
    kwargs.setdefault("channel", ONLINE)
    kwargs.setdefault("email", f"{name.lower()}@example.org")
    return do_book(None, session, name=name, **kwargs)  # type: ignore[arg-type]


def fresh(session: Session) -> Session:
    return Session.objects.get(pk=session.pk)


def test_places_are_counted_on_the_session_and_never_passed(bookable: Bookable) -> None:
    session = bookable.session
    ann = book(session, "Ann", places=2)
    assert ann.status == Booking.Status.BOOKED and fresh(session).booked == 2
    assert fresh(session).places_left == 1
    with pytest.raises(SessionFull, match="waiting list"):
        book(session, "Bob", places=2)  # one place left: a pair does not fit
    assert book(session, "Cat").status == Booking.Status.BOOKED
    assert fresh(session).places_left == 0
    with pytest.raises(SessionFull):
        book(session, "Dan")
    assert Booking.objects.filter(status=Booking.Status.BOOKED).count() == 2
    assert fresh(session).booked == PLACES
    # The database itself refuses more bookings than places, whatever path writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(booked=PLACES + 1)


def test_a_full_session_has_a_waiting_list_that_takes_a_place_given_up(
    bookable: Bookable, django_capture_on_commit_callbacks: object
) -> None:
    session = bookable.session
    ann = book(session, "Ann", places=2)
    book(session, "Bob")
    pair = book(session, "Cat", places=2, wait=True)
    one = book(session, "Dan", wait=True)
    assert (pair.status, one.status) == (Booking.Status.WAITING,) * 2
    assert fresh(session).booked == PLACES  # those waiting hold no place
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        do_cancel(None, ann)
    # Two places free: the pair waiting first gets them; Dan still waits.
    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses == {
        "Ann": Booking.Status.CANCELLED,
        "Bob": Booking.Status.BOOKED,
        "Cat": Booking.Status.BOOKED,
        "Dan": Booking.Status.WAITING,
    }
    assert fresh(session).booked == PLACES
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert ("ann@example.org", "Booking cancelled: Knit and Natter") in subjects
    assert ("cat@example.org", "A place came up: you are booked for Knit and Natter") in subjects
    assert not any(to == "dan@example.org" for to, _ in subjects)
    with pytest.raises(ActionRefused, match="already been cancelled"):
        do_cancel(None, ann)


def test_a_pair_waiting_is_passed_over_for_one_who_fits(bookable: Bookable) -> None:
    session = bookable.session
    ann = book(session, "Ann")
    book(session, "Bob", places=2)
    book(session, "Cat", places=2, wait=True)
    book(session, "Dan", wait=True)
    do_cancel(None, ann)
    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses["Cat"] == Booking.Status.WAITING and statuses["Dan"] == Booking.Status.BOOKED


def test_no_waiting_list_where_the_group_keeps_none(bookable: Bookable) -> None:
    Activity.objects.filter(pk=bookable.activity.pk).update(waiting_list=False)
    book(bookable.session, "Ann", places=2)
    book(bookable.session, "Bob")
    with pytest.raises(SessionFull) as refused:
        book(bookable.session, "Cat", wait=True)
    assert "waiting list" not in str(refused.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"places": 3}, "Book 1 or 2 places"),
        ({"name": "   "}, "Enter a name"),
    ],
)
def test_a_booking_that_makes_no_sense_is_refused(
    bookable: Bookable, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ActionRefused, match=message):
        book(bookable.session, **change)  # type: ignore[arg-type]
    assert not Booking.objects.exists() and fresh(bookable.session).booked == 0


def test_what_cannot_be_booked(bookable: Bookable, directory: object) -> None:
    session = bookable.session
    # Link workers only, unless the group allows anyone.
    Activity.objects.filter(pk=bookable.activity.pk).update(public_booking=False)
    with pytest.raises(ActionRefused, match="link workers only"):
        book(session)
    assert book(session, channel=Booking.Channel.LINK_WORKER).status == Booking.Status.BOOKED
    # A session with no places set is not booked here.
    walk = Session.objects.filter(activity__title="Saturday Health Walk").last()
    assert walk is not None and walk.places is None
    with pytest.raises(ActionRefused, match="not booked here"):
        book(walk, channel=Booking.Channel.LINK_WORKER)
    past = Session.objects.filter(activity=bookable.activity, start__lt=timezone.now()).last()
    assert past is not None
    with pytest.raises(ActionRefused, match="already started"):
        book(past, channel=Booking.Channel.LINK_WORKER)
    Activity.objects.filter(pk=bookable.activity.pk).update(
        capacity_status=Activity.CapacityStatus.PAUSED
    )
    with pytest.raises(ActionRefused, match="paused"):
        book(bookable.later, channel=Booking.Channel.LINK_WORKER)


def test_a_session_cancelled_by_its_group_cancels_its_bookings_and_tells_everyone(
    bookable: Bookable, django_capture_on_commit_callbacks: object
) -> None:
    from inspiring.directory.actions import do_cancel_session

    session = bookable.session
    book(session, "Ann", places=2)
    book(session, "Bob")
    book(session, "Cat", wait=True)
    other = book(bookable.later, "Dan")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        do_cancel_session(None, fresh(session), note="The hall is flooded")  # type: ignore[arg-type]
    assert set(Booking.objects.filter(session=session).values_list("status", flat=True)) == {
        Booking.Status.SESSION_CANCELLED
    }
    assert fresh(session).booked == 0
    told = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Cancelled by the group"))
    assert told == ["ann@example.org", "bob@example.org", "cat@example.org"]
    assert Booking.objects.get(pk=other.pk).status == Booking.Status.BOOKED


def test_a_session_a_schedule_change_removes_keeps_its_bookings_cancelled(
    bookable: Bookable, django_capture_on_commit_callbacks: object
) -> None:
    ann = book(bookable.session, "Ann")
    schedule = Schedule.objects.get(activity=bookable.activity)
    schedule.rrule = schedule.rrule.replace("BYDAY=TU", "BYDAY=WE")
    schedule.save()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        materialise_activity(bookable.activity, today=TODAY)
    ann.refresh_from_db()
    assert ann.status == Booking.Status.SESSION_CANCELLED and ann.session is None
    assert ann.session_key == bookable.session.public_id and ann.starts_at == bookable.session.start
    assert [m.to for m in mail.outbox if m.subject.startswith("Cancelled")] == [["ann@example.org"]]


def test_a_schedule_s_places_reach_its_sessions_and_go_to_those_waiting(
    bookable: Bookable,
) -> None:
    session = bookable.session
    book(session, "Ann", places=2)
    book(session, "Bob")
    waiting = book(session, "Cat", wait=True)
    by_hand = bookable.later
    Session.objects.filter(pk=by_hand.pk).update(places=10, places_set=True)
    Schedule.objects.filter(activity=bookable.activity).update(places=4)
    materialise_all(today=TODAY)
    assert fresh(session).places == 4 and fresh(by_hand).places == 10
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.BOOKED and fresh(session).booked == 4
    # Fewer places than are booked: nobody loses theirs; the session is full.
    Schedule.objects.filter(activity=bookable.activity).update(places=2)
    materialise_all(today=TODAY)
    assert (fresh(session).places, fresh(session).booked) == (4, 4)
    # Bookings no longer taken: sessions with none booked take none; booked ones stand.
    Schedule.objects.filter(activity=bookable.activity).update(places=None)
    materialise_all(today=TODAY)
    assert fresh(session).places == 4
    far = Session.objects.filter(activity=bookable.activity).order_by("-start").first()
    assert far is not None and far.places is None


def test_every_booking_and_cancellation_is_audited_without_personal_details(
    bookable: Bookable,
) -> None:
    ann = book(bookable.session, "Ann Example", phone="07700 900123")
    do_cancel(None, ann)
    entries = list(AuditEntry.objects.filter(action__startswith="booking.").order_by("pk"))
    assert [e.action for e in entries] == ["booking.made", "booking.cancelled"]
    for entry in entries:
        text = f"{entry.object_repr} {entry.detail}"
        assert "Ann" not in text and "07700" not in text


def test_residents_details_are_forgotten_a_while_after_their_session(
    bookable: Bookable, settings: object
) -> None:
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command

    from inspiring.bookings.actions import forget_past_bookings

    settings.BOOKINGS_RETENTION_DAYS = 30  # type: ignore[attr-defined]
    ann = book(bookable.session, "Ann", phone="07700 900123")
    by_worker = book(bookable.session, "Sam", channel=Booking.Channel.LINK_WORKER, email="")
    session_day = bookable.session.start
    assert forget_past_bookings(now=session_day + timedelta(days=29)) == 0
    assert forget_past_bookings(now=session_day + timedelta(days=31)) == 1
    ann.refresh_from_db()
    assert (ann.name, ann.email, ann.phone) == ("", "", "")
    assert ann.status == Booking.Status.BOOKED and ann.places == 1  # the history stays
    by_worker.refresh_from_db()
    assert by_worker.name == "Sam"  # kept and erased with the client's case
    assert forget_past_bookings(now=session_day + timedelta(days=31)) == 0
    out = StringIO()
    call_command("forget_past_bookings", stdout=out)
    assert "0 booking(s) more than 30 days past" in out.getvalue()  # nothing left today
