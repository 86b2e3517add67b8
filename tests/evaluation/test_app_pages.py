"""The evaluation's pages: a researcher picks a data set, an analysis and its variables,
it runs in the background (immediately in tests), and the report reads in plain words;
"Run again" reproduces the numbers or flags changed data. Access: link workers and
partner leads get 403, another area's analysis 404."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client as Browser
from django.test import TestCase
from django.urls import reverse

from inspiring.accounts.models import AuditEntry
from inspiring.evaluation.models import Analysis
from inspiring.surveys.actions import do_record_response
from inspiring.surveys.models import Survey
from tests.conftest import sign_in
from tests.evaluation.test_app_extracts import outcomes_clients, survey_with_responses
from tests.personas import Personas

LIST = "/staff/evaluation/"
# The list page: session, user, memberships and areas, the analyses with their areas and
# originals, whatever the number of analyses.
QUERIES = 9


def _browser(user: object, area: object = None) -> Any:
    return TaskBrowser(sign_in(Browser(), user, area=area))  # type: ignore[arg-type]


@contextmanager
def _tasks_run() -> Iterator[None]:
    """Each test runs in a transaction that never commits: run what would have been
    run on commit (the analysis task) when the request ends, as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


class TaskBrowser:
    """A signed-in test browser whose POSTs run the tasks they queue."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.browser.get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        with _tasks_run():
            return self.browser.post(*args, **kwargs)


def _start_mediation(browser: Any, survey: Survey, seed: int = 7) -> Analysis:
    url = reverse("evaluation:new_survey", kwargs={"public_id": survey.public_id})
    response = browser.post(
        url,
        {
            "analysis": "mediate",
            "x": "groups_count",
            "m": ["ons4_worthwhile"],
            "y": "ons4_life_satisfaction",
            "boot": "500",
            "ci": "percentile",
            "confidence": "0.95",
            "title": "Identification and wellbeing",
            "seed": str(seed),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    analysis = Analysis.objects.get(title="Identification and wellbeing", rerun_of=None)
    assert response["Location"] == analysis.get_absolute_url()
    return analysis


@pytest.fixture
def survey(personas: Personas) -> Survey:
    return survey_with_responses(personas, n=40)


def test_the_list_page_shows_the_persons_analyses(personas: Personas, survey: Survey) -> None:
    browser = _browser(personas.researcher)
    response = browser.get(LIST)
    assert response.status_code == 200
    assert "New analysis" in response.content.decode()
    assert "You have not run an analysis yet" in response.content.decode()


def test_a_researcher_runs_a_change_analysis_on_client_outcomes(personas: Personas) -> None:
    outcomes_clients(personas, n=24)
    browser = _browser(personas.researcher)
    response = browser.get(reverse("evaluation:new"), {"dataset": "outcomes", "areas": "ashfield"})
    assert response.status_code == 302
    url = response["Location"]
    assert "areas=ashfield" in url
    page = browser.get(url)
    assert "Which analysis?" in page.content.decode()
    page = browser.get(url + "&analysis=change")
    assert "Before (baseline)" in page.content.decode()
    assert "baseline_ons4_life_satisfaction" in page.content.decode()
    response = browser.post(
        url + "&analysis=change",
        {
            "analysis": "change",
            "before": "baseline_ons4_life_satisfaction",
            "after": "followup_ons4_life_satisfaction",
            "reliability": "0.8",
            "confidence": "0.95",
            "title": "Life satisfaction",
            "seed": "11",
        },
    )
    assert response.status_code == 302
    analysis = Analysis.objects.get(title="Life satisfaction")
    assert analysis.status == Analysis.Status.DONE, analysis.error
    assert [a.slug for a in analysis.areas.all()] == ["ashfield"]
    page = browser.get(analysis.get_absolute_url()).content.decode()
    assert (
        "Among 20 people, Life satisfaction rose by 1.40 points"
        " (95% CI 0.87 to 1.93) from baseline to follow-up; 10 improved reliably" in page
    )
    assert "improved reliably" in page
    assert "listwise deletion" in page and "20 of the 24 rows extracted" in page
    assert analysis.data_fingerprint in page
    assert "Random seed" in page and "11" in page
    assert AuditEntry.objects.filter(
        action="evaluation.queued", object_id=str(analysis.public_id)
    ).exists()


def test_mediation_end_to_end_and_run_again_gives_the_same_numbers(
    personas: Personas, survey: Survey
) -> None:
    browser = _browser(personas.researcher)
    analysis = _start_mediation(browser, survey)
    assert analysis.status == Analysis.Status.DONE, analysis.error
    assert analysis.result is not None and analysis.result["seed"] == 7
    assert analysis.result["n_used"] == 40 and analysis.result["n_extracted"] == 40
    assert "numpy" in analysis.software_version
    page = browser.get(analysis.get_absolute_url()).content.decode()
    assert "indirect effect" in page and "500 resamples" in page
    assert "Methods" in page and "seed 7" in page
    # Run again: same data, same seed, same numbers.
    response = browser.post(
        reverse("evaluation:run_again", kwargs={"public_id": analysis.public_id})
    )
    assert response.status_code == 302
    again = Analysis.objects.get(rerun_of=analysis)
    assert again.result == analysis.result
    assert again.data_fingerprint == analysis.data_fingerprint
    page = browser.get(again.get_absolute_url()).content.decode()
    assert "Same numbers as the original run" in page
    # New responses change the data: the next rerun says so.
    do_record_response(
        survey, {"groups_count": 2, "age_band": "25_34"}, "paper", entered_by=personas.coordinator
    )
    browser.post(reverse("evaluation:run_again", kwargs={"public_id": analysis.public_id}))
    changed = Analysis.objects.filter(rerun_of=analysis).order_by("-pk").first()
    assert changed is not None and changed.data_fingerprint != analysis.data_fingerprint
    page = browser.get(changed.get_absolute_url()).content.decode()
    assert "The data have changed since the original run" in page


def test_too_few_rows_fail_in_plain_words(personas: Personas) -> None:
    small = survey_with_responses(personas, n=6)
    browser = _browser(personas.researcher)
    url = reverse("evaluation:new_survey", kwargs={"public_id": small.public_id})
    browser.post(
        url,
        {
            "analysis": "alpha",
            "items": ["ons4_life_satisfaction", "ons4_worthwhile", "ons4_happiness"],
            "confidence": "0.95",
            "title": "Tiny",
            "seed": "1",
        },
    )
    analysis = Analysis.objects.get(title="Tiny")
    assert analysis.status == Analysis.Status.FAILED
    page = browser.get(analysis.get_absolute_url()).content.decode()
    assert "could not be completed" in page
    assert "At least 10 are needed" in page or "at least" in page.lower()


def test_bad_options_are_refused_with_a_clear_message(personas: Personas, survey: Survey) -> None:
    browser = _browser(personas.researcher)
    url = reverse("evaluation:new_survey", kwargs={"public_id": survey.public_id})
    response = browser.post(url, {"analysis": "change", "title": "", "seed": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose before (baseline)" in page
    assert "Enter a title for the analysis" in page
    assert not Analysis.objects.exists()


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "commissioner"])
def test_roles_without_research_access_get_403(personas: Personas, who: str) -> None:
    browser = _browser(getattr(personas, who), personas.ashfield)
    assert browser.get(LIST).status_code == 403
    assert browser.get(reverse("evaluation:new")).status_code == 403


def test_a_coordinator_analyses_their_own_area(personas: Personas, survey: Survey) -> None:
    browser = _browser(personas.coordinator)
    assert browser.get(LIST).status_code == 200
    analysis = _start_mediation(browser, survey)
    assert analysis.status == Analysis.Status.DONE


def test_another_areas_analysis_and_survey_answer_404(personas: Personas, survey: Survey) -> None:
    analysis = _start_mediation(_browser(personas.researcher), survey)
    mansfield = _browser(personas.mansfield_coordinator)
    assert mansfield.get(analysis.get_absolute_url()).status_code == 404
    assert (
        mansfield.post(
            reverse("evaluation:run_again", kwargs={"public_id": analysis.public_id})
        ).status_code
        == 404
    )
    url = reverse("evaluation:new_survey", kwargs={"public_id": survey.public_id})
    assert mansfield.get(url).status_code == 404
    outcomes = reverse("evaluation:new_outcomes") + "?areas=ashfield"
    assert mansfield.get(outcomes).status_code == 404


def test_progress_page_refreshes_itself_until_done(personas: Personas, survey: Survey) -> None:
    analysis = Analysis.objects.create(
        title="Waiting",
        spec={
            "dataset": {"source": "survey", "survey": str(survey.public_id)},
            "analysis": "describe",
        },
        created_by=personas.researcher,
    )
    analysis.areas.set([personas.ashfield])
    browser = _browser(personas.researcher)
    page = browser.get(analysis.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript too
    partial = browser.get(analysis.get_absolute_url(), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()


def test_the_list_page_query_count_is_pinned(
    personas: Personas, survey: Survey, django_assert_num_queries: object
) -> None:
    browser = _browser(personas.researcher)
    for seed in range(3):
        _start_mediation(browser, survey, seed=seed + 1)
        Analysis.objects.filter(title="Identification and wellbeing").update(title=f"Run {seed}")
    browser.get(LIST)  # warm the session and the capability caches
    with django_assert_num_queries(QUERIES):  # type: ignore[operator]
        response = browser.get(LIST)
    assert response.content.decode().count("Run ") >= 3


def test_researchers_find_the_evaluation_on_their_home_page(personas: Personas) -> None:
    page = _browser(personas.researcher, personas.ashfield).get("/staff/").content.decode()
    assert "nothing for your role" not in page
    assert LIST in page and "Evaluation" in page
