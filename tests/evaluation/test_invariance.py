"""Measurement invariance (configural, metric, scalar multi-group CFA), against lavaan's
published output for the Holzinger & Swineford (1939) three-factor model by school (N = 301:
Pasteur 156, Grant-White 145; the data as semopy ships them, `semopy.examples.holzinger39`).

Source: the lavaan tutorial, "Multiple groups" (https://lavaan.ugent.be/tutorial/groups.html;
its source, tutorial.src/groups.tex in github.com/yrosseel/lavaan.org.old): the configural fit
(chi-square 115.851 on 48 df; per group 64.309 and 51.542) with its parameter estimates, the
fit with group.equal = "loadings" (124.044 on 54 df; per group 68.825 and 55.219) with its
estimates, and semTools' measurementInvariance() table printed there (CFI, RMSEA, BIC, and the
chi-square differences 8.192 on 6 df, p 0.224, and 40.059 on 6 df).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from inspiring.evaluation import cli
from inspiring.evaluation.stats import StatsError, invariance, sem

HS_MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]

# semTools::measurementInvariance(HS.model, data = HolzingerSwineford1939, group = "school"),
# as printed in the lavaan tutorial: chisq, df, cfi, rmsea, bic.
PUBLISHED_STEPS = {
    "configural": (115.851, 48, 0.923, 0.097, 7706.822),
    "metric": (124.044, 54, 0.921, 0.093, 7680.771),
    "scalar": (164.103, 60, 0.882, 0.107, 7686.588),
}
# [Model 1 versus model 2] and [Model 2 versus model 3]: delta chisq, df, p, and CFI change
# (semTools prints the fall in CFI as a positive number; we report CFI_restricted - CFI_free).
PUBLISHED_DELTAS = {"metric": (8.192, 6, 0.224, 0.002), "scalar": (40.059, 6, 0.000, 0.038)}

# Configural model, lavaan's summary: estimate, standard error per group.
CONFIGURAL = {
    "Pasteur": {
        ("visual", "=~", "x2"): (0.394, 0.122),
        ("visual", "=~", "x3"): (0.570, 0.140),
        ("textual", "=~", "x5"): (1.183, 0.102),
        ("textual", "=~", "x6"): (0.875, 0.077),
        ("speed", "=~", "x8"): (1.125, 0.277),
        ("speed", "=~", "x9"): (0.922, 0.225),
        ("visual", "~~", "textual"): (0.479, 0.106),
        ("visual", "~~", "speed"): (0.185, 0.077),
        ("textual", "~~", "speed"): (0.182, 0.069),
        ("x1", "~1", ""): (4.941, 0.095),
        ("x5", "~1", ""): (3.995, 0.105),
        ("x9", "~1", ""): (5.418, 0.079),
        ("x1", "~~", "x1"): (0.298, 0.232),
        ("x9", "~~", "x9"): (0.680, 0.104),
        ("visual", "~~", "visual"): (1.097, 0.276),
        ("speed", "~~", "speed"): (0.350, 0.126),
    },
    "Grant-White": {
        ("visual", "=~", "x2"): (0.736, 0.155),
        ("visual", "=~", "x3"): (0.925, 0.166),
        ("textual", "=~", "x5"): (0.990, 0.087),
        ("speed", "=~", "x8"): (1.226, 0.187),
        ("visual", "~~", "speed"): (0.276, 0.076),
        ("x2", "~1", ""): (6.200, 0.092),
        ("x7", "~1", ""): (3.921, 0.086),
        ("x3", "~~", "x3"): (0.557, 0.103),
        ("textual", "~~", "textual"): (0.942, 0.152),
    },
}
# Metric model (group.equal = "loadings"): the shared loadings, and group-specific parameters.
METRIC_LOADINGS = {
    ("visual", "=~", "x2"): (0.599, 0.100),
    ("visual", "=~", "x3"): (0.784, 0.108),
    ("textual", "=~", "x5"): (1.083, 0.067),
    ("textual", "=~", "x6"): (0.912, 0.058),
    ("speed", "=~", "x8"): (1.201, 0.155),
    ("speed", "=~", "x9"): (1.038, 0.136),
}
METRIC = {
    "Pasteur": {
        ("visual", "~~", "textual"): (0.416, 0.097),
        ("x1", "~1", ""): (4.941, 0.093),
        ("x1", "~~", "x1"): (0.551, 0.137),
        ("visual", "~~", "visual"): (0.805, 0.171),
        ("speed", "~~", "speed"): (0.305, 0.078),
    },
    "Grant-White": {
        ("visual", "~~", "textual"): (0.437, 0.099),
        ("x5", "~1", ""): (4.712, 0.100),
        ("x6", "~~", "x6"): (0.437, 0.067),
        ("visual", "~~", "visual"): (0.722, 0.161),
        ("speed", "~~", "speed"): (0.475, 0.109),
    },
}


def _find(estimates, lhs, op, rhs):
    for item in estimates:
        if (item.lhs, item.op, item.rhs) == (lhs, op, rhs):
            return item
    raise KeyError((lhs, op, rhs))


@pytest.fixture(scope="module")
def hs1939() -> pd.DataFrame:
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def result(hs1939):
    return invariance(hs1939, HS_MODEL, group="school")


def test_groups_in_order_of_appearance(result):
    assert result.groups == ("Pasteur", "Grant-White")
    assert result.n == {"Pasteur": 156, "Grant-White": 145}
    assert result.dropped == 0 and result.missing == "listwise"
    assert [step.name for step in result.steps] == ["configural", "metric", "scalar"]


def test_fit_of_each_step_matches_semtools(result):
    for name, (chi2, df, cfi, rmsea, bic) in PUBLISHED_STEPS.items():
        step = result.step(name)
        assert round(step.chi2, 3) == chi2 and step.df == df, name
        assert step.cfi is not None and round(step.cfi, 3) == cfi, name
        assert round(step.rmsea, 3) == rmsea, name
        assert round(step.bic, 3) == bic, name
        assert step.rmsea_ci[0] <= step.rmsea <= step.rmsea_ci[1]
    assert [result.step(name).parameters for name in PUBLISHED_STEPS] == [60, 54, 48]
    # lavaan: "Chi-square for each group" (configural) and the metric model's parts.
    configural, metric = result.step("configural"), result.step("metric")
    assert {k: round(v, 3) for k, v in configural.chi2_groups.items()} == {
        "Pasteur": 64.309,
        "Grant-White": 51.542,
    }
    assert {k: round(v, 3) for k, v in metric.chi2_groups.items()} == {
        "Pasteur": 68.825,
        "Grant-White": 55.219,
    }


def test_chi_square_difference_tests_match_semtools(result):
    assert result.step("configural").delta_df is None
    for name, (delta, df, p, cfi_drop) in PUBLISHED_DELTAS.items():
        step = result.step(name)
        assert step.delta_chi2 is not None and round(step.delta_chi2, 3) == delta, name
        assert step.delta_df == df
        assert step.delta_pvalue is not None and round(step.delta_pvalue, 3) == p, name
        assert step.delta_cfi is not None and round(-step.delta_cfi, 3) == cfi_drop, name
        before = result.steps[result.steps.index(step) - 1]
        assert step.delta_rmsea == pytest.approx(step.rmsea - before.rmsea, abs=1e-12)
    # semTools' [Model 1 versus model 3]: 48.251 on 12 df, CFI down 0.041.
    configural, scalar = result.step("configural"), result.step("scalar")
    assert round(scalar.chi2 - configural.chi2, 3) == 48.251
    assert configural.cfi is not None and scalar.cfi is not None
    assert round(configural.cfi - scalar.cfi, 3) == 0.041


def test_configural_estimates_match_lavaan(result):
    estimates = result.step("configural").estimates
    for group, expected in CONFIGURAL.items():
        for key, (est, se) in expected.items():
            found = _find(estimates[group], *key)
            assert found.est == pytest.approx(est, abs=5e-4), (group, key)
            assert found.se == pytest.approx(se, abs=5e-4), (group, key)
        assert _find(estimates[group], "visual", "~1", "").est == 0.0  # latent means fixed 0


def test_metric_estimates_match_lavaan(result):
    estimates = result.step("metric").estimates
    for key, (est, se) in METRIC_LOADINGS.items():
        for group in result.groups:  # one parameter shared by both groups
            found = _find(estimates[group], *key)
            assert found.est == pytest.approx(est, abs=5e-4), (group, key)
            assert found.se == pytest.approx(se, abs=5e-4), (group, key)
    for group, expected in METRIC.items():
        for key, (est, se) in expected.items():
            found = _find(estimates[group], *key)
            assert found.est == pytest.approx(est, abs=5e-4), (group, key)
            assert found.se == pytest.approx(se, abs=5e-4), (group, key)


def test_scalar_shares_intercepts_and_frees_latent_means(result):
    estimates = result.step("scalar").estimates
    first, second = estimates["Pasteur"], estimates["Grant-White"]
    for item in ITEMS:
        assert _find(first, item, "~1", "").est == _find(second, item, "~1", "").est
    assert _find(first, "visual", "~1", "").se is None  # reference group: means 0
    mean = _find(second, "textual", "~1", "")
    assert mean.se is not None and mean.est > 0.3  # Grant-White higher on textual


def test_configural_is_the_separate_fits(hs1939, result):
    # With nothing shared, the configural model is one ML fit per group: the chi-squares add.
    parts = {
        school: sem(hs1939[hs1939.school == school], HS_MODEL).chi2 for school in result.groups
    }
    for school, chi2 in parts.items():
        assert result.step("configural").chi2_groups[school] == pytest.approx(chi2, abs=1e-6)
    loading = sem(hs1939[hs1939.school == "Pasteur"], HS_MODEL).estimate("visual", "=~", "x2")
    found = _find(result.step("configural").estimates["Pasteur"], "visual", "=~", "x2")
    assert found.est == pytest.approx(loading.est, abs=1e-6)
    assert found.se == pytest.approx(loading.se, abs=1e-6)


def test_fiml_with_complete_data_equals_listwise_and_counts_gaps(hs1939, result):
    fiml = invariance(hs1939, HS_MODEL, group="school", missing="ml")
    for step, other in zip(fiml.steps, result.steps, strict=True):
        assert step.chi2 == pytest.approx(other.chi2, abs=1e-6)
        assert step.bic == pytest.approx(other.bic, abs=1e-6)
    gappy = hs1939.copy()
    rng = np.random.default_rng(8)
    gappy.loc[rng.random(301) < 0.1, "x2"] = np.nan
    gappy.loc[rng.random(301) < 0.1, "x6"] = np.nan
    gappy.loc[gappy.index[:2], "school"] = None
    listwise = invariance(gappy, HS_MODEL, group="school")
    ml = invariance(gappy, HS_MODEL, group="school", missing="ml")
    gaps = int(gappy.loc[gappy.school.notna(), ITEMS].isna().any(axis=1).sum())
    assert ml.rows_with_gaps == gaps > 30 and ml.dropped == 2
    assert sum(ml.n.values()) == 299 and listwise.dropped == 2 + gaps
    assert [step.df for step in ml.steps] == [48, 54, 60]


def test_bad_input(hs1939):
    with pytest.raises(StatsError, match="unknown column 'area'"):
        invariance(hs1939, HS_MODEL, group="area")
    with pytest.raises(StatsError, match="fewer than 2 groups"):
        invariance(hs1939[hs1939.school == "Pasteur"], HS_MODEL, group="school")
    few = pd.concat([hs1939[hs1939.school == "Pasteur"], hs1939[hs1939.school != "Pasteur"][:8]])
    with pytest.raises(StatsError, match="group 'Grant-White' has too few complete rows: 8") as e:
        invariance(few, HS_MODEL, group="school")
    assert "\n" not in str(e.value)
    with pytest.raises(StatsError, match="needs a model with latent variables"):
        invariance(hs1939, "x1 ~ x2", group="school")
    with pytest.raises(StatsError, match="also a variable of the model"):
        invariance(hs1939, "f =~ x1 + x2 + grade", group="grade")
    with pytest.raises(StatsError, match="configural model is not identified"):
        invariance(hs1939, "f =~ x1 + x2", group="school")
    with pytest.raises(StatsError, match="missing must be one of"):
        invariance(hs1939, HS_MODEL, group="school", missing="pairwise")
    with pytest.raises(StatsError, match="steps must be among"):
        invariance(hs1939, HS_MODEL, group="school", steps=("strict",))


def test_cli_invariance(tmp_path, hs1939, capsys):
    data = tmp_path / "hs.csv"
    hs1939[["school", *ITEMS]].rename(columns={"school": "area"}).to_csv(data, index=False)
    assert (
        cli.main(["invariance", str(data), "--model", HS_MODEL, "--group", "area", "--json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["groups"] == ["Pasteur", "Grant-White"] and out["n"]["Pasteur"] == 156
    assert [round(step["chi2"], 3) for step in out["steps"]] == [115.851, 124.044, 164.103]
    assert out["steps"][0]["compared_with_previous"] is None
    assert round(out["steps"][1]["compared_with_previous"]["delta_chi2"], 3) == 8.192
    assert cli.main(["invariance", str(data), "--model", HS_MODEL, "--group", "area"]) == 0
    text = capsys.readouterr().out
    assert "configural" in text and "115.851" in text and "ΔCFI" in text
    assert cli.main(["invariance", str(data), "--model", HS_MODEL, "--group", "zone"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("inspiring-stats invariance: error: unknown column 'zone'")
