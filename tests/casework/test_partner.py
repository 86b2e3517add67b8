"""The partner lead's side of connections, session registers, and emailed register links."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, Membership, User
from inspiring.accounts.roles import Role
from inspiring.bookings.actions import do_book, do_cancel
from inspiring.bookings.models import Booking
from inspiring.casework.models import (
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    RegisterLink,
    Task,
)
from inspiring.casework.registers import LINK_VALID_AFTER_SESSION
from inspiring.directory.models import Activity, Session
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db

S = Connection.Status


def session_of(item: Activity, days_from_today: int, hour: int = 10) -> Session:
    """A session of `item`, `days_from_today` away (negative: in the past)."""
    day = timezone.localdate() + timedelta(days=days_from_today)
    start = timezone.make_aware(datetime.combine(day, time(hour)))
    session = Session(activity=item, occurrence_date=day)
    session.set_times(start, start + timedelta(hours=1))
    session.save()
    return session


def connect(
    client: Client,
    item: Activity,
    *,
    status: str = S.AGREED,
    level: str = "introduction",
    share: bool = True,
    note: str = "A little nervous; may come with her daughter.",
    first: Session | None = None,
    since: int = 20,
    support: list[str] | None = None,
) -> Connection:
    connection = Connection.objects.create(
        client=client,
        activity=item,
        level=level,
        share_consent=share,
        shared_note=note,
        status=status,
        status_changed_on=timezone.localdate() - timedelta(days=since),
        first_session=first,
        support=support or [],
    )
    ConnectionStep.objects.create(connection=connection, status=status, on=timezone.localdate())
    return connection


def as_partner(browser: Browser, personas: Personas) -> Browser:
    return sign_in(browser, personas.partner_lead, area=personas.ashfield)


def register_url(session: Session) -> str:
    return reverse("casework:partner_register", args=[session.public_id])


def field(connection: Connection) -> str:
    return f"person-{connection.public_id}"


def main(html: str) -> str:
    """The page's own content, without the header's sign-out form."""
    return html[html.index("<main") : html.index("</main>")]


# What a partner lead sees.


def test_a_partner_sees_only_what_clients_agreed_to_share_with_their_groups(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    mary = casework.mary
    mary_walk = connect(mary, casework.walk, support=["accompany"])
    # Told only to call the group: a signpost shares nothing.
    xan = make_client(personas.ashfield, "Xanthe", "Price", worker=personas.link_worker)
    connect(xan, casework.walk, level="signpost", share=False, note="Hidden 1")
    # An introduction the client did not agree to share.
    yus = make_client(personas.ashfield, "Yusuf", "Cole", worker=personas.link_worker)
    connect(yus, casework.walk, share=False, note="Hidden 2")
    # Another organisation's activity, in the same area.
    knit_group = organisation(personas.ashfield, "Kirkby Knit and Natter")
    knitting = activity(knit_group, "Knit and natter", at=None, online=True)
    zara = make_client(personas.ashfield, "Zara", "Dunn", worker=personas.link_worker)
    connect(zara, knitting, note="Hidden 3")
    # A Mansfield client connected to the walk: not of the lead's area.
    connect(casework.other_area_client, casework.walk, note="Hidden 4")
    # A preferred name is what the group uses.
    dot = make_client(personas.ashfield, "Dorothy", "Evans", worker=personas.link_worker)
    dot.preferred_name = "Dot"
    dot.save()
    connect(dot, casework.walk, level="referral", note="Dot uses a walking stick.")

    page = as_partner(client, personas).get(reverse("casework:partner_connections"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Health walk" in html
    assert "Mary" in html and "A little nervous; may come with her daughter." in html
    assert "Accompany them on the first visit".lower() in html
    assert "Dot" in html and "Dorothy" not in html and "Dot uses a walking stick." in html
    assert "Introduction" in html and "Referral" in html and mary_walk.get_status_display() in html
    for absent in ("Xanthe", "Yusuf", "Zara", "Hidden", "Knit and natter"):
        assert absent not in html, absent
    # Never a surname, NHS number or contact details.
    for secret in ("Jones", "Evans", "9434765919", "943 476 5919", "01632 960001", "NG17 7AE"):
        assert secret not in html, secret
    # Looking at people's details is audited.
    assert AuditEntry.objects.filter(
        action="client.listed", actor=personas.partner_lead, detail__partner=2
    ).exists()


def test_the_list_filters_by_activity_pages_and_has_an_empty_state(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    url = reverse("casework:partner_connections")
    as_partner(client, personas)
    assert "Nobody is connected to your activities" in client.get(url).content.decode()

    run = activity(casework.walk.organisation, "Couch to 5k", at=None, online=True)
    connect(casework.mary, run, note="Wants to start running.")
    for number in range(26):
        person = make_client(personas.ashfield, f"Walker{number:02d}", "Smith", born=None)
        connect(person, casework.walk)
    page = client.get(url).content.decode()
    assert "Page 2 of 2" in page and "Walker" in page
    only_runs = client.get(url, {"activity": str(run.public_id)}).content.decode()
    assert "Wants to start running." in only_runs and "Walker" not in only_runs
    # The filter is kept across pages.
    assert f"activity={run.public_id}" not in page
    walks = client.get(url, {"activity": str(casework.walk.public_id), "page": "2"})
    assert f"activity={casework.walk.public_id}" in walks.content.decode()
    # Stopped connections are shown only when asked for.
    casework.mary.connections.update(status=S.STOPPED)
    assert "Wants to start running." not in client.get(url).content.decode()
    assert "Wants to start running." in client.get(url, {"show": "all"}).content.decode()


def test_the_group_confirms_it_has_a_referral(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    referral = connect(casework.mary, casework.walk, level="referral")
    as_partner(client, personas)
    page = client.get(reverse("casework:partner_connections")).content.decode()
    assert "We have the referral" in page
    response = client.post(reverse("casework:partner_referral_received", args=[referral.public_id]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.REFERRED
    assert referral.steps.last().by == personas.partner_lead  # type: ignore[union-attr]
    assert "We have the referral" not in client.get(response["Location"]).content.decode()

    # Only referrals can be confirmed, and only ones the group may see.
    introduction = connect(make_client(personas.ashfield, "Ann", "Lee"), casework.walk)
    unshared = connect(
        make_client(personas.ashfield, "Ben", "Lee"), casework.walk, level="referral", share=False
    )
    url = reverse("casework:partner_referral_received", args=[unshared.public_id])
    assert client.post(url).status_code == 404
    url = reverse("casework:partner_referral_received", args=[introduction.public_id])
    assert "Only a referral is confirmed" in client.post(url, follow=True).content.decode()
    for other in (introduction, unshared):
        other.refresh_from_db()
        assert other.status == S.AGREED
    url = reverse("casework:partner_referral_received", args=[referral.public_id])
    assert client.get(url).status_code == 405


# The session register.


def test_a_register_is_one_screen_and_one_save_and_moves_connections_on(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    last_week = session_of(casework.walk, -7)
    mary = connect(casework.mary, casework.walk, first=last_week)
    alan = connect(
        make_client(personas.ashfield, "Alan", "Price", worker=personas.link_worker),
        casework.walk,
        first=last_week,
        status=S.REFERRED,
    )
    as_partner(client, personas)
    page = main(client.get(register_url(last_week)).content.decode())
    assert page.count("<form") == 1 and page.count('type="submit"') == 1
    assert page.count('type="radio"') == 4 and "Mary" in page and "Alan" in page
    assert "Jones" not in page and "Price" not in page

    response = client.post(register_url(last_week), {field(mary): "came", field(alan): "missed"})
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:partner_sessions")
    mary.refresh_from_db()
    alan.refresh_from_db()
    assert mary.status == S.ATTENDED_FIRST and mary.status_changed_on == last_week.local_date
    assert alan.status == S.MISSED_FIRST
    came = Attendance.objects.get(connection=mary, session=last_week)
    assert came.attended and came.recorded_by == personas.partner_lead
    assert not Attendance.objects.get(connection=alan, session=last_week).attended
    # The link worker's reminders: two weeks after a first visit; re-engage after a miss.
    follow_up = Task.objects.get(connection=mary)
    assert follow_up.due_on == last_week.local_date + timedelta(days=14)
    assert follow_up.assigned_to == personas.link_worker
    assert "missed Health walk: re-engage" in Task.objects.get(connection=alan).title
    assert AuditEntry.objects.filter(action="attendance.recorded").count() == 2

    # Saving again corrects the register without moving anyone on twice.
    response = client.post(register_url(last_week), {field(mary): "came", field(alan): "came"})
    assert response.status_code == 302
    assert Attendance.objects.filter(session=last_week).count() == 2
    mary.refresh_from_db()
    alan.refresh_from_db()
    assert mary.status == S.ATTENDED_FIRST and alan.status == S.ATTENDED_FIRST

    # The next week, coming again makes them regulars.
    yesterday = session_of(casework.walk, -1)
    page = client.get(register_url(yesterday)).content.decode()
    assert "Mary" in page and "Alan" in page
    client.post(register_url(yesterday), {field(mary): "came", field(alan): "came"})
    mary.refresh_from_db()
    assert mary.status == S.ATTENDING


def test_bad_input_saves_nothing_and_says_what_to_do(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    last_week = session_of(casework.walk, -7)
    mary = connect(casework.mary, casework.walk, first=last_week)
    alan = connect(make_client(personas.ashfield, "Alan", "Price"), casework.walk, first=last_week)
    # Connected to another session: not on this register.
    other = connect(
        make_client(personas.ashfield, "Cara", "Hill"),
        casework.walk,
        first=session_of(casework.walk, -3),
    )
    as_partner(client, personas)
    response = client.post(register_url(last_week), {field(mary): "came"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select whether Alan came" in html and "nhsuk-error-message" in html
    assert not Attendance.objects.exists()
    mary.refresh_from_db()
    assert mary.status == S.AGREED

    response = client.post(
        register_url(last_week),
        {field(mary): "came", field(alan): "maybe", field(other): "came"},
    )
    assert response.status_code == 200
    assert not Attendance.objects.exists()

    # Someone not on the session's register is ignored, never recorded.
    response = client.post(
        register_url(last_week),
        {field(mary): "came", field(alan): "came", field(other): "missed"},
    )
    assert response.status_code == 302
    assert set(Attendance.objects.values_list("connection", flat=True)) == {mary.pk, alan.pk}
    other.refresh_from_db()
    assert other.status == S.AGREED


def test_a_note_is_shown_as_text(client: Browser, personas: Personas, casework: Casework) -> None:
    last_week = session_of(casework.walk, -7)
    connect(casework.mary, casework.walk, first=last_week, note="<script>alert(1)</script>")
    as_partner(client, personas)
    for url in (register_url(last_week), reverse("casework:partner_connections")):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_a_future_or_cancelled_session_has_nothing_to_record(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    next_week = session_of(casework.walk, 7)
    mary = connect(casework.mary, casework.walk, first=next_week)
    as_partner(client, personas)
    page = client.get(register_url(next_week)).content.decode()
    assert "Mary" in page and "once the session has started" in page
    assert 'type="radio"' not in page
    response = client.post(register_url(next_week), {field(mary): "came"})
    assert "once the session has started" in response.content.decode()
    assert not Attendance.objects.exists()

    last_week = session_of(casework.walk, -7)
    Session.objects.filter(pk=last_week.pk).update(status=Session.Status.CANCELLED)
    mary.first_session = last_week
    mary.save()
    response = client.post(register_url(last_week), {field(mary): "came"})
    assert "was cancelled" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_sessions_page_lists_registers_to_record_and_who_is_coming(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    last_week = session_of(casework.walk, -7)
    long_ago = session_of(casework.walk, -30)
    empty = session_of(casework.walk, -2, hour=15)
    next_week = session_of(casework.walk, 8, hour=15)
    connect(casework.mary, casework.walk, first=last_week)
    connect(make_client(personas.ashfield, "Alan", "Price"), casework.walk, first=next_week)
    connect(make_client(personas.ashfield, "Bea", "Cole"), casework.walk, first=long_ago)
    as_partner(client, personas)
    page = client.get(reverse("casework:partner_sessions")).content.decode()
    assert register_url(last_week) in page and register_url(next_week) in page
    assert register_url(long_ago) not in page and register_url(empty) not in page
    assert "To record" in page
    assert "Mary" not in page  # counts only


def online(session: Session, name: str, places: int = 1, *, wait: bool = False) -> Booking:
    """A resident books `places` at `session` online (the activity takes bookings)."""
    Activity.objects.filter(pk=session.activity_id).update(public_booking=True, waiting_list=True)
    if session.places is None:
        Session.objects.filter(pk=session.pk).update(places=3)
        session.places = 3
    return do_book(
        None,
        session,
        name=name,
        email=f"{name.lower()}@example.org",
        places=places,
        channel=Booking.Channel.ONLINE,
        wait=wait,
    )


def test_a_session_only_residents_booked_online_is_listed_with_its_places(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    tomorrow = session_of(casework.walk, 1)
    full = session_of(casework.walk, 3)
    cancelled = session_of(casework.walk, 5)
    quiet = session_of(casework.walk, 6)
    online(tomorrow, "Ann", places=2)
    online(full, "Bob", places=2)
    online(full, "Cy", places=1)
    online(full, "Dee", places=2, wait=True)
    gone = online(cancelled, "Eve")
    do_cancel(None, gone)
    as_partner(client, personas)
    page = main(client.get(reverse("casework:partner_sessions")).content.decode())
    assert register_url(tomorrow) in page and register_url(full) in page
    assert register_url(cancelled) not in page and register_url(quiet) not in page
    assert "</a>: 2 places booked</li>" in page
    assert "</a>: 3 places booked, 2 waiting</li>" in page
    assert "expected" not in page.split("Coming up")[1]  # nobody connected to either
    for name in ("Ann", "Bob", "ann@example.org"):
        assert name not in page  # counts only
    # Its register lists them.
    assert "Ann, 2 places" in client.get(register_url(tomorrow)).content.decode()


def test_a_past_session_with_only_online_bookings_has_nothing_to_record(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    later_today = session_of(casework.walk, 0, hour=23)
    online(later_today, "Ann")
    Session.objects.filter(pk=later_today.pk).update(start=timezone.now() - timedelta(hours=1))
    connected = session_of(casework.walk, -3)
    connect(casework.mary, casework.walk, first=connected)
    online(session_of(casework.walk, 2), "Bob")
    Session.objects.filter(pk=connected.pk).update(places=5, booked=1)
    as_partner(client, personas)
    page = main(client.get(reverse("casework:partner_sessions")).content.decode())
    past = page.split("Coming up")[0]
    assert register_url(later_today) in past and register_url(connected) in past
    assert past.count("To record") == 1  # Mary's session; none for bookings alone
    assert "Recorded" not in past
    assert "</a>: 1 expected, 1 place booked" in past


def test_another_organisations_online_bookings_are_not_listed(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    knit_group = organisation(personas.ashfield, "Kirkby Knit and Natter")
    knitting = activity(knit_group, "Knit and natter", at=None, online=True)
    theirs = session_of(knitting, 2)
    online(theirs, "Ann")
    as_partner(client, personas)
    page = client.get(reverse("casework:partner_sessions")).content.decode()
    assert register_url(theirs) not in page and "Knit and natter" not in page
    assert client.get(register_url(theirs)).status_code == 404


def test_someone_who_stops_coming_prompts_their_link_worker(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    first = session_of(casework.walk, -20)
    regular = connect(casework.mary, casework.walk, status=S.ATTENDING, first=first, since=19)
    as_partner(client, personas)
    for days in (-13, -6):
        session = session_of(casework.walk, days)
        client.post(register_url(session), {field(regular): "missed"})
    prompts = Task.objects.filter(connection=regular)
    assert [t.title for t in prompts] == [
        "Mary Jones has missed Health walk 2 times in a row: re-engage, or try something else"
    ]
    assert prompts.get().assigned_to == personas.link_worker
    # Once, until it is done.
    client.post(register_url(session_of(casework.walk, -1)), {field(regular): "missed"})
    assert prompts.count() == 1
    regular.refresh_from_db()
    assert regular.status == S.ATTENDING  # stopping is the link worker's call, with a reason


# Partners see nothing of other organisations or areas.


def test_a_partner_cannot_reach_other_organisations_sessions_or_areas(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    knit_group = organisation(personas.ashfield, "Kirkby Knit and Natter")
    knitting = activity(knit_group, "Knit and natter", at=None, online=True)
    knit_session = session_of(knitting, -7)
    connect(casework.mary, knitting, first=knit_session)
    as_partner(client, personas)
    assert client.get(register_url(knit_session)).status_code == 404
    assert client.post(register_url(knit_session), {}).status_code == 404
    assert (
        register_url(knit_session)
        not in client.get(reverse("casework:partner_sessions")).content.decode()
    )

    # A Mansfield partner lead sees nothing of Ashfield's, and Ashfield's nothing of theirs.
    pat = User.objects.create_user("pat@mansfield.test", None, full_name="Pat Shaw")
    Membership.objects.create(user=pat, area=personas.mansfield, role=Role.PARTNER_LEAD)
    runners = organisation(personas.mansfield, "Mansfield Runners")
    runners.leads.add(pat)
    run = activity(runners, "Park run", at=None, online=True)
    run_session = session_of(run, -7)
    connect(casework.other_area_client, run, first=run_session, note="Mo runs slowly.")
    walk_session = session_of(casework.walk, -7)
    connect(
        make_client(personas.ashfield, "Alan", "Price"),
        casework.walk,
        first=walk_session,
    )
    assert client.get(register_url(run_session)).status_code == 404
    listing = client.get(reverse("casework:partner_connections")).content.decode()
    assert "Mo runs slowly." not in listing and "Park run" not in listing

    mansfield = sign_in(Browser(), pat, area=personas.mansfield)
    assert mansfield.get(register_url(walk_session)).status_code == 404
    listing = mansfield.get(reverse("casework:partner_connections")).content.decode()
    assert "Mo runs slowly." in listing and "Alan" not in listing and "Health walk" not in listing
    sessions = mansfield.get(reverse("casework:partner_sessions")).content.decode()
    assert register_url(run_session) in sessions and register_url(walk_session) not in sessions
    assert "Mo runs slowly." in mansfield.get(register_url(run_session)).content.decode()


def test_only_partner_leads_use_the_partner_pages(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    last_week = session_of(casework.walk, -7)
    for user in (personas.link_worker, personas.coordinator, personas.researcher):
        browser = sign_in(Browser(), user, area=personas.ashfield)
        for url in (
            reverse("casework:partner_connections"),
            reverse("casework:partner_sessions"),
            register_url(last_week),
        ):
            assert browser.get(url).status_code == 403, (user, url)


def test_partner_leads_have_a_card_on_the_staff_home(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    home = as_partner(client, personas).get(reverse("accounts:home")).content.decode()
    assert "People coming to your activities" in home
    assert reverse("casework:partner_connections") in home
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    assert (
        "People coming to your activities"
        not in worker.get(reverse("accounts:home")).content.decode()
    )


# The one-time emailed register, for groups with no account.


def _link_from_email() -> str:
    (message,) = mail.outbox
    found = re.search(r"(/register/[0-9a-f-]+/)", str(message.body))
    assert found is not None, message.body
    return found.group(1)


def test_a_group_with_no_account_records_a_register_once_from_an_emailed_link(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    yesterday = session_of(casework.walk, -1)
    mary = connect(casework.mary, casework.walk, first=yesterday)
    alan = connect(
        make_client(personas.ashfield, "Alan", "Price", worker=personas.link_worker),
        casework.walk,
        first=yesterday,
        note="Alan likes to walk at the back.",
    )
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    page = worker.get(mary.get_absolute_url()).content.decode()
    assert "Email the group a register for this session" in page
    response = worker.post(
        reverse("casework:send_register_link", args=[mary.public_id]),
        {"session": str(yesterday.public_id)},
    )
    assert response.status_code == 302 and response["Location"] == mary.get_absolute_url()
    link = RegisterLink.objects.get()
    assert link.email == "walks@example.org" and link.session == yesterday
    assert link.expires_at == yesterday.end + LINK_VALID_AFTER_SESSION
    (message,) = mail.outbox
    assert message.to == ["walks@example.org"]
    assert "Mary" not in message.body and "Health walk" in message.body
    assert AuditEntry.objects.filter(action="register.sent", actor=personas.link_worker).exists()
    url = _link_from_email()

    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mary" in html and "Alan likes to walk at the back." in html
    for secret in ("Jones", "Price", "9434765919", "01632 960001"):
        assert secret not in html
    assert main(html).count("<form") == 1 and main(html).count('type="submit"') == 1

    # Without a name, nothing is saved.
    response = client.post(url, {field(mary): "came", field(alan): "missed"})
    assert response.status_code == 200 and "Enter your name" in response.content.decode()
    assert not Attendance.objects.exists()

    response = client.post(
        url, {field(mary): "came", field(alan): "missed", "by_name": "Sue (walk leader)"}
    )
    assert response.status_code == 200
    done = response.content.decode()
    assert "the register is recorded" in done and "Mary" not in done and "Alan" not in done
    mary.refresh_from_db()
    alan.refresh_from_db()
    assert mary.status == S.ATTENDED_FIRST and alan.status == S.MISSED_FIRST
    attendance = Attendance.objects.get(connection=mary)
    assert attendance.recorded_by is None and attendance.recorded_by_name == "Sue (walk leader)"
    assert mary.steps.last().by_name == "Sue (walk leader)"  # type: ignore[union-attr]
    link.refresh_from_db()
    assert link.used_at is not None
    # The link worker sees who recorded it on the connection page.
    assert "recorded by Sue (walk leader)" in worker.get(mary.get_absolute_url()).content.decode()

    # Used: it works once, and shows nothing about anyone.
    for again in (client.get(url), client.post(url, {field(mary): "missed", "by_name": "X"})):
        assert again.status_code == 410
        html = again.content.decode()
        assert "already been recorded" in html and "Mary" not in html and "Alan" not in html
    assert Attendance.objects.get(connection=mary).attended


def test_an_expired_or_unknown_link_shows_nothing(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    old = session_of(casework.walk, -10)
    connect(casework.mary, casework.walk, first=old)
    link = RegisterLink.objects.create(
        session=old, email="walks@example.org", expires_at=old.end + LINK_VALID_AFTER_SESSION
    )
    response = client.get(reverse("casework:group_register", args=[link.token]))
    assert response.status_code == 410
    html = response.content.decode()
    assert "expired" in html and "Mary" not in html
    unknown = reverse("casework:group_register", args=["6f1c2b8e-0000-4000-8000-000000000000"])
    assert client.get(unknown).status_code == 404


def test_a_register_link_needs_someone_shared_and_an_address(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    yesterday = session_of(casework.walk, -1)
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    signpost = connect(casework.mary, casework.walk, level="signpost", share=False, first=yesterday)
    url = reverse("casework:send_register_link", args=[signpost.public_id])
    assert worker.get(url).status_code == 404
    assert "The group's register" not in worker.get(signpost.get_absolute_url()).content.decode()

    alan = connect(make_client(personas.ashfield, "Alan", "Price"), casework.walk)
    url = reverse("casework:send_register_link", args=[alan.public_id])
    page = worker.get(url).content.decode()
    assert "walks@example.org" in page
    # Nobody who shares is expected at this session (Alan has no first session yet).
    response = worker.post(url, {"session": str(yesterday.public_id)})
    assert "Nobody who agreed to share" in response.content.decode()
    response = worker.post(url, {})
    assert "Select the session" in response.content.decode()

    alan.first_session = yesterday
    alan.save()
    organisation_ = casework.walk.organisation
    organisation_.email = ""
    organisation_.save()
    response = worker.post(url, {"session": str(yesterday.public_id)})
    assert "The group has no email address" in response.content.decode()
    assert not RegisterLink.objects.exists() and not mail.outbox

    # A partner lead has no link worker's connection page.
    partner = as_partner(client, personas)
    assert partner.post(url, {"session": str(yesterday.public_id)}).status_code == 403


def test_an_all_day_session_says_all_day_on_registers_not_midnight(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    # A litter pick from a calendar feed: an all-day event, stored from 00:00.
    day = timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, time(0)))
    litter_pick = Session(activity=casework.walk, occurrence_date=day, all_day=True)
    litter_pick.set_times(start, start + timedelta(hours=23, minutes=59))
    litter_pick.save()
    connect(casework.mary, casework.walk, first=litter_pick)
    as_partner(client, personas)
    listed = main(client.get(reverse("casework:partner_sessions")).content.decode())
    assert f"{day:%A} {day.day} {day:%B}, all day" in listed
    register = main(client.get(register_url(litter_pick)).content.decode())
    assert f"{day:%A} {day.day} {day:%B} {day.year}, all day" in register
    for page in (listed, register):
        assert "00:00" not in page and "All day" not in page
