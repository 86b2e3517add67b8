"""Paper returns: a coordinator copies a resident's paper form into the same section
forms, saves it (mode paper, entered by them) and is offered an empty form for the next."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from inspiring.areas.geography import Place
from inspiring.measures import library
from inspiring.surveys.actions import do_close
from inspiring.surveys.choices import BARRIER_BITS, Mode
from inspiring.surveys.models import Response, Survey
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def prefix(survey: Survey, kind: str) -> str:
    section = next(s for s in survey.sections.all() if (s.instrument_code or s.kind) == kind)
    return f"s{section.position}"


def test_a_paper_return_is_saved_then_another_entered(
    client: Client, personas: Personas, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    # Opened in time for a return dated 27 March 2026.
    opened = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    Survey.objects.filter(pk=ashfield_survey.pk).update(opened_at=opened)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("surveys:paper", args=[ashfield_survey.public_id])
    page = client.get(url).content.decode()
    assert "Enter a paper return" in page and "0 paper returns entered so far" in page
    data = {
        "paper-submitted_on": "27 3 2026",
        f"{prefix(ashfield_survey, 'categories')}-activities": ["1-knows", "1-wants"],
        f"{prefix(ashfield_survey, 'barriers')}-barriers": ["time"],
        f"{prefix(ashfield_survey, 'ons4')}-happiness": "9",
        f"{prefix(ashfield_survey, 'groups')}-groups_count": "3",
        f"{prefix(ashfield_survey, 'demographics')}-age_band": "75_plus",
        f"{prefix(ashfield_survey, 'postcode')}-postcode": ashfield_place.postcode,
    }
    saved = client.post(url, data)
    assert saved.status_code == 302 and saved["Location"] == url
    response = Response.objects.get()
    assert response.mode == Mode.PAPER and response.entered_by == personas.coordinator
    assert response.submitted_on.isoformat() == "2026-03-27"
    assert response.knows_mask == response.wants_mask == 1 << 1
    assert response.barriers_mask == 1 << BARRIER_BITS["time"]
    assert response.measures["ons4"]["answers"] == {"happiness": 9}
    assert response.groups_count == 3 and response.age_band == "75_plus"
    assert response.lsoa_code == ashfield_place.lsoa_code
    after = client.get(url).content.decode()
    assert "Saved. Enter another paper return below." in after
    assert "1 paper return entered so far" in after
    assert "checked" not in after.split("<form", 2)[-1].split("</form>")[0]


def test_a_wrong_answer_is_shown_in_the_summary_and_nothing_is_saved(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("surveys:paper", args=[ashfield_survey.public_id])
    field = f"{prefix(ashfield_survey, 'groups')}-groups_count"
    response = client.post(url, {field: "many", "paper-submitted_on": "yesterday"})
    text = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in text
    assert f'href="#id_{field}"' in text
    assert "Enter the number of groups as a whole number" in text
    assert "Enter the date as day, month and year" in text
    assert not Response.objects.exists()


def test_a_closed_survey_takes_no_paper_returns(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    do_close(None, ashfield_survey)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("surveys:paper", args=[ashfield_survey.public_id])
    response = client.post(url, {f"{prefix(ashfield_survey, 'groups')}-groups_count": "2"})
    assert "This survey is closed" in response.content.decode()
    assert not Response.objects.exists()


def test_another_areas_coordinator_cannot_enter_returns(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    url = reverse("surveys:paper", args=[ashfield_survey.public_id])
    assert client.post(url, {}).status_code == 404
    assert not Response.objects.exists()


def test_a_return_dated_in_the_future_or_before_the_survey_opened_is_refused(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    opened = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    Survey.objects.filter(pk=ashfield_survey.pk).update(opened_at=opened)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("surveys:paper", args=[ashfield_survey.public_id])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for given, message in (
        (f"{tomorrow:%d %m %Y}", "Date of the return must be today or in the past"),
        ("1 1 2099", "Date of the return must be today or in the past"),
        ("28 2 2026", "Date of the return must be the day the survey opened (1 March 2026)"),
        ("1 1 0001", "Date of the return must be the day the survey opened"),
    ):
        response = client.post(url, {"paper-submitted_on": given})
        text = response.content.decode()
        assert response.status_code == 200 and "There is a problem" in text, given
        assert message in text, given
        assert 'href="#id_paper-submitted_on"' in text
    assert not Response.objects.exists()
    # The day it opened, and today, are both fine.
    assert client.post(url, {"paper-submitted_on": "1 3 2026"}).status_code == 302
    today = timezone.localdate()
    assert client.post(url, {"paper-submitted_on": f"{today:%d %m %Y}"}).status_code == 302
    assert sorted(Response.objects.values_list("submitted_on", flat=True)) == [
        datetime.date(2026, 3, 1),
        today,
    ]


@pytest.mark.parametrize(
    "code,note", [("swemwbs", "copyright_notice"), ("group-memberships", "template_note")]
)
def test_the_paper_form_carries_each_measures_introduction_and_notes(
    client: Client, personas: Personas, ashfield_survey: Survey, code: str, note: str
) -> None:
    instrument = library.get(code)
    assert instrument is not None and getattr(instrument, note)
    last = max(s.position for s in ashfield_survey.sections.all())
    ashfield_survey.sections.create(
        position=last + 1,
        kind="instrument",
        instrument_code=instrument.code,
        instrument_version=instrument.version,
    )
    sign_in(client, personas.coordinator, area=personas.ashfield)
    page = client.get(reverse("surveys:paper", args=[ashfield_survey.public_id]))
    text = page.content.decode()
    assert escape(getattr(instrument, note)) in text
    assert escape(instrument.introduction) in text
    ons4 = library.get("ons4")
    assert ons4 is not None and escape(ons4.introduction) in text
