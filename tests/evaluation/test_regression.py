"""OLS against NIST's certified Longley results, Stata's robust standard errors for the same
data, and statsmodels for interactions; the formula parser on its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation.stats import StatsError, ols, parse_formula

LONGLEY = "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"
# NIST Statistical Reference Datasets, Longley (certified values), as statsmodels ships them
# in statsmodels/regression/tests/results/results_regression.py.
NIST_PARAMS = {
    "Intercept": -3482258.63459582,
    "GNPDEFL": 15.0618722713733,
    "GNP": -0.358191792925910e-01,
    "UNEMP": -2.02022980381683,
    "ARMED": -1.03322686717359,
    "POP": -0.511041056535807e-01,
    "YEAR": 1829.15146461355,
}
NIST_SE = {
    "Intercept": 890420.383607373,
    "GNPDEFL": 84.9149257747669,
    "GNP": 0.334910077722432e-01,
    "UNEMP": 0.488399681651699,
    "ARMED": 0.214274163161675,
    "POP": 0.226073200069370,
    "YEAR": 455.478499142212,
}
NIST_R2 = 0.995479004577296
# Stata's regress ..., vce(robust / hc2 / hc3) on the same data (same results file); order
# GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR, Intercept.
STATA_HC = {
    "HC0": (51.22035, 0.02458, 0.38324, 0.14625, 0.15821, 428.38438, 832212),
    "HC1": (68.29380, 0.03277, 0.51099, 0.19499, 0.21094, 571.17917, 1109615),
    "HC2": (67.49208, 0.03653, 0.55334, 0.20522, 0.22324, 617.59295, 1202370),
    "HC3": (91.11939, 0.05562, 0.82213, 0.29879, 0.32491, 922.80784, 1799477),
}


@pytest.fixture(scope="module")
def longley() -> pd.DataFrame:
    from statsmodels.datasets import longley

    return longley.load_pandas().data


def test_ols_matches_nist_certified_longley(longley):
    result = ols(longley, LONGLEY)
    assert result.n == 16 and result.df_resid == 9
    for term, certified in NIST_PARAMS.items():
        assert result.coefficients[term].est == pytest.approx(certified, rel=1e-9)
        assert result.coefficients[term].se == pytest.approx(NIST_SE[term], rel=1e-9)
    assert result.r2 == pytest.approx(NIST_R2, rel=1e-12)
    assert result.adj_r2 == pytest.approx(0.99246501, abs=1e-8)
    assert result.sigma == pytest.approx(304.854073561965, rel=1e-9)


@pytest.mark.parametrize("se_type", ["HC0", "HC1", "HC2", "HC3"])
def test_robust_standard_errors_match_stata(longley, se_type):
    result = ols(longley, LONGLEY, robust=se_type)
    order = ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR", "Intercept"]
    ours = [result.coefficients[term].se for term in order]
    assert ours == pytest.approx(STATA_HC[se_type], rel=2e-4)  # Stata prints ~6 digits
    assert result.se_type == se_type


def test_robust_true_is_hc3(longley):
    assert ols(longley, LONGLEY, robust=True).se_type == "HC3"


@pytest.fixture(scope="module")
def moderation() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 240
    x, w, c = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    noise = rng.normal(size=n) * (1 + 0.8 * np.abs(x))  # heteroskedastic
    y = 1 + 0.5 * x - 0.3 * w + 0.4 * x * w + 0.2 * c + noise
    frame = pd.DataFrame({"x": x, "w": w, "c": c, "y": y})
    frame.loc[[3, 50, 99], "c"] = np.nan  # listwise deletion
    return frame


@pytest.mark.parametrize("se_type", ["classical", "HC0", "HC1", "HC2", "HC3"])
def test_interaction_model_matches_statsmodels(moderation, se_type):
    import statsmodels.formula.api as smf

    cov_type = "nonrobust" if se_type == "classical" else se_type
    theirs = smf.ols("y ~ x * w + c", data=moderation).fit(cov_type=cov_type, use_t=True)
    ours = ols(moderation, "y ~ x * w + c", robust=se_type if se_type != "classical" else False)
    assert ours.n == int(theirs.nobs) == 237 and ours.dropped == 3
    assert list(ours.coefficients) == ["Intercept", "x", "w", "c", "x:w"]
    for term, coefficient in ours.coefficients.items():
        assert coefficient.est == pytest.approx(theirs.params[term], rel=1e-10)
        assert coefficient.se == pytest.approx(theirs.bse[term], rel=1e-9)
        assert coefficient.t == pytest.approx(theirs.tvalues[term], rel=1e-9)
        assert coefficient.p == pytest.approx(theirs.pvalues[term], rel=1e-7, abs=1e-15)
    assert ours.r2 == pytest.approx(theirs.rsquared, rel=1e-12)
    assert ours.adj_r2 == pytest.approx(theirs.rsquared_adj, rel=1e-12)


def test_model_without_intercept_matches_statsmodels(moderation):
    import statsmodels.formula.api as smf

    theirs = smf.ols("y ~ x + x:w - 1", data=moderation).fit()
    ours = ols(moderation, "y ~ 0 + x + x:w")
    assert list(ours.coefficients) == ["x", "x:w"]
    assert [c.est for c in ours.coefficients.values()] == pytest.approx(list(theirs.params))
    assert [c.se for c in ours.coefficients.values()] == pytest.approx(list(theirs.bse))
    assert ours.r2 == pytest.approx(theirs.rsquared)  # uncentered, as statsmodels


@pytest.mark.parametrize(
    ("formula", "terms", "intercept"),
    [
        ("y ~ x * w + c", [("x",), ("w",), ("c",), ("x", "w")], True),
        ("y ~ x:w", [("x", "w")], True),
        (
            "y ~ a * b * c",
            [("a",), ("b",), ("c",), ("a", "b"), ("a", "c"), ("b", "c"), ("a", "b", "c")],
            True,
        ),
        ("y ~ (a + b):c", [("a", "c"), ("b", "c")], True),
        ("y ~ (a + b) * c", [("a",), ("b",), ("c",), ("a", "c"), ("b", "c")], True),
        ("y ~ x * w - x", [("w",), ("x", "w")], True),
        ("y ~ x - 1", [("x",)], False),
        ("y ~ 0 + x", [("x",)], False),
        ("y ~ -1 + x + x", [("x",)], False),
        ("y ~ `my score` + w:x", [("my score",), ("w", "x")], True),
    ],
)
def test_formula_parser(formula, terms, intercept):
    parsed = parse_formula(formula)
    assert parsed.response == "y"
    assert [tuple(t) for t in parsed.terms] == terms
    assert parsed.intercept is intercept


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y x", "exactly one '~'"),
        ("y ~ x ~ w", "exactly one '~'"),
        ("y + z ~ x", "one column name"),
        ("y ~ ", "nothing on the right"),
        ("y ~ x + ", "ends too early"),
        ("y ~ x ^ 2", "unexpected '\\^'"),
        ("y ~ (x + w", "not closed"),
        ("y ~ x + y", "both sides"),
        ("y ~ 2 + x", "only 0 and 1"),
        ("y ~ 0", "no terms"),
    ],
)
def test_formula_errors(formula, message):
    with pytest.raises(StatsError, match=message):
        parse_formula(formula)


def test_regression_bad_input(moderation):
    with pytest.raises(StatsError, match="unknown column 'v'"):
        ols(moderation, "y ~ x + v")
    with pytest.raises(StatsError, match="singular design: term 'x2'"):
        ols(moderation.assign(x2=2 * moderation.x), "y ~ x + x2")
    with pytest.raises(StatsError, match="too few complete rows: 3"):
        ols(moderation.iloc[:3], "y ~ x * w")
    with pytest.raises(StatsError, match="not numeric"):
        ols(moderation.assign(g="a"), "y ~ x + g")
    with pytest.raises(StatsError, match="outcome 'k' has zero variance"):
        ols(moderation.assign(k=1.0), "k ~ x")
    with pytest.raises(StatsError, match="unknown standard error type 'HC9'"):
        ols(moderation, "y ~ x", robust="HC9")
