"""Cronbach's alpha (with Feldt's interval) and McDonald's omega against published values,
pingouin, statsmodels and closed-form cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation.stats import StatsError, cronbach_alpha, mcdonald_omega
from inspiring.evaluation.stats.reliability import ml_factor, model_omega


def test_alpha_matches_pingouin_documented_example(pg):
    # pingouin.cronbach_alpha's docstring: the `cronbach_alpha` data set (15 subjects,
    # 10 items, long format) gives (0.5917188485995826, array([0.195, 0.84 ])).
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    result = cronbach_alpha(wide, list(wide.columns))
    assert result.n == 15 and result.k == 10
    assert result.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert result.ci == pytest.approx((0.195, 0.840), abs=5e-4)
    assert result.to_dict()["ci_method"] == "feldt"


def test_alpha_listwise_matches_psych_complete_obs(pg):
    # pingouin's docstring, checked there against R: psych::alpha(data, use="complete.obs")
    # on `cronbach_wide_missing` gives alpha 0.8016949152542373.
    data = pg.read_dataset("cronbach_wide_missing")
    result = cronbach_alpha(data, list(data.columns))
    assert result.alpha == pytest.approx(0.8016949152542373, abs=1e-12)
    assert (result.n, result.dropped) == (9, 3)
    # Feldt's interval uses the rows actually analysed (pingouin's listwise option keeps the
    # pre-deletion n in its F degrees of freedom), so compare on the complete rows.
    _, reference_ci = pg.cronbach_alpha(data.dropna())
    assert result.ci == pytest.approx(tuple(reference_ci), abs=5e-4)


@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
def test_alpha_and_feldt_interval_match_pingouin(pg, simulated_scale, confidence):
    items = list(simulated_scale.columns)
    reference, reference_ci = pg.cronbach_alpha(simulated_scale, ci=confidence)
    result = cronbach_alpha(simulated_scale, items, confidence=confidence)
    assert result.alpha == pytest.approx(reference, abs=1e-12)
    assert result.ci == pytest.approx(tuple(reference_ci), abs=5e-4)  # pingouin rounds to 3 dp


def test_alpha_reverse_keyed_items_are_reflected(pg, simulated_scale):
    items = list(simulated_scale.columns)
    reflected = simulated_scale.assign(i5=10 - simulated_scale["i5"])
    result = cronbach_alpha(simulated_scale, items, reverse=["i5"])
    assert result.alpha == pytest.approx(pg.cronbach_alpha(reflected)[0], abs=1e-12)
    assert result.alpha > cronbach_alpha(simulated_scale, items).alpha


def _exact_sample(cov: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """n rows whose sample covariance (ddof=1) is exactly `cov`."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, cov.shape[0]))
    raw -= raw.mean(axis=0)
    whitened = raw @ np.linalg.inv(np.linalg.cholesky(np.cov(raw, rowvar=False)).T)
    return whitened @ np.linalg.cholesky(cov).T + 5.0


def test_omega_recovers_a_known_one_factor_model():
    # Population one-factor model in the raw metric: Σ = λλᵀ + Ψ, so the ML fit of a sample
    # with exactly this covariance is λ, Ψ and omega = (Σλ)² / ((Σλ)² + Σψ).
    loadings = np.array([1.2, 0.9, 0.8, 0.6, 1.5])
    uniquenesses = np.array([0.8, 0.5, 0.9, 0.7, 1.1])
    cov = np.outer(loadings, loadings) + np.diag(uniquenesses)
    data = pd.DataFrame(_exact_sample(cov, 250), columns=list("abcde"))
    expected = loadings.sum() ** 2 / (loadings.sum() ** 2 + uniquenesses.sum())
    result = mcdonald_omega(data, list("abcde"))
    assert result.converged and not result.heywood
    assert result.omega == pytest.approx(expected, abs=1e-6)
    assert result.omega_observed == pytest.approx(expected, abs=1e-6)  # the model fits exactly
    assert list(result.loadings.values()) == pytest.approx(loadings, abs=1e-4)
    assert list(result.uniquenesses.values()) == pytest.approx(uniquenesses, abs=1e-4)
    assert result.reversed == ()


def test_omega_treats_a_negative_loading_as_reverse_keyed():
    loadings = np.array([1.0, 0.8, -0.9, 0.7])
    uniquenesses = np.array([0.6, 0.9, 0.5, 0.8])
    cov = np.outer(loadings, loadings) + np.diag(uniquenesses)
    data = pd.DataFrame(_exact_sample(cov, 200), columns=["a", "b", "c", "d"])
    common = np.abs(loadings).sum() ** 2
    result = mcdonald_omega(data, ["a", "b", "c", "d"])
    assert result.reversed == ("c",)
    assert result.omega == pytest.approx(common / (common + uniquenesses.sum()), abs=1e-6)
    # Reversing the item explicitly gives the same omega, with nothing left to reverse.
    explicit = mcdonald_omega(data, ["a", "b", "c", "d"], reverse=["c"])
    assert explicit.omega == pytest.approx(result.omega, abs=1e-9)
    assert explicit.reversed == ()


def test_omega_equals_alpha_for_tau_equivalent_items():
    # With equal loadings (essential tau-equivalence) alpha and omega coincide.
    loadings = np.full(5, 0.9)
    cov = np.outer(loadings, loadings) + np.diag([0.5, 0.8, 0.6, 0.9, 0.7])
    data = pd.DataFrame(_exact_sample(cov, 300), columns=list("abcde"))
    omega = mcdonald_omega(data, list("abcde")).omega
    assert omega == pytest.approx(cronbach_alpha(data, list("abcde")).alpha, abs=1e-6)


def test_ml_one_factor_matches_statsmodels(simulated_scale):
    from statsmodels.multivariate.factor import Factor

    items = list(simulated_scale.columns)
    corr = simulated_scale.corr().to_numpy()
    ours = ml_factor(corr, 1)
    theirs = Factor(corr=corr, n_factor=1, method="ml", nobs=300).fit()
    sign = np.sign(ours.loadings[0, 0] * theirs.loadings[0, 0])
    assert ours.loadings[:, 0] == pytest.approx(sign * theirs.loadings[:, 0], abs=2e-4)
    assert ours.uniquenesses == pytest.approx(theirs.uniqueness, abs=2e-4)
    # Omega in the raw metric from statsmodels' standardized solution.
    sd = simulated_scale.std(ddof=1).to_numpy()
    raw = np.abs(theirs.loadings[:, 0]) * sd
    expected = raw.sum() ** 2 / (raw.sum() ** 2 + (theirs.uniqueness * sd**2).sum())
    result = mcdonald_omega(simulated_scale, items)
    assert result.omega == pytest.approx(expected, abs=5e-4)
    assert result.reversed == ("i5",)
    # The observed total (i5 reversed) has its own variance as the denominator.
    signs = np.where(np.array(items) == "i5", -1.0, 1.0)
    observed = simulated_scale.to_numpy() @ signs
    assert result.omega_observed == pytest.approx(raw.sum() ** 2 / observed.var(ddof=1), abs=5e-4)


def test_reliability_bad_input():
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 3, 3, 5, 4], "c": [1, 1, 2, 2, 3]})
    with pytest.raises(StatsError, match="unknown column 'z'"):
        cronbach_alpha(data, ["a", "z"])
    with pytest.raises(StatsError, match="at least 2 items"):
        cronbach_alpha(data, ["a"])
    with pytest.raises(StatsError, match="too few complete rows: 2"):
        cronbach_alpha(data.iloc[:2], ["a", "b"])
    with pytest.raises(StatsError, match="'k' has zero variance"):
        cronbach_alpha(data.assign(k=3), ["a", "k"])
    with pytest.raises(StatsError, match="not numeric"):
        cronbach_alpha(data.assign(t=["x", "1", "2", "3", "4"]), ["a", "t"])
    with pytest.raises(StatsError, match="singular"):
        mcdonald_omega(
            pd.concat([data] * 2, ignore_index=True).assign(d=lambda f: f.a + f.b),
            ["a", "b", "c", "d"],
        )
    with pytest.raises(StatsError, match="at least 3 items"):
        mcdonald_omega(data, ["a", "b"])


# --- omega from a fitted CFA (semTools' compRelSEM) ------------------------------------------

HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""
# semTools::compRelSEM(cfa(HS.model, data = HolzingerSwineford1939)) (obs.var = TRUE), as
# printed in the easystats `performance::fa_reliability` reference example.
COMPREL_OBSERVED = {"visual": 0.6120052, "textual": 0.8850608, "speed": 0.6858417}


@pytest.fixture(scope="module")
def holzinger() -> pd.DataFrame:
    """lavaan's HolzingerSwineford1939 (301 rows), as semopy ships it."""
    from importlib.resources import files

    return pd.read_csv(files("semopy") / "examples" / "holzinger_swineford39_data.csv")


def test_model_omega_matches_semtools_comprelsem(holzinger):
    result = model_omega(holzinger, HS_MODEL)
    assert result.n == 301 and result.skipped == {}
    assert list(result.factors) == ["visual", "textual", "speed"]
    for factor, expected in COMPREL_OBSERVED.items():
        assert result.factors[factor].omega_observed == pytest.approx(expected, abs=1e-6)
    assert result.factors["speed"].items == ("x7", "x8", "x9")
    out = result.to_dict()
    assert set(out["factors"]["visual"]) == {"items", "omega", "omega_observed"}
    assert out["fit"]["df"] == 24


def test_model_omega_matches_the_formula_on_semopy_estimates(holzinger):
    # The same CFA fitted by semopy: omega = (Σλ)² φ / ((Σλ)² φ + Σθ) (simple structure, no
    # correlated residuals) and omega_observed with the observed variance of the sum (ddof 0).
    # semopy's optimiser stops earlier than lavaan's (its visual =~ x3 is 0.7305 where lavaan
    # prints 0.729, as we get), hence the looser tolerance.
    import semopy

    fitted = semopy.Model(HS_MODEL)
    fitted.fit(holzinger)
    table = fitted.inspect()
    ours = model_omega(holzinger, HS_MODEL)
    for factor, items in [("visual", "x1 x2 x3"), ("textual", "x4 x5 x6"), ("speed", "x7 x8 x9")]:
        names = items.split()
        rows = table[(table.op == "~") & (table.rval == factor)]
        loading_sum = rows.Estimate.sum()
        variance = table[(table.lval == factor) & (table.rval == factor)].Estimate.iloc[0]
        residual = sum(
            table[(table.lval == n) & (table.rval == n) & (table.op == "~~")].Estimate.iloc[0]
            for n in names
        )
        common = loading_sum**2 * variance
        total = holzinger[names].sum(axis=1).var(ddof=0)
        omega = ours.factors[factor]
        assert omega.omega == pytest.approx(common / (common + residual), abs=5e-4)
        assert omega.omega_observed == pytest.approx(common / total, abs=5e-4)


def test_model_omega_of_one_factor_equals_mcdonald_omega(holzinger):
    items = ["x4", "x5", "x6", "x1"]
    one = model_omega(holzinger, "f =~ " + " + ".join(items)).factors["f"]
    direct = mcdonald_omega(holzinger, items)
    assert one.omega == pytest.approx(direct.omega, abs=1e-7)
    assert one.omega_observed == pytest.approx(direct.omega_observed, abs=1e-7)


def test_model_omega_known_loadings_with_a_correlated_residual():
    # Population Σ = λλᵀφ + Θ with θ_12 ≠ 0, fitted with that residual covariance: the fit is
    # exact, so both omegas are (Σλ)²φ / 1ᵀΣ1 with Σ the population matrix.
    loadings = np.array([1.0, 0.8, 1.2, 0.9])
    theta = np.diag([0.6, 0.5, 0.7, 0.4])
    theta[0, 1] = theta[1, 0] = 0.2
    phi = 1.5
    cov = phi * np.outer(loadings, loadings) + theta
    data = pd.DataFrame(_exact_sample(cov, 400), columns=list("abcd"))
    result = model_omega(data, "f =~ a + b + c + d\na ~~ b").factors["f"]
    expected = loadings.sum() ** 2 * phi / cov.sum()
    assert result.omega == pytest.approx(expected, abs=1e-6)
    assert result.omega_observed == pytest.approx(expected, abs=1e-6)
    # Leaving the residual covariance out of the denominator would overstate omega.
    assert result.omega < loadings.sum() ** 2 * phi / (cov.sum() - 0.4)


def test_model_omega_skips_higher_order_and_single_item_factors(holzinger):
    model = HS_MODEL + "g =~ visual + textual + speed\n"
    result = model_omega(holzinger, model)
    assert set(result.factors) == {"visual", "textual", "speed"}
    assert "higher-order" in result.skipped["g"]
    with pytest.raises(StatsError, match="no factors"):
        model_omega(holzinger, "x1 ~ x2 + x3")
