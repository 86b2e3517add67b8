"""Exploratory factor analysis: ML and minres extraction against statsmodels, the GPA rotations
against statsmodels' `rotate_factors` (varimax, oblimin) and against the properties of a
stationary point (geomin, which statsmodels lacks), factanal's chi-square on R's published
`ability.cov` example, and the `efa` command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.multivariate.factor import Factor
from statsmodels.multivariate.factor_rotation import rotate_factors

from inspiring.evaluation import cli
from inspiring.evaluation.stats import StatsError, sem
from inspiring.evaluation.stats import efa as efa_module
from inspiring.evaluation.stats.efa import (
    _arrange,
    efa,
    efa_correlation,
    geomin_criterion,
    oblimin_criterion,
    rotate,
    varimax_criterion,
)

# A three-factor population pattern with cross-loadings and correlated factors.
PATTERN = np.array(
    [
        [0.80, 0.00, 0.00],
        [0.70, 0.10, 0.00],
        [0.65, 0.00, 0.15],
        [0.00, 0.75, 0.00],
        [0.10, 0.65, 0.00],
        [0.00, 0.60, 0.00],
        [0.00, 0.00, 0.70],
        [0.15, 0.00, 0.65],
        [0.00, 0.10, 0.60],
    ]
)
FACTOR_CORR = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.25], [0.2, 0.25, 1.0]])
ITEMS = [f"v{j + 1}" for j in range(PATTERN.shape[0])]

# R's `datasets::ability.cov` (Smith & Stanley, 1983; 112 people, six tests) and the output of
# `factanal(factors = 2, covmat = ability.cov)` as printed by R.
ABILITY_NAMES = ["general", "picture", "blocks", "maze", "reading", "vocab"]
ABILITY_COV = np.array(
    [
        [24.641, 5.991, 33.520, 6.023, 20.755, 29.701],
        [5.991, 6.700, 18.137, 1.782, 4.936, 7.204],
        [33.520, 18.137, 149.831, 19.424, 31.430, 50.753],
        [6.023, 1.782, 19.424, 12.711, 4.757, 9.075],
        [20.755, 4.936, 31.430, 4.757, 52.604, 66.762],
        [29.701, 7.204, 50.753, 9.075, 66.762, 135.292],
    ]
)
ABILITY_N = 112
FACTANAL_2_UNIQUENESSES = [0.455, 0.589, 0.218, 0.769, 0.052, 0.334]


def _population() -> np.ndarray:
    common = PATTERN @ FACTOR_CORR @ PATTERN.T
    return common + np.diag(1.0 - np.diag(common))


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    data = rng.multivariate_normal(np.zeros(len(ITEMS)), _population(), size=500)
    return pd.DataFrame(data * 2.0 + 10.0, columns=ITEMS)


@pytest.fixture(scope="module")
def ability() -> pd.DataFrame:
    """112 rows whose sample covariance matrix is exactly ability.cov."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(ABILITY_N, len(ABILITY_NAMES)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    data = z @ np.linalg.cholesky(ABILITY_COV).T
    return pd.DataFrame(data, columns=ABILITY_NAMES)


def _corr(frame: pd.DataFrame) -> np.ndarray:
    return np.corrcoef(frame.to_numpy(), rowvar=False)


def _matrix(loadings: dict[str, list[float]]) -> np.ndarray:
    return np.array(list(loadings.values()))


# --- factanal's published example ------------------------------------------------------------


def test_ability_two_factors_reproduces_factanal(ability):
    result = efa(ability, ABILITY_NAMES, factors=2, method="ml", rotation="varimax")
    assert result.n == ABILITY_N
    assert result.df == 4
    # R prints: "The chi square statistic is 6.11 on 4 degrees of freedom. The p-value is 0.191"
    assert round(result.chi2, 2) == 6.11
    assert result.p is not None and round(result.p, 3) == 0.191
    assert [round(result.uniquenesses[name], 3) for name in ABILITY_NAMES] == (
        FACTANAL_2_UNIQUENESSES
    )


def test_ability_one_factor_chi2_formula(ability):
    result = efa(ability, ABILITY_NAMES, factors=1)
    # R prints: "The chi square statistic is 75.18 on 9 degrees of freedom."
    assert (round(result.chi2, 2), result.df) == (75.18, 9)
    p, k = 6, 1
    assert result.chi2 == pytest.approx(
        (ABILITY_N - 1 - (2 * p + 5) / 6 - 2 * k / 3) * result.objective
    )


# --- the chi-square in lavaan's convention (uncorrected N·F) -----------------------------------


@pytest.fixture(scope="module")
def holzinger() -> pd.DataFrame:
    """lavaan's HolzingerSwineford1939 (301 rows), as semopy ships it."""
    from importlib.resources import files

    return pd.read_csv(files("semopy") / "examples" / "holzinger_swineford39_data.csv")


HS_ITEMS = [f"x{j}" for j in range(1, 10)]


def test_uncorrected_chi2_is_n_times_f(ability):
    result = efa(ability, ABILITY_NAMES, factors=2)
    assert result.chi2_uncorrected == pytest.approx(ABILITY_N * result.objective, rel=1e-12)
    assert result.p_uncorrected == pytest.approx(
        float(__import__("scipy").stats.chi2.sf(result.chi2_uncorrected, 4)), rel=1e-12
    )
    assert result.chi2_uncorrected > result.chi2  # Bartlett's factor is below n
    out = result.to_dict()
    assert out["chi2"] == result.chi2  # factanal's, unchanged
    assert "Bartlett" in out["chi2_statistic"] and "lavaan" in out["chi2_uncorrected_statistic"]


def test_uncorrected_chi2_equals_the_lavaan_style_cfa_of_the_same_model(holzinger):
    # One factor: the EFA is the CFA `f =~ x1 + ... + x9`, whose chi-square (sem, as lavaan)
    # is N·F_ML.
    one = efa(holzinger, HS_ITEMS, factors=1)
    assert one.chi2_uncorrected == pytest.approx(
        sem(holzinger, "f =~ " + " + ".join(HS_ITEMS)).chi2
    )
    # Three factors: an EFA-equivalent CFA (factor j free on all items but the first j,
    # factor variances 1, orthogonal) has the same fit as the rotated EFA.
    lines = []
    for j in range(3):
        terms = [f"0*{x}" if i < j else f"NA*{x}" for i, x in enumerate(HS_ITEMS)]
        lines += [f"f{j} =~ " + " + ".join(terms), f"f{j} ~~ 1*f{j}"]
    lines += ["f0 ~~ 0*f1", "f0 ~~ 0*f2", "f1 ~~ 0*f2"]
    equivalent = sem(holzinger, "\n".join(lines))
    three = efa(holzinger, HS_ITEMS, factors=3)
    assert three.df == equivalent.df == 12
    assert three.chi2_uncorrected == pytest.approx(equivalent.chi2, rel=1e-6)
    bartlett = 301 - 1 - (2 * 9 + 5) / 6 - 2 * 3 / 3
    assert three.chi2 == pytest.approx(three.chi2_uncorrected * bartlett / 301, rel=1e-12)


# --- extraction against statsmodels ----------------------------------------------------------


def test_ml_matches_statsmodels(sample):
    ours = efa_correlation(_corr(sample), len(sample), 3, method="ml", rotation="none")
    theirs = Factor(sample.to_numpy(), n_factor=3, method="ml").fit()
    np.testing.assert_allclose(ours.uniquenesses, theirs.uniqueness, atol=1e-5)
    np.testing.assert_allclose(
        ours.loadings @ ours.loadings.T, theirs.loadings @ theirs.loadings.T, atol=1e-5
    )
    # both give the canonical (Lambda' Psi^-1 Lambda diagonal) unrotated solution
    reference, _ = _arrange(np.asarray(theirs.loadings), None)
    np.testing.assert_allclose(ours.loadings, reference, atol=1e-4)


def test_ml_varimax_end_to_end_matches_statsmodels(sample):
    ours = efa(sample, ITEMS, factors=3, method="ml", rotation="varimax")
    fitted = Factor(sample.to_numpy(), n_factor=3, method="ml").fit()
    fitted.rotate("varimax")
    reference, _ = _arrange(np.asarray(fitted.loadings), None)
    np.testing.assert_allclose(_matrix(ours.loadings), reference, atol=1e-4)
    assert ours.phi is None
    assert ours.converged and ours.rotation_converged


def test_minres_matches_iterated_principal_axes(sample):
    """Iterated principal axes converge to the least-squares (minres) solution."""
    corr = _corr(sample)
    ours = efa_correlation(corr, len(sample), 3, method="minres", rotation="none")
    theirs = Factor(corr=corr, n_factor=3, method="pa", nobs=len(sample)).fit(
        maxiter=20000, tol=1e-13
    )
    np.testing.assert_allclose(ours.uniquenesses, theirs.uniqueness, atol=1e-7)
    np.testing.assert_allclose(
        ours.loadings @ ours.loadings.T, theirs.loadings @ theirs.loadings.T, atol=1e-7
    )
    residual = corr - ours.loadings @ ours.loadings.T
    np.testing.assert_allclose(np.diag(residual), ours.uniquenesses, atol=1e-12)
    ml = efa_correlation(corr, len(sample), 3, method="ml", rotation="none")
    assert ours.chi2 >= ml.chi2 > 0  # ML minimises the discrepancy; minres cannot do better


def test_ability_minres_against_principal_axes(ability):
    corr = _corr(ability)
    ours = efa_correlation(corr, ABILITY_N, 2, method="minres", rotation="none")
    theirs = Factor(corr=corr, n_factor=2, method="pa").fit(maxiter=20000, tol=1e-13)
    np.testing.assert_allclose(ours.uniquenesses, theirs.uniqueness, atol=1e-7)


# --- rotations ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unrotated(sample) -> np.ndarray:
    return efa_correlation(_corr(sample), len(sample), 3, rotation="none").loadings


def test_varimax_matches_statsmodels_gpa(unrotated):
    ours = rotate(unrotated, "varimax")
    theirs, t = rotate_factors(unrotated, "varimax", tol=1e-7, max_tries=3000)
    assert ours.converged
    np.testing.assert_allclose(ours.loadings, theirs, atol=1e-6)
    np.testing.assert_allclose(ours.rotation, t, atol=1e-6)


def test_oblimin_matches_statsmodels_quartimin(unrotated):
    ours = rotate(unrotated, "oblimin")
    theirs, t = rotate_factors(unrotated, "oblimin", 0.0, "oblique", tol=1e-7, max_tries=3000)
    assert ours.converged and ours.phi is not None
    np.testing.assert_allclose(ours.loadings, theirs, atol=1e-6)
    np.testing.assert_allclose(ours.phi, t.T @ t, atol=1e-6)


def test_oblimin_end_to_end_phi_and_ordering(sample, unrotated):
    result = efa(sample, ITEMS, factors=3, method="ml", rotation="oblimin")
    theirs, t = rotate_factors(unrotated, "oblimin", 0.0, "oblique", tol=1e-7, max_tries=3000)
    loadings, phi = _arrange(theirs, t.T @ t)
    np.testing.assert_allclose(_matrix(result.loadings), loadings, atol=1e-6)
    assert result.phi is not None and phi is not None
    np.testing.assert_allclose(np.array(result.phi), phi, atol=1e-6)
    assert (_matrix(result.loadings).sum(axis=0) > 0).all()
    assert result.variance == sorted(result.variance, reverse=True)
    # the population pattern is recovered up to sampling error
    np.testing.assert_allclose(_matrix(result.loadings), PATTERN, atol=0.1)


def test_kaiser_normalisation_matches_statsmodels_on_normalised_rows(unrotated):
    h = np.sqrt(np.sum(unrotated**2, axis=1))
    theirs, _ = rotate_factors(unrotated / h[:, None], "varimax", tol=1e-7, max_tries=3000)
    ours = rotate(unrotated, "varimax", normalize=True)
    np.testing.assert_allclose(ours.loadings, theirs * h[:, None], atol=1e-6)
    assert np.abs(ours.loadings - rotate(unrotated, "varimax").loadings).max() > 1e-3


@pytest.mark.parametrize(
    "criterion", [varimax_criterion, oblimin_criterion, geomin_criterion], ids=lambda c: c.__name__
)
def test_criterion_gradients_match_finite_differences(criterion, unrotated):
    _, gradient = criterion(unrotated)
    step = 1e-6
    numeric = np.zeros_like(unrotated)
    for index in np.ndindex(*unrotated.shape):
        up, down = unrotated.copy(), unrotated.copy()
        up[index] += step
        down[index] -= step
        numeric[index] = (criterion(up)[0] - criterion(down)[0]) / (2 * step)
    np.testing.assert_allclose(gradient, numeric, atol=1e-7)


def test_geomin_is_a_stationary_point_with_invariant_communalities(unrotated):
    fit = rotate(unrotated, "geomin")
    assert fit.converged and fit.phi is not None
    t = fit.rotation
    _, grad_l = geomin_criterion(fit.loadings)
    gradient = -(fit.loadings.T @ grad_l @ np.linalg.inv(t)).T
    projected = gradient - t * np.sum(t * gradient, axis=0)[None, :]
    assert np.linalg.norm(projected) < 1e-6
    np.testing.assert_allclose(np.diag(fit.phi), 1.0, atol=1e-12)
    assert np.linalg.eigvalsh(fit.phi).min() > 0
    # an oblique rotation reproduces the same common part: L Phi L' = A A'
    np.testing.assert_allclose(
        fit.loadings @ fit.phi @ fit.loadings.T, unrotated @ unrotated.T, atol=1e-10
    )
    # no small move of T within the constraint lowers the criterion
    rng = np.random.default_rng(3)
    base = fit.criterion
    for _ in range(20):
        moved = t + 1e-3 * rng.normal(size=t.shape)
        moved /= np.sqrt(np.sum(moved**2, axis=0))[None, :]
        assert geomin_criterion(unrotated @ np.linalg.inv(moved).T)[0] >= base - 1e-12


def test_oblique_rotations_recover_a_known_simple_structure():
    """A population correlation matrix from a pure simple structure with correlated factors:
    quartimin's criterion is zero there, so oblimin recovers it exactly; geomin's epsilon
    (0.01) pulls it slightly off, within 0.01 (loadings) and 0.02 (factor correlations)."""
    pattern = np.zeros((9, 3))
    pattern[0:3, 0] = [0.8, 0.7, 0.6]
    pattern[3:6, 1] = [0.75, 0.65, 0.6]
    pattern[6:9, 2] = [0.7, 0.65, 0.6]
    common = pattern @ FACTOR_CORR @ pattern.T
    corr = common + np.diag(1.0 - np.diag(common))
    results = {
        rotation: efa_correlation(corr, 1000, 3, method="ml", rotation=rotation)
        for rotation in ("none", "varimax", "oblimin", "geomin")
    }
    geomin, oblimin = results["geomin"], results["oblimin"]
    assert geomin.chi2 == pytest.approx(0.0, abs=1e-6)  # exact fit
    np.testing.assert_allclose(geomin.uniquenesses, 1.0 - np.diag(common), atol=1e-5)
    assert geomin.phi is not None and oblimin.phi is not None
    np.testing.assert_allclose(oblimin.loadings, pattern, atol=1e-5)
    np.testing.assert_allclose(oblimin.phi, FACTOR_CORR, atol=1e-5)
    np.testing.assert_allclose(geomin.loadings, pattern, atol=0.01)
    np.testing.assert_allclose(geomin.phi, FACTOR_CORR, atol=0.02)
    # communalities do not depend on the rotation
    for other in results.values():
        phi = np.eye(3) if other.phi is None else other.phi
        np.testing.assert_allclose(
            np.diag(other.loadings @ phi @ other.loadings.T), np.diag(common), atol=1e-5
        )


def test_one_factor_needs_no_rotation(sample):
    plain = efa(sample, ITEMS[:3], factors=1, rotation="none")
    rotated = efa(sample, ITEMS[:3], factors=1, rotation="geomin")
    assert plain.loadings == rotated.loadings
    assert rotated.phi == [[1.0]]
    assert plain.df == 0 and plain.p is None


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"factors": 4, "items": ITEMS[:6]}, "too many for 6 items"),
        ({"factors": 0}, "whole number"),
        ({"method": "pa"}, "unknown method"),
        ({"rotation": "promax"}, "unknown rotation"),
        ({"items": ["v1", "nope", "v3"], "factors": 1}, "unknown column 'nope'"),
        ({"items": ["v1", "v2"]}, "at least 3 items"),
    ],
)
def test_bad_input_raises_one_line(sample, kwargs, message):
    arguments = {"items": ITEMS, "factors": 2} | kwargs
    with pytest.raises(StatsError, match=message) as caught:
        efa(sample, **arguments)
    assert "\n" not in str(caught.value)


def test_non_numeric_items_are_refused(sample):
    frame = sample.astype(object)
    frame.loc[3, "v2"] = "lots"
    with pytest.raises(StatsError, match="'v2' is not numeric"):
        efa(frame, ITEMS, factors=2)


def test_module_constants_are_the_documented_ones():
    assert efa_module.GEOMIN_EPSILON == 0.01
    assert efa_module.METHODS == ("ml", "minres")


# --- command line -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_file(tmp_path_factory, sample) -> str:
    path = tmp_path_factory.mktemp("efa") / "items.csv"
    frame = sample.copy()
    frame["label"] = "x"
    frame.loc[5, "label"] = "y"
    frame.loc[[0, 7], "v4"] = np.nan
    frame.to_csv(path, index=False)
    return str(path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("rotation", ["varimax", "oblimin", "geomin"])
@pytest.mark.parametrize("method", ["ml", "minres"])
def test_cli_json_shape(capsys, data_file, method, rotation):
    code, out, err = _run(
        capsys,
        "efa",
        data_file,
        "--items",
        ",".join(ITEMS),
        "--factors",
        "3",
        "--method",
        method,
        "--rotation",
        rotation,
        "--json",
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert {"n", "chi2", "df", "uniquenesses", "loadings", "method", "rotation"} <= set(result)
    assert (result["n"], result["df"], result["method"], result["rotation"]) == (
        498,
        12,
        method,
        rotation,
    )
    assert list(result["uniquenesses"]) == ITEMS == list(result["loadings"])
    assert all(len(row) == 3 for row in result["loadings"].values())
    assert ("phi" in result) == (rotation != "varimax")
    if rotation != "varimax":
        assert np.allclose(np.diag(result["phi"]), 1.0)


def test_cli_text_output(capsys, data_file):
    code, out, err = _run(
        capsys,
        "efa",
        data_file,
        "--items",
        ",".join(ITEMS),
        "--factors",
        "3",
        "--rotation",
        "oblimin",
    )
    assert (code, err) == (0, "")
    assert "maximum likelihood" in out and "Factor correlations" in out
    assert "2 incomplete left out" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--items", "v1,v2,zz", "--factors", "1"], "unknown column 'zz'"),
        (["--items", "v1,v2,v3,v4", "--factors", "2"], "too many for 4 items"),
        (["--items", "v1,v2,label", "--factors", "1"], "'label' is not numeric"),
        (["--items", "v1,v2,v3", "--factors", "two"], "not a whole number"),
        (["--items", "v1,v2,v3", "--factors", "1", "--rotation", "promax"], "invalid choice"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(capsys, data_file, argv, message):
    code, out, err = _run(capsys, "efa", data_file, *argv, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
