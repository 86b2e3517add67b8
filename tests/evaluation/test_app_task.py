"""The background task end to end (the tests' task backend runs it at once): extract,
fingerprint, run, store; what it cannot do is recorded in plain words."""

from __future__ import annotations

from typing import Any

from inspiring.accounts.models import AuditEntry, Membership
from inspiring.evaluation import extracts
from inspiring.evaluation.models import Analysis
from inspiring.evaluation.runner import run
from inspiring.evaluation.tasks import run_analysis
from tests.evaluation.test_app_extracts import outcomes_clients, survey_with_responses
from tests.personas import Personas


def _analysis(personas: Personas, spec: dict[str, Any], *areas: Any) -> Analysis:
    analysis = Analysis.objects.create(title="Test", spec=spec, created_by=personas.researcher)
    analysis.areas.set(areas or [personas.ashfield])
    return analysis


def test_the_task_extracts_fingerprints_runs_and_stores(personas: Personas) -> None:
    outcomes_clients(personas, n=24)
    spec = {
        "dataset": {"source": "outcomes", "areas": ["ashfield"]},
        "analysis": "regress",
        "options": {"formula": "change_ons4_life_satisfaction ~ groups_change"},
        "seed": 3,
        "question": "",
    }
    analysis = _analysis(personas, spec)
    run_analysis.enqueue(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.DONE, analysis.error
    assert analysis.started_at and analysis.finished_at and analysis.progress == ""
    # The same numbers as extracting and running by hand with the analysis's salt.
    frame = extracts.outcomes_extract([personas.ashfield], analysis.salt)
    assert analysis.data_fingerprint == extracts.fingerprint(frame)
    assert analysis.result == run(spec, frame)
    assert analysis.result is not None and analysis.result["n_extracted"] == 24
    assert AuditEntry.objects.filter(
        action="evaluation.extracted", object_id=str(analysis.public_id)
    ).exists()


def test_a_bad_formula_fails_in_plain_words(personas: Personas) -> None:
    survey = survey_with_responses(personas, n=12)
    analysis = _analysis(
        personas,
        {
            "dataset": {"source": "survey", "survey": str(survey.public_id)},
            "analysis": "regress",
            "options": {"formula": "ons4_happiness ~ no_such_column"},
            "seed": 1,
        },
    )
    run_analysis.enqueue(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.FAILED
    assert analysis.error.startswith("The analysis could not be run on these data:")
    assert "no_such_column" in analysis.error and analysis.result is None


def test_a_person_who_lost_access_gets_no_extract(personas: Personas) -> None:
    survey = survey_with_responses(personas, n=12)
    analysis = _analysis(
        personas,
        {
            "dataset": {"source": "survey", "survey": str(survey.public_id)},
            "analysis": "describe",
            "options": {},
            "seed": 1,
        },
    )
    Membership.objects.filter(user=personas.researcher, area=personas.ashfield).delete()
    run_analysis.enqueue(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.FAILED
    assert "no longer has access" in analysis.error
    assert not AuditEntry.objects.filter(action="evaluation.extracted").exists()


def test_a_survey_that_is_gone_says_so(personas: Personas) -> None:
    survey = survey_with_responses(personas, n=3)
    spec = {
        "dataset": {"source": "survey", "survey": str(survey.public_id)},
        "analysis": "describe",
    }
    analysis = _analysis(personas, spec)
    survey.delete()
    run_analysis.enqueue(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.FAILED
    assert analysis.error == "The survey this analysis used no longer exists."
