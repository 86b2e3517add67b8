"""CFA / SEM by maximum likelihood (lavaan-style syntax), against published lavaan output, a
second implementation (semopy), an exactly specified population covariance matrix and our own
OLS.

The lavaan tutorial CFA (https://lavaan.ugent.be/tutorial/cfa.html) is fitted to the
Holzinger & Swineford (1939) raw data (N = 301) as semopy ships them
(`semopy.examples.holzinger39`; fitted, they reproduce the tutorial's printout).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import semopy
from semopy.examples import holzinger39

from inspiring.evaluation import cli
from inspiring.evaluation.stats import StatsError, ols
from inspiring.evaluation.stats.sem import fit_covariance, fit_indices, parse_model, sem

# lavaan tutorial, "Covariance matrix input" (https://lavaan.ugent.be/tutorial/cov.html):
# Wheaton et al. (1977), N = 932, lower half as printed there (divisor N - 1).
WHEATON_LOWER = """
 11.834
  6.947   9.364
  6.819   5.091  12.532
  4.783   5.028   7.495   9.986
 -3.839  -3.889  -3.841  -3.625  9.610
-21.899 -18.831 -21.748 -18.775 35.522 450.288
"""
WHEATON_NAMES = ["anomia67", "powerless67", "anomia71", "powerless71", "education", "sei"]
WHEATON_MODEL = """
  # latent variables
    ses     =~ education + sei
    alien67 =~ anomia67 + powerless67
    alien71 =~ anomia71 + powerless71
  # regressions
    alien71 ~ alien67 + ses
    alien67 ~ ses
  # correlated residuals
    anomia67 ~~ anomia71
    powerless67 ~~ powerless71
"""
# lavaan 0.6's summary of that fit: estimate, standard error (3 decimals as printed).
WHEATON_PUBLISHED = {
    ("ses", "=~", "sei"): (5.219, 0.422),
    ("alien67", "=~", "powerless67"): (0.979, 0.062),
    ("alien71", "=~", "powerless71"): (0.922, 0.059),
    ("alien71", "~", "alien67"): (0.607, 0.051),
    ("alien71", "~", "ses"): (-0.227, 0.052),
    ("alien67", "~", "ses"): (-0.575, 0.056),
    ("anomia67", "~~", "anomia71"): (1.623, 0.314),
    ("powerless67", "~~", "powerless71"): (0.339, 0.261),
    ("education", "~~", "education"): (2.801, 0.507),
    ("sei", "~~", "sei"): (264.597, 18.126),
    ("anomia67", "~~", "anomia67"): (4.731, 0.453),
    ("powerless67", "~~", "powerless67"): (2.563, 0.403),
    ("anomia71", "~~", "anomia71"): (4.399, 0.515),
    ("powerless71", "~~", "powerless71"): (3.070, 0.434),
    ("ses", "~~", "ses"): (6.798, 0.649),
}

HS_MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
# The lavaan tutorial's summary(fit, fit.measures = TRUE) of that model on Holzinger &
# Swineford (1939), https://lavaan.ugent.be/tutorial/cfa.html: estimate, standard error
# (3 decimals as printed). The variances and covariances were read from the same printout
# and are confirmed independently by semopy (test_hs1939_cfa_agrees_with_semopy).
HS_PUBLISHED = {
    ("visual", "=~", "x2"): (0.554, 0.100),
    ("visual", "=~", "x3"): (0.729, 0.109),
    ("textual", "=~", "x5"): (1.113, 0.065),
    ("textual", "=~", "x6"): (0.926, 0.055),
    ("speed", "=~", "x8"): (1.180, 0.165),
    ("speed", "=~", "x9"): (1.082, 0.151),
    ("visual", "~~", "textual"): (0.408, 0.074),
    ("visual", "~~", "speed"): (0.262, 0.056),
    ("textual", "~~", "speed"): (0.173, 0.049),
    ("x1", "~~", "x1"): (0.549, 0.114),
    ("x2", "~~", "x2"): (1.134, 0.102),
    ("x3", "~~", "x3"): (0.844, 0.091),
    ("x4", "~~", "x4"): (0.371, 0.048),
    ("x5", "~~", "x5"): (0.446, 0.058),
    ("x6", "~~", "x6"): (0.356, 0.043),
    ("x7", "~~", "x7"): (0.799, 0.081),
    ("x8", "~~", "x8"): (0.488, 0.074),
    ("x9", "~~", "x9"): (0.566, 0.071),
    ("visual", "~~", "visual"): (0.809, 0.145),
    ("textual", "~~", "textual"): (0.979, 0.112),
    ("speed", "~~", "speed"): (0.384, 0.086),
}
# Population values for a three-factor CFA of nine indicators.
LOADINGS = {"x1": 1.0, "x2": 0.55, "x3": 0.73, "x4": 1.0, "x5": 1.11, "x6": 0.93,
            "x7": 1.0, "x8": 1.18, "x9": 1.08}  # fmt: skip
FACTOR_COV = np.array([[0.81, 0.41, 0.26], [0.41, 0.98, 0.17], [0.26, 0.17, 0.38]])
RESIDUALS = np.array([0.55, 1.13, 0.84, 0.37, 0.45, 0.36, 0.80, 0.49, 0.57])


def _population() -> np.ndarray:
    lam = np.zeros((9, 3))
    for j, value in enumerate(LOADINGS.values()):
        lam[j, j // 3] = value
    return lam @ FACTOR_COV @ lam.T + np.diag(RESIDUALS)


def _wheaton() -> np.ndarray:
    cov = np.zeros((6, 6))
    for i, line in enumerate(WHEATON_LOWER.strip().splitlines()):
        for j, value in enumerate(line.split()):
            cov[i, j] = cov[j, i] = float(value)
    return cov


def test_wheaton_matches_lavaan_published_output():
    n = 932
    # lavaan rescales a covariance matrix given as input by (N - 1) / N for ML.
    result = fit_covariance(WHEATON_MODEL, _wheaton() * (n - 1) / n, WHEATON_NAMES, n)
    assert result.n == n and result.df == 4
    assert result.chi2 == pytest.approx(4.735, abs=5e-4)  # "Test statistic 4.735"
    assert result.pvalue == pytest.approx(0.316, abs=5e-4)
    assert result.baseline_chi2 == pytest.approx(2133.722, abs=5e-4)  # baseline model
    assert result.baseline_df == 15
    for (lhs, op, rhs), (est, se) in WHEATON_PUBLISHED.items():
        found = result.estimate(lhs, op, rhs)
        assert found.est == pytest.approx(est, abs=5e-4), (lhs, op, rhs)
        assert found.se == pytest.approx(se, abs=5e-4), (lhs, op, rhs)
    assert result.estimate("ses", "=~", "education").se is None  # the marker, fixed to 1
    assert len([e for e in result.estimates if e.se is not None]) == 17  # lavaan: 17 parameters


@pytest.fixture(scope="module")
def hs1939() -> pd.DataFrame:
    return holzinger39.get_data()


def test_hs1939_cfa_matches_the_lavaan_tutorial(hs1939):
    result = sem(hs1939, HS_MODEL)
    assert result.n == 301 and result.dropped == 0 and result.df == 24
    assert round(result.chi2, 3) == 85.306  # "Test statistic 85.306", 24 df
    assert round(result.baseline_chi2, 3) == 918.852 and result.baseline_df == 36
    assert result.cfi is not None and result.tli is not None
    assert round(result.cfi, 3) == 0.931 and round(result.tli, 3) == 0.896
    assert round(result.rmsea, 3) == 0.092
    assert (round(result.rmsea_ci[0], 3), round(result.rmsea_ci[1], 3)) == (0.071, 0.114)
    assert round(result.srmr, 3) == 0.065
    for (lhs, op, rhs), (est, se) in HS_PUBLISHED.items():
        found = result.estimate(lhs, op, rhs)
        assert found.est == pytest.approx(est, abs=5e-4), (lhs, op, rhs)
        assert found.se == pytest.approx(se, abs=5e-4), (lhs, op, rhs)
    for factor, marker in (("visual", "x1"), ("textual", "x4"), ("speed", "x7")):
        assert result.estimate(factor, "=~", marker).se is None  # fixed to 1
    assert len([e for e in result.estimates if e.se is not None]) == 21  # lavaan: 21 parameters


def test_hs1939_cfa_agrees_with_semopy(hs1939):
    result = sem(hs1939, HS_MODEL)
    model = semopy.Model(HS_MODEL.replace(";", "\n"))
    # semopy's default SLSQP tolerance stops ~1e-3 short of the optimum; tightened, it
    # reaches the same ML solution.
    model.fit(hs1939, obj="MLW", options={"ftol": 1e-14})
    table = model.inspect()
    theirs = {}
    for lval, op, rval, est, se in zip(
        table["lval"],
        table["op"],
        table["rval"],
        table["Estimate"],
        table["Std. Err"],
        strict=True,
    ):  # semopy writes a loading as "indicator ~ factor" and a fixed one's error as "-"
        key = (rval, "=~", lval) if op == "~" else (lval, "~~", rval)
        theirs[key] = (float(est), se)
    assert len(theirs) == 24
    for (lhs, op, rhs), (est, se) in theirs.items():
        found = result.estimate(lhs, op, rhs)
        assert found.est == pytest.approx(est, abs=1e-5), (lhs, op, rhs)
        if se == "-":
            assert found.se is None, (lhs, op, rhs)
        else:
            assert found.se == pytest.approx(float(se), rel=1e-5), (lhs, op, rhs)
    stats = semopy.calc_stats(model).T["Value"]
    assert result.df == stats["DoF"] and result.baseline_df == stats["DoF Baseline"]
    assert result.chi2 == pytest.approx(stats["chi2"], abs=1e-4)
    # semopy fits its baseline model by its optimiser at the default tolerance: 5e-5 apart.
    assert result.baseline_chi2 == pytest.approx(stats["chi2 Baseline"], abs=1e-3)
    assert result.cfi == pytest.approx(stats["CFI"], abs=1e-6)
    assert result.tli == pytest.approx(stats["TLI"], abs=1e-6)
    # semopy divides by N - 1 in the RMSEA, lavaan (and we) by N: 0.0923 against 0.0921.
    n, df = result.n, result.df
    assert stats["RMSEA"] == pytest.approx(np.sqrt((result.chi2 - df) / (df * (n - 1))), rel=1e-5)
    assert result.rmsea == pytest.approx(np.sqrt((result.chi2 - df) / (df * n)), rel=1e-12)


def test_fit_indices_reproduce_the_lavaan_tutorial_cfa():
    # The chi-squares the lavaan tutorial prints for its CFA of Holzinger & Swineford (1939),
    # N = 301 (https://lavaan.ugent.be/tutorial/cfa.html, summary with fit.measures = TRUE):
    # 85.306 on 24 df, baseline 918.852 on 36 df; printed there: CFI 0.931, TLI 0.896,
    # RMSEA 0.092 [0.071, 0.114]. The fit to the raw data is checked above.
    cfi, tli, rmsea, (low, high) = fit_indices(85.306, 24, 918.852, 36, 301)
    assert cfi is not None and tli is not None
    assert round(cfi, 3) == 0.931 and round(tli, 3) == 0.896
    assert round(rmsea, 3) == 0.092
    assert (round(low, 3), round(high, 3)) == (0.071, 0.114)


def test_population_covariance_is_recovered_exactly():
    names = list(LOADINGS)
    result = fit_covariance(HS_MODEL, _population(), names, 300)
    assert result.df == 24 and result.chi2 == pytest.approx(0.0, abs=1e-8)
    ratio = result.baseline_chi2 / result.baseline_df
    assert result.cfi == 1.0  # TLI is not truncated (as lavaan): above 1 when chi2 < df
    assert result.tli == pytest.approx(ratio / (ratio - 1), rel=1e-9)
    assert result.rmsea == 0.0 and result.rmsea_ci == (0.0, 0.0)
    assert result.srmr == pytest.approx(0.0, abs=1e-8)
    factors = ["visual", "textual", "speed"]
    for j, (item, value) in enumerate(LOADINGS.items()):
        assert result.estimate(factors[j // 3], "=~", item).est == pytest.approx(value, abs=1e-7)
        assert result.estimate(item, "~~", item).est == pytest.approx(RESIDUALS[j], abs=1e-7)
    for i in range(3):
        for k in range(i + 1):
            found = result.estimate(factors[i], "~~", factors[k]).est
            assert found == pytest.approx(FACTOR_COV[i, k], abs=1e-7)
    assert all(e.se is None or e.se > 0 for e in result.estimates)


def test_structural_population_with_an_observed_covariate():
    # f =~ x1..x3, g =~ x4..x6, g ~ 0.5 f + 0.3 z, f ~~ 0 z (lavaan's default for lv and ov.x)
    lam = np.zeros((6, 2))
    lam[:3, 0] = [1.0, 0.8, 1.2]
    lam[3:, 1] = [1.0, 0.9, 0.7]
    var_f, var_z, resid_g = 1.2, 2.0, 0.6
    cov_fg = 0.5 * var_f
    var_g = 0.25 * var_f + 0.09 * var_z + resid_g
    latent = np.array([[var_f, cov_fg], [cov_fg, var_g]])
    sigma = np.zeros((7, 7))
    sigma[:6, :6] = lam @ latent @ lam.T + np.diag([0.5, 0.6, 0.4, 0.5, 0.3, 0.6])
    sigma[6, 6] = var_z
    sigma[3:6, 6] = sigma[6, 3:6] = lam[3:, 1] * 0.3 * var_z
    names = [f"x{i}" for i in range(1, 7)] + ["z"]
    model = "f =~ x1 + x2 + x3\n g =~ x4 + x5 + x6\n g ~ f + z"
    result = fit_covariance(model, sigma, names, 500)
    assert result.chi2 == pytest.approx(0.0, abs=1e-8)
    assert result.df == 28 - 15  # (z's variance is counted on both sides, as lavaan's fixed.x)
    assert result.estimate("g", "~", "f").est == pytest.approx(0.5, abs=1e-7)
    assert result.estimate("g", "~", "z").est == pytest.approx(0.3, abs=1e-7)
    assert result.estimate("g", "~~", "g").est == pytest.approx(resid_g, abs=1e-7)
    assert result.estimate("z", "~~", "z").se is None  # fixed.x: sample value, no se


def test_regression_equals_ols_with_ml_standard_errors():
    rng = np.random.default_rng(7)
    n = 200
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    frame["y"] = 0.5 * frame.x1 - 0.2 * frame.x2 + rng.normal(size=n)
    result = sem(frame, "y ~ x1 + x2")
    reference = ols(frame, "y ~ x1 + x2")
    assert result.df == 0 and result.chi2 == pytest.approx(0.0, abs=1e-9)
    for name in ("x1", "x2"):
        found = result.estimate("y", "~", name)
        assert found.est == pytest.approx(reference.coefficients[name].est, abs=1e-9)
        # ML divides the residual variance by n, OLS by n - 3
        ml_se = reference.coefficients[name].se * np.sqrt((n - 3) / n)
        assert found.se == pytest.approx(ml_se, rel=1e-7)


def test_raw_data_uses_the_n_divisor_and_listwise_deletion():
    rng = np.random.default_rng(11)
    chol = np.linalg.cholesky(_population())
    frame = pd.DataFrame(rng.normal(size=(300, 9)) @ chol.T + 3.0, columns=list(LOADINGS))
    frame.loc[[4, 40], "x5"] = np.nan
    result = sem(frame, HS_MODEL)
    complete = frame.dropna().to_numpy()
    direct = fit_covariance(HS_MODEL, np.cov(complete, rowvar=False, ddof=0), list(LOADINGS), 298)
    assert result.n == 298 and result.dropped == 2
    assert result.chi2 == pytest.approx(direct.chi2, rel=1e-10)
    assert result.cfi is not None and result.chi2 > 0 and result.df == 24
    assert 0.9 < result.cfi <= 1.0
    assert 0 <= result.rmsea_ci[0] <= result.rmsea <= result.rmsea_ci[1]
    out = result.to_dict()
    assert {"n", "chi2", "df", "cfi", "tli", "rmsea", "rmsea_ci", "srmr", "estimates"} <= set(out)
    assert set(out["estimates"][0]) == {"lhs", "op", "rhs", "est", "se"}


def test_parser_reads_comments_semicolons_modifiers_and_multiple_lines():
    terms = parse_model("f =~ x1 + 0.5*x2 # a comment\n\n g =~ NA*x3 + x4; g ~~ 1*g; y1 + y2 ~ f")
    assert [(t.lhs, t.op, t.rhs, t.fixed, t.freed) for t in terms] == [
        ("f", "=~", "x1", None, False),
        ("f", "=~", "x2", 0.5, False),
        ("g", "=~", "x3", None, True),
        ("g", "=~", "x4", None, False),
        ("g", "~~", "g", 1.0, False),
        ("y1", "~", "f", None, False),
        ("y2", "~", "f", None, False),
    ]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("", "the model is empty"),
        ("f =~ x1 + a*x2 + x3", "labels and equality constraints are not supported"),
        ("x1 ~ 1", "intercepts and means are not supported"),
        ("ab := a*b", "defined parameters are not supported"),
        ("f =~ x1 + x2 +", "an empty term"),
        ("f x1 x2", "cannot read"),
        ("f =~ x1 + x2", "not identified: 4 free parameters but only 3"),
        ("f =~ NA*x1 + x2 + x3", "factor 'f' has no scale"),
        ("f =~ x1 + x2; g =~ x3 + x4 + x5; f ~~ 0*g", "information matrix is singular"),
        ("f =~ x1 + x2 + x3; f =~ x2", "specified twice"),
    ],
)
def test_bad_models_raise_one_line(model, message):
    frame = pd.DataFrame(np.random.default_rng(3).normal(size=(50, 5)) @ np.triu(np.ones((5, 5))),
                         columns=[f"x{i}" for i in range(1, 6)])  # fmt: skip
    with pytest.raises(StatsError, match=message) as caught:
        sem(frame, model)
    assert "\n" not in str(caught.value)


def test_unknown_column_and_too_few_rows():
    frame = pd.DataFrame({"x1": [1.0, 2, 3, 4], "x2": [2.0, 1, 4, 3], "x3": [1.0, 3, 2, 5]})
    with pytest.raises(StatsError, match="unknown column 'x9'"):
        sem(frame, "f =~ x1 + x2 + x9")
    with pytest.raises(StatsError, match="too few complete rows"):
        sem(frame, "f =~ x1 + x2 + x3")


def test_cli_sem_json_and_bad_model(tmp_path, capsys):
    rng = np.random.default_rng(5)
    chol = np.linalg.cholesky(_population())
    data = tmp_path / "hs.csv"
    pd.DataFrame(rng.normal(size=(300, 9)) @ chol.T, columns=list(LOADINGS)).to_csv(
        data, index=False
    )
    assert cli.main(["sem", str(data), "--model", HS_MODEL, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 300 and out["df"] == 24 and len(out["rmsea_ci"]) == 2
    assert {"n", "chi2", "df", "cfi", "tli", "rmsea", "rmsea_ci", "srmr", "estimates"} <= set(out)
    marker = out["estimates"][0]
    assert marker == {"lhs": "visual", "op": "=~", "rhs": "x1", "est": 1.0, "se": None}
    assert cli.main(["sem", str(data), "--model", HS_MODEL]) == 0
    assert "CFI" in capsys.readouterr().out
    assert cli.main(["sem", str(data), "--model", "f =~ x1 + x2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("inspiring-stats sem: error: the model is not identified")
