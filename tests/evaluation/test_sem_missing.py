"""CFA / SEM by full-information maximum likelihood (`sem(..., missing="ml")`, fiml.py).

References:

- with complete data FIML is ML: every estimate, standard error and fit index equals the
  listwise fit (to 1e-6 and better), and log L of the Holzinger & Swineford (1939) CFA equals the
  lavaan tutorial's printout (https://lavaan.ugent.be/tutorial/cfa.html: "Loglikelihood user
  model (H0) -3737.745", "unrestricted model (H1) -3695.092");
- the closed-form ML estimates for bivariate normal data with one variable missing at random
  (monotone pattern; Anderson, 1957; Little & Rubin, 2002, sec. 7.2): the regression of the
  incomplete variable on the complete one from the complete rows, the complete variable's mean
  and variance from all rows;
- an independent likelihood: the casewise normal log-likelihood of every row with the
  variables it has (`scipy.stats.multivariate_normal`), maximised by `scipy.optimize.minimize`
  over a hand-written parameterisation of the three-factor model, on the Holzinger & Swineford
  data with gaps made as in semTools' `twostage()` example (x5 missing when x1 is in its lowest
  30%, x9 when age is: missing at random).

semopy is not used as a peer here: its FIML objective (semopy 2.3.11, `Model.fit(obj="FIML")`)
has no mean structure (the model means are zero; `ModelMeans` refuses FIML), so it does not
fit lavaan's `missing = "ml"` model.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as sps
from semopy.examples import holzinger39

from inspiring.evaluation import cli
from inspiring.evaluation.stats import StatsError, sem
from inspiring.evaluation.stats.fiml import patterns, saturated

HS_MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs1939() -> pd.DataFrame:
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def hs_gaps(hs1939) -> pd.DataFrame:
    """semTools' twostage() example: x5 missing when x1 <= its 30% quantile, x9 when age is."""
    frame = hs1939.copy()
    frame.loc[frame.x1 <= frame.x1.quantile(0.3), "x5"] = np.nan
    age = frame.ageyr + frame.agemo / 12
    frame.loc[age <= age.quantile(0.3), "x9"] = np.nan
    return frame


def test_complete_data_fiml_equals_ml(hs1939):
    ml = sem(hs1939, HS_MODEL)
    fiml = sem(hs1939, HS_MODEL, missing="ml")
    assert fiml.missing == "ml" and fiml.rows_with_gaps == 0 and fiml.patterns == 1
    assert fiml.n == ml.n == 301 and fiml.df == ml.df == 24
    for name in ("chi2", "baseline_chi2", "cfi", "tli", "rmsea", "srmr"):
        assert getattr(fiml, name) == pytest.approx(getattr(ml, name), abs=1e-9), name
    assert fiml.rmsea_ci == pytest.approx(ml.rmsea_ci, abs=1e-9)
    for found in ml.estimates:
        other = fiml.estimate(found.lhs, found.op, found.rhs)
        assert other.est == pytest.approx(found.est, abs=1e-9)
        if found.se is None:
            assert other.se is None
        else:
            assert other.se == pytest.approx(found.se, abs=1e-9)
    # The intercepts are the sample means; the factor means are fixed at 0.
    for item in ITEMS:
        assert fiml.estimate(item, "~1", "").est == pytest.approx(hs1939[item].mean(), abs=1e-9)
    assert fiml.estimate("visual", "~1", "").se is None
    # lavaan tutorial: log L (H0) -3737.745, (H1) -3695.092; chi-square = 2 (H1 - H0).
    assert fiml.loglik is not None and round(fiml.loglik, 3) == -3737.745
    assert round(fiml.loglik + fiml.chi2 / 2, 3) == -3695.092


def test_monotone_bivariate_closed_form():
    # Little & Rubin (2002, sec. 7.2): y missing at random given x. The ML estimates factor:
    # x's mean and variance from every row; y's regression on x from the complete rows.
    rng = np.random.default_rng(17)
    n = 400
    x = rng.normal(2.0, 1.5, size=n)
    y = 1.0 + 0.6 * x + rng.normal(0.0, 1.0, size=n)
    y[x + rng.normal(size=n) > 3.0] = np.nan  # missing at random: depends on x
    frame = pd.DataFrame({"x": x, "y": y})
    complete = frame.dropna()
    slope, intercept = np.polyfit(complete.x, complete.y, 1)
    residual = complete.y - intercept - slope * complete.x
    result = sem(frame, "y ~ x", missing="ml")
    assert result.n == n and result.rows_with_gaps == int(np.isnan(y).sum()) > 50
    assert result.patterns == 2 and result.df == 0 and result.chi2 == pytest.approx(0, abs=1e-8)
    assert result.estimate("y", "~", "x").est == pytest.approx(slope, abs=1e-8)
    assert result.estimate("y", "~1", "").est == pytest.approx(intercept, abs=1e-8)
    assert result.estimate("y", "~~", "y").est == pytest.approx(np.mean(residual**2), abs=1e-8)
    assert result.estimate("x", "~1", "").est == pytest.approx(x.mean(), abs=1e-8)
    assert result.estimate("x", "~~", "x").est == pytest.approx(x.var(), abs=1e-8)
    listwise = sem(frame, "y ~ x")  # complete rows only: the same slope, by the factoring
    assert listwise.estimate("y", "~", "x").est == pytest.approx(slope, abs=1e-8)


def test_predictor_with_gaps_is_modelled_as_random():
    # x missing at random given y: factor the other way (y complete), then
    # beta(y on x) = sigma_xy / sigma_xx from the ML moments.
    rng = np.random.default_rng(23)
    n = 300
    x = rng.normal(size=n)
    y = 0.5 * x + rng.normal(size=n)
    x[y > 0.7] = np.nan
    frame = pd.DataFrame({"x": x, "y": y})
    complete = frame.dropna()
    gamma, delta = np.polyfit(complete.y, complete.x, 1)  # x = delta + gamma y
    tau = np.mean((complete.x - delta - gamma * complete.y) ** 2)
    mu_y, var_y = y.mean(), y.var()
    mu_x = delta + gamma * mu_y
    var_x = tau + gamma**2 * var_y
    cov_xy = gamma * var_y
    result = sem(frame, "y ~ x", missing="ml")
    beta = cov_xy / var_x
    assert result.estimate("y", "~", "x").est == pytest.approx(beta, abs=1e-8)
    assert result.estimate("x", "~1", "").est == pytest.approx(mu_x, abs=1e-8)
    assert result.estimate("x", "~~", "x").est == pytest.approx(var_x, abs=1e-8)
    assert result.estimate("y", "~1", "").est == pytest.approx(mu_y - beta * mu_x, abs=1e-8)
    assert result.estimate("y", "~~", "y").est == pytest.approx(var_y - beta**2 * var_x, abs=1e-8)


def _casewise_loglik(frame: pd.DataFrame, mu: np.ndarray, sigma: np.ndarray) -> float:
    """Σ over rows of log φ(y_o; μ_o, Σ_oo), row groups by their observed variables."""
    values = frame[ITEMS].to_numpy()
    present = ~np.isnan(values)
    total = 0.0
    for mask in np.unique(present, axis=0):
        rows = values[(present == mask).all(axis=1)][:, mask]
        total += float(
            sps.multivariate_normal(mu[mask], sigma[np.ix_(mask, mask)]).logpdf(rows).sum()
        )
    return total


def _hs_moments(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Three-factor CFA, markers x1, x4, x7: 6 loadings, 9 residual variances, 6 factor
    (co)variances, 9 intercepts (lavaan's order of the tutorial's printout)."""
    lam = np.zeros((9, 3))
    lam[[0, 3, 6], [0, 1, 2]] = 1.0
    lam[[1, 2, 4, 5, 7, 8], [0, 0, 1, 1, 2, 2]] = theta[:6]
    resid = np.diag(theta[6:15])
    v1, v2, v3, c12, c13, c23 = theta[15:21]
    phi = np.array([[v1, c12, c13], [c12, v2, c23], [c13, c23, v3]])
    return theta[21:30], lam @ phi @ lam.T + resid


def _hs_theta(result) -> np.ndarray:
    keys = [("visual", "=~", "x2"), ("visual", "=~", "x3"), ("textual", "=~", "x5"),
            ("textual", "=~", "x6"), ("speed", "=~", "x8"), ("speed", "=~", "x9")]  # fmt: skip
    keys += [(item, "~~", item) for item in ITEMS]
    keys += [(f, "~~", f) for f in ("visual", "textual", "speed")]
    keys += [("visual", "~~", "textual"), ("visual", "~~", "speed"), ("textual", "~~", "speed")]
    keys += [(item, "~1", "") for item in ITEMS]
    return np.array([result.estimate(*key).est for key in keys])


def test_fiml_maximises_the_casewise_likelihood(hs_gaps):
    result = sem(hs_gaps, HS_MODEL, missing="ml")
    assert result.n == 301 and result.dropped == 0
    gaps = int(hs_gaps[ITEMS].isna().any(axis=1).sum())
    assert result.rows_with_gaps == gaps > 100 and result.patterns == 4
    theta = _hs_theta(result)
    assert result.loglik is not None
    assert result.loglik == pytest.approx(_casewise_loglik(hs_gaps, *_hs_moments(theta)), abs=1e-8)

    def minus(values: np.ndarray) -> float:
        try:
            return -_casewise_loglik(hs_gaps, *_hs_moments(values))
        except (ValueError, np.linalg.LinAlgError):
            return 1e10

    start = theta + 0.03 * np.sign(np.sin(np.arange(30.0) + 1))  # a little off the optimum
    found = optimize.minimize(minus, start, method="BFGS", options={"gtol": 1e-7})
    assert -found.fun == pytest.approx(result.loglik, abs=1e-6)  # no higher likelihood
    assert found.x == pytest.approx(theta, abs=2e-4)
    # The chi-square is twice the log-likelihood gap to the saturated model (EM).
    mu, sigma, _ = saturated(patterns(hs_gaps[ITEMS].to_numpy()), 9)
    h1 = _casewise_loglik(hs_gaps, mu, sigma)
    assert result.chi2 == pytest.approx(2 * (h1 - result.loglik), abs=1e-6)
    assert result.df == 24 and 0.9 < (result.cfi or 0) < 1


def test_em_saturated_model_is_the_maximum(hs_gaps):
    values = hs_gaps[["x1", "x5", "x9"]].to_numpy()
    mu, sigma, _ = saturated(patterns(values), 3)
    frame = pd.DataFrame(values, columns=["x1", "x5", "x9"])
    chol = np.linalg.cholesky(sigma)

    def minus(params: np.ndarray) -> float:
        lower = np.zeros((3, 3))
        lower[np.tril_indices(3)] = params[3:]
        present = ~np.isnan(values)
        total = 0.0
        cov = lower @ lower.T
        for mask in np.unique(present, axis=0):
            rows = values[(present == mask).all(axis=1)][:, mask]
            total += (
                sps.multivariate_normal(params[:3][mask], cov[np.ix_(mask, mask)])
                .logpdf(rows)
                .sum()
            )
        return -float(total)

    best = np.concatenate([mu, chol[np.tril_indices(3)]])
    found = optimize.minimize(minus, best + 0.02, method="BFGS", options={"gtol": 1e-8})
    assert found.fun == pytest.approx(minus(best), abs=1e-7)
    assert found.x[:3] == pytest.approx(mu, abs=1e-4)
    assert frame.shape[0] == 301


def test_mediation_as_sem_under_fiml():
    # A simple mediation written as SEM: with complete data the paths are the OLS ones (as in
    # test_sem.test_regression_equals_ols_with_ml_standard_errors); with gaps every row counts.
    rng = np.random.default_rng(41)
    n = 250
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.4 * m + 0.2 * x + rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "m": m, "y": y})
    model = "m ~ x\n y ~ m + x"
    complete = sem(frame, model, missing="ml")
    listwise = sem(frame, model)
    for key in (("m", "~", "x"), ("y", "~", "m"), ("y", "~", "x")):
        assert complete.estimate(*key).est == pytest.approx(listwise.estimate(*key).est, abs=1e-9)
        assert complete.estimate(*key).se == pytest.approx(listwise.estimate(*key).se, abs=1e-9)
    gappy = frame.copy()
    gappy.loc[rng.random(n) < 0.15, "m"] = np.nan
    gappy.loc[rng.random(n) < 0.15, "y"] = np.nan
    result = sem(gappy, model, missing="ml")
    assert result.n == n and result.rows_with_gaps == int(gappy.isna().any(axis=1).sum())
    a, b = result.estimate("m", "~", "x").est, result.estimate("y", "~", "m").est
    assert 0.3 < a < 0.7 and 0.2 < b < 0.6
    assert sem(gappy, model).n < n  # listwise loses the rows FIML keeps


def test_rows_with_nothing_are_dropped_and_bad_input_is_refused():
    rng = np.random.default_rng(5)
    factor = rng.normal(size=(60, 1))
    frame = pd.DataFrame(factor + rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    frame.loc[[0, 1], :] = np.nan
    frame.loc[[2, 3, 4], "a"] = np.nan
    result = sem(frame, "f =~ a + b + c", missing="ml")
    assert result.n == 58 and result.dropped == 2 and result.rows_with_gaps == 3
    out = result.to_dict()
    assert out["missing"] == "ml" and out["rows_with_gaps"] == 3 and out["dropped"] == 2
    assert sem(frame, "f =~ a + b + c").to_dict()["missing"] == "listwise"
    apart = frame.copy()
    apart.loc[:29, "a"] = np.nan
    apart.loc[30:, "b"] = np.nan
    with pytest.raises(StatsError, match="'a' and 'b' are never observed together") as caught:
        sem(apart, "f =~ a + b + c", missing="ml")
    assert "\n" not in str(caught.value)
    with pytest.raises(StatsError, match="missing must be one of listwise, ml"):
        sem(frame, "f =~ a + b + c", missing="pairwise")
    with pytest.raises(StatsError, match="too few rows"):
        sem(frame.iloc[:6], "f =~ a + b + c", missing="ml")
    flat = frame.assign(c=1.0)
    with pytest.raises(StatsError, match="column 'c' has zero variance"):
        sem(flat, "f =~ a + b + c", missing="ml")
    with pytest.raises(StatsError, match="not identified"):
        sem(frame, "f =~ a + b", missing="ml")


def test_cli_sem_missing_ml(tmp_path, hs_gaps, capsys):
    data = tmp_path / "hs.csv"
    hs_gaps[ITEMS].to_csv(data, index=False)
    assert cli.main(["sem", str(data), "--model", HS_MODEL, "--missing", "ml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missing"] == "ml" and out["n"] == 301 and out["rows_with_gaps"] > 100
    assert out["patterns"] == 4 and out["df"] == 24
    assert {"lhs": "visual", "op": "~1", "rhs": "", "est": 0.0, "se": None} in out["estimates"]
    assert cli.main(["sem", str(data), "--model", HS_MODEL, "--missing", "ml"]) == 0
    text = capsys.readouterr().out
    assert "full-information ML" in text and "rows with gaps kept" in text and "x1 ~1" in text
    assert cli.main(["sem", str(data), "--model", HS_MODEL]) == 0
    assert "incomplete rows left out" in capsys.readouterr().out
