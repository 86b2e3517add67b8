"""Paper returns: a coordinator copies a resident's paper form into the same section
forms, saves it (mode paper, entered by them) and is offered an empty form for the next."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from inspiring.areas.geography import Place
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
