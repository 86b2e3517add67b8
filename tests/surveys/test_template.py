"""The template: the original community survey's shape, instruments only when they may
be administered (a template not confirmed is left out with a note, never guessed), and
the example needs-satisfaction scale labelled as an example."""

from __future__ import annotations

import pytest

from inspiring.directory.models import Category
from inspiring.measures import library
from inspiring.measures.actions import do_confirm_template
from inspiring.surveys.actions import do_create_from_template
from inspiring.surveys.choices import SectionKind
from inspiring.surveys.models import Survey
from inspiring.surveys.template import (
    NEEDS_SATISFACTION,
    build_template_survey,
    left_out,
)
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def shape(survey: Survey) -> list[str]:
    return [s.instrument_code or s.kind for s in survey.sections.all()]


def test_the_template_has_the_original_surveys_shape(draft_survey: Survey) -> None:
    assert shape(draft_survey) == [
        SectionKind.CATEGORIES,
        SectionKind.BARRIERS,
        "ons4",
        "ons-loneliness",
        SectionKind.GROUPS,
        NEEDS_SATISFACTION,
        SectionKind.DEMOGRAPHICS,
        SectionKind.POSTCODE,
    ]
    assert draft_survey.status == Survey.Status.DRAFT
    for section in draft_survey.sections.all():
        if section.instrument_code:
            assert section.instrument_version == library.get(section.instrument_code).version  # type: ignore[union-attr]


def test_every_directory_category_is_a_row_linked_to_the_calendar(draft_survey: Survey) -> None:
    rows = list(draft_survey.categories.all())
    categories = list(Category.objects.order_by("order", "name"))
    assert [r.category_id for r in rows] == [c.pk for c in categories]
    assert [r.label for r in rows] == [c.name for c in categories]
    assert [r.position for r in rows] == list(range(len(categories)))


def test_unconfirmed_templates_are_left_out_with_a_note(draft_survey: Survey) -> None:
    notes = " ".join(left_out())
    assert "group" in notes.lower() and "neighbourhood" in notes.lower()
    assert "not been confirmed" in notes


def test_confirmed_templates_go_in(personas: Personas) -> None:
    for code in ("group-memberships", "neighbourhood-identification"):
        do_confirm_template(None, code, citation="The published paper", by=personas.coordinator)
    survey = build_template_survey(personas.ashfield)
    assert shape(survey)[4:8] == [
        SectionKind.GROUPS,
        "group-memberships",
        "neighbourhood-identification",
        NEEDS_SATISFACTION,
    ]
    assert left_out() == []


def test_the_needs_satisfaction_scale_is_an_example_and_made_once(personas: Personas) -> None:
    build_template_survey(personas.ashfield)
    build_template_survey(personas.mansfield)
    instrument = library.get(NEEDS_SATISFACTION)
    assert instrument is not None
    assert "EXAMPLE" in instrument.title
    assert "unpublished" in instrument.introduction and "replaces" in instrument.introduction
    assert instrument.version == "1"


def test_creating_from_the_template_is_audited(personas: Personas) -> None:
    from inspiring.accounts.models import AuditEntry

    survey = do_create_from_template(None, personas.ashfield, by=personas.coordinator)
    entry = AuditEntry.objects.get(action="survey.created")
    assert entry.object_id == str(survey.public_id)
    assert survey.created_by == personas.coordinator
