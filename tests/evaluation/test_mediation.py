"""Mediation against pingouin's documented example and pingouin's own resamples (bias-corrected
intervals), scipy.stats.bootstrap on the same resamples (percentile and BCa), statsmodels
for the paths, and OLS identities."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from inspiring.evaluation.stats import StatsError, mediate


def pingouin_resamples(seed: int, n_boot: int, n: int) -> np.ndarray:
    """The row indices pingouin.mediation_analysis draws for a seed."""
    return np.random.RandomState(seed).choice(np.arange(n), replace=True, size=(n_boot, n))


def test_matches_pingouin_documented_example(mediation_data):
    # pingouin.mediation_analysis docstring: mediation_analysis(data=df, x="X", m="M", y="Y",
    # alpha=0.05, seed=42) prints M ~ X 0.561015, Total 0.396126, Direct 0.039604 and
    # Indirect 0.356522, se 0.083313, CI [0.219818, 0.537654] (bias-corrected, 500 resamples).
    result = mediate(
        mediation_data, "X", ["M"], "Y", ci="bc", indices=pingouin_resamples(42, 500, 100)
    )
    assert result.a["M"].est == pytest.approx(0.561015, abs=1e-6)
    assert result.c.est == pytest.approx(0.396126, abs=1e-6)
    assert result.c_prime.est == pytest.approx(0.039604, abs=1e-6)
    indirect = result.indirect["M"]
    assert indirect.est == pytest.approx(0.356522, abs=1e-6)
    assert indirect.se == pytest.approx(0.083313, abs=1e-6)
    assert indirect.ci == pytest.approx((0.219818, 0.537654), abs=1e-6)
    # The documented standard errors and p-values of the paths (classical OLS).
    assert result.a["M"].se == pytest.approx(0.094480, abs=1e-6)
    assert result.c.se == pytest.approx(0.111160, abs=1e-6)
    assert result.c_prime.se == pytest.approx(0.109648, abs=1e-6)
    assert result.c_prime.p == pytest.approx(7.187429e-01, rel=1e-6)
    assert result.to_dict()["ci_method"] == "bc"


def test_parallel_mediators_with_covariates_match_pingouin(pg, mediation_data):
    resamples = pingouin_resamples(7, 800, 100)
    theirs = pg.mediation_analysis(
        data=mediation_data,
        x="X",
        m=["M", "W1"],
        y="Y",
        covar=["Mbin", "Ybin"],
        n_boot=800,
        seed=7,
    ).set_index("path")
    ours = mediate(
        mediation_data, "X", ["M", "W1"], "Y", ["Mbin", "Ybin"], ci="bc", indices=resamples
    )
    for m in ("M", "W1"):
        assert ours.a[m].est == pytest.approx(theirs.loc[f"{m} ~ X", "coef"], rel=1e-10)
        assert ours.a[m].se == pytest.approx(theirs.loc[f"{m} ~ X", "se"], rel=1e-8)
        indirect = ours.indirect[m]
        assert indirect.est == pytest.approx(theirs.loc[f"Indirect {m}", "coef"], rel=1e-10)
        assert indirect.se == pytest.approx(theirs.loc[f"Indirect {m}", "se"], rel=1e-8)
        reference_ci = (theirs.loc[f"Indirect {m}", "CI2.5"], theirs.loc[f"Indirect {m}", "CI97.5"])
        assert indirect.ci == pytest.approx(reference_ci, rel=1e-8)
    assert ours.c.est == pytest.approx(theirs.loc["Total", "coef"], rel=1e-10)
    assert ours.c_prime.est == pytest.approx(theirs.loc["Direct", "coef"], rel=1e-10)


def test_b_paths_match_statsmodels(mediation_data):
    import statsmodels.formula.api as smf

    theirs = smf.ols("Y ~ X + M + W1 + Mbin", data=mediation_data).fit()
    ours = mediate(mediation_data, "X", ["M", "W1"], "Y", ["Mbin"], n_boot=200, seed=1)
    for m in ("M", "W1"):
        assert ours.b[m].est == pytest.approx(theirs.params[m], rel=1e-10)
        assert ours.b[m].se == pytest.approx(theirs.bse[m], rel=1e-9)
        assert ours.b[m].p == pytest.approx(theirs.pvalues[m], rel=1e-7)
    assert ours.c_prime.est == pytest.approx(theirs.params["X"], rel=1e-10)


def _indirect_statistic(k: int, which: int | None):
    """a·b of mediator `which` (None: the total) from x, m_1..m_k, y, c... by plain lstsq."""

    def statistic(x, *rest):
        mediators, y, covariates = rest[:k], rest[k], rest[k + 1 :]
        ones = np.ones_like(x)
        design_m = np.column_stack([ones, x, *covariates])
        a = [np.linalg.lstsq(design_m, m, rcond=None)[0][1] for m in mediators]
        design_y = np.column_stack([ones, x, *mediators, *covariates])
        b = np.linalg.lstsq(design_y, y, rcond=None)[0][2 : 2 + k]
        effects = np.array(a) * b
        return effects.sum() if which is None else effects[which]

    return statistic


@pytest.mark.parametrize(("method", "scipy_method"), [("percentile", "percentile"), ("bca", "BCa")])
def test_percentile_and_bca_match_scipy_bootstrap_on_the_same_resamples(
    mediation_data, method, scipy_method
):
    # scipy.stats.bootstrap(paired=True, rng=default_rng(seed)) draws the same resamples as
    # mediate(seed=seed), so the intervals must agree to rounding.
    columns = ["X", "M", "W1", "Y", "Mbin"]
    data = tuple(mediation_data[c].to_numpy(dtype=float) for c in columns)
    ours = mediate(mediation_data, "X", ["M", "W1"], "Y", ["Mbin"], n_boot=1000, seed=11, ci=method)
    for which, estimate in [
        (0, ours.indirect["M"]),
        (1, ours.indirect["W1"]),
        (None, ours.total_indirect),
    ]:
        theirs = sps.bootstrap(
            data,
            _indirect_statistic(2, which),
            paired=True,
            vectorized=False,
            n_resamples=1000,
            method=scipy_method,
            rng=np.random.default_rng(11),
        )
        assert estimate.ci == pytest.approx(tuple(theirs.confidence_interval), rel=1e-9)
        assert estimate.se == pytest.approx(theirs.standard_error, rel=1e-9)


def test_effects_add_up(mediation_data):
    result = mediate(mediation_data, "X", ["M", "W1"], "Y", ["Ybin"], n_boot=300, seed=3)
    total_indirect = sum(result.a[m].est * result.b[m].est for m in ("M", "W1"))
    assert result.total_indirect.est == pytest.approx(total_indirect, rel=1e-12)
    assert result.c.est == pytest.approx(result.c_prime.est + total_indirect, rel=1e-10)
    boot = result.boot_indirect
    assert boot.shape == (300, 3)
    assert boot[:, 2] == pytest.approx(boot[:, 0] + boot[:, 1], rel=1e-12)


def test_seeded_and_reproducible(mediation_data):
    first = mediate(mediation_data, "X", ["M"], "Y", n_boot=500, seed=5, ci="bca")
    again = mediate(mediation_data, "X", ["M"], "Y", n_boot=500, seed=5, ci="bca")
    other = mediate(mediation_data, "X", ["M"], "Y", n_boot=500, seed=6, ci="bca")
    assert first.to_dict() == again.to_dict()
    assert first.indirect["M"].ci != other.indirect["M"].ci
    drawn = mediate(mediation_data, "X", ["M"], "Y", n_boot=500)
    assert isinstance(drawn.seed, int)
    replay = mediate(mediation_data, "X", ["M"], "Y", n_boot=500, seed=drawn.seed)
    assert replay.to_dict() == drawn.to_dict()


def test_output_states_the_method_and_has_the_documented_shape(mediation_data):
    out = mediate(mediation_data, "X", ["M", "W1"], "Y", ["Mbin"], n_boot=200, seed=1).to_dict()
    assert out["ci_method"] == "percentile"
    assert {"n", "ci_method", "a", "b", "c", "c_prime", "indirect", "total_indirect"} <= set(out)
    assert set(out["indirect"]) == {"M", "W1"}
    assert set(out["indirect"]["M"]) == {"est", "se", "ci"}
    assert out["n"] == 100 and out["boot"] == 200 and out["seed"] == 1


def test_bootstrap_is_vectorised_and_fast():
    rng = np.random.default_rng(0)
    n = 388
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    data = pd.DataFrame({"x": x, "m": m, "y": 0.4 * m + 0.2 * x + rng.normal(size=n)})
    start = time.perf_counter()
    result = mediate(data, "x", ["m"], "y", n_boot=5000, seed=1, ci="bca")
    elapsed = time.perf_counter() - start
    assert result.indirect["m"].ci[0] > 0
    assert elapsed < 1.5  # about 0.05 s here; pingouin's loop takes about 1 s


def test_mediation_bad_input(mediation_data):
    with pytest.raises(StatsError, match="unknown column 'Q'"):
        mediate(mediation_data, "X", ["Q"], "Y")
    with pytest.raises(StatsError, match="named twice"):
        mediate(mediation_data, "X", ["X"], "Y")
    with pytest.raises(StatsError, match="unknown interval method 'bootstrap-t'"):
        mediate(mediation_data, "X", ["M"], "Y", ci="bootstrap-t")
    with pytest.raises(StatsError, match="too few complete rows: 4"):
        mediate(mediation_data.iloc[:4], "X", ["M"], "Y")
    with pytest.raises(StatsError, match="'K' has zero variance"):
        mediate(mediation_data.assign(K=1), "X", ["K"], "Y")
    with pytest.raises(StatsError, match="between 100 and"):
        mediate(mediation_data, "X", ["M"], "Y", n_boot=10)
    with pytest.raises(StatsError, match="B-by-100"):
        mediate(mediation_data, "X", ["M"], "Y", indices=np.zeros((10, 5), dtype=int))


def test_resamples_where_a_covariate_is_constant_match_pingouin(pg):
    # A rare binary covariate is all zeros in most resamples (a singular design there);
    # such resamples get the minimum-norm solution, as pingouin's lstsq gives.
    rng = np.random.default_rng(5)
    n = 60
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    rare = np.zeros(n)
    rare[3] = 1
    data = pd.DataFrame({"x": x, "m": m, "y": 0.4 * m + rng.normal(size=n), "rare": rare})
    ours = mediate(data, "x", ["m"], "y", ["rare"], ci="bc", indices=pingouin_resamples(1, 500, n))
    _, theirs = pg.mediation_analysis(
        data=data, x="x", m="m", y="y", covar=["rare"], n_boot=500, seed=1, return_dist=True
    )
    assert ours.boot_indirect[:, 0] == pytest.approx(theirs, abs=1e-12)
