"""What a suggestion says on the case page's suggestions (issue 14, points 2, 4 and 5):
each card tells the activities apart (organiser, place, when, next date, distance) and
links to the activity; a longer distance chosen on the call widens this search (said as
such; the assessment stays as it is); when nothing fits, the near misses are shown; what
did not fit any of them is said once; every schedule is described as it is."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Venue
from inspiring.matching.service import as_json, suggestions_for
from tests.casework.conftest import Casework
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.personas import Personas

from .test_views import assess

pytestmark = pytest.mark.django_db

MILES_PER_DEGREE_OF_LATITUDE = 69.09


def north_of_mary(owner: Any, name: str, miles: float, **extra: Any) -> Venue:
    """A venue `miles` due north of Mary's postcode (NG17 7AE)."""
    place = venue(owner, name, "NG17 7AE", **extra)
    place.latitude += miles / MILES_PER_DEGREE_OF_LATITUDE
    place.save()
    return place


def choir_at(personas: Personas, miles: float, **extra: Any) -> Activity:
    singers = organisation(personas.ashfield, "Kirkby Singers")
    hall = north_of_mary(singers, "Kirkby Methodist Hall", miles, town="Kirkby-in-Ashfield")
    item = activity(singers, "Community choir", at=hall, categories=("music",), **extra)
    weekly(item, "TH", time(14), time(15), from_date=timezone.localdate())
    materialise_all()
    return item


def page_for(browser: Browser, personas: Personas, casework: Casework, **query: Any) -> str:
    sign_in(browser, personas.link_worker, area=personas.ashfield)
    url = reverse("matching:suggestions", args=[casework.mary.public_id])
    return str(browser.get(url, query).content.decode())


def card(html: str, title: str) -> str:
    """The suggestion card (or near miss) with this title."""
    start = html.index(f">{title}<")
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


# --- Point 2: cards that tell activities apart -------------------------------------------


def test_a_card_names_organiser_place_when_next_date_and_distance_and_links_to_it(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    choir = choir_at(personas, 1.0)
    assess(casework.mary, max_travel_miles=3)
    html = page_for(client, personas, casework)
    found = card(html, "Community choir")
    link = reverse("directory:activity", args=["ashfield", choir.public_id])
    assert f'href="{link}"' in found
    assert "Kirkby Singers" in found
    assert "Kirkby Methodist Hall" in found
    assert "Every Thursday, 14:00 to 15:00" in found  # as the directory says it
    nxt = timezone.localtime(choir.sessions.order_by("start").first().start)  # type: ignore[union-attr]
    assert f"{nxt:%A} {nxt.day} {nxt:%B}" in found
    assert "1 mile" in found and "1 miles" not in found and "1.0 miles" not in found
    walk = card(html, "Health walk")
    assert "Kirkby Walking Group" in walk and "Kirkby Community Hall" in walk
    assert "Every Tuesday, 10:00 to 11:00" in walk


def test_a_card_says_every_schedule_still_to_come_and_no_past_one(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    walk = casework.walk
    today = timezone.localdate()
    weekly(walk, "", time(18), time(19), from_date=today, rrule="FREQ=WEEKLY;BYDAY=TH")
    weekly(walk, "", time(9), time(10), from_date=today - timedelta(days=30), rrule="")
    materialise_all()
    assess(casework.mary)
    found = card(page_for(client, personas, casework), "Health walk")
    assert "Every Tuesday, 10:00 to 11:00; Every Thursday, 18:00 to 19:00" in found
    assert "Once" not in found  # the one-off last month is over


def test_a_private_address_shows_the_locality_and_an_online_activity_says_online(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    group = organisation(personas.ashfield, "Quiet Minds")
    hall = venue(group, "12 Secret Street", "NG17 7AE")
    private = activity(
        group, "Peer support circle", at=hall, hide_address=True, locality="Sutton-in-Ashfield"
    )
    online = activity(group, "Online coffee morning", at=None, online=True)
    for item in (private, online):
        weekly(item, "WE", time(10), time(11), from_date=timezone.localdate())
    materialise_all()
    assess(casework.mary)
    html = page_for(client, personas, casework)
    circle = card(html, "Peer support circle")
    assert "Sutton-in-Ashfield" in circle and "Secret Street" not in circle
    assert "Quiet Minds" in circle
    assert "Online" in card(html, "Online coffee morning")


def test_the_page_reads_the_same_number_of_queries_however_many_are_suggested(
    client: Browser,
    personas: Personas,
    casework: Casework,
    django_assert_num_queries: Any,
) -> None:
    assess(casework.mary)
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("matching:suggestions", args=[casework.mary.public_id])
    client.get(url)  # the session and the caches warmed
    with django_assert_num_queries(19) as one:  # 22 before the cards said more
        page = client.get(url)
    assert len(page.context["result"].suggestions) == 1
    group = organisation(personas.ashfield, "Many Groups")
    for n in range(8):
        hall = venue(group, f"Hall {n}", "NG17 7AE")
        item = activity(group, f"Group {n}", at=hall, categories=("music", "walking"))
        weekly(item, "MO", time(9 + n), time(10 + n), from_date=timezone.localdate())
        weekly(item, "FR", time(9 + n), time(10 + n), from_date=timezone.localdate())
    materialise_all()
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert len(page.context["result"].suggestions) == 9


def test_near_misses_read_a_fixed_number_of_queries_too(
    client: Browser,
    personas: Personas,
    casework: Casework,
    django_assert_num_queries: Any,
) -> None:
    choir_at(personas, 2.4)
    assess(casework.mary, max_travel_miles=2, availability={"TH": ["afternoon"]})
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("matching:suggestions", args=[casework.mary.public_id])
    client.get(url)
    # The page's 19 (its activities read from the match index in one query, travel
    # limit or not), and two for each of the two limits relaxed: the activities (the
    # categories and features are not read again) and their sessions (one batch).
    with django_assert_num_queries(22) as one:
        page = client.get(url)
    assert len(page.context["result"].near_misses) == 2
    group = organisation(personas.ashfield, "Far Groups")
    for n in range(4):
        hall = north_of_mary(group, f"Far Hall {n}", 2.5 + n / 10)
        item = activity(group, f"Far group {n}", at=hall)
        weekly(item, "TH", time(13), time(14), from_date=timezone.localdate())
    materialise_all()
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert len(page.context["result"].near_misses) == 5


def test_the_command_gives_the_same_details(personas: Personas, casework: Casework) -> None:
    choir_at(personas, 1.0)
    assess(casework.mary)
    result = as_json(suggestions_for(casework.mary))
    choir = next(s for s in result["suggestions"] if s["title"] == "Community choir")
    assert choir["organiser"] == "Kirkby Singers"
    assert choir["place"] == "Kirkby Methodist Hall, Kirkby-in-Ashfield"
    assert choir["when"] == ["Every Thursday, 14:00 to 15:00"]


def test_the_command_prints_who_runs_each_where_and_when_and_the_near_misses(
    personas: Personas, casework: Casework
) -> None:
    choir_at(personas, 2.4)
    assess(casework.mary, max_travel_miles=2, availability={"TH": ["afternoon"]})
    out = StringIO()
    call_command("suggest", str(casework.mary.public_id), stdout=out)
    printed = out.getvalue()
    assert "No activity fits every limit." in printed
    assert "Near miss: Community choir: 2.4 miles away, further than 2 miles" in printed
    assert (
        "Kirkby Singers, Kirkby Methodist Hall, Kirkby-in-Ashfield; Every Thursday, 14:00 to 15:00"
    ) in printed
    assert "Near miss: Health walk: Tuesday mornings, not a time they can go" in printed


# --- Point 4: widening, near misses, "1 mile", what did not fit said once ----------------


def test_a_longer_distance_widens_this_search_and_says_so(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    choir_at(personas, 2.4)
    assessment = assess(casework.mary, interests=["music"], max_travel_miles=2)
    html = page_for(client, personas, casework)
    assert "anything outside 2 miles" in html
    assert ">Community choir<" not in html.split("Near misses")[0]
    html = page_for(client, personas, casework, miles="5", category="music")
    assert "Widened to 5 miles for this search; their assessment says 2 miles." in html
    assert "anything outside 5 miles" in html and "anything outside 2 miles" not in html
    assert "Try a longer distance" not in html
    found = card(html, "Community choir")
    assert "2.4 miles" in found and "Why not" not in found
    assessment.refresh_from_db()
    assert assessment.max_travel_miles == Decimal(2)  # the assessment is not changed
    # A shorter distance narrows, as before, and is not called widening.
    html = page_for(client, personas, casework, miles="1")
    assert "Widened" not in html and "anything outside 1 mile," in html


def test_when_nothing_fits_the_near_misses_are_shown_with_what_they_miss(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    choir_at(personas, 2.4)
    assess(casework.mary, max_travel_miles=2, availability={"TH": ["afternoon"]})
    html = page_for(client, personas, casework, category="music")
    assert "No activity fits every limit" in html
    assert "Try a longer distance" not in html
    near = card(html, "Community choir")
    assert "2.4 miles away, further than 2 miles" in near and "Kirkby Singers" in near
    # Offered: this search at a longer distance (3 or 5 miles), as links.
    assert "miles=3&amp;category=music" in html or "category=music&amp;miles=3" in html
    # Outside their week: the walk (Tuesday mornings) is a near miss of another kind.
    html = page_for(client, personas, casework)
    walk = card(html, "Health walk")
    assert "Tuesday mornings, not a time they can go" in walk


def test_no_wider_distance_is_offered_past_the_longest_and_no_near_miss_is_made_up(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    assess(casework.mary, max_travel_miles=5)
    html = page_for(client, personas, casework, days="SU")
    assert "No activity fits every limit and what you narrowed it to" in html
    assert "Near misses" not in html and "miles=" not in html.split("No activity fits")[1]


def test_one_mile_is_singular(client: Browser, personas: Personas, casework: Casework) -> None:
    assess(casework.mary, max_travel_miles=1)
    html = page_for(client, personas, casework)
    assert "anything outside 1 mile," in html and "1 miles" not in html


def test_what_did_not_fit_any_of_them_is_said_once_above_the_list(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    choir_at(personas, 0.5)
    assess(casework.mary, barriers=["transport", "anxiety"], interests=["music"])
    html = page_for(client, personas, casework)
    assert html.count("nothing here for transport or distance") == 1
    above = html[: html.index('class="nhsuk-list app-suggestions"')]
    assert "nothing here for transport or distance" in above
    # What differs stays on the card: the walk is not one of their interests.
    assert "not one of their interests" in card(html, "Health walk")
    assert "not one of their interests" not in card(html, "Community choir")


# --- Point 5: every schedule as it is ---------------------------------------------------


def test_a_week_that_works_describes_a_monthly_group_as_monthly(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    group = organisation(personas.ashfield, "Memory Cafe Trust")
    hall = venue(group, "Cafe Hall", "NG17 7AE")
    cafe = activity(group, "Memory cafe", at=hall, categories=("music",))
    weekly(
        cafe, "", time(11), time(12), from_date=timezone.localdate(), rrule="FREQ=MONTHLY;BYDAY=1TH"
    )
    materialise_all()
    assess(casework.mary, availability={"TH": ["morning"]})
    html = page_for(client, personas, casework)
    start = html.index("A week that works")
    week = html[start : html.index("</ul>", start)]
    assert "Memory cafe" in week
    assert "First Thursday of the month, 11:00 to 12:00" in week
    assert "Thursdays, 11:00" not in week
    assert "First Thursday of the month, 11:00 to 12:00" in card(html, "Memory cafe")
