"""The survey's CSV files: the pseudonymous responses (who may download them, their
columns, pseudonyms instead of ids, no neighbourhood code) and formula neutralising."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from inspiring.accounts.models import AuditEntry
from inspiring.surveys.exports import pseudonym
from inspiring.surveys.models import Response, Survey
from tests.conftest import sign_in
from tests.personas import Personas

from . import summary_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(ashfield_survey: Survey, personas: Personas) -> Survey:
    summary_data.build(ashfield_survey, entered_by=personas.coordinator)
    return ashfield_survey


def responses_url(survey: Survey) -> str:
    return f"/staff/surveys/{survey.public_id}/responses/csv/"


def read(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("who", ["coordinator", "researcher"])
def test_the_areas_coordinators_and_researchers_download_the_responses(
    client: Client, personas: Personas, survey: Survey, who: str
) -> None:
    sign_in(client, getattr(personas, who))
    response = client.get(responses_url(survey))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read(response.content)
    assert len(rows) == 27
    entry = AuditEntry.objects.get(action="survey.exported")
    assert entry.detail == {"kind": "responses", "rows": 27}


def test_the_responses_file_is_pseudonymous(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.coordinator)
    content = client.get(responses_url(survey)).content
    rows = read(content)
    headings = list(rows[0])
    ids = [
        str(u) for u in Response.objects.filter(survey=survey).values_list("public_id", flat=True)
    ]
    text = content.decode("utf-8-sig")
    assert not any(public_id in text for public_id in ids)
    assert "lsoa_code" not in headings and "E01028000" not in text
    assert "public_id" not in headings and "submitted_on" not in headings
    # A pseudonym per response, stable between exports, made from the id under the key.
    first = Response.objects.filter(survey=survey).order_by("pk").first()
    assert first is not None
    assert rows[0]["pseudonym"] == pseudonym(first.public_id)
    assert len({row["pseudonym"] for row in rows}) == 27
    assert read(client.get(responses_url(survey)).content)[0]["pseudonym"] == rows[0]["pseudonym"]


def test_the_responses_file_has_demographics_and_choices_as_columns(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.researcher)
    rows = read(client.get(responses_url(survey)).content)
    headings = list(rows[0])
    assert headings[:11] == [
        "pseudonym",
        "synthetic",
        "mode",
        "month",
        "imd_decile",
        "imd_quintile",
        "age_band",
        "sex",
        "ethnic_group",
        "disability",
        "groups_count",
    ]
    assert {"knows__arts_and_crafts", "uses__walking", "wants__music"} <= set(headings)
    assert "barrier__awareness" in headings and "barrier__other" in headings
    assert {"ons4__life_satisfaction", "ons4__score__anxiety", "ons4__complete"} <= set(headings)
    first = rows[0]  # group A of summary_data
    assert (first["mode"], first["month"], first["imd_decile"], first["imd_quintile"]) == (
        "online",
        "2026-03",
        "1",
        "1",
    )
    assert (first["age_band"], first["synthetic"]) == ("25_34", "0")
    assert (first["knows__arts_and_crafts"], first["wants__walking"], first["wants__music"]) == (
        "1",
        "1",
        "0",
    )
    assert (first["barrier__awareness"], first["barrier__cost"], first["barrier__time"]) == (
        "1",
        "1",
        "0",
    )
    assert (first["ons4__life_satisfaction"], first["ons4__score__life_satisfaction"]) == (
        "7",
        "7",
    )
    assert (first["ons4__worthwhile"], first["ons4__complete"]) == ("", "0")
    paper = rows[10]  # group B: no measures asked of them
    assert (paper["mode"], paper["sex"], paper["ons4__complete"]) == ("paper", "female", "")


def test_commissioners_never_get_the_responses(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.commissioner)
    assert client.get(responses_url(survey)).status_code == 403
    assert not AuditEntry.objects.filter(action="survey.exported").exists()


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "mansfield_coordinator"])
def test_others_get_no_responses(
    client: Client, personas: Personas, survey: Survey, who: str
) -> None:
    sign_in(client, getattr(personas, who))
    assert client.get(responses_url(survey)).status_code in (403, 404)


def test_formulas_in_the_summary_file_are_neutralised(
    client: Client, personas: Personas, survey: Survey
) -> None:
    survey.categories.filter(position=0).update(label='=HYPERLINK("http://evil","x")')
    sign_in(client, personas.coordinator)
    text = client.get(f"/staff/surveys/{survey.public_id}/summary/csv/").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    labels = {row[1] for row in rows}
    assert '\'=HYPERLINK("http://evil","x")' in labels
    assert not any(label.startswith("=") for label in labels)
