"""Public What's on: filters in the URL, sharing between areas, distance, paging, bad input."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Category, Session
from inspiring.directory.recurrence import LONDON
from inspiring.directory.search import RankedActivities, distance_label

from .builders import Directory, activity, over_days, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_today: None) -> None:
    """These pages start from now: pin it to the directory's fixed today."""


def titles(response: Any) -> list[str]:
    return [row["activity"].title for row in response.context["rows"]]


def test_an_area_sees_its_own_and_shared_activities(client: Client, directory: Directory) -> None:
    # Mansfield shares with Ashfield; Newark and Sherwood shares with no one but Mansfield.
    found = set(titles(client.get("/ashfield/whats-on/")))
    assert found == {"Knit and Natter", "Saturday Health Walk"}
    found = set(titles(client.get("/newark-and-sherwood/whats-on/")))
    assert found == {"Community Choir", "Saturday Health Walk"}


def test_a_shared_activity_is_labelled_with_its_home_area(
    client: Client, directory: Directory
) -> None:
    html = client.get("/ashfield/whats-on/").text
    assert "Inspiring Mansfield" in html  # the walk is Mansfield's


def test_by_date_lists_sessions_soonest_first_under_each_day(
    client: Client, directory: Directory
) -> None:
    response = client.get("/ashfield/whats-on/", {"view": "dates"})
    starts = [row["session"].start for row in response.context["rows"]]
    assert starts == sorted(starts)
    assert "On Tuesday 3 March" in response.text
    assert "sessions found" in response.text
    # Day by day stays in time order even when asked for nearest first.
    near = client.get(
        "/ashfield/whats-on/", {"view": "dates", "postcode": "NG17 7AE", "sort": "distance"}
    )
    starts = [row["session"].start for row in near.context["rows"]]
    assert starts == sorted(starts)


def test_each_activity_is_listed_once_with_when_and_its_next_three_dates(
    client: Client, directory: Directory
) -> None:
    response = client.get("/ashfield/whats-on/")
    rows = response.context["rows"]
    assert [row["activity"].title for row in rows] == ["Knit and Natter", "Saturday Health Walk"]
    knitting = rows[0]
    assert knitting["when"] == ["Every Tuesday, 10:00 to 12:00"]
    assert [s.local_date.isoformat() for s in knitting["dates"]] == [
        "2026-03-03",
        "2026-03-10",
        "2026-03-17",
    ]
    assert "2 activities found." in response.text
    assert "Every Tuesday, 10:00 to 12:00" in response.text
    assert "Tuesday 3 March" in response.text and "Tuesday 17 March" in response.text
    assert "Tuesday 24 March" not in response.text


def test_the_next_dates_follow_the_filters(client: Client, directory: Directory) -> None:
    response = client.get(
        "/ashfield/whats-on/", {"date_from": "2026-03-09", "date_to": "2026-03-12"}
    )
    rows = {row["activity"].title: row for row in response.context["rows"]}
    assert [s.local_date.isoformat() for s in rows["Knit and Natter"]["dates"]] == ["2026-03-10"]
    # The walk (Saturdays) has nothing in those days: not listed.
    assert "Saturday Health Walk" not in rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"day": "5"}, {"Saturday Health Walk"}),
        ({"time": "morning"}, {"Knit and Natter", "Saturday Health Walk"}),
        ({"time": "evening"}, set()),
        ({"category": "walking"}, {"Saturday Health Walk"}),
        ({"category": ["walking", "arts-and-crafts"]}, {"Knit and Natter", "Saturday Health Walk"}),
        ({"feature": "come-alone-welcome"}, {"Knit and Natter"}),
        ({"feature": ["come-alone-welcome", "outdoors"]}, set()),
        ({"q": "knit"}, {"Knit and Natter"}),
        ({"q": "Mansfield Walkers"}, {"Saturday Health Walk"}),
    ],
)
def test_filters(client: Client, directory: Directory, query: dict, expected: set[str]) -> None:
    assert set(titles(client.get("/ashfield/whats-on/", query))) == expected


def test_free_only_and_dates(client: Client, directory: Directory) -> None:
    assert set(titles(client.get("/newark-and-sherwood/whats-on/", {"free": "on"}))) == {
        "Saturday Health Walk"
    }
    one_day = {"date_from": "2026-03-07", "date_to": "2026-03-07"}
    response = client.get("/ashfield/whats-on/", one_day)
    assert titles(response) == ["Saturday Health Walk"]


def test_distance_from_a_postcode(client: Client, directory: Directory) -> None:
    # From Kirkby-in-Ashfield (the knitting group's hall): the Mansfield walk is about 5 miles.
    near = client.get("/ashfield/whats-on/", {"postcode": "NG17 7AE", "within": "2"})
    assert set(titles(near)) == {"Knit and Natter"}
    wide = client.get(
        "/ashfield/whats-on/", {"postcode": "ng177ae", "within": "10", "sort": "distance"}
    )
    rows = wide.context["rows"]
    assert rows[0]["activity"].title == "Knit and Natter"
    # Miles everywhere, as the distance filter gives them, even under a mile.
    assert rows[0]["distance"].endswith("miles")
    assert rows[1]["distance"].endswith("miles")
    assert "away" in wide.text
    assert " km" not in wide.text and "1 km" not in wide.text


def test_nearest_first_lists_each_activity_once_nearest_first(
    client: Client, directory: Directory
) -> None:
    for n in range(3):
        other = activity(directory.knit, f"Hall Club {n}", at=directory.hall)
        weekly(other, "TH", time(14), time(15), from_date=TODAY)
    materialise_all(today=TODAY)
    response = client.get("/ashfield/whats-on/", {"postcode": "NG17 7AE", "sort": "distance"})
    rows = response.context["rows"]
    titles_found = [row["activity"].title for row in rows]
    assert len(titles_found) == len(set(titles_found)) == 5
    assert titles_found[-1] == "Saturday Health Walk"  # about 5 miles; the rest are in the hall
    # Those at the same place: soonest first.
    assert titles_found[:4] == ["Knit and Natter", "Hall Club 0", "Hall Club 1", "Hall Club 2"]
    assert "5 activities found, nearest first." in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"postcode": "NG17"}, "Enter a full postcode"),
        ({"within": "2"}, "Enter a postcode to search by distance"),
        ({"sort": "distance"}, "Enter a postcode to sort by distance"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "The end date must be the same"),
        ({"date_from": "not a date"}, "Enter the start date as a real date"),
        ({"day": "9"}, "Select a valid choice"),
        ({"within": "1000"}, "Select a valid choice"),
    ],
)
def test_bad_filters_get_a_message_and_the_unfiltered_list(
    client: Client, directory: Directory, query: dict, message: str
) -> None:
    response = client.get("/ashfield/whats-on/", query)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert titles(response)  # the page still lists what's on


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "9999-12-31"}, "Enter a start date between 1 January 2000 and"),
        ({"date_to": "9999-12-31"}, "Enter an end date between 1 January 2000 and"),
        ({"date_from": "0001-01-01"}, "Enter a start date between 1 January 2000 and"),
    ],
)
def test_dates_off_the_end_of_the_calendar_get_a_message(
    client: Client, directory: Directory, query: dict, message: str
) -> None:
    page = client.get("/ashfield/whats-on/", query)
    assert page.status_code == 200
    assert message in page.text
    assert titles(page)
    # The feed (which adds three months to the start date) says what is wrong.
    feed = client.get("/ashfield/calendar.ics", query)
    assert feed.status_code == 400
    assert message in feed.text
    for url in ("/ashfield/whats-on/widget/", "/ashfield/whats-on/print/"):
        assert client.get(url, query).status_code == 200


def test_pending_withdrawn_and_paused_activities_are_not_listed(
    client: Client, directory: Directory, personas: Any
) -> None:
    hidden = activity(directory.knit, "Secret Pending", at=directory.hall, status="pending")
    weekly(hidden, "WE", time(10), time(11), from_date=TODAY)
    Activity.objects.filter(pk=directory.walk.pk).update(capacity_status="paused")
    materialise_all(today=TODAY)
    assert set(titles(client.get("/ashfield/whats-on/"))) == {"Knit and Natter"}


def test_a_cancelled_session_is_shown_as_cancelled(client: Client, directory: Directory) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start").first()
    assert session is not None
    session.status, session.note = "cancelled", "Hall closed"
    session.save()
    html = client.get("/ashfield/whats-on/").text
    assert "Cancelled" in html and "Hall closed" in html


def test_paging_keeps_the_filters_and_queries_stay_constant(
    client: Client, directory: Directory, django_assert_max_num_queries: Any
) -> None:
    query = {"category": "arts-and-crafts", "view": "dates"}
    first = client.get("/ashfield/whats-on/", query)
    assert first.context["page_obj"].paginator.num_pages > 1
    assert 'href="?category=arts-and-crafts&amp;view=dates&amp;page=2"' in first.text
    client.get("/ashfield/whats-on/")
    with django_assert_max_num_queries(12) as few:
        client.get("/ashfield/whats-on/")
    for n in range(15):
        more = activity(directory.knit, f"Extra {n}", at=directory.hall, features=("small-group",))
        weekly(more, "MO", time(9), time(10), from_date=TODAY)
    materialise_all(today=TODAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/ashfield/whats-on/")


def test_the_activities_page_takes_the_same_queries_however_many_it_lists(
    client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    query = {"postcode": "NG17 7AE", "sort": "distance", "category": "arts-and-crafts"}
    client.get("/ashfield/whats-on/", query)
    # the visit's session (read, and saved with its savepoint: it remembers the
    # postcode), area, the form's categories and features, the postcode, count,
    # page, the page's categories, features and schedules (prefetched), next dates
    with django_assert_num_queries(14):
        few = client.get("/ashfield/whats-on/", query)
    assert len(few.context["rows"]) == 1
    for n in range(25):
        more = activity(
            directory.knit,
            f"Extra {n}",
            at=directory.hall,
            categories=("arts-and-crafts",),
            features=("small-group",),
        )
        weekly(more, "MO", time(9), time(10), from_date=TODAY)
    materialise_all(today=TODAY)
    with django_assert_num_queries(14):
        many = client.get("/ashfield/whats-on/", query)
    assert len(many.context["rows"]) == 20


def test_htmx_gets_the_results_only(client: Client, directory: Directory) -> None:
    response = client.get("/ashfield/whats-on/", {"day": "1"}, HTTP_HX_REQUEST="true")
    assert "HX-Request" in response.headers["Vary"]
    assert 'id="whats-on-count" aria-live="polite" hx-swap-oob="true"' in response.text
    assert '<div id="whats-on-results">' in response.text
    assert "<html" not in response.text
    # A bad filter loads the whole page, where the error summary is.
    bad = client.get("/ashfield/whats-on/", {"postcode": "NG17"}, HTTP_HX_REQUEST="true")
    assert bad.headers["HX-Redirect"].startswith("/ashfield/whats-on/?postcode=NG17")


def test_the_full_page_says_it_varies_on_htmx_so_back_never_shows_the_fragment(
    client: Client, directory: Directory
) -> None:
    # Browsers cache by address; Back reads that cache. Without Vary, the results
    # fragment htmx fetched for this address comes back as the page.
    page = client.get("/ashfield/whats-on/", {"day": "1"})
    vary = {v.strip() for v in page.headers["Vary"].split(",")}
    assert {"HX-Request", "HX-History-Restore-Request", "Cookie"} <= vary
    assert "<html" in page.text


def test_a_history_restore_gets_the_whole_page(client: Client, directory: Directory) -> None:
    # htmx asks for an address it pushed, when its snapshot is gone, as an htmx
    # request marked as a history restore: it puts the answer in place of the body.
    restored = client.get(
        "/ashfield/whats-on/",
        {"day": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in restored.text
    assert 'class="app-filters"' in restored.text
    assert "<h1>What's on</h1>" in restored.text


def test_an_unknown_area_is_404(client: Client, directory: Directory) -> None:
    assert client.get("/nowhere/whats-on/").status_code == 404


def test_nothing_found_says_what_to_try(client: Client, directory: Directory) -> None:
    html = client.get("/ashfield/whats-on/", {"q": "underwater basket weaving"}).text
    assert "No activities found." in html
    assert "No sessions match these filters. Try fewer filters" in html
    assert "Try fewer filters" in html
    assert 'href="/ashfield/refer-yourself/"' in html
    assert "Get help from a link worker to find something and go along" in html


def test_the_results_offer_a_link_worker_s_help(client: Client, directory: Directory) -> None:
    html = client.get("/ashfield/whats-on/").text
    assert 'href="/ashfield/refer-yourself/">Get help from a link worker' in html


def test_sessions_already_over_today_are_not_shown(client: Client, directory: Directory) -> None:
    later = datetime.combine(TODAY + timedelta(days=1), time(13), tzinfo=LONDON)
    with mock.patch("django.utils.timezone.now", return_value=later):
        rows = client.get("/ashfield/whats-on/", {"view": "dates"}).context["rows"]
        activities = client.get("/ashfield/whats-on/").context["rows"]
    assert rows
    assert all(row["session"].end >= later for row in rows)
    # Tuesday's knitting (10:00-12:00) is over by 13:00; Saturday's walk is next.
    assert rows[0]["activity"].title == "Saturday Health Walk"
    assert activities[0]["activity"].title == "Saturday Health Walk"
    assert all(s.end >= later for row in activities for s in row["dates"])


@pytest.mark.usefixtures("frozen_today")
def test_a_private_address_cannot_be_found_by_distance(
    client: Client, directory: Directory
) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(
        hide_address=True, locality="Kirkby-in-Ashfield"
    )
    near = client.get("/ashfield/whats-on/", {"postcode": "NG17 7AE", "within": "0.5"})
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
    rows = client.get("/ashfield/whats-on/", query).context["rows"]
    assert [r["activity"].title for r in rows] == [
        "Knit and Natter",
        "Saturday Health Walk",
        "Online Quiz",
    ]
    assert rows[-1]["distance"] == ""


@pytest.mark.usefixtures("frozen_today")
def test_filters_never_list_a_session_twice(client: Client, directory: Directory) -> None:
    both = Category.objects.filter(slug__in=("arts-and-crafts", "social-and-friendship"))
    directory.knitting.categories.set(both)
    query = {"category": ["arts-and-crafts", "social-and-friendship"]}
    response = client.get("/ashfield/whats-on/", {**query, "view": "dates"})
    ids = [row["session"].pk for row in response.context["rows"]]
    assert ids and len(ids) == len(set(ids))
    assert (
        response.context["page_obj"].paginator.count
        == Session.objects.filter(activity=directory.knitting, local_date__gte=TODAY).count()
    )
    activities = client.get("/ashfield/whats-on/", query).context
    assert [r["activity"].title for r in activities["rows"]] == ["Knit and Natter"]
    assert activities["page_obj"].paginator.count == 1


def test_the_filters_in_use_are_listed_each_with_a_link_that_removes_it(
    client: Client, directory: Directory
) -> None:
    query = {"free": "on", "day": ["1", "5"], "postcode": "NG17 7AE", "within": "2"}
    response = client.get("/ashfield/whats-on/", query)
    active = {f.label: f.remove_url for f in response.context["active_filters"]}
    assert set(active) == {"Free only", "Tuesday", "Saturday", "Within 2 miles of NG17 7AE"}
    assert active["Tuesday"] == ("/ashfield/whats-on/?free=on&day=5&postcode=NG17+7AE&within=2")
    # Without the postcode, the distance goes too, and the remembered postcode is forgotten.
    assert (
        active["Within 2 miles of NG17 7AE"] == "/ashfield/whats-on/?free=on&day=1&day=5&postcode="
    )
    assert "Remove filter: </span>Free only" in response.text
    short_walk = client.get("/ashfield/whats-on/", {"postcode": "NG17 7AE", "within": "0.5"})
    labels = [f.label for f in short_walk.context["active_filters"]]
    assert labels == ["Within half a mile of NG17 7AE"]
    assert client.get("/ashfield/whats-on/").status_code == 302
    client.get(active["Within 2 miles of NG17 7AE"])
    assert client.get("/ashfield/whats-on/").status_code == 200


def test_distances_are_in_miles() -> None:
    assert distance_label(0.42) == "0.4 miles"
    assert distance_label(0.96) == "1 mile"
    assert distance_label(2.34) == "2.3 miles"
    assert distance_label(0.04) == "under 0.1 miles"


def test_a_cancelled_date_is_marked_among_the_next_dates(
    client: Client, directory: Directory
) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start").first()
    assert session is not None
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    rows = client.get("/ashfield/whats-on/").context["rows"]
    dates = next(r["dates"] for r in rows if r["activity"] == directory.knitting)
    assert dates[0].pk == session.pk and dates[0].is_cancelled


def test_a_listing_not_confirmed_for_months_says_check_before_you_go(
    client: Client, directory: Directory, settings: Any
) -> None:
    from django.utils import timezone

    assert "Check before you go" not in client.get("/ashfield/whats-on/").content.decode()
    Activity.objects.filter(pk=directory.knitting.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=settings.LISTING_STALE_DAYS + 1)
    )
    html = client.get("/ashfield/whats-on/").content.decode()
    assert html.count("Check before you go") == 1 and "Not confirmed since" in html


def test_the_list_can_be_added_to_a_calendar_app_as_filtered(
    client: Client, directory: Directory
) -> None:
    html = client.get("/ashfield/whats-on/", {"free": "1"}).content.decode()
    assert 'href="/ashfield/calendar/subscribe/?free=1"' in html


# --- Sessions lasting days -------------------------------------------------------------------


def festival(directory: Directory, first: date, days: int) -> Activity:
    """An all-day event over `days` days from `first`, at the Kirkby hall."""
    item = activity(directory.knit, "Kirkby Festival", at=directory.hall)
    over_days(item, first, days)
    materialise_all(today=TODAY)
    return item


def test_a_festival_already_running_is_listed_today_with_its_days(
    client: Client, directory: Directory
) -> None:
    # Today is Monday 2 March; the festival began on Friday.
    festival(directory, date(2026, 2, 27), 4)
    response = client.get("/ashfield/whats-on/")
    assert "Kirkby Festival" in titles(response)
    assert "Friday 27 February to Monday 2 March" in response.text
    (row,) = [row for row in response.context["rows"] if row["activity"].title == "Kirkby Festival"]
    assert row["when"] == ["Once, Friday 27 February to Monday 2 March 2026, all day"]
    by_date = client.get("/ashfield/whats-on/", {"view": "dates"})
    first_day = by_date.context["days"][0]
    assert first_day[0] == TODAY
    assert "Kirkby Festival" in [row["activity"].title for row in first_day[1]]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ({"day": "5"}, True),  # Saturday: the festival's middle day
        ({"day": "6"}, True),  # Sunday: its last
        ({"day": "1"}, False),  # Tuesday: not one of its days
        ({"date_from": "2026-03-07", "date_to": "2026-03-07"}, True),
        ({"date_from": "2026-03-09"}, False),  # the Monday after
        ({"date_to": "2026-03-05"}, False),  # the Thursday before
    ],
    ids=["saturday", "sunday", "tuesday", "on-its-saturday", "after", "before"],
)
def test_a_festival_is_found_on_each_of_its_days(
    client: Client, directory: Directory, query: dict[str, str], listed: bool
) -> None:
    festival(directory, date(2026, 3, 6), 3)  # Friday 6 to Sunday 8 March
    for view in ("activities", "dates"):
        response = client.get("/ashfield/whats-on/", {**query, "view": view})
        assert response.status_code == 200
        assert ("Kirkby Festival" in titles(response)) is listed, view


def test_the_month_shows_a_festival_on_each_of_its_days(
    client: Client, directory: Directory
) -> None:
    festival(directory, date(2026, 3, 6), 3)
    response = client.get("/ashfield/calendar/2026/3/")
    days = {
        day
        for day, sessions in response.context["days"]
        if any(s.activity.title == "Kirkby Festival" for s in sessions)
    }
    assert days == {date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8)}
    assert "Friday 6 to Sunday 8 March, all day" in response.text


def test_ranking_nothing_is_an_empty_list(directory: Directory) -> None:
    # Ranked in a derived table (lib.sql.fenced): an empty queryset has no statement.
    nothing = RankedActivities(Activity.objects.none())
    assert len(nothing) == 0 and nothing.ids == [] and nothing[0:20] == []


# --- Places to book, from the sessions' own rows ------------------------------------------


def set_places(directory: Directory, *booked: int, places: int = 3) -> list[Session]:
    """Places on Knit and Natter's next sessions, with `booked` of them taken on each."""
    sessions = list(Session.objects.filter(activity=directory.knitting).order_by("start"))
    for session, taken in zip(sessions, booked, strict=False):
        Session.objects.filter(pk=session.pk).update(places=places, booked=taken)
    return sessions[: len(booked)]


def test_the_next_dates_say_the_places_left_with_no_more_queries(
    client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    query = {"postcode": "NG17 7AE", "sort": "distance", "category": "arts-and-crafts"}
    client.get("/ashfield/whats-on/", query)
    set_places(directory, 0, 2, 3)
    # As many queries as the page without places (the activities page's test above).
    with django_assert_num_queries(14):
        html = client.get("/ashfield/whats-on/", query).text
    assert "3 places left" in html and "1 place left" in html
    assert '<strong class="nhsuk-tag nhsuk-tag--grey">Full: join the waiting list</strong>' in html
    assert "Fully booked" not in html


def test_a_full_session_without_a_waiting_list_is_fully_booked(
    client: Client, directory: Directory
) -> None:
    set_places(directory, 3)
    Activity.objects.filter(pk=directory.knitting.pk).update(waiting_list=False)
    html = client.get("/ashfield/whats-on/").text
    assert "Fully booked" in html and "Full: join the waiting list" not in html


def test_a_session_not_booked_here_or_cancelled_says_nothing_of_places(
    client: Client, directory: Directory
) -> None:
    html = client.get("/ashfield/whats-on/").text
    assert "places left" not in html and "Fully booked" not in html
    (cancelled,) = set_places(directory, 1)
    Session.objects.filter(pk=cancelled.pk).update(status="cancelled")
    html = client.get("/ashfield/whats-on/").text
    assert "Cancelled" in html and "places left" not in html


def test_day_by_day_says_the_places_left_with_no_more_queries(
    client: Client, directory: Directory, django_assert_max_num_queries: Any
) -> None:
    query = {"view": "dates", "category": "arts-and-crafts"}
    client.get("/ashfield/whats-on/", query)
    with django_assert_max_num_queries(100) as without_places:
        client.get("/ashfield/whats-on/", query)
    set_places(directory, 1, 3)
    with django_assert_max_num_queries(len(without_places.captured_queries)):
        response = client.get("/ashfield/whats-on/", query)
    places = [row["places"] for row in response.context["rows"]][:3]
    assert places == ["2 places left", "Full: join the waiting list", ""]
    assert '<strong class="nhsuk-tag nhsuk-tag--blue">2 places left</strong>' in response.text
