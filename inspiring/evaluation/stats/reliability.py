"""Reliability of a scale: Cronbach's alpha with Feldt's interval, and McDonald's omega total.

Missing data: both statistics use listwise deletion (a row missing any item is left out);
`n` is the number of complete rows used.

Cronbach's alpha
----------------
For k items with sample variances s_i² and total-score sample variance s_T² (ddof = 1):

    alpha = k / (k - 1) · (1 - Σ s_i² / s_T²)          (Cronbach, 1951)

Confidence interval: Feldt's F-based interval (Feldt, Woodruff & Salih, 1987). With
n rows, df1 = n - 1, df2 = (n - 1)(k - 1) and level 1 - g (g = 1 - confidence):

    lower = 1 - (1 - alpha) · F⁻¹(1 - g/2; df1, df2)
    upper = 1 - (1 - alpha) · F⁻¹(g/2; df1, df2)

This is the interval of `psych::alpha` (R) and `pingouin.cronbach_alpha`.

McDonald's omega total
----------------------
A one-factor model x = μ + λ·f + e, Var(f) = 1, Cov(e) = Ψ diagonal, is fitted by maximum
likelihood. The ML estimates are those of R's `factanal`: the uniquenesses ψ (of the
correlation matrix R) minimise

    F(ψ) = Σ_{j>1} (θ_j - log θ_j - 1),   θ_j the eigenvalues of Ψ^-1/2 R Ψ^-1/2,

with λ = Ψ^1/2 v_1 sqrt(max(θ_1 - 1, 0)) (Jöreskog, 1967; Lawley & Maxwell, 1971), by
L-BFGS-B with the analytic gradient and uniquenesses bounded below by 0.005 (as `factanal`).
ML is scale-free, so the covariance-metric solution (the raw total score's metric) is
λ_i · s_i and ψ_i · s_i², with s_i the items' standard deviations. Then

    omega          = (Σ|λ_i|)² / ((Σ|λ_i|)² + Σ ψ_i)     model-implied total-score variance
    omega_observed = (Σ|λ_i|)² / Var(Σ s_i x_i)          observed total-score variance

(McDonald, 1999; the two denominators as in Revelle & Zinbarg, 2009, and Flora, 2020).
They coincide when the one-factor model fits exactly.

Reverse-keyed items: the factor's sign is set so that most of the loading sum is positive;
an item with a negative loading is treated as reverse-keyed, i.e. as scored in the opposite
direction in the total (s_i = -1), which is what using |λ_i| in the numerator means. Those
items are reported in `reversed`. Reverse such items before scoring, so that the scored total
is the one whose reliability is reported.

Omega from a fitted CFA (composite reliability, as semTools' ``compRelSEM``)
------------------------------------------------------------------------------
`model_omega` fits a lavaan-style model by ML (`sem.sem`, divisor N as lavaan) and, for each
factor f measured by observed items I_f (the unit-weighted sum of those items as scored),

    omega_f          = (Σ_{i∈I_f} λ_if)² · φ_ff / 1ᵀ Σ̂[I_f, I_f] 1    model-implied
    omega_observed_f = (Σ_{i∈I_f} λ_if)² · φ_ff / 1ᵀ S[I_f, I_f] 1    observed

with λ_if the loadings on f (a cross-loading on another factor counts for that factor only),
φ_ff the model-implied variance of f (its total variance when f is an outcome of
regressions), Σ̂ = F (I - A)⁻¹ S_θ (I - A)⁻ᵀ Fᵀ the model-implied covariance matrix (so
correlated residuals and cross-loadings enter the denominator) and S the sample covariance
matrix with divisor N (lavaan's ``sampstat``). The numerator is the variance of the sum that
f explains (Raykov, 1997; Bentler, 2009). `omega_observed` is ``compRelSEM``'s default
(``obs.var = TRUE``; ``omega3`` of the older ``semTools::reliability``), `omega` is
``compRelSEM(obs.var = FALSE)`` (``omega``/``omega2`` there). As semTools, the loadings are
summed with their signs: reverse-score negatively keyed items before fitting. For a one-factor
model both equal `mcdonald_omega`'s (ML is scale-free, so divisor N or N - 1 does not matter),
unless a uniqueness is at factanal's lower bound. Factors measured by other factors (a
higher-order factor) or by a single item are not given an omega and are listed in `skipped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize
from scipy import stats as sps

from ._data import check_confidence, check_names, check_variance, complete_matrix
from .errors import StatsError
from .sem import SemResult, sem

UNIQUENESS_LOWER_BOUND = 0.005


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of `k` items over `n` complete rows, with Feldt's interval."""

    n: int
    k: int
    alpha: float
    ci: tuple[float, float]
    confidence: float
    dropped: int
    ci_method: str = "feldt"

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "alpha": self.alpha, "ci": list(self.ci), "ci_method": "feldt"}


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total from a one-factor ML model (loadings in the items' metric)."""

    n: int
    k: int
    omega: float
    omega_observed: float
    loadings: dict[str, float]
    uniquenesses: dict[str, float]
    standardized_loadings: dict[str, float]
    reversed: tuple[str, ...]
    heywood: bool
    converged: bool
    dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "omega": self.omega,
            "omega_observed": self.omega_observed,
            "reversed": list(self.reversed),
        }


def _items_matrix(
    df: Any, items: Sequence[str], reverse: Sequence[str], min_rows: int
) -> tuple[list[str], np.ndarray, int]:
    names = check_names(items, "items")
    if len(names) < 2:
        raise StatsError("at least 2 items are needed")
    matrix, dropped = complete_matrix(df, names, min_rows=min_rows, what="items")
    check_variance(matrix, names)
    for name in check_names(reverse, "reverse-keyed items") if reverse else []:
        if name not in names:
            raise StatsError(f"reverse-keyed item '{name}' is not among the items")
        matrix[:, names.index(name)] *= -1.0  # reflection: variances and |covariances| unchanged
    return names, matrix, dropped


def cronbach_alpha(
    df: Any,
    items: Sequence[str],
    *,
    reverse: Sequence[str] = (),
    confidence: float = 0.95,
) -> AlphaResult:
    """Cronbach's alpha of `items` (columns of `df`) with Feldt's confidence interval.

    Listwise deletion; `reverse` names reverse-keyed items, which are reflected first (for
    alpha, x -> -x is the same as x -> min + max - x). See the module docstring for formulas.
    """
    level = check_confidence(confidence)
    _, matrix, dropped = _items_matrix(df, items, reverse, min_rows=3)
    n, k = matrix.shape
    item_var = matrix.var(axis=0, ddof=1)
    total_var = matrix.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        raise StatsError("the total score has zero variance")
    alpha = k / (k - 1) * (1.0 - item_var.sum() / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1.0 - level
    lower = 1.0 - (1.0 - alpha) * sps.f.ppf(1.0 - gamma / 2, df1, df2)
    upper = 1.0 - (1.0 - alpha) * sps.f.ppf(gamma / 2, df1, df2)
    return AlphaResult(
        n=n,
        k=k,
        alpha=float(alpha),
        ci=(float(lower), float(upper)),
        confidence=level,
        dropped=dropped,
    )


@dataclass(frozen=True)
class FactorFit:
    """An ML factor solution of a correlation matrix."""

    loadings: np.ndarray  # p x q, standardized metric
    uniquenesses: np.ndarray  # p, standardized metric
    objective: float  # F_ML at the solution
    converged: bool


def _loadings_for(psi: np.ndarray, corr: np.ndarray, q: int) -> np.ndarray:
    scale = 1.0 / np.sqrt(psi)
    values, vectors = np.linalg.eigh(corr * np.outer(scale, scale))
    order = np.argsort(values)[::-1][:q]
    top = np.sqrt(np.maximum(values[order] - 1.0, 0.0))
    return np.sqrt(psi)[:, None] * vectors[:, order] * top[None, :]


def ml_factor(corr: np.ndarray, n_factors: int = 1) -> FactorFit:
    """Maximum-likelihood factor analysis of a correlation matrix, as R's `factanal`
    (Jöreskog's concentrated likelihood in the uniquenesses, L-BFGS-B, ψ ≥ 0.005)."""
    p = corr.shape[0]
    q = n_factors

    def objective(psi: np.ndarray) -> float:
        scale = 1.0 / np.sqrt(psi)
        values = np.linalg.eigvalsh(corr * np.outer(scale, scale))[::-1][q:]
        return float(np.sum(values - np.log(values)) - (p - q))

    def gradient(psi: np.ndarray) -> np.ndarray:
        loads = _loadings_for(psi, corr, q)
        implied = loads @ loads.T + np.diag(psi) - corr
        return np.asarray(np.diag(implied) / psi**2)

    inverse = np.linalg.inv(corr)
    start = np.clip((1.0 - 0.5 * q / p) / np.diag(inverse), UNIQUENESS_LOWER_BOUND, 1.0)
    found = optimize.minimize(
        objective,
        start,
        jac=gradient,
        method="L-BFGS-B",
        bounds=[(UNIQUENESS_LOWER_BOUND, 1.0)] * p,
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-10},
    )
    psi = np.asarray(found.x, dtype=np.float64)
    # L-BFGS-B stops "abnormally" when an exact fit leaves nothing to reduce (3 items, one
    # factor): judge convergence by the projected gradient instead.
    slope = gradient(psi)
    at_lower = psi <= UNIQUENESS_LOWER_BOUND * (1 + 1e-9)
    at_upper = psi >= 1.0 - 1e-12
    slope[(at_lower & (slope > 0)) | (at_upper & (slope < 0))] = 0.0
    return FactorFit(
        loadings=_loadings_for(psi, corr, q),
        uniquenesses=psi,
        objective=float(found.fun),
        converged=bool(found.success) or float(np.abs(slope).max()) < 1e-6,
    )


def _correlation(matrix: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    cov = np.cov(matrix, rowvar=False, ddof=1)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    if np.linalg.eigvalsh(corr).min() <= 1e-10:
        raise StatsError(
            "the items' correlation matrix is singular (an item is a linear combination of"
            " others, or there are too few rows)"
        )
    return cov, sd


def mcdonald_omega(df: Any, items: Sequence[str], *, reverse: Sequence[str] = ()) -> OmegaResult:
    """McDonald's omega total of `items` from a one-factor ML model (listwise deletion).

    Returns `omega` (model-implied total-score variance in the denominator) and
    `omega_observed` (observed total-score variance). Items with negative loadings are treated
    as reverse-keyed and listed in `reversed`; items named in `reverse` are reflected first.
    See the module docstring for the formulas and references.
    """
    names = check_names(items, "items")
    if len(names) < 3:
        raise StatsError("at least 3 items are needed for a one-factor model")
    names, matrix, dropped = _items_matrix(df, names, reverse, min_rows=len(names) + 2)
    n, k = matrix.shape
    cov, sd = _correlation(matrix, names)
    fit = ml_factor(cov / np.outer(sd, sd), 1)
    std_loadings = fit.loadings[:, 0]
    if std_loadings.sum() < 0:
        std_loadings = -std_loadings
    loadings = std_loadings * sd
    uniquenesses = fit.uniquenesses * sd**2
    signs = np.where(loadings < 0, -1.0, 1.0)
    common = float(np.abs(loadings).sum() ** 2)
    omega = common / (common + float(uniquenesses.sum()))
    observed_total_var = float(signs @ cov @ signs)
    omega_observed = common / observed_total_var
    return OmegaResult(
        n=n,
        k=k,
        omega=omega,
        omega_observed=omega_observed,
        loadings=dict(zip(names, map(float, loadings), strict=True)),
        uniquenesses=dict(zip(names, map(float, uniquenesses), strict=True)),
        standardized_loadings=dict(zip(names, map(float, std_loadings), strict=True)),
        reversed=tuple(name for name, s in zip(names, signs, strict=True) if s < 0),
        heywood=bool((fit.uniquenesses <= UNIQUENESS_LOWER_BOUND * (1 + 1e-6)).any()),
        converged=fit.converged,
        dropped=dropped,
    )


@dataclass(frozen=True)
class FactorOmega:
    """Composite reliability of one factor's items in a fitted model (see the module docstring)."""

    factor: str
    items: tuple[str, ...]
    omega: float
    omega_observed: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "omega": self.omega,
            "omega_observed": self.omega_observed,
        }


@dataclass(frozen=True)
class ModelOmegaResult:
    """Omega per factor of a CFA/SEM fitted by ML, with the fit it comes from."""

    n: int
    factors: dict[str, FactorOmega]
    skipped: dict[str, str]
    fit: SemResult
    dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "factors": {name: factor.to_dict() for name, factor in self.factors.items()},
            "skipped": dict(self.skipped),
            "fit": {
                "chi2": self.fit.chi2,
                "df": self.fit.df,
                "pvalue": self.fit.pvalue,
                "cfi": self.fit.cfi,
                "tli": self.fit.tli,
                "rmsea": self.fit.rmsea,
                "srmr": self.fit.srmr,
            },
            "omega_denominator": "model-implied variance of the sum of the factor's items",
            "omega_observed_denominator": "observed variance (divisor N) of that sum",
        }


def implied_covariance(fit: SemResult) -> tuple[np.ndarray, list[str]]:
    """The model-implied covariance matrix of every variable (observed, then latent) of a
    fitted model, C = (I - A)⁻¹ S (I - A)⁻ᵀ, rebuilt from its estimates."""
    names = [*fit.observed, *fit.latent]
    index = {name: i for i, name in enumerate(names)}
    m = len(names)
    a = np.zeros((m, m))
    s = np.zeros((m, m))
    for e in fit.estimates:
        if e.op == "=~":
            a[index[e.rhs], index[e.lhs]] = e.est
        elif e.op == "~":
            a[index[e.lhs], index[e.rhs]] = e.est
        elif e.op == "~~":
            s[index[e.lhs], index[e.rhs]] = s[index[e.rhs], index[e.lhs]] = e.est
        # intercepts ("~1", a mean structure) do not enter the covariances
    b = np.linalg.inv(np.eye(m) - a)
    return b @ s @ b.T, names


def model_omega(df: Any, model: str) -> ModelOmegaResult:
    """Omega (model-implied denominator) and omega_observed (observed denominator) for each
    factor of the lavaan-style `model`, fitted to `df` by ML (listwise deletion).

    The values are those of semTools' ``compRelSEM(fit, obs.var = FALSE)`` and
    ``compRelSEM(fit)``. See the module docstring for the formulas.
    """
    fit = sem(df, model)
    observed = list(fit.observed)
    if not fit.latent:
        raise StatsError("the model has no factors ('f =~ x1 + x2 + x3'): nothing to give omega")
    matrix, _ = complete_matrix(df, observed, min_rows=1, what="model's observed variables")
    sample = np.cov(matrix, rowvar=False, ddof=0).reshape(len(observed), len(observed))
    implied, names = implied_covariance(fit)
    index = {name: i for i, name in enumerate(names)}
    factors: dict[str, FactorOmega] = {}
    skipped: dict[str, str] = {}
    for factor in fit.latent:
        loadings = [e for e in fit.estimates if e.op == "=~" and e.lhs == factor]
        if any(e.rhs in fit.latent for e in loadings):
            skipped[factor] = "measured by other factors (higher-order): no omega of items"
            continue
        items = [e.rhs for e in loadings if e.est != 0.0]
        if len(items) < 2:
            skipped[factor] = "fewer than 2 items load on it"
            continue
        rows = [index[item] for item in items]
        common = float(sum(e.est for e in loadings if e.rhs in items)) ** 2
        common *= float(implied[index[factor], index[factor]])
        model_total = float(implied[np.ix_(rows, rows)].sum())
        observed_total = float(sample[np.ix_(rows, rows)].sum())
        factors[factor] = FactorOmega(
            factor=factor,
            items=tuple(items),
            omega=common / model_total,
            omega_observed=common / observed_total,
        )
    return ModelOmegaResult(n=fit.n, factors=factors, skipped=skipped, fit=fit, dropped=fit.dropped)
