"""A survey's life: draft (changed freely), open (answers, its questions fixed), closed
(read-only, its responses unchangeable). Each rule holds in the actions themselves."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from inspiring.accounts.models import AuditEntry
from inspiring.directory.models import Category
from inspiring.surveys.actions import (
    SurveyRefused,
    do_change_survey,
    do_close,
    do_open,
    do_record_response,
)
from inspiring.surveys.choices import BARRIER_BITS, Mode, SectionKind
from inspiring.surveys.models import Response, Survey
from inspiring.surveys.template import Part
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_a_draft_opens_then_closes_and_each_step_is_audited(draft_survey: Survey) -> None:
    assert draft_survey.status == Survey.Status.DRAFT
    do_open(None, draft_survey)
    assert draft_survey.status == Survey.Status.OPEN and draft_survey.opened_at is not None
    do_close(None, draft_survey)
    assert draft_survey.status == Survey.Status.CLOSED and draft_survey.closed_at is not None
    actions = list(
        AuditEntry.objects.filter(object_id=str(draft_survey.public_id))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["survey.created", "survey.opened", "survey.closed"]


def test_steps_out_of_order_are_refused(draft_survey: Survey) -> None:
    with pytest.raises(SurveyRefused, match="Only an open survey can be closed"):
        do_close(None, draft_survey)
    do_open(None, draft_survey)
    with pytest.raises(SurveyRefused, match="Only a draft survey can be opened"):
        do_open(None, draft_survey)
    do_close(None, draft_survey)
    with pytest.raises(SurveyRefused, match="Only a draft survey can be opened"):
        do_open(None, draft_survey)


def test_a_draft_without_sections_cannot_open(draft_survey: Survey) -> None:
    draft_survey.sections.all().delete()
    with pytest.raises(SurveyRefused, match="at least one section"):
        do_open(None, draft_survey)
    assert Survey.objects.get(pk=draft_survey.pk).status == Survey.Status.DRAFT


def test_a_draft_changes_its_questions(draft_survey: Survey) -> None:
    walking = Category.objects.filter(slug__in=["walking", "music"]).order_by("name")
    changed = do_change_survey(
        None,
        draft_survey,
        title="Kirkby survey",
        sections=[Part(SectionKind.BARRIERS, "Barriers"), Part(SectionKind.POSTCODE, "Where")],
        categories=list(walking),
    )
    assert changed == ["title", "sections", "categories"]
    assert [s.kind for s in draft_survey.sections.all()] == ["barriers", "postcode"]
    assert [c.label for c in draft_survey.categories.all()] == ["Music", "Walking"]
    assert AuditEntry.objects.filter(action="survey.changed").count() == 1


def test_an_open_survey_keeps_its_questions_but_may_be_reworded(ashfield_survey: Survey) -> None:
    sections = list(ashfield_survey.sections.values_list("kind", flat=True))
    with pytest.raises(SurveyRefused, match="its questions cannot change"):
        do_change_survey(None, ashfield_survey, sections=[Part(SectionKind.BARRIERS, "B")])
    with pytest.raises(SurveyRefused, match="its questions cannot change"):
        do_change_survey(None, ashfield_survey, categories=[])
    assert list(ashfield_survey.sections.values_list("kind", flat=True)) == sections
    assert do_change_survey(None, ashfield_survey, title="New title") == ["title"]


def test_a_closed_survey_refuses_changes_and_responses(
    ashfield_survey: Survey, personas: Personas
) -> None:
    do_record_response(ashfield_survey, {"barriers": ["cost"]}, Mode.ONLINE)
    do_close(None, ashfield_survey)
    with pytest.raises(SurveyRefused, match="has closed"):
        do_change_survey(None, ashfield_survey, title="Too late")
    with pytest.raises(SurveyRefused, match="has closed"):
        do_record_response(ashfield_survey, {"barriers": ["time"]}, Mode.ONLINE)
    with pytest.raises(SurveyRefused, match="has closed"):
        do_record_response(ashfield_survey, {}, Mode.PAPER, entered_by=personas.coordinator)
    assert Response.objects.filter(survey=ashfield_survey).count() == 1
    assert Survey.objects.get(pk=ashfield_survey.pk).title != "Too late"


def test_a_draft_takes_no_responses(draft_survey: Survey) -> None:
    with pytest.raises(SurveyRefused, match="draft"):
        do_record_response(draft_survey, {}, Mode.ONLINE)
    assert not Response.objects.exists()


# --- do_record_response: the one way a response is stored ---------------------------


def test_answers_become_masks_scores_and_a_neighbourhood(
    ashfield_survey: Survey, ashfield_place: Any
) -> None:
    response = do_record_response(
        ashfield_survey,
        {
            "categories": {"knows": [0, 2], "uses": [2], "wants": [1, 2, 62 % 19]},
            "barriers": ["awareness", "time", "other"],
            "measures": {
                "ons4": {"life_satisfaction": 8, "worthwhile": "7", "happiness": 6},
                "ons-loneliness": {"lack_companionship": 2, "left_out": 1, "isolated": 3},
            },
            "groups_count": "4",
            "age_band": "65_74",
            "sex": "male",
            "ethnic_group": "white_british",
            "disability": "a_little",
            "postcode": ashfield_place.postcode,
        },
        Mode.ONLINE,
    )
    response.refresh_from_db()
    assert response.knows_mask == 0b101
    assert response.uses_mask == 0b100
    assert response.wants_mask == 0b110 | (1 << (62 % 19))
    assert response.barriers_mask == (1 << BARRIER_BITS["awareness"]) | (
        1 << BARRIER_BITS["time"]
    ) | (1 << BARRIER_BITS["other"])
    assert response.lsoa_code == ashfield_place.lsoa_code
    assert response.imd_decile == ashfield_place.imd_decile
    assert response.imd_quintile == (ashfield_place.imd_decile + 1) // 2
    assert response.groups_count == 4
    ons4 = response.measures["ons4"]
    assert ons4["version"] == "1"
    assert ons4["answers"] == {"life_satisfaction": 8, "worthwhile": 7, "happiness": 6}
    assert ons4["scores"]["worthwhile"] == 7 and ons4["scores"]["anxiety"] is None
    assert ons4["complete"] is False
    loneliness = response.measures["ons-loneliness"]
    assert loneliness["scores"]["ucla3"] == 6
    # No trace of the postcode anywhere in the row.
    row = Response.objects.filter(pk=response.pk).values().get()
    compact = ashfield_place.postcode.replace(" ", "")
    for value in row.values():
        assert compact not in str(value).replace(" ", "")
    assert response.synthetic is False and response.mode == Mode.ONLINE


def test_quintiles_pair_deciles() -> None:
    from inspiring.surveys.actions import quintile

    assert [quintile(d) for d in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile(None) is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"categories": {"knows": [63]}}, "not one of this survey's kinds"),
        ({"categories": {"likes": [0]}}, "not one of knows, uses, wants"),
        ({"barriers": ["weather"]}, "not one of the barriers"),
        ({"measures": {"ons4": {"life_satisfaction": 11}}}, "not one of the answers"),
        ({"measures": {"ons4": {"mood": 3}}}, "not an item of ons4"),
        ({"measures": {"swemwbs": {"q1": 3}}}, "does not ask swemwbs"),
        ({"groups_count": "lots"}, "not a number of groups"),
        ({"groups_count": -1}, "between 0 and 100"),
        ({"age_band": "adult"}, "not one of the answers to age band"),
        ({"postcode": "ZZ99 9ZZ"}, "could not find the postcode"),
        ({"postcode": "hello"}, "Enter a real postcode"),
        ({"lsoa_code": "E09999999"}, "not a neighbourhood"),
    ],
)
def test_answers_the_survey_does_not_ask_are_refused_and_nothing_is_saved(
    ashfield_survey: Survey, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(SurveyRefused, match=message):
        do_record_response(ashfield_survey, answers, Mode.ONLINE)
    assert not Response.objects.exists()


def test_a_paper_return_names_who_entered_it_and_is_audited(
    ashfield_survey: Survey, personas: Personas
) -> None:
    with pytest.raises(SurveyRefused, match="say who"):
        do_record_response(ashfield_survey, {}, Mode.PAPER)
    response = do_record_response(
        ashfield_survey,
        {"barriers": ["cost"], "submitted_on": date(2026, 3, 27)},
        Mode.PAPER,
        entered_by=personas.coordinator,
    )
    assert response.entered_by == personas.coordinator
    assert response.submitted_on == date(2026, 3, 27)
    entry = AuditEntry.objects.get(action="survey.paper_entered")
    assert entry.actor == personas.coordinator


def test_an_online_response_never_names_anyone(ashfield_survey: Survey, personas: Personas) -> None:
    response = do_record_response(ashfield_survey, {}, Mode.ONLINE, entered_by=personas.coordinator)
    assert response.entered_by is None
    assert not AuditEntry.objects.filter(action="survey.paper_entered").exists()


def test_a_synthetic_survey_makes_synthetic_responses(ashfield_survey: Survey) -> None:
    Survey.objects.filter(pk=ashfield_survey.pk).update(synthetic=True)
    ashfield_survey.refresh_from_db()
    assert do_record_response(ashfield_survey, {}, Mode.ONLINE).synthetic is True
