"""The public survey, page by page: progress in the session only, Back and Change,
check your answers, then one Response; the honeypot, the minimum time and the throttle
refuse without storing anything; a closed survey says so, a draft is not found."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from inspiring.areas.geography import Place
from inspiring.measures import library
from inspiring.surveys.actions import do_close
from inspiring.surveys.choices import BARRIER_BITS, Mode
from inspiring.surveys.models import Response, Survey
from inspiring.surveys.views import answering

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_waiting(settings: Any) -> None:
    # The minimum time is tested on its own below.
    settings.SURVEY_MIN_SECONDS = 0


def url(survey: Survey, name: str = "answer_start", **kwargs: Any) -> str:
    return reverse(
        f"surveys:{name}",
        kwargs={"slug": survey.area.slug, "public_id": survey.public_id, **kwargs},
    )


def step(survey: Survey, number: int) -> str:
    return url(survey, "answer_step", step=number)


def kinds(survey: Survey) -> list[str]:
    return [s.instrument_code or s.kind for s in survey.sections.all()]


def page_of(survey: Survey, kind: str) -> int:
    return kinds(survey).index(kind) + 1


def start(client: Client, survey: Survey) -> None:
    response = client.post(url(survey))
    assert response.status_code == 302 and response["Location"] == step(survey, 1)


def skip_the_rest(client: Client, survey: Survey) -> None:
    """Press Continue, answering nothing, on every page not yet answered."""
    progress = client.session[f"surveys.answering.{survey.public_id}"]
    for number, section in enumerate(survey.sections.all(), start=1):
        if str(section.pk) not in progress["sections"]:
            assert client.post(step(survey, number), {}).status_code == 302


def through(client: Client, survey: Survey) -> None:
    """Start, then skip every page: ready to send."""
    start(client, survey)
    skip_the_rest(client, survey)


def test_the_start_page_says_who_runs_it_how_long_and_what_is_kept(
    client: Client, ashfield_survey: Survey
) -> None:
    page = client.get(url(ashfield_survey)).content.decode()
    assert "Inspiring Ashfield runs this survey" in page
    assert "minutes" in page and "anonymous" in page
    assert "never the postcode itself" in page
    assert "Start now" in page


def test_coming_back_to_the_start_page_continues_where_they_left_off(
    client: Client, ashfield_survey: Survey
) -> None:
    start(client, ashfield_survey)
    client.post(step(ashfield_survey, 1), {})
    client.post(step(ashfield_survey, 2), {"barriers": ["time"]})
    page = client.get(url(ashfield_survey)).content.decode()
    assert "Continue where you left off" in page
    assert client.post(url(ashfield_survey))["Location"] == step(ashfield_survey, 3)


def test_a_page_without_starting_goes_back_to_the_start(
    client: Client, ashfield_survey: Survey
) -> None:
    response = client.get(step(ashfield_survey, 2))
    assert response.status_code == 302 and response["Location"] == url(ashfield_survey)


def test_a_resident_answers_every_page_and_one_response_is_stored(
    client: Client, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    survey = ashfield_survey
    start(client, survey)
    total = survey.sections.count()
    first = client.get(step(survey, 1)).content.decode()
    assert f"Section 1 of {total}" in first
    assert 'name="activities"' in first
    posts: dict[str, dict[str, Any]] = {
        "categories": {"activities": ["0-knows", "0-uses", "4-wants", "5-wants"]},
        "barriers": {"barriers": ["awareness", "cost"]},
        "ons4": {"life_satisfaction": "7", "worthwhile": "8", "happiness": "6", "anxiety": "3"},
        "groups": {"groups_count": "2"},
        "demographics": {"age_band": "35_44", "sex": "female", "disability": "no"},
        "postcode": {"postcode": ashfield_place.postcode.lower().replace(" ", "")},
    }
    for number, kind in enumerate(kinds(survey), start=1):
        response = client.post(step(survey, number), posts.get(kind, {}))
        assert response.status_code == 302, (kind, response.content.decode()[:2000])
        expected = step(survey, number + 1) if number < total else url(survey, "answer_check")
        assert response["Location"] == expected
    assert not Response.objects.exists(), "nothing is stored before sending"
    check = client.get(url(survey, "answer_check")).content.decode()
    assert "Check your answers before sending" in check
    assert "I don&#x27;t know what&#x27;s on, Cost" in check
    assert ashfield_place.lsoa_name is not None
    assert ashfield_place.lsoa_name in check
    assert ashfield_place.postcode not in check
    sent = client.post(url(survey, "answer_check"))
    assert sent.status_code == 302 and sent["Location"] == url(survey, "answer_thanks")
    stored = Response.objects.get()
    categories = {c.position: c for c in survey.categories.all()}
    assert stored.mode == Mode.ONLINE and stored.entered_by is None
    assert stored.knows_mask == categories[0].bit
    assert stored.uses_mask == categories[0].bit
    assert stored.wants_mask == categories[4].bit | categories[5].bit
    assert stored.barriers_mask == (1 << BARRIER_BITS["awareness"]) | (1 << BARRIER_BITS["cost"])
    assert stored.measures["ons4"]["scores"]["life_satisfaction"] == 7
    assert stored.measures["ons4"]["complete"] is True
    assert stored.groups_count == 2
    assert (stored.age_band, stored.sex, stored.ethnic_group) == ("35_44", "female", "")
    assert stored.lsoa_code == ashfield_place.lsoa_code
    assert stored.imd_decile == ashfield_place.imd_decile
    thanks = client.get(url(survey, "answer_thanks")).content.decode()
    assert "Your answers have been sent" in thanks
    assert reverse("directory:whats_on", args=[survey.area.slug]) in thanks
    # The progress is gone: the form starts afresh.
    assert client.get(step(survey, 1))["Location"] == url(survey)


def test_progress_lives_in_the_session_and_holds_no_postcode(
    client: Client, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    survey = ashfield_survey
    start(client, survey)
    client.post(step(survey, page_of(survey, "postcode")), {"postcode": ashfield_place.postcode})
    progress = client.session[f"surveys.answering.{survey.public_id}"]
    assert ashfield_place.postcode not in str(progress)
    assert ashfield_place.lsoa_code is not None
    assert ashfield_place.lsoa_code in str(progress)
    for session in Session.objects.all():
        assert ashfield_place.postcode not in str(session.get_decoded())
    assert not Response.objects.exists()


def test_back_and_change_bring_the_answers_back(client: Client, ashfield_survey: Survey) -> None:
    survey = ashfield_survey
    start(client, survey)
    barriers = page_of(survey, "barriers")
    client.post(step(survey, barriers), {"barriers": ["time"]})
    page = client.get(step(survey, barriers)).content.decode()
    assert 'value="time" checked' in page
    assert f'href="{step(survey, barriers - 1)}">Back' in page
    assert f'href="{url(survey)}">Back' in client.get(step(survey, 1)).content.decode()
    # Changing from the check page: Back and Save return there.
    changing = client.get(step(survey, barriers) + "?change=1").content.decode()
    assert f'href="{url(survey, "answer_check")}">Back' in changing
    assert "Save and return to your answers" in changing
    again = client.post(step(survey, barriers) + "?change=1", {"barriers": ["travel"]})
    assert again["Location"] == url(survey, "answer_check")
    skip_the_rest(client, survey)
    client.post(url(survey, "answer_check"))
    assert Response.objects.get().barriers_mask == 1 << BARRIER_BITS["travel"]


def test_an_unknown_postcode_says_so_and_can_be_skipped(
    client: Client, ashfield_survey: Survey
) -> None:
    survey = ashfield_survey
    start(client, survey)
    page = page_of(survey, "postcode")
    unknown = client.post(step(survey, page), {"postcode": "ZZ99 9ZZ"})
    assert unknown.status_code == 200
    text = unknown.content.decode()
    assert "There is a problem" in text
    assert "We do not know that postcode" in text and "leave it blank" in text
    assert 'href="#id_postcode"' in text
    malformed = client.post(step(survey, page), {"postcode": "not a postcode"})
    assert "Enter a real postcode" in malformed.content.decode()
    skipped = client.post(step(survey, page), {"postcode": ""})
    assert skipped.status_code == 302
    skip_the_rest(client, survey)
    client.post(url(survey, "answer_check"))
    assert Response.objects.get().lsoa_code == ""


def test_a_half_answered_scale_asks_for_the_rest_or_none(
    client: Client, ashfield_survey: Survey
) -> None:
    # ONS4's four scales are single items: any of them may be left out.
    survey = ashfield_survey
    start(client, survey)
    response = client.post(step(survey, page_of(survey, "ons4")), {"anxiety": "2"})
    assert response.status_code == 302
    wrong = client.post(step(survey, page_of(survey, "ons4")), {"anxiety": "11"})
    assert wrong.status_code == 200 and "There is a problem" in wrong.content.decode()
    # The UCLA total needs all three of its items, or none of them.
    loneliness = step(survey, page_of(survey, "ons-loneliness"))
    half = client.post(loneliness, {"lack_companionship": "2"})
    text = half.content.decode()
    assert half.status_code == 200
    assert "Answer this question too, or leave all 3 of these questions blank" in text
    assert 'href="#id_left_out_0"' in text
    assert client.post(loneliness, {"lonely": "3"}).status_code == 302
    full = {"lack_companionship": "2", "left_out": "1", "isolated": "1"}
    assert client.post(loneliness, full).status_code == 302


def test_the_honeypot_refuses_and_keeps_nothing(client: Client, ashfield_survey: Survey) -> None:
    start(client, ashfield_survey)
    refused = client.post(url(ashfield_survey, "answer_check"), {"website": "http://spam"})
    assert refused.status_code == 400
    assert "We could not accept this response" in refused.content.decode()
    assert not Response.objects.exists()


def test_sending_too_soon_after_starting_is_refused_and_kept(
    client: Client, ashfield_survey: Survey, settings: Any
) -> None:
    settings.SURVEY_MIN_SECONDS = 30
    start(client, ashfield_survey)
    client.post(step(ashfield_survey, page_of(ashfield_survey, "barriers")), {"barriers": ["cost"]})
    skip_the_rest(client, ashfield_survey)
    refused = client.post(url(ashfield_survey, "answer_check"))
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "You got to the end very quickly" in text
    # How long is left to wait: the page says so (here, all but a moment of the 30).
    seconds = int(text.split("and after ")[1].split(" second")[0])
    assert 25 <= seconds <= 30
    assert "press Send again" in text
    assert not Response.objects.exists()
    # Their answers wait: once the time has passed, the same answers send.
    session = client.session
    key = f"surveys.answering.{ashfield_survey.public_id}"
    progress = session[key]
    progress["started"] = time.time() - 31
    session[key] = progress
    session.save()
    assert client.post(url(ashfield_survey, "answer_check")).status_code == 302
    assert Response.objects.get().barriers_mask == 1 << BARRIER_BITS["cost"]


def test_many_responses_from_one_address_are_throttled(
    client: Client, ashfield_survey: Survey, settings: Any
) -> None:
    settings.SURVEY_RESPONSES_PER_ADDRESS_HOURLY = 2
    for _ in range(2):
        through(client, ashfield_survey)
        assert client.post(url(ashfield_survey, "answer_check")).status_code == 302
    through(client, ashfield_survey)
    refused = client.post(url(ashfield_survey, "answer_check"))
    assert refused.status_code == 429
    assert "Several responses have been sent from this connection" in refused.content.decode()
    assert Response.objects.count() == 2


def test_the_default_minimum_time_is_half_a_minute() -> None:
    assert answering.MIN_SECONDS == 30


def test_a_closed_survey_says_it_has_closed(client: Client, ashfield_survey: Survey) -> None:
    start(client, ashfield_survey)
    do_close(None, ashfield_survey)
    for address in (
        url(ashfield_survey),
        step(ashfield_survey, 1),
        url(ashfield_survey, "answer_check"),
    ):
        response = client.get(address)
        assert response.status_code == 410, address
        assert "This survey has closed" in response.content.decode()
    assert client.post(url(ashfield_survey, "answer_check")).status_code == 410
    assert not Response.objects.exists()


def test_a_draft_is_not_found(client: Client, draft_survey: Survey) -> None:
    assert client.get(url(draft_survey)).status_code == 404
    assert client.post(url(draft_survey)).status_code == 404


def test_the_survey_is_only_found_under_its_own_area(
    client: Client, ashfield_survey: Survey
) -> None:
    wrong = reverse(
        "surveys:answer_start", kwargs={"slug": "mansfield", "public_id": ashfield_survey.public_id}
    )
    assert client.get(wrong).status_code == 404


def test_a_page_past_the_last_is_not_found(client: Client, ashfield_survey: Survey) -> None:
    start(client, ashfield_survey)
    assert client.get(step(ashfield_survey, 99)).status_code == 404


def test_a_synthetic_survey_says_so(client: Client, ashfield_survey: Survey) -> None:
    Survey.objects.filter(pk=ashfield_survey.pk).update(synthetic=True)
    assert "Synthetic demo data" in client.get(url(ashfield_survey)).content.decode()


def test_sending_without_going_through_every_page_is_refused(
    client: Client, ashfield_survey: Survey
) -> None:
    # A script that starts, waits, then posts Send stores nothing: every page must have
    # been answered or skipped, and the first one not yet seen is where they are sent.
    survey = ashfield_survey
    start(client, survey)
    refused = client.post(url(survey, "answer_check"), {})
    assert refused.status_code == 302 and refused["Location"] == step(survey, 1)
    assert not Response.objects.exists()
    for number in range(1, 4):
        client.post(step(survey, number), {})
    # Checking (or sending) too early goes to the first page not yet seen, saying why.
    sent = client.post(url(survey, "answer_check"), {}, follow=True)
    assert sent.redirect_chain[-1][0] == step(survey, 4)
    assert "You have not been through every section yet" in sent.content.decode()
    assert client.get(url(survey, "answer_check"))["Location"] == step(survey, 4)
    assert not Response.objects.exists()
    skip_the_rest(client, survey)
    assert client.post(url(survey, "answer_check")).status_code == 302
    # Skipped pages store nothing: the response is empty, but every page was seen.
    assert Response.objects.get().groups_count is None


def test_an_unknown_address_is_not_throttled_as_one_sender(
    client: Client, ashfield_survey: Survey, settings: Any
) -> None:
    # Behind a proxy that sends no address, everyone would share one count: only the
    # survey's own (generous) hourly limit applies then.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SURVEY_RESPONSES_PER_ADDRESS_HOURLY = 1
    settings.SURVEY_RESPONSES_PER_SURVEY_HOURLY = 3
    for _ in range(3):
        through(client, ashfield_survey)
        assert client.post(url(ashfield_survey, "answer_check")).status_code == 302
    through(client, ashfield_survey)
    refused = client.post(url(ashfield_survey, "answer_check"))
    assert refused.status_code == 429
    assert "This survey has had a great many responses" in refused.content.decode()
    assert Response.objects.count() == 3


def test_a_known_address_is_still_throttled_on_its_own(
    client: Client, ashfield_survey: Survey, settings: Any
) -> None:
    settings.SURVEY_RESPONSES_PER_ADDRESS_HOURLY = 1
    through(client, ashfield_survey)
    assert client.post(url(ashfield_survey, "answer_check")).status_code == 302
    through(client, ashfield_survey)
    assert client.post(url(ashfield_survey, "answer_check")).status_code == 429
    # Another address is not held back by the first one's count.
    other = Client(REMOTE_ADDR="192.0.2.7")
    through(other, ashfield_survey)
    assert other.post(url(ashfield_survey, "answer_check")).status_code == 302


def test_the_default_limit_per_survey_is_generous() -> None:
    assert answering.PER_SURVEY_HOURLY == 2000


@pytest.mark.parametrize(
    "code,note,shown",
    [
        ("swemwbs", "copyright_notice", True),
        # A template is asked only once someone here confirmed its wording: its note
        # (addressed to staff) is for the preview and paper entry, never residents.
        ("group-memberships", "template_note", False),
    ],
)
def test_a_measures_copyright_goes_with_it_and_a_template_note_stays_with_staff(
    client: Client, ashfield_survey: Survey, code: str, note: str, shown: bool
) -> None:
    instrument = library.get(code)
    assert instrument is not None and getattr(instrument, note)
    text = escape(getattr(instrument, note))
    survey = ashfield_survey
    last = max(s.position for s in survey.sections.all())
    survey.sections.create(
        position=last + 1,
        kind="instrument",
        instrument_code=instrument.code,
        instrument_version=instrument.version,
    )
    through(client, survey)
    assert (text in client.get(step(survey, page_of(survey, code))).content.decode()) is shown
    assert (text in client.get(url(survey, "answer_check")).content.decode()) is shown
