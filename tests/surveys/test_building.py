"""Coordinators' pages: the area's surveys, starting one from the template, changing a
draft, opening and closing; only coordinators of the survey's own area reach them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from inspiring.measures import library
from inspiring.surveys.actions import do_close, do_create_from_template
from inspiring.surveys.models import Survey
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

OBJECT_PAGES = ["survey", "edit", "edit_sections", "open", "close", "preview", "paper"]


def as_coordinator(client: Client, personas: Personas) -> Client:
    return sign_in(client, personas.coordinator, area=personas.ashfield)


def test_the_list_shows_status_and_response_counts_in_fixed_queries(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inspiring.surveys.actions import do_record_response
    from inspiring.surveys.choices import Mode

    for _ in range(3):
        do_record_response(ashfield_survey, {}, Mode.ONLINE)
    do_create_from_template(None, personas.mansfield, by=personas.mansfield_coordinator)
    as_coordinator(client, personas)
    client.get(reverse("surveys:list"))
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse("surveys:list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count(reverse("surveys:survey", args=[ashfield_survey.public_id])) == 1
    assert "Responses </span>3</td>" in text
    assert "Open" in text and "Start a survey from the template" in text
    for _ in range(3):
        do_create_from_template(None, personas.ashfield, by=personas.coordinator)
    with CaptureQueriesContext(connection) as four:
        text = client.get(reverse("surveys:list")).content.decode()
    assert "Draft" in text
    # No query per survey: the counts come with the list.
    assert len(four) == len(one)


def test_starting_from_the_template_makes_a_draft(client: Client, personas: Personas) -> None:
    as_coordinator(client, personas)
    response = client.post(reverse("surveys:create"))
    survey = Survey.objects.get(area=personas.ashfield)
    assert response["Location"] == reverse("surveys:survey", args=[survey.public_id])
    assert survey.status == Survey.Status.DRAFT and survey.created_by == personas.coordinator
    page = client.get(response["Location"]).content.decode()
    assert "Change the sections" in page and "Open the survey to residents" in page
    assert "Left out in this deployment" in page


def test_a_draft_is_reworded_and_its_kinds_of_activity_chosen(
    client: Client, personas: Personas, draft_survey: Survey
) -> None:
    as_coordinator(client, personas)
    url = reverse("surveys:edit", args=[draft_survey.public_id])
    chosen = list(draft_survey.categories.values_list("category_id", flat=True)[:3])
    response = client.post(
        url, {"title": "Kirkby survey", "introduction": "Tell us", "categories": chosen}
    )
    assert response.status_code == 302
    draft_survey.refresh_from_db()
    assert draft_survey.title == "Kirkby survey"
    assert list(draft_survey.categories.values_list("category_id", flat=True)) == chosen
    empty = client.post(url, {"title": "", "categories": chosen})
    assert "Enter the survey&#x27;s title" in empty.content.decode()


def test_sections_move_and_go_and_come_back(
    client: Client, personas: Personas, draft_survey: Survey
) -> None:
    as_coordinator(client, personas)
    url = reverse("surveys:edit_sections", args=[draft_survey.public_id])

    def kinds() -> list[str]:
        return [s.instrument_code or s.kind for s in draft_survey.sections.all()]

    before = kinds()
    client.post(url, {"do": "down", "index": "0"})
    assert kinds()[:2] == [before[1], before[0]]
    client.post(url, {"do": "up", "index": "1"})
    assert kinds() == before
    client.post(url, {"do": "remove", "index": "1"})
    assert "barriers" not in kinds()
    client.post(url, {"do": "add", "section": "barriers"})
    assert kinds()[-1] == "barriers"
    twice = client.post(url, {"do": "add", "section": "barriers"})
    assert "already asks" in twice.content.decode()
    nothing = client.post(url, {"do": "add", "section": ""})
    assert "Choose a section to add" in nothing.content.decode()


def test_an_open_surveys_questions_cannot_change_through_the_pages(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    as_coordinator(client, personas)
    before = list(ashfield_survey.sections.values_list("kind", flat=True))
    response = client.post(
        reverse("surveys:edit_sections", args=[ashfield_survey.public_id]),
        {"do": "remove", "index": "0"},
    )
    assert "its questions cannot change" in response.content.decode()
    assert list(ashfield_survey.sections.values_list("kind", flat=True)) == before
    # The title and introduction may still be reworded; the kinds of activity are not offered.
    page = client.get(reverse("surveys:edit", args=[ashfield_survey.public_id])).content.decode()
    assert 'name="categories"' not in page


def test_open_then_close_through_the_pages(
    client: Client, personas: Personas, draft_survey: Survey
) -> None:
    as_coordinator(client, personas)
    confirm = client.get(reverse("surveys:open", args=[draft_survey.public_id]))
    assert "Open the survey" in confirm.content.decode()
    client.post(reverse("surveys:open", args=[draft_survey.public_id]))
    draft_survey.refresh_from_db()
    assert draft_survey.is_open
    page = client.get(reverse("surveys:survey", args=[draft_survey.public_id])).content.decode()
    public = reverse("surveys:answer_start", args=["ashfield", draft_survey.public_id])
    assert public in page and "Enter a paper return" in page
    assert reverse("surveys:summary", args=[draft_survey.public_id]) in page
    assert reverse("surveys:import", args=[draft_survey.public_id]) in page
    again = client.post(reverse("surveys:open", args=[draft_survey.public_id]))
    assert "Only a draft survey can be opened" in again.content.decode()
    client.post(reverse("surveys:close", args=[draft_survey.public_id]))
    draft_survey.refresh_from_db()
    assert draft_survey.is_closed
    closed = client.get(reverse("surveys:edit", args=[draft_survey.public_id]))
    assert closed.status_code == 302  # read-only: back to the survey, saying why


def test_the_preview_shows_every_section(
    client: Client, personas: Personas, draft_survey: Survey
) -> None:
    as_coordinator(client, personas)
    page = client.get(reverse("surveys:preview", args=[draft_survey.public_id])).content.decode()
    for section in draft_survey.sections.all():
        assert str(section) in page
    assert "Overall, how satisfied are you with your life nowadays?" in page


@pytest.mark.parametrize(
    "code,note", [("swemwbs", "copyright_notice"), ("group-memberships", "template_note")]
)
def test_the_preview_carries_each_measures_notes(
    client: Client, personas: Personas, draft_survey: Survey, code: str, note: str
) -> None:
    instrument = library.get(code)
    assert instrument is not None and getattr(instrument, note)
    last = max(s.position for s in draft_survey.sections.all())
    draft_survey.sections.create(
        position=last + 1,
        kind="instrument",
        instrument_code=instrument.code,
        instrument_version=instrument.version,
    )
    as_coordinator(client, personas)
    page = client.get(reverse("surveys:preview", args=[draft_survey.public_id])).content.decode()
    assert escape(getattr(instrument, note)) in page


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_another_areas_coordinator_gets_404(
    client: Client, personas: Personas, ashfield_survey: Survey, name: str
) -> None:
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    url = reverse(f"surveys:{name}", args=[ashfield_survey.public_id])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "researcher", "commissioner"])
@pytest.mark.parametrize("name", ["list", *OBJECT_PAGES])
def test_only_coordinators_run_surveys(
    client: Client, personas: Personas, ashfield_survey: Survey, who: str, name: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    args = [] if name == "list" else [ashfield_survey.public_id]
    assert client.get(reverse(f"surveys:{name}", args=args)).status_code in (403, 404)


def test_a_synthetic_survey_says_so_on_staff_pages(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    Survey.objects.filter(pk=ashfield_survey.pk).update(synthetic=True)
    as_coordinator(client, personas)
    for url in (
        reverse("surveys:list"),
        reverse("surveys:survey", args=[ashfield_survey.public_id]),
        reverse("surveys:paper", args=[ashfield_survey.public_id]),
    ):
        assert "Synthetic demo data" in client.get(url).content.decode(), url


def test_a_closed_survey_offers_no_changes(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    do_close(None, ashfield_survey)
    as_coordinator(client, personas)
    page = client.get(reverse("surveys:survey", args=[ashfield_survey.public_id])).content.decode()
    assert "Closed: read-only" in page
    assert reverse("surveys:edit", args=[ashfield_survey.public_id]) not in page
    assert reverse("surveys:paper", args=[ashfield_survey.public_id]) not in page
