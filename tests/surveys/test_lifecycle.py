"""A survey's life: draft (changed freely), open (answers, its questions fixed), closed
(read-only, its responses unchangeable). Each rule holds in the actions themselves."""

from __future__ import annotations

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
from inspiring.surveys.choices import Mode, SectionKind
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
