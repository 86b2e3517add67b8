"""surveys.figures: what residents would like, for monitoring, counted by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from inspiring.areas.models import Area
from inspiring.directory.models import Category
from inspiring.surveys.figures import wishes
from inspiring.surveys.models import Response, Survey, SurveyCategory
from inspiring.surveys.summary import summarise
from lib.disclosure import Figure
from tests.personas import Personas

from . import summary_data

pytestmark = pytest.mark.django_db

ARTS, WALKING, MUSIC = "arts-and-crafts", "walking", "music"


def survey(area: Area, title: str, status: str, created: datetime, **extra: Any) -> Survey:
    made = Survey.objects.create(area=area, title=title, status=status, **extra)
    # auto_now_add: set the day it was made afterwards.
    Survey.objects.filter(pk=made.pk).update(created_at=created)
    return made


def ask(about: Survey, *kinds: str) -> None:
    """The kinds of activity the survey asks about, at positions 0, 1, …: a directory
    category's slug, or words of the survey's own."""
    for position, kind in enumerate(kinds):
        category = Category.objects.filter(slug=kind).first()
        SurveyCategory.objects.create(
            survey=about,
            position=position,
            category=category,
            label=category.name if category else kind,
        )


def answer(about: Survey, n: int, *positions: int, synthetic: bool = False) -> None:
    Response.objects.bulk_create(
        Response(
            survey=about,
            submitted_on=date(2026, 3, 1),
            wants_mask=sum(1 << p for p in positions),
            synthetic=synthetic,
        )
        for _ in range(n)
    )


def test_each_areas_most_recent_answered_survey_by_area_name(personas: Personas) -> None:
    old = survey(
        personas.ashfield, "Ashfield 2025", "closed", datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    )
    new = survey(personas.ashfield, "Ashfield 2026", "open", datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    # Newer, but not answered by residents: a draft, and the template.
    survey(personas.ashfield, "Ashfield 2027", "draft", datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    survey(
        personas.ashfield,
        "Template",
        "open",
        datetime(2027, 1, 2, 9, 0, tzinfo=UTC),
        is_template=True,
    )
    mansfield = survey(
        personas.mansfield, "Mansfield 2025", "closed", datetime(2025, 6, 1, tzinfo=UTC)
    )
    # Newark's survey is another area's: not asked for.
    survey(personas.newark, "Newark 2026", "open", datetime(2026, 1, 1, tzinfo=UTC))
    for each in (old, new, mansfield):
        ask(each, WALKING)
    answer(old, 30, 0)
    answer(new, 2, 0)
    found = wishes([personas.mansfield.pk, personas.ashfield.pk])
    assert [w.survey_title for w in found] == ["Ashfield 2026", "Mansfield 2025"]
    # The newer survey, with its two responses so far (not last year's thirty).
    assert found[0].want.total == 2 and found[0].want.get(WALKING) == 2
    # A survey nobody has answered yet is still the area's: every count nought.
    assert found[1].want.total == 0 and found[1].want.counts == {WALKING: 0}
    assert wishes([personas.newark.pk + 1000]) == []


def test_responses_wanting_several_kinds_count_under_each(personas: Personas) -> None:
    asked = survey(personas.ashfield, "Ashfield 2026", "open", datetime(2026, 3, 1, tzinfo=UTC))
    ask(asked, WALKING, ARTS, "Bell ringing", MUSIC)
    answer(asked, 5, 0)  # walking
    answer(asked, 3, 0, 1)  # walking and arts
    answer(asked, 2, 2)  # bell ringing (no directory category)
    answer(asked, 4)  # nothing they would like
    answer(asked, 1, 1, 3, synthetic=True)  # arts and music: made up
    (found,) = wishes([personas.ashfield.pk])
    want = found.want
    assert not want.exclusive
    assert want.total == 15  # responses, each once
    assert want.counts == {WALKING: 8, ARTS: 4, "survey:2": 2, MUSIC: 1}
    # In the survey's order, labelled as the directory names the kind, or in the
    # survey's own words.
    assert list(want.labels.items()) == [
        (WALKING, "Walking"),
        (ARTS, Category.objects.get(slug=ARTS).name),
        ("survey:2", "Bell ringing"),
        (MUSIC, "Music"),
    ]
    assert found.synthetic == 1


def test_two_kinds_under_one_directory_category_count_a_resident_once(
    personas: Personas,
) -> None:
    asked = survey(personas.ashfield, "Ashfield 2026", "open", datetime(2026, 3, 1, tzinfo=UTC))
    ask(asked, WALKING, MUSIC)
    SurveyCategory.objects.create(
        survey=asked,
        position=2,
        category=Category.objects.get(slug=WALKING),
        label="Rambling",
    )
    answer(asked, 3, 0, 2)  # walking and rambling: one wish for walking
    answer(asked, 2, 2)
    answer(asked, 1, 1)
    (found,) = wishes([personas.ashfield.pk])
    assert found.want.counts == {WALKING: 5, MUSIC: 1}
    assert found.want.total == 6


def test_wishes_agree_with_the_survey_summary(ashfield_survey: Survey, personas: Personas) -> None:
    # The summary's worked data set: wants walking 16, music 11, arts 8 of 27.
    summary_data.build(ashfield_survey)
    Response.objects.filter(survey=ashfield_survey, mode="imported").update(synthetic=True)
    (found,) = wishes([personas.ashfield.pk])
    assert found.survey_title == ashfield_survey.title
    assert found.want.total == 27
    assert (found.want.get(WALKING), found.want.get(MUSIC), found.want.get(ARTS)) == (16, 11, 8)
    assert found.synthetic == 3
    summary = summarise(ashfield_survey, small_numbers_visible=True)
    by_label = {row.label: row.wants.figure for row in summary.categories}
    for code, label in found.want.labels.items():
        category = ashfield_survey.categories.get(category__slug=code)
        assert by_label[category.label] == Figure(found.want.get(code)), label


def test_three_queries_however_many_areas(
    personas: Personas, django_assert_num_queries: Any
) -> None:
    for area in (personas.ashfield, personas.mansfield, personas.newark):
        asked = survey(area, f"{area.name} 2026", "open", datetime(2026, 3, 1, tzinfo=UTC))
        ask(asked, WALKING, MUSIC)
        answer(asked, 3, 0, 1)
    areas = [personas.ashfield.pk, personas.mansfield.pk, personas.newark.pk]
    with django_assert_num_queries(3):  # the surveys, their categories, the responses
        found = wishes(areas)
    assert [w.want.get(MUSIC) for w in found] == [3, 3, 3]
    with django_assert_num_queries(0):  # no areas: nothing to ask
        assert wishes([]) == []
