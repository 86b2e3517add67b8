"""Cases a review found: state on GET, private addresses, withdrawn listings, rule edge cases."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client
from django.utils import timezone

from inspiring.directory.actions import do_approve, do_withdraw, working_copy
from inspiring.directory.confirmation import send_confirmation_requests
from inspiring.directory.materialise import materialise_activity, materialise_all
from inspiring.directory.models import Activity, Category, Schedule, Session, SupportFeature
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, activity, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db


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


@pytest.mark.usefixtures("frozen_today")
def test_a_private_address_cannot_be_found_by_distance(
    client: Client, directory: Directory
) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(
        hide_address=True, locality="Kirkby-in-Ashfield"
    )
    near = client.get("/ashfield/whats-on/", {"postcode": "NG17 7AE", "within": "0.6"})
    assert "Knit and Natter" not in {r["activity"].title for r in near.context["rows"]}
    by_distance = client.get("/ashfield/whats-on/", {"postcode": "NG17 7AE", "sort": "distance"})
    rows = by_distance.context["rows"]
    # Listed (it is public), but last, with no distance given.
    assert rows[0]["activity"].title == "Saturday Health Walk"
    assert all(r["distance"] == "" for r in rows if r["activity"].title == "Knit and Natter")


@pytest.mark.usefixtures("frozen_today")
def test_online_activities_come_after_the_nearest_ones(
    client: Client, directory: Directory
) -> None:
    online = activity(directory.knit, "Online Quiz", at=None, online=True)
    weekly(online, "TU", time(9), time(10), from_date=TODAY)
    materialise_all(today=TODAY)
    query = {"postcode": "NG17 7AE", "sort": "distance"}
    first = client.get("/ashfield/whats-on/", query).context
    assert first["rows"][0]["activity"].title == "Knit and Natter"
    assert "Online Quiz" not in {r["activity"].title for r in first["rows"]}
    pages = first["page_obj"].paginator.num_pages
    last = client.get("/ashfield/whats-on/", {**query, "page": str(pages)})
    assert last.context["rows"][-1]["activity"].title == "Online Quiz"


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
    from inspiring.directory.actions import ActionRefused

    with pytest.raises(ActionRefused, match="no longer published"):
        do_approve(coordinator, again)


@pytest.mark.usefixtures("frozen_today")
def test_a_title_cannot_break_the_json_ld_or_the_page(client: Client, directory: Directory) -> None:
    directory.knitting.title = "Knit <!--<script> & </script>"
    directory.knitting.save()
    html = client.get(f"/ashfield/activities/{directory.knitting.public_id}/").text
    found = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    data = found.group(1)
    assert "<" not in data and ">" not in data and "&" not in data
    assert json.loads(data)[0]["name"] == "Knit <!--<script> & </script>"
    assert html.count("<h1>") == 1


def schedule_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "frequency": "weekly",
        "days": ["TU"],
        "start_date": "2026-03-03",
        "start_time": "10:00",
        "end_time": "12:00",
    }
    data.update(changes)
    return data


def test_a_calendar_apps_utc_until_is_kept_right(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(frequency="custom", rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20260716T225959Z"),
    )
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    # 22:59:59 UTC is 23:59:59 in London in July (BST).
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260716T235959"
    assert "until 16 July 2026" in schedule.summary


def test_resaving_a_schedule_unchanged_keeps_its_rule(
    client: Client, personas: Personas, directory: Directory
) -> None:
    schedule = directory.knitting.schedules.get()
    schedule.rrule = "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"
    schedule.save()
    sign_in(client, personas.coordinator)
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    form = client.get(url).context["form"]
    data = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in form.initial.items()
        if value not in (None, "")
    }
    data["start_time"], data["end_time"] = "10:00", "12:00"
    assert client.post(url, data).status_code == 302
    schedule.refresh_from_db()
    assert schedule.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"


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


def test_a_schedule_added_in_a_revision_can_be_changed_there(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    live = directory.knitting
    client.post(
        f"/staff/listings/activities/{live.public_id}/schedules/new/", schedule_post(days=["FR"])
    )
    revision = live.revisions.get()
    added = revision.schedules.get(copied_from__isnull=True)
    page = client.get(f"/staff/listings/activities/{revision.public_id}/")
    edit_url = f"/staff/listings/activities/{revision.public_id}/schedules/{added.pk}/edit/"
    assert edit_url in page.text
    response = client.post(edit_url, schedule_post(days=["SA"]))
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.rrule == "FREQ=WEEKLY;BYDAY=SA"
    assert live.schedules.count() == 1  # the live listing is untouched


def test_a_stored_rule_that_cannot_be_expanded_does_not_stop_the_rest(
    directory: Directory,
) -> None:
    Schedule.objects.filter(activity=directory.walk).update(rrule="FREQ=WEEKLY;INTERVAL=-1")
    report = materialise_all(today=TODAY)
    assert report.failed == 1
    knitting = materialise_activity(directory.knitting, today=TODAY)
    assert knitting.failed == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"extra": "2026-01-01"}, "Extra dates must be on or after the first date"),
        (
            {"frequency": "custom", "rrule": "FREQ=WEEKLY", "until": "2026-12-01"},
            "put the last date in it",
        ),
        (
            {"frequency": "custom", "rrule": "FREQ=WEEKLY;INTERVAL=0"},
            "INTERVAL must be a whole number",
        ),
        ({"frequency": "custom", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}, "never happens"),
    ],
)
def test_schedule_input_that_would_be_ignored_or_hang_is_refused(
    client: Client, personas: Personas, directory: Directory, changes: dict, message: str
) -> None:
    sign_in(client, personas.coordinator)
    before = Schedule.objects.count()
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(**changes),
    )
    assert message in response.text
    assert Schedule.objects.count() == before


def test_unusual_rules_are_described_without_failing(directory: Directory) -> None:
    schedule = directory.knitting.schedules.get()
    for rule, words in (
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "Every month on the 1st and 15th"),
        ("FREQ=DAILY;BYDAY=MO,WE", "Every Monday and Wednesday"),
        (
            "FREQ=YEARLY;BYMONTH=6;BYDAY=1SA",
            "Repeats to a pattern (FREQ=YEARLY;BYMONTH=6;BYDAY=1SA)",
        ),
        ("FREQ=MONTHLY;BYSETPOS=1,-1;BYDAY=MO", "Repeats to a pattern"),
    ):
        schedule.rrule = rule
        assert schedule.summary.startswith(words), rule


@pytest.mark.usefixtures("frozen_today")
def test_a_paused_activity_offers_no_calendar(client: Client, directory: Directory) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(capacity_status="paused")
    page = client.get(f"/ashfield/activities/{directory.knitting.public_id}/")
    assert "paused its sessions" in page.text
    assert "Add every session to your calendar" not in page.text
    ics = client.get(f"/ashfield/activities/{directory.knitting.public_id}/calendar.ics")
    assert ics.status_code == 404


def test_the_planning_totals_count_each_session_once(
    client: Client, personas: Personas, directory: Directory, frozen_today: None
) -> None:
    # Knitting has two categories: its sessions must not count twice in the monthly totals.
    sign_in(client, personas.coordinator)
    context = client.get("/staff/planning/").context
    march = context["month_chart"][0]
    expected = Session.objects.filter(
        activity__in=(directory.knitting, directory.walk),  # what Ashfield sees
        local_date__gte=TODAY,
        local_date__lt=date(2026, 4, 1),
        status="scheduled",
    ).count()
    assert march["n"] == expected


def test_the_review_shows_a_change_of_support_features(
    client: Client, personas: Personas, directory: Directory
) -> None:
    partner = Client()
    sign_in(partner, personas.partner_lead)
    knitting = directory.knitting
    data = {
        "title": knitting.title,
        "summary": knitting.summary,
        "categories": list(knitting.categories.values_list("pk", flat=True)),
        "support_features": [SupportFeature.objects.get(code="buddy-available").pk],
        "venue": directory.hall.pk,
        "cost": "free",
        "booking": "drop_in",
        "capacity_status": "welcoming",
        "bring_someone": "yes",
    }
    partner.post(f"/staff/listings/activities/{knitting.public_id}/edit/", data)
    revision = knitting.revisions.get()
    sign_in(client, personas.coordinator)
    html = client.get(f"/staff/curation/review/{revision.public_id}/").text
    assert "What makes it easier to come" in html and "Buddy available" in html


def test_one_organisations_bad_name_does_not_stop_the_others_being_asked(
    directory: Directory,
) -> None:
    for organisation, email in (
        (directory.knit, "knit@example.org"),
        (directory.walkers, "walk@example.org"),
    ):
        organisation.email = email
        organisation.save()
    directory.knit.name = "Kirkby Knit\nand Natter"
    directory.knit.save()
    Activity.objects.update(last_confirmed_at=timezone.now() - timedelta(days=100))
    result = send_confirmation_requests()
    assert result["failed"] == 0
    assert {m.to[0] for m in mail.outbox} >= {"knit@example.org", "walk@example.org"}
    assert all("\n" not in m.subject for m in mail.outbox)


@pytest.mark.usefixtures("frozen_today")
def test_filters_never_list_a_session_twice(client: Client, directory: Directory) -> None:
    both = Category.objects.filter(slug__in=("arts-and-crafts", "social-and-friendship"))
    directory.knitting.categories.set(both)
    response = client.get(
        "/ashfield/whats-on/", {"category": ["arts-and-crafts", "social-and-friendship"]}
    )
    ids = [row["session"].pk for row in response.context["rows"]]
    assert ids and len(ids) == len(set(ids))
    assert (
        response.context["page_obj"].paginator.count
        == Session.objects.filter(activity=directory.knitting, local_date__gte=TODAY).count()
    )


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


def test_a_schedule_of_another_activity_is_404(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    walk_schedule = directory.walk.schedules.get()
    knitting = directory.knitting.public_id
    url = f"/staff/listings/activities/{knitting}/schedules/{walk_schedule.pk}/edit/"
    assert client.get(url).status_code == 404
