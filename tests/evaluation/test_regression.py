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
    with pytest.raises(StatsError, match="'g' has only one level \\('a'\\)"):
        ols(moderation.assign(g="a"), "y ~ x + g")
    with pytest.raises(StatsError, match="outcome 'k' has zero variance"):
        ols(moderation.assign(k=1.0), "k ~ x")
    with pytest.raises(StatsError, match="unknown standard error type 'HC9'"):
        ols(moderation, "y ~ x", robust="HC9")


# --- categorical predictors (treatment coding, as R's factors and patsy) -----------------------


@pytest.fixture(scope="module")
def groups() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "sex": rng.choice(["female", "male"], n),
            "area": rng.choice(["Ashfield", "Mansfield", "Newark and Sherwood"], n),
            "imd": rng.integers(1, 6, n),
        }
    )
    male = (frame.sex == "male").to_numpy()
    frame["y"] = (
        1
        + 0.5 * frame.x
        + 0.3 * male
        + 0.7 * (frame.area == "Newark and Sherwood")
        + 0.2 * frame.imd
        + 0.4 * frame.x * male
        + rng.normal(size=n)
    )
    frame.loc[[1, 5], "sex"] = np.nan  # missing text: left out (listwise)
    frame.loc[9, "area"] = "  "  # blank text counts as missing
    return frame


def _key(name: str) -> tuple[str, ...]:
    """A design column's name without patsy's C(...) wrapper, its parts in sorted order."""
    import re

    plain = re.sub(r"C\((\w+)(?:, Treatment\([^)]*\))?\)", r"\1", name)
    return tuple(sorted(plain.split(":")))


@pytest.mark.parametrize(
    ("ours", "reference", "theirs"),
    [
        ("y ~ x * sex + area", None, "y ~ x * sex + area"),
        (
            "y ~ x * C(sex, Treatment('male')) + C(imd)",
            None,
            "y ~ x * C(sex, Treatment('male')) + C(imd)",
        ),
        (
            "y ~ sex * area",
            {"area": "Newark and Sherwood"},
            "y ~ sex * C(area, Treatment('Newark and Sherwood'))",
        ),
        ("y ~ C(imd, Treatment(3)) + x", None, "y ~ C(imd, Treatment(3)) + x"),
        ("y ~ 0 + area + x:area", None, "y ~ 0 + area + x:area"),
        ("y ~ x + x:sex", None, "y ~ x + x:sex"),
        ("y ~ area:sex + x", None, "y ~ area:sex + x"),
    ],
)
@pytest.mark.parametrize("se_type", ["classical", "HC3"])
def test_categorical_predictors_match_statsmodels(groups, ours, reference, theirs, se_type):
    import statsmodels.formula.api as smf

    robust = se_type if se_type != "classical" else False
    cov_type = "nonrobust" if se_type == "classical" else se_type
    expected = smf.ols(theirs, data=groups.replace({"area": {"  ": np.nan}})).fit(cov_type=cov_type)
    try:
        result = ols(groups, ours, reference=reference, robust=robust)
    except StatsError as error:
        # a:b without a or b and with an intercept: R's rule codes both factors by indicators,
        # which is rank-deficient (R prints an NA coefficient; patsy reparameterises); refused.
        assert "singular design" in str(error) and ours == "y ~ area:sex + x"
        return
    assert result.n == int(expected.nobs) and result.dropped == 240 - result.n
    params = {_key(name): value for name, value in expected.params.items()}
    errors = {_key(name): value for name, value in expected.bse.items()}
    assert {_key(name) for name in result.coefficients} == set(params)
    for name, coefficient in result.coefficients.items():
        assert coefficient.est == pytest.approx(params[_key(name)], rel=1e-9, abs=1e-12)
        assert coefficient.se == pytest.approx(errors[_key(name)], rel=1e-8)
    if "0 +" not in ours:  # without an intercept R² is uncentered, as R (statsmodels centres it
        assert result.r2 == pytest.approx(expected.rsquared, rel=1e-12)  # when dummies span 1)


def test_factor_names_levels_and_reference(groups):
    result = ols(groups, "y ~ x * sex + area", reference={"area": "Mansfield"})
    assert list(result.coefficients) == [
        "Intercept",
        "x",
        "sex[T.male]",
        "area[T.Ashfield]",
        "area[T.Newark and Sherwood]",
        "x:sex[T.male]",
    ]
    assert result.factors == {
        "sex": {"levels": ["female", "male"], "reference": "female"},
        "area": {
            "levels": ["Ashfield", "Mansfield", "Newark and Sherwood"],
            "reference": "Mansfield",
        },
    }
    assert result.to_dict()["factors"]["area"]["reference"] == "Mansfield"
    # The reference changes the parameterisation, not the fit.
    default = ols(groups, "y ~ x * sex + area")
    assert default.r2 == pytest.approx(result.r2, rel=1e-12)
    assert default.factors["area"]["reference"] == "Ashfield"


def test_a_category_column_keeps_its_order_and_numbers_sort_as_numbers(groups):
    ordered = groups.assign(
        area=pd.Categorical(
            groups.area.replace("  ", np.nan), ["Newark and Sherwood", "Mansfield", "Ashfield"]
        )
    )
    result = ols(ordered, "y ~ area")
    assert result.factors["area"]["levels"] == ["Newark and Sherwood", "Mansfield", "Ashfield"]
    assert "area[T.Ashfield]" in result.coefficients
    tens = groups.assign(band=groups.imd * 5)  # 5, 10, ..., 25: numeric order, not text order
    assert ols(tens, "y ~ C(band)").factors["band"]["levels"] == ["5", "10", "15", "20", "25"]


def test_categorical_two_level_factor_equals_a_dummy(groups):
    dummy = groups.assign(male=(groups.sex == "male").astype(float).where(groups.sex.notna()))
    as_factor = ols(groups, "y ~ x + sex")
    as_number = ols(dummy, "y ~ x + male")
    assert as_factor.coefficients["sex[T.male]"].est == pytest.approx(
        as_number.coefficients["male"].est, rel=1e-12
    )


@pytest.mark.parametrize(
    ("formula", "reference", "message"),
    [
        ("y ~ x + sex", {"sex": "other"}, "unknown reference level 'other' for 'sex'"),
        ("y ~ C(sex, Treatment('Male')) + x", None, "unknown reference level 'Male'"),
        ("y ~ x + sex", {"x": "1"}, "'x', which is numeric: write C\\(x\\)"),
        ("y ~ x + sex", {"age": "1"}, "'age', which is not in the model"),
        ("y ~ C(sex, Treatment('male')) + x", {"sex": "female"}, "two reference levels"),
        ("y ~ x + mixed", None, "'mixed' mixes numbers and text \\(value 'n/a' in data row 4\\)"),
        ("y ~ x + C(sex, male)", None, "cannot read a C\\(...\\) term"),
        ("C(sex) ~ x", None, "outcome cannot be written C"),
        ("y ~ x + one", None, "'one' has only one level \\('a'\\) in the rows used"),
    ],
)
def test_categorical_bad_input(groups, formula, reference, message):
    data = groups.assign(mixed=["1", "2", "3", "n/a"] * 60, one="a")
    with pytest.raises(StatsError, match=message):
        ols(data, formula, reference=reference)


def test_mixed_column_can_be_meant_as_categorical(groups):
    data = groups.assign(mixed=["1", "2", "3", "n/a"] * 60)
    result = ols(data, "y ~ C(mixed)")
    assert result.factors["mixed"] == {"levels": ["1", "2", "3", "n/a"], "reference": "1"}


# --- categorical covariates in mediation ----------------------------------------------------


def test_mediation_with_a_categorical_covariate_equals_its_indicators(groups):
    from inspiring.evaluation.stats import mediate

    data = groups.assign(m=0.6 * groups.x + np.random.default_rng(5).normal(size=len(groups)))
    data["y"] = data.y + 0.5 * data.m
    areas = data.area.replace("  ", np.nan)
    manual = data.assign(
        mansfield=(areas == "Mansfield").astype(float).where(areas.notna()),
        newark=(areas == "Newark and Sherwood").astype(float).where(areas.notna()),
    )
    coded = mediate(data, "x", ["m"], "y", ["area", "C(imd, Treatment(3))"], n_boot=500, seed=8)
    imd = {f"imd{j}": (data.imd == j).astype(float) for j in (1, 2, 4, 5)}
    by_hand = mediate(
        manual.assign(**imd), "x", ["m"], "y", ["mansfield", "newark", *imd], n_boot=500, seed=8
    )
    assert coded.n == by_hand.n == 239 and coded.dropped == 1
    assert coded.a["m"].est == pytest.approx(by_hand.a["m"].est, rel=1e-12)
    assert coded.b["m"].se == pytest.approx(by_hand.b["m"].se, rel=1e-12)
    assert coded.c_prime.est == pytest.approx(by_hand.c_prime.est, rel=1e-12)
    assert coded.indirect["m"].ci == pytest.approx(by_hand.indirect["m"].ci, rel=1e-9)
    assert coded.covariates == ("area", "imd")
    assert coded.covariate_terms == (
        "area[T.Mansfield]",
        "area[T.Newark and Sherwood]",
        "imd[T.1]",
        "imd[T.2]",
        "imd[T.4]",
        "imd[T.5]",
    )
    assert coded.to_dict()["factors"]["imd"] == {
        "levels": ["1", "2", "3", "4", "5"],
        "reference": "3",
    }
    # The a path is the OLS coefficient of x in m ~ x + covariates.
    a_model = ols(data, "m ~ x + area + C(imd, Treatment(3))")
    assert coded.a["m"].est == pytest.approx(a_model.coefficients["x"].est, rel=1e-12)
    assert coded.a["m"].se == pytest.approx(a_model.coefficients["x"].se, rel=1e-12)


def test_mediation_reference_option_and_bad_covariates(groups):
    from inspiring.evaluation.stats import mediate

    data = groups.assign(m=groups.x + np.random.default_rng(1).normal(size=len(groups)))
    chosen = mediate(data, "x", ["m"], "y", ["sex"], n_boot=200, seed=1, reference={"sex": "male"})
    assert chosen.covariate_terms == ("sex[T.female]",)
    with pytest.raises(StatsError, match="unknown reference level 'other' for 'sex'"):
        mediate(data, "x", ["m"], "y", ["sex"], n_boot=200, seed=1, reference={"sex": "other"})
    with pytest.raises(StatsError, match="'one' has only one level"):
        mediate(data.assign(one="a"), "x", ["m"], "y", ["one"], n_boot=200, seed=1)
    with pytest.raises(StatsError, match="column 'sex' is not numeric"):
        mediate(data, "x", ["sex"], "y", n_boot=200, seed=1)  # a mediator must be numeric
    with pytest.raises(StatsError, match="cannot read the covariate"):
        mediate(data, "x", ["m"], "y", ["C(imd) + 1"], n_boot=200, seed=1)
