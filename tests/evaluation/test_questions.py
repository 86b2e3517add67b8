"""The programme's own questions (questions.py): each builds a spec that runs on the demo
data through the extract and the runner and gives a result, and the demo's documented
structure shows in them (more groups joined, a larger rise in wellbeing; neighbourhood
identification working on wellbeing through needs met)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser

from inspiring.areas.models import Area
from inspiring.demo.casework import load_demo_caseload
from inspiring.demo.loading import load_demo
from inspiring.evaluation import questions
from inspiring.evaluation.extracts import extract
from inspiring.evaluation.models import Analysis
from inspiring.evaluation.runner import run
from inspiring.surveys.models import Survey
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_every_question_is_described_and_unique() -> None:
    codes = [q.code for q in questions.QUESTIONS]
    assert len(codes) == len(set(codes))
    for question in questions.QUESTIONS:
        assert question.title.endswith("?") and len(question.description) > 40
        assert question.source in ("outcomes", "survey")
        assert questions.get(question.code) is question


def test_each_question_runs_on_the_demo_data() -> None:
    load_demo()
    # The demo researcher's areas.
    areas = list(Area.objects.filter(slug__in=("ashfield", "mansfield")).order_by("slug"))
    survey = Survey.objects.get(area__slug="ashfield", synthetic=True)
    results: dict[str, dict[str, Any]] = {}
    for question in questions.QUESTIONS:
        if not question.available():
            assert question.code == "change-swemwbs"  # the demo holds no SWEMWBS licence
            continue
        spec = question.build(areas=areas, survey=survey)
        assert spec["question"] == question.code and spec["seed"] == questions.SEED
        frame = extract(spec, "test-salt")
        result = run(spec, frame)
        assert result["n_used"] >= 10, question.code
        results[question.code] = result
        # Run again on the same data: the same numbers.
        assert run(spec, extract(spec, "test-salt")) == result, question.code

    change = results["change-life-satisfaction"]
    assert change["diff"]["mean"] > 0
    assert results["change-loneliness"]["rci"] is not None
    joined = results["wellbeing-by-groups-joined"]["coefficients"]["groups_change"]
    assert joined["est"] > 0 and joined["p"] < 0.05
    lonely = results["loneliness-by-groups-joined"]["coefficients"]["groups_change"]
    assert lonely["est"] < 0
    mediation = results["identification-needs-wellbeing"]
    assert mediation["boot"] == questions.BOOTSTRAP
    low, high = next(iter(mediation["indirect"].values()))["ci"]
    assert 0 < low < high  # the indirect effect the demo survey was built with
    awareness = results["awareness-use-wish"]["columns"]
    assert "took_part" in awareness and any(name.startswith("wants_") for name in awareness)


def test_a_survey_question_needs_a_survey_and_an_outcomes_question_areas() -> None:
    with pytest.raises(ValueError, match="needs a survey"):
        questions.get("identification-needs-wellbeing").build(areas=[])  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="needs at least one area"):
        questions.get("change-loneliness").build()  # type: ignore[union-attr]


def test_a_question_page_runs_it_for_the_areas_chosen(client: Browser, personas: Personas) -> None:
    load_demo_caseload(
        personas.ashfield, personas.link_worker, seed="inspiring-demo-cases-ashfield"
    )
    sign_in(client, personas.researcher, area=personas.ashfield)
    url = "/staff/evaluation/questions/change-loneliness/"
    page = client.get(url).content.decode()
    assert "Are people less lonely than when they were referred?" in page
    assert "Mansfield" in page and "Newark" not in page  # the researcher's areas only
    response = client.post(url, {"areas": ["ashfield"]})
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response["Location"] == analysis.get_absolute_url()
    assert analysis.spec["question"] == "change-loneliness"
    assert analysis.spec["dataset"] == {"source": "outcomes", "areas": ["ashfield"]}
    assert [area.slug for area in analysis.areas.all()] == ["ashfield"]
    # An area outside the researcher's scope is not a choice.
    assert client.post(url, {"areas": ["newark-and-sherwood"]}).status_code == 200
    assert Analysis.objects.count() == 1
    assert client.get("/staff/evaluation/questions/no-such-question/").status_code == 404
