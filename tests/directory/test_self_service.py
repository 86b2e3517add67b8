"""Partners keep their own listings; coordinators approve, edit and curate; others get 404."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.directory.actions import ActionRefused, do_approve, do_withdraw, working_copy
from inspiring.directory.models import Activity, Organisation, Schedule, Session, Venue
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, as_date_input, organisation, venue

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "title": "Friday Film Club",
    "summary": "Watch a classic film, then talk about it over tea.",
    "description": "**Free** popcorn.",
    "categories": [],
    "cost": "free",
    "booking": "drop_in",
    "capacity_status": "welcoming",
    "bring_someone": "yes",
}
WEEKLY = {
    "frequency": "weekly",
    "days": ["FR"],
    "start_date": "2026-11-27",
    "start_time": "14:00",
    "end_time": "16:00",
}


def activity_data(directory: Directory, **changes: Any) -> dict[str, Any]:
    from inspiring.directory.models import Category

    data = {**ACTIVITY, "venue": directory.hall.pk}
    data["categories"] = [Category.objects.get(slug="culture-and-heritage").pk]
    data.update(changes)
    return data


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit work (the session sync task) as a real request would."""
    return django_capture_on_commit_callbacks


def add_activity(client: Client, directory: Directory, on_commit: Any, **changes: Any) -> Activity:
    with on_commit(execute=True):
        response = client.post(
            f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/",
            activity_data(directory, **changes),
        )
    assert response.status_code == 302, response.content.decode()[-3000:]
    return Activity.objects.get(title=changes.get("title", ACTIVITY["title"]))


def add_weekly(client: Client, item: Activity, on_commit: Any, **changes: Any) -> Any:
    with on_commit(execute=True):
        return client.post(
            f"/staff/listings/activities/{item.public_id}/schedules/new/",
            as_date_input({**WEEKLY, **changes}),
        )


def test_a_partner_adds_an_activity_and_it_waits_for_approval(
    client: Client, personas: Personas, directory: Directory, on_commit: Any
) -> None:
    sign_in(client, personas.partner_lead)
    item = add_activity(client, directory, on_commit)
    assert item.status == Activity.Status.PENDING
    assert item.home_area == personas.ashfield
    assert item.description_html.strip() == "<p><strong>Free</strong> popcorn.</p>"
    response = add_weekly(client, item, on_commit)
    assert response.status_code == 302
    assert Schedule.objects.get(activity=item).rrule == "FREQ=WEEKLY;BYDAY=FR"
    assert not Session.objects.filter(activity=item).exists()  # not published yet
    assert AuditEntry.objects.filter(action="activity.submitted", area=personas.ashfield).exists()


def test_the_coordinator_approves_and_sessions_appear(
    client: Client, personas: Personas, directory: Directory, on_commit: Any
) -> None:
    sign_in(client, personas.partner_lead)
    item = add_activity(client, directory, on_commit)
    add_weekly(client, item, on_commit)
    client.logout()
    sign_in(client, personas.coordinator)
    queue = client.get("/staff/curation/")
    assert "Friday Film Club" in queue.text
    with on_commit(execute=True):
        response = client.post(f"/staff/curation/review/{item.public_id}/", {"decision": "approve"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Activity.Status.PUBLISHED
    assert item.published_by == personas.coordinator
    assert Session.objects.filter(activity=item).count() > 50


def test_a_coordinator_sends_a_submission_back_with_a_note(
    client: Client, personas: Personas, directory: Directory, on_commit: Any
) -> None:
    sign_in(client, personas.partner_lead)
    item = add_activity(client, directory, on_commit)
    client.logout()
    sign_in(client, personas.coordinator)
    blank = client.post(f"/staff/curation/review/{item.public_id}/", {"decision": "return"})
    assert "Tell the partner what needs changing" in blank.text
    client.post(
        f"/staff/curation/review/{item.public_id}/",
        {"decision": "return", "note": "Please add the venue's access details."},
    )
    item.refresh_from_db()
    assert item.status == Activity.Status.RETURNED
    client.logout()
    sign_in(client, personas.partner_lead)
    page = client.get(f"/staff/listings/activities/{item.public_id}/")
    assert "Please add the venue&#x27;s access details." in page.text
    with on_commit(execute=True):
        client.post(
            f"/staff/listings/activities/{item.public_id}/edit/",
            activity_data(directory, summary="Classic films and a chat."),
        )
    item.refresh_from_db()
    assert item.status == Activity.Status.PENDING


def test_a_partners_change_to_a_live_listing_waits_and_the_public_sees_the_old_one(
    client: Client, personas: Personas, directory: Directory, on_commit: Any
) -> None:
    sign_in(client, personas.partner_lead)
    knitting = directory.knitting
    with on_commit(execute=True):
        response = client.post(
            f"/staff/listings/activities/{knitting.public_id}/edit/",
            {
                **activity_data(directory, title="Knit, Natter and Cake"),
                "categories": list(knitting.categories.values_list("pk", flat=True)),
            },
        )
    assert response.status_code == 302
    knitting.refresh_from_db()
    assert knitting.title == "Knit and Natter"  # unchanged until approved
    revision = knitting.revisions.get()
    assert revision.title == "Knit, Natter and Cake"
    assert revision.status == Activity.Status.PENDING
    # The schedule is changed on the revision too, not on the live listing.
    live_schedule = knitting.schedules.get()
    with on_commit(execute=True):
        client.post(
            f"/staff/listings/activities/{knitting.public_id}/schedules/{live_schedule.pk}/edit/",
            as_date_input(
                {
                    **WEEKLY,
                    "days": ["TU"],
                    "start_time": "13:00",
                    "end_time": "15:00",
                    "start_date": "2026-03-03",
                }
            ),
        )
    live_schedule.refresh_from_db()
    assert live_schedule.start_time == time(10)
    assert revision.schedules.get().start_time == time(13)

    client.logout()
    sign_in(client, personas.coordinator)
    review = client.get(f"/staff/curation/review/{revision.public_id}/")
    assert "Knit, Natter and Cake" in review.text and "What would change" in review.text
    with on_commit(execute=True):
        client.post(f"/staff/curation/review/{revision.public_id}/", {"decision": "approve"})
    knitting.refresh_from_db()
    assert knitting.title == "Knit, Natter and Cake"
    assert knitting.schedules.get().start_time == time(13)
    assert not Activity.objects.filter(pk=revision.pk).exists()
    # Sessions from today on follow the new time (earlier ones are history).
    upcoming = Session.objects.filter(activity=knitting, local_date__gte=timezone.localdate())
    first = upcoming.order_by("start").first()
    assert first is not None and first.start_minute == 13 * 60


def test_a_trusted_partner_publishes_directly(
    client: Client, personas: Personas, directory: Directory, on_commit: Any
) -> None:
    Organisation.objects.filter(pk=directory.knit.pk).update(trusted=True)
    sign_in(client, personas.partner_lead)
    item = add_activity(client, directory, on_commit)
    assert item.status == Activity.Status.PUBLISHED
    add_weekly(client, item, on_commit)
    assert Session.objects.filter(activity=item).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter the activity&#x27;s name"),
        ({"categories": []}, "Choose at least one type of activity"),
        ({"cost": "priced"}, "Enter the price, like 3.50"),
        ({"cost": "priced", "price": "abc"}, "Enter the price as a number, like 3.50"),
        ({"cost": "priced", "price": "-2"}, "Enter a price of at least 1p"),
        (
            {"cost": "priced", "price": "2", "concession_price": "3"},
            "must not be more than the price",
        ),
        ({"min_age": "60", "max_age": "18"}, "The oldest age must be the same as or more"),
        ({"venue": ""}, "Choose a venue, or say the activity takes place online"),
    ],
)
def test_bad_activity_input_is_refused_at_the_field_and_nothing_is_saved(
    client: Client, personas: Personas, directory: Directory, changes: dict, message: str
) -> None:
    sign_in(client, personas.partner_lead)
    data = activity_data(directory)
    data.update(changes)
    response = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/", data
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Activity.objects.filter(title="Friday Film Club").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "13:00"}, "The end time must be after the start time"),
        ({"days": []}, "Choose the day it happens"),
        ({"frequency": "fortnightly", "days": []}, "Choose the day it happens"),
        ({"start_date": "2026-02-31"}, "The first date must be a real date"),
        ({"start_time": "25:00"}, "Enter the start time, like 10:00"),
        ({"frequency": "custom", "rrule": "FREQ=HOURLY"}, "not more often"),
        ({"frequency": "custom", "rrule": "FREQ=WEEKLY;BYDAY=XY"}, "not valid RFC 5545"),
        ({"frequency": "custom"}, "Enter the pattern under Advanced"),
        ({"until": "2026-01-01"}, "The last date must be the same as or after the first date"),
        (
            {"excluded": "Christmas"},
            "Line 1: enter a date like 24/12/2026 or a range like 21/12/2026 to 3/1/2027",
        ),
        ({"excluded": "2026-12-31 to 2026-12-01"}, "Line 1: the range ends before it starts"),
    ],
)
def test_bad_schedules_are_refused_with_a_message(
    client: Client, personas: Personas, directory: Directory, changes: dict, message: str
) -> None:
    sign_in(client, personas.coordinator)
    before = Schedule.objects.count()
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        as_date_input({**WEEKLY, **changes}),
    )
    assert response.status_code == 200
    assert message in response.text
    assert Schedule.objects.count() == before


def test_a_schedule_in_peoples_words_with_school_holidays_excluded(
    client: Client, personas: Personas, directory: Directory, on_commit: Any
) -> None:
    sign_in(client, personas.coordinator)
    response = add_weekly(
        client,
        directory.knitting,
        on_commit,
        frequency="monthly",
        month_week="1",
        month_day="MO",
        start_date="2026-03-02",
        excluded="2026-12-21 to 2027-01-03\n2026-08-03",
    )
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    assert schedule.rrule == "FREQ=MONTHLY;BYDAY=1MO"
    assert len(schedule.exdates) == 15 and "2026-08-03" in schedule.exdates
    assert schedule.summary.startswith("First Monday of the month, 14:00 to 16:00")
    dates = set(Session.objects.filter(schedule=schedule).values_list("local_date", flat=True))
    assert {d.isoformat() for d in dates}.isdisjoint({"2026-08-03"})


def test_a_session_is_cancelled_and_another_moved_with_notes(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    first, second = Session.objects.filter(activity=directory.knitting).order_by("start")[:2]
    client.post(
        f"/staff/listings/sessions/{first.public_id}/", {"action": "cancel", "note": "Hall closed"}
    )
    first.refresh_from_db()
    assert (first.status, first.note) == ("cancelled", "Hall closed")
    bad = client.post(
        f"/staff/listings/sessions/{second.public_id}/",
        {"action": "move", "new_date": "2026-03-11", "new_start": "15:00", "new_end": "14:00"},
    )
    assert "The new end time must be after the new start time" in bad.text
    client.post(
        f"/staff/listings/sessions/{second.public_id}/",
        {
            "action": "move",
            "new_date": "2026-03-11",
            "new_start": "14:00",
            "new_end": "16:00",
            "note": "In the garden room",
        },
    )
    second.refresh_from_db()
    assert second.moved and second.local_date.isoformat() == "2026-03-11"
    assert second.start_minute == 14 * 60
    assert AuditEntry.objects.filter(action="session.moved").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/staff/listings/organisations/{org}/",
        "/staff/listings/organisations/{org}/edit/",
        "/staff/listings/organisations/{org}/activities/new/",
        "/staff/listings/organisations/{org}/venues/new/",
        "/staff/listings/activities/{act}/",
        "/staff/listings/activities/{act}/edit/",
        "/staff/listings/activities/{act}/schedules/new/",
        "/staff/listings/venues/{venue}/edit/",
        "/staff/listings/sessions/{session}/",
        "/staff/curation/review/{act}/",
    ],
)
@pytest.mark.parametrize("who", ["partner_lead_of_another_group", "mansfield_coordinator"])
def test_other_peoples_records_are_404(
    client: Client, personas: Personas, directory: Directory, url: str, who: str
) -> None:
    # Mansfield Walkers' records: Priya does not lead them; Ashfield's coordinator is not Marcus.
    other = directory.walkers if who == "partner_lead_of_another_group" else directory.knit
    item = directory.walk if who == "partner_lead_of_another_group" else directory.knitting
    place = Venue.objects.filter(organisation=other).first()
    session = Session.objects.filter(activity=item).first()
    assert place is not None and session is not None
    user = (
        personas.partner_lead
        if who == "partner_lead_of_another_group"
        else personas.mansfield_coordinator
    )
    sign_in(client, user)
    target = url.format(
        org=other.public_id, act=item.public_id, venue=place.public_id, session=session.public_id
    )
    response = client.get(target)
    expected = 403 if "curation" in url and who == "partner_lead_of_another_group" else 404
    assert response.status_code == expected, target


@pytest.mark.parametrize("who", ["link_worker", "researcher", "commissioner"])
def test_roles_without_listings_cannot_use_the_pages(
    client: Client, personas: Personas, directory: Directory, who: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get("/staff/listings/").status_code == 403
    assert client.get("/staff/curation/").status_code == 403


def test_a_partner_lead_sees_only_their_organisations(
    client: Client, personas: Personas, directory: Directory
) -> None:
    organisation(personas.ashfield, "Someone Else's Group")
    sign_in(client, personas.partner_lead)
    html = client.get("/staff/listings/").text
    assert "Kirkby Knit and Natter" in html
    assert "Someone Else" not in html


def test_a_venue_with_a_bad_postcode_is_refused(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    data = {
        "name": "New Hall",
        "address_line_1": "1 Road",
        "town": "Kirkby",
        "postcode_place": "NG99 9ZZ",
    }
    response = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/venues/new/", data
    )
    assert "We could not find the postcode NG99 9ZZ" in response.text
    assert not Venue.objects.filter(name="New Hall").exists()
    data["postcode_place"] = "ng17 7ae"
    client.post(f"/staff/listings/organisations/{directory.knit.public_id}/venues/new/", data)
    saved = Venue.objects.get(name="New Hall")
    assert saved.postcode == "NG17 7AE" and saved.district_code == "E07000170"


def test_only_venues_open_to_others_can_be_used_by_other_organisations(
    client: Client, personas: Personas, directory: Directory
) -> None:
    other = organisation(personas.ashfield, "Ashfield Chess Club")
    closed = venue(other, "Chess Club Room", "NG17 7AE")
    open_hall = venue(other, "Open Hall", "NG17 7AE", open_to_other_organisations=True)
    sign_in(client, personas.partner_lead)
    page = client.get(f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/")
    assert "Open Hall" in page.text
    assert "Chess Club Room" not in page.text
    response = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/",
        activity_data(directory, venue=closed.pk),
    )
    assert "Select a valid choice" in response.text
    assert open_hall.pk


def test_opening_a_change_page_creates_nothing(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    knitting = directory.knitting
    schedule = knitting.schedules.get()
    for url in (
        f"/staff/listings/activities/{knitting.public_id}/edit/",
        f"/staff/listings/activities/{knitting.public_id}/schedules/new/",
        f"/staff/listings/activities/{knitting.public_id}/schedules/{schedule.pk}/edit/",
    ):
        assert client.get(url).status_code == 200
    assert not knitting.revisions.exists()
    assert not Activity.objects.filter(status="pending").exists()


def test_a_change_waiting_for_approval_cannot_bring_back_a_withdrawn_listing(
    rf: Any, personas: Personas, directory: Directory
) -> None:
    partner = rf.post("/")
    partner.user = personas.partner_lead
    partner.session = SessionStore()
    revision = working_copy(partner, directory.knitting)
    assert revision.pk != directory.knitting.pk
    coordinator = rf.post("/")
    coordinator.user = personas.coordinator
    coordinator.session = SessionStore()
    do_withdraw(coordinator, directory.knitting)
    assert not Activity.objects.filter(pk=revision.pk).exists()
    # A revision of a listing withdrawn some other way is refused too.
    Activity.objects.filter(pk=directory.knitting.pk).update(status="published")
    again = working_copy(partner, Activity.objects.get(pk=directory.knitting.pk))
    assert again.revision_of_id == directory.knitting.pk
    Activity.objects.filter(pk=directory.knitting.pk).update(status="withdrawn")

    with pytest.raises(ActionRefused, match="no longer published"):
        do_approve(coordinator, again)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/staff/listings/activities/{act}/withdraw/"),
        ("post", "/staff/listings/activities/{act}/schedules/{schedule}/delete/"),
        ("post", "/staff/listings/sessions/{session}/"),
        ("post", "/staff/curation/review/{act}/"),
    ],
)
def test_other_peoples_records_are_404_for_changes_too(
    client: Client, personas: Personas, directory: Directory, method: str, url: str
) -> None:
    # Marcus coordinates Mansfield: Ashfield's knitting group is not his.
    sign_in(client, personas.mansfield_coordinator)
    schedule = directory.knitting.schedules.get()
    session = Session.objects.filter(activity=directory.knitting).first()
    assert session is not None
    target = url.format(
        act=directory.knitting.public_id, schedule=schedule.pk, session=session.public_id
    )
    response = client.post(target, {"action": "cancel", "decision": "approve"})
    assert response.status_code == 404
    directory.knitting.refresh_from_db()
    assert directory.knitting.status == "published"
    session.refresh_from_db()
    assert session.status == "scheduled"


# --- The activity form in sections, in plain words -----------------------------------


def test_the_activity_form_is_in_sections_with_every_question_once(
    client: Client, personas: Personas, directory: Directory
) -> None:
    from inspiring.directory.forms import ActivityForm

    sign_in(client, personas.partner_lead)
    response = client.get(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/"
    )
    form = response.context["form"]
    assert isinstance(form, ActivityForm)
    in_sections = [name for _, names in ActivityForm.SECTIONS for name in names]
    assert sorted(in_sections) == sorted(form.fields) and len(in_sections) == 29
    html = response.text
    headings = re.findall(r'<h2 class="nhsuk-heading-m[^"]*">([^<]+)</h2>', html)
    assert headings == [heading for heading, _ in ActivityForm.SECTIONS]
    # Each question appears once, under its heading.
    assert html.count('name="title"') == 1
    assert html.index("Who it is for</h2>") < html.index('name="min_age"')
    assert html.index('name="min_age"') < html.index("What it costs</h2>")
    # The price is asked only for an activity with a price (hidden by script, never lost).
    assert '<div data-shows-when="cost=priced">' in html


def test_the_activity_form_speaks_plainly(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    html = client.get(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/"
    ).text
    assert "Booking link (optional)" in html
    assert "Description (optional)" in html
    assert "put two stars either side, like **free**" in html
    for term in ("Markdown", "Booking url", "Booking URL"):
        assert term not in html


def test_a_bad_booking_link_is_refused_in_plain_words_and_nothing_is_lost(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/",
        activity_data(directory, booking="book_first", booking_url="not a link"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["booking_url"] == [
        "Enter the booking link as a web address, like https://example.org/book"
    ]
    assert 'value="Friday Film Club"' in response.text
    assert not Activity.objects.filter(title="Friday Film Club").exists()


def test_an_all_day_session_is_named_all_day_not_midnight(
    client: Client, personas: Personas, directory: Directory
) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start").first()
    assert session is not None
    Session.objects.filter(pk=session.pk).update(all_day=True)
    sign_in(client, personas.partner_lead)
    html = client.get(f"/staff/listings/sessions/{session.public_id}/").text
    day = session.local_date
    assert f"{day:%A} {day.day} {day:%B %Y}, all day</h1>" in html


def test_the_listing_page_speaks_plainly_of_when_it_happens(
    client: Client, personas: Personas, directory: Directory
) -> None:
    # No calendar code for a volunteer, and an all-day session is "all day", not 00:00.
    sign_in(client, personas.partner_lead)
    knitting = directory.knitting
    Session.objects.filter(activity=knitting).update(all_day=True)
    html = client.get(f"/staff/listings/activities/{knitting.public_id}/").content.decode()
    assert "FREQ=" not in html and "RRULE" not in html
    assert "all day" in html and "00:00" not in html
