"""The bundle (bundle.py, views_exports.py): a zip with the pseudonymous CSV (byte for
byte the extract behind the data fingerprint), the R code or lavaan syntax that repeats
the analysis, the platform's results and a README; downloaded only by someone whose scope
covers the analysis, and audited."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.test import Client as Browser

from inspiring.accounts.models import AuditEntry, User
from inspiring.demo.casework import load_demo_caseload
from inspiring.evaluation.actions import do_start_analysis
from inspiring.evaluation.bundle import build_bundle, r_code, r_formula
from inspiring.evaluation.extracts import csv_bytes, extract
from inspiring.evaluation.models import Analysis
from inspiring.evaluation.runner import execute, run
from tests.conftest import sign_in
from tests.personas import Personas

MEMBERS = {"README.txt", "data.csv", "analysis.R", "results.json"}


def finished_analysis(personas: Personas, spec: dict[str, Any]) -> Analysis:
    """An analysis of Ashfield's demo outcomes by the researcher, run to the end."""
    load_demo_caseload(
        personas.ashfield, personas.link_worker, seed="inspiring-demo-cases-ashfield"
    )
    analysis = do_start_analysis(
        None, areas=[personas.ashfield], title="Test", spec=spec, by=personas.researcher
    )
    analysis = execute(analysis)
    assert analysis.status == Analysis.Status.DONE, analysis.error
    return analysis


CHANGE = {
    "dataset": {"source": "outcomes", "areas": ["ashfield"]},
    "analysis": "change",
    "options": {
        "before": "baseline_ons4_life_satisfaction",
        "after": "followup_ons4_life_satisfaction",
    },
    "seed": 7,
    "question": "",
}


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    m = 0.5 * x + rng.normal(size=60)
    return pd.DataFrame({"x": x, "m": m, "y": 0.4 * m + rng.normal(size=60), "g": ["a", "b"] * 30})


def _open(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == MEMBERS
    return archive


def test_a_mediation_bundle_has_the_data_lavaan_syntax_and_results() -> None:
    frame = _frame()
    spec = {
        "analysis": "mediate",
        "options": {"x": "x", "m": ["m"], "y": "y", "boot": 200, "ci": "percentile"},
        "seed": 3,
    }
    result = run(spec, frame)
    fingerprint = hashlib.sha256(csv_bytes(frame)).hexdigest()
    data = build_bundle(spec, result, frame, title="M", fingerprint=fingerprint, software="s")
    archive = _open(data)
    assert archive.read("data.csv") == csv_bytes(frame)
    script = archive.read("analysis.R").decode()
    assert "library(lavaan)" in script and "m ~ a1*x" in script and "ind_m := a1*b1" in script
    assert (
        "bootstrap = 200" in script and "set.seed(3)" in script and 'read.csv("data.csv"' in script
    )
    results = json.loads(archive.read("results.json"))
    assert results["result"] == result and results["seed"] == 3
    assert results["data_fingerprint"] == fingerprint
    readme = archive.read("README.txt").decode()
    assert fingerprint in readme and "WARNING" not in readme and "resampling error" in readme
    # The same analysis, the same bytes (fixed dates in the zip).
    assert (
        build_bundle(spec, result, frame, title="M", fingerprint=fingerprint, software="s") == data
    )


def test_r_calls_for_each_kind() -> None:
    def script(kind: str, **options: Any) -> str:
        return r_code({"analysis": kind, "options": options, "seed": 1})

    assert 'psych::alpha(items, keys = c("b"))' in script("alpha", items=["a", "b"], reverse=["b"])
    assert "lm(y ~ x + factor(g), data = data)" in script("regress", formula="y ~ x + C(g)")
    assert 'vcovHC(fit, type = "HC3")' in script("regress", formula="y ~ x", robust="HC3")
    change = script("change", before="pre", after="post", reliability=0.8, lower_is_better=True)
    assert "t.test(after, before, paired = TRUE" in change and "sqrt(1 - 0.8)" in change
    assert 'sem(model, data = data, missing = "ml")' in script(
        "sem", model="f =~ a + b + c", missing="ml"
    )
    assert "factanal(items, factors = 2" in script("efa", items=["a", "b", "c"], factors=2)
    assert 'psych::fa(items, nfactors = 2, fm = "minres", rotate = "oblimin")' in script(
        "efa", items=["a", "b", "c"], factors=2, method="minres", rotation="oblimin"
    )
    assert "semTools::compRelSEM" in script("omega", items=["a", "b", "c"])
    assert "family = binomial" in script("logistic", formula="took_part ~ barrier_cost")


def test_formulas_in_r_spelling() -> None:
    assert r_formula("y ~ C(sex) + age") == "y ~ factor(sex) + age"
    assert r_formula("y ~ C(g, Treatment('b'))") == 'y ~ relevel(factor(g), ref = "b")'
    assert r_formula("y ~ x * w - 1") == "y ~ x * w - 1"


def test_changed_data_are_flagged_in_the_readme() -> None:
    frame = _frame()
    spec = {"analysis": "describe", "options": {"columns": ["x"]}, "seed": 1}
    data = build_bundle(spec, run(spec, frame), frame, fingerprint="0" * 64)
    assert "WARNING" in _open(data).read("README.txt").decode()


@pytest.mark.django_db
def test_the_researcher_downloads_the_bundle_of_an_analysis(
    client: Browser, personas: Personas
) -> None:
    analysis = finished_analysis(personas, CHANGE)
    sign_in(client, personas.researcher, area=personas.ashfield)
    response = client.get(f"/staff/evaluation/{analysis.public_id}/bundle.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = _open(response.content)
    data = archive.read("data.csv")
    # The CSV is the extract the analysis ran on: same bytes, same fingerprint.
    assert data == csv_bytes(extract(analysis.spec, analysis.salt))
    assert hashlib.sha256(data).hexdigest() == analysis.data_fingerprint
    assert json.loads(archive.read("results.json"))["result"] == analysis.result
    assert AuditEntry.objects.filter(action="evaluation.bundle_downloaded").count() == 1
    page = client.get(analysis.get_absolute_url()).content.decode()
    assert "Download the bundle" in page and "Download the PDF" in page


@pytest.mark.django_db
def test_no_bundle_outside_ones_scope(client: Browser, personas: Personas) -> None:
    analysis = finished_analysis(personas, CHANGE)
    outsider: User = personas.mansfield_coordinator
    sign_in(client, outsider, area=personas.mansfield)
    assert client.get(f"/staff/evaluation/{analysis.public_id}/bundle.zip").status_code == 404
    assert client.get(f"/staff/evaluation/{analysis.public_id}/report.pdf").status_code == 404


def test_mediation_covariates_in_r_as_the_platform_codes_them() -> None:
    options = {"x": "x", "m": ["m1", "m2"], "y": "y", "covariates": ["age_band", "age"]}
    script = r_code({"analysis": "mediate", "options": options, "seed": 4})
    assert 'covariates <- c("age_band", "age")' in script
    assert "levels(f)[-1]" in script  # text covariates: indicators, first level the reference
    assert "m1 ~ a1*x__COVARIATES__" in script and "gsub(" in script
    assert "m1 ~~ m2" in script and "total_indirect := ind_m1 + ind_m2" in script
    assert "paste0('a', 1:2)" in script
    assert 'lm(as.formula(paste0("y ~ x", extra)), data = data)' in script


def test_invariance_references_and_events_in_r() -> None:
    script = r_code(
        {"analysis": "invariance", "options": {"model": "f =~ a + b + c", "group": "area"}}
    )
    assert 'group.equal = c("loadings", "intercepts")' in script
    assert "lavTestLRT(configural, metric, scalar)" in script
    options = {"formula": "lonely ~ sex", "reference": {"sex": "male"}, "event": "yes"}
    script = r_code({"analysis": "logistic", "options": options})
    assert 'relevel(factor(data[["sex"]]), ref = "male")' in script
    assert 'as.numeric(data[["lonely"]] == "yes")' in script
