"""A model written as a formula is checked on the form (terms bounded, names known, one
outcome), and a stored spec with bad options or areas fails in words (review findings)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse

from inspiring.evaluation.models import Analysis
from inspiring.evaluation.runner import execute
from inspiring.evaluation.stats import StatsError
from inspiring.evaluation.stats.regression import MAX_TERMS, parse_formula
from inspiring.surveys.models import Survey
from tests.conftest import sign_in
from tests.evaluation.test_app_extracts import survey_with_responses
from tests.evaluation.test_app_pages import TaskBrowser
from tests.personas import Personas


@pytest.fixture
def survey(personas: Personas) -> Survey:
    return survey_with_responses(personas, n=40)


def _post(personas: Personas, survey: Survey, **fields: Any) -> Any:
    browser = TaskBrowser(sign_in(Browser(), personas.researcher))
    url = reverse("evaluation:new_survey", kwargs={"public_id": survey.public_id})
    return browser.post(
        url, {"analysis": "regress", "title": "Model", "seed": "3", "confidence": "0.95", **fields}
    )


def test_a_long_product_is_refused_at_once_not_expanded() -> None:
    # 16 names multiplied would be 65,535 terms (over a minute of parsing before the limit).
    began = time.perf_counter()
    with pytest.raises(StatsError, match=f"more than {MAX_TERMS} terms"):
        parse_formula("y ~ " + "*".join(f"x{i}" for i in range(16)))
    assert time.perf_counter() - began < 1
    assert len(parse_formula("y ~ a*b*c*d").terms) == 15


def test_a_formula_alone_is_enough(personas: Personas, survey: Survey) -> None:
    response = _post(personas, survey, formula="ons4_life_satisfaction ~ groups_count")
    assert response.status_code == 302, response.content.decode()[:2000]
    analysis = Analysis.objects.get(title="Model")
    assert analysis.status == Analysis.Status.DONE, analysis.error
    assert analysis.spec["options"]["formula"] == "ons4_life_satisfaction ~ groups_count"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"formula": "y ~ " + "*".join(f"x{i}" for i in range(12))}, "more than 200 terms"),
        ({"formula": "ons4_life_satisfaction ~ shoe_size"}, "does not have: shoe_size"),
        (
            {"y": "ons4_happiness", "formula": "ons4_life_satisfaction ~ groups_count"},
            "choose one way",
        ),
        ({}, "Choose the outcome, or write a formula"),
    ],
)
def test_a_bad_model_is_a_message_on_the_page(
    personas: Personas, survey: Survey, fields: dict[str, str], message: str
) -> None:
    response = _post(personas, survey, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Analysis.objects.exists()


def _stored(personas: Personas, survey: Survey, spec_changes: dict[str, Any]) -> Analysis:
    spec: dict[str, Any] = {
        "dataset": {"source": "survey", "survey": str(survey.public_id)},
        "analysis": "efa",
        "options": {"items": ["ons4_life_satisfaction", "ons4_happiness"], "factors": "one"},
        "seed": 1,
    }
    spec.update(spec_changes)
    analysis = Analysis.objects.create(title="Stored", spec=spec, created_by=personas.researcher)
    analysis.areas.set([survey.area])
    return analysis


def test_a_stored_option_that_is_not_a_number_fails_in_words(
    personas: Personas, survey: Survey
) -> None:
    analysis = execute(_stored(personas, survey, {}))
    assert analysis.status == Analysis.Status.FAILED
    assert analysis.error == "The number of factors must be a whole number, not 'one'"


def test_a_data_set_outside_the_analysis_areas_is_not_read(
    personas: Personas, survey: Survey
) -> None:
    analysis = _stored(personas, survey, {})
    analysis.areas.set([personas.mansfield])
    analysis = execute(analysis)
    assert analysis.status == Analysis.Status.FAILED
    assert "no longer matches the areas" in analysis.error
    assert not analysis.data_fingerprint


def test_a_mediation_takes_at_most_ten_mediators(personas: Personas, survey: Survey) -> None:
    browser = TaskBrowser(sign_in(Browser(), personas.researcher))
    url = reverse("evaluation:new_survey", kwargs={"public_id": survey.public_id})
    numeric = survey_columns_numeric(survey)[:11]
    assert len(numeric) == 11
    response = browser.post(
        url,
        {
            "analysis": "mediate",
            "x": "groups_count",
            "m": numeric,
            "y": "ons4_life_satisfaction",
            "boot": "500",
            "ci": "percentile",
            "confidence": "0.95",
            "title": "Too many",
            "seed": "1",
        },
    )
    assert response.status_code == 200
    assert "Choose at most 10 mediators" in response.content.decode()
    assert not Analysis.objects.exists()


def survey_columns_numeric(survey: Survey) -> list[str]:
    from inspiring.evaluation.extracts import survey_columns

    return [
        c.name
        for c in survey_columns(survey)
        if c.kind in ("number", "binary") and c.name != "groups_count"
    ]
