"""Issue 16's "Done when": with the demo data, the demo researcher runs each of the
programme's own questions and a custom mediation in the browser, downloads the PDF and the
bundle, and "Run again" reproduces every number. axe on every page on the way."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from inspiring.demo.loading import load_demo
from inspiring.directory.models import Category, SupportFeature
from inspiring.directory.taxonomy_data import seed_taxonomy
from inspiring.evaluation import questions
from inspiring.evaluation.models import Analysis
from tests.geography import ensure_geography

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

RESEARCHER = "researcher@example.org"


@pytest.fixture
def demo(settings: Any) -> None:
    """The whole demo (directory, caseload with outcomes, surveys), analyses run at once.
    The geography and the taxonomy first: an earlier browser test's flush (transactional
    tests) empties the tables their migrations filled, and the caseload's deprivation and
    the survey's kinds of activity come from them."""
    settings.DEMO_MODE = True
    settings.TWO_FACTOR_REQUIRED = False
    settings.TASKS_BACKEND = "immediate"
    ensure_geography()
    seed_taxonomy(Category, SupportFeature)
    load_demo()


def _finished(page: Any) -> Analysis:
    """Wait for the analysis page to show its report (or its failure), then the analysis."""
    page.locator("h2", has_text="Summary").or_(
        page.get_by_text("The analysis could not be completed").first
    ).first.wait_for(timeout=60_000)
    public_id = page.url.rstrip("/").split("/")[-1]
    analysis = Analysis.objects.get(public_id=public_id)
    assert analysis.status == Analysis.Status.DONE, (analysis.title, analysis.error)
    return analysis


def _run_again(page: Any, original: Analysis) -> None:
    """Run again: the same numbers, said on the page and checked in the database."""
    page.get_by_role("button", name="Run again").click()
    page.wait_for_url(lambda url: str(original.public_id) not in url)
    rerun = _finished(page)
    assert rerun.rerun_of_id == original.pk
    page.get_by_text("Same numbers as the original run").wait_for()
    assert rerun.result == original.result and rerun.data_fingerprint == original.data_fingerprint
    assert axe_violations(page) == []


def _download(page: Any, name: str, tmp_path: Path) -> bytes:
    with page.expect_download() as caught:
        page.get_by_role("link", name=name).click()
    target = tmp_path / caught.value.suggested_filename
    caught.value.save_as(target)
    return target.read_bytes()


def test_the_researcher_answers_the_programmes_questions(
    page: Any, demo: None, tmp_path: Path
) -> None:
    sign_in(page, RESEARCHER)
    page.wait_for_url("**/staff/**")
    page.goto("/staff/evaluation/")
    assert axe_violations(page) == []
    asked = [q for q in questions.QUESTIONS if q.available()]
    assert len(asked) >= 15
    for question in asked:
        page.goto("/staff/evaluation/")
        page.get_by_role("link", name=question.title).click()
        page.get_by_role("heading", level=1, name=question.title).wait_for()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Run this question").click()
        analysis = _finished(page)
        assert analysis.spec["question"] == question.code
        # Pictures where the analysis has them, each with its text alternative.
        if analysis.kind in ("change", "mediate", "regress"):
            assert page.locator("main svg[role='img'] title").count() >= 1
        assert axe_violations(page) == []
        _run_again(page, analysis)

    # The built-in mediation's report: the path diagram says its numbers.
    mediation = Analysis.objects.filter(
        spec__question="identification-needs-wellbeing", rerun_of__isnull=True
    ).get()
    page.goto(mediation.get_absolute_url())
    diagram = page.get_by_role("img", name="Path diagram: neighbourhood_identification_identify")
    assert diagram.count() == 1


def test_a_custom_mediation_downloaded_and_run_again(page: Any, demo: None, tmp_path: Path) -> None:
    sign_in(page, RESEARCHER)
    page.wait_for_url("**/staff/**")
    page.goto("/staff/evaluation/")
    page.get_by_role("link", name="New analysis").click()
    assert axe_violations(page) == []
    page.get_by_label("Community survey", exact=False).first.check()
    page.get_by_role("button", name="Continue").click()
    assert axe_violations(page) == []
    page.get_by_label("Mediation (bootstrap)").check()
    page.get_by_role("button", name="Continue").click()
    assert axe_violations(page) == []
    page.get_by_label("Predictor (X)").select_option("groups_count")
    mediators = page.get_by_role("group", name="Mediators (M)")
    mediators.get_by_label("(ons_loneliness_ucla3)", exact=False).check()
    page.get_by_label("Outcome (Y)").select_option("ons4_life_satisfaction")
    page.get_by_label("Bootstrap resamples").fill("2000")
    page.get_by_label("Title").fill("Groups, loneliness and life satisfaction")
    page.get_by_role("button", name="Run the analysis").click()
    analysis = _finished(page)
    assert analysis.kind == "mediate" and analysis.result["boot"] == 2000  # type: ignore[index]
    assert page.get_by_role("img", name="Path diagram: groups_count").count() == 1
    assert axe_violations(page) == []

    for link in ("Download the PDF for sharing", "Download the PDF with every figure"):
        assert _download(page, link, tmp_path).startswith(b"%PDF")
    bundle = zipfile.ZipFile(io.BytesIO(_download(page, "Download the bundle", tmp_path)))
    assert set(bundle.namelist()) == {"README.txt", "data.csv", "analysis.R", "results.json"}
    assert "library(lavaan)" in bundle.read("analysis.R").decode()
    assert json.loads(bundle.read("results.json"))["result"] == analysis.result
    _run_again(page, analysis)
