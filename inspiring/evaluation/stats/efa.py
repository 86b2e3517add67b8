"""Exploratory factor analysis: ML or minres extraction, varimax, oblimin or geomin rotation.

Missing data: listwise deletion (a row missing any item is left out); `n` is the number of
complete rows. The analysis is of the items' correlation matrix R (p items, K factors).

Extraction
----------
ml      Maximum likelihood as R's `factanal` (and `psych::fa(fm="ml")`): the uniquenesses ψ
        minimise the Wishart discrepancy concentrated over the loadings,
        F(ψ) = Σ_{j>K} (θ_j - log θ_j - 1), θ_j the eigenvalues of Ψ^-1/2 R Ψ^-1/2, by
        L-BFGS-B with ψ in [0.005, 1] (the fitter of `reliability.ml_factor`). Reported
        uniquenesses are ψ, as `factanal` reports them.
minres  Minimum residual (unweighted least squares), as `psych::fa(fm="minres")`: ψ minimises
        the sum of squared off-diagonal residuals of R - ΛΛ', with Λ the top-K eigenpairs of
        R - Ψ (λ_j^1/2 v_j). Minimising the full residual sum of squares over ψ gives the
        same solution (at the optimum the diagonal residuals vanish), and that is what is
        minimised, with gradient -2·diag(R - Ψ - ΛΛ'), ψ in [0.005, 1] (psych's bounds).
        Reported uniquenesses are 1 - h², h² the communalities, as psych reports u2.

Fit statistic: the Bartlett-corrected likelihood-ratio chi-square of `factanal`,

    chi2 = (n - 1 - (2p + 5)/6 - 2K/3) · F,   df = ((p - K)² - (p + K)) / 2,

F = log det Σ - log det R + tr(Σ⁻¹R) - p with Σ = ΛΛ' + diag(u) the model-implied
correlation matrix. For ml this F is the minimised discrepancy. For minres the same statistic is
computed from the minres solution (as psych does): it is not the likelihood-ratio statistic,
only the ML discrepancy of a least-squares solution, and never smaller than the ML one.
The same fit in lavaan's convention (``lavaan::efa()``, or ``cfa()`` of an EFA-equivalent
model, with the default ``likelihood = "normal"``) is the uncorrected N·F, reported beside it:

    chi2_uncorrected = n · F,   on the same df,

lavaan's test statistic 2N·F_lavaan with F_lavaan = F/2 (Rosseel, 2012, and lavaan's
``lavOptions``: with "normal" likelihood the statistic uses N; with "wishart" it would use
N - 1). `chi2` stays factanal's corrected value; `chi2_statistic` and
`chi2_uncorrected_statistic` in the output say which is which. For a one-factor model,
chi2_uncorrected equals the chi-square of `sem.sem` (as lavaan) for the same model.
K factors are refused when df < 0 (too many factors for p items). With df = 0 the p-value is
not defined and is reported as None.

Rotation
--------
Gradient projection (GPA) of Bernaards & Jennrich (2005), as R's GPArotation: orthogonal
(GPForth) for varimax, oblique (GPFoblq) for oblimin and geomin, from the identity, with
their line search, until the projected gradient's Frobenius norm is below 1e-7
(GPArotation's default is 1e-5). Criteria (GPArotation's vgQ functions):

    varimax   Q = -¼ ‖L² - 1·colmeans(L²)‖²                     (orthogonal)
    oblimin   Q = ¼ Σ (L² ∘ L²N), N = 1 - I, gamma = 0 (quartimin)  (oblique)
    geomin    Q = Σ_i exp(1/K Σ_j log(L_ij² + ε)), ε = 0.01    (oblique, psych's default)

Kaiser normalisation is OFF by default (`normalize=False`), as GPArotation, psych's oblimin
and geomin, and statsmodels' `rotate_factors`; with `normalize=True` the rows are divided by
√h² before rotating and multiplied back after (as `stats::varimax`, which `factanal` uses).
Oblique rotations give pattern loadings L = A (T')⁻¹ and the factor correlations Φ = T'T.

Reporting conventions: factors are ordered by the variance they explain (column sums of
squared loadings; for oblique rotations diag(Φ L'L), psych's order) and each factor's sign is
set so that its loadings sum positive (Φ is reflected with it). With one factor no rotation
is done. `converged` reports the extraction; `rotation_converged` the rotation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize
from scipy import stats as sps

from ._data import check_names, check_variance, complete_matrix
from .errors import StatsError
from .reliability import UNIQUENESS_LOWER_BOUND, _correlation, ml_factor

METHODS = ("ml", "minres")
ROTATIONS = ("varimax", "oblimin", "geomin", "none")
OBLIQUE = ("oblimin", "geomin")
GEOMIN_EPSILON = 0.01
ROTATION_TOLERANCE = 1e-7
ROTATION_MAX_ITER = 5000

Criterion = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class EFAResult:
    """An exploratory factor solution of `items` (correlation metric)."""

    n: int
    items: tuple[str, ...]
    factors: int
    method: str
    rotation: str
    normalize: bool
    chi2: float
    df: int
    p: float | None
    objective: float
    chi2_uncorrected: float
    p_uncorrected: float | None
    uniquenesses: dict[str, float]
    loadings: dict[str, list[float]]
    phi: list[list[float]] | None
    variance: list[float]
    converged: bool
    rotation_converged: bool
    heywood: bool
    dropped: int
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "chi2": self.chi2,
            "df": self.df,
            "p": self.p,
            "chi2_uncorrected": self.chi2_uncorrected,
            "p_uncorrected": self.p_uncorrected,
            "method": self.method,
            "rotation": self.rotation,
            "kaiser_normalization": self.normalize,
            "uniquenesses": dict(self.uniquenesses),
            "loadings": {item: list(row) for item, row in self.loadings.items()},
        }
        if self.phi is not None:
            out["phi"] = [list(row) for row in self.phi]
        out["chi2_statistic"] = (
            "likelihood ratio (Bartlett-corrected, as factanal)"
            if self.method == "ml"
            else "ML discrepancy of the minres solution, Bartlett-corrected (not an LR test)"
        )
        out["chi2_uncorrected_statistic"] = (
            "N·F, uncorrected, as lavaan (likelihood = normal)"
            if self.method == "ml"
            else "N·F of the minres solution, uncorrected (not an LR test)"
        )
        out["converged"] = self.converged and self.rotation_converged
        out["heywood"] = self.heywood
        return out


# ---------------------------------------------------------------------------------------------
# Extraction


def _minres_loadings(psi: np.ndarray, corr: np.ndarray, q: int) -> np.ndarray:
    reduced = corr - np.diag(psi)
    values, vectors = np.linalg.eigh(reduced)
    order = np.argsort(values)[::-1][:q]
    return np.asarray(vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0))[None, :])


def minres_factor(corr: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Minres (ULS) factor analysis of a correlation matrix: (loadings, uniquenesses 1 - h²,
    converged). Start at ψ = 1 - SMC, as psych."""
    p = corr.shape[0]
    q = n_factors

    def objective(psi: np.ndarray) -> float:
        loads = _minres_loadings(psi, corr, q)
        residual = corr - np.diag(psi) - loads @ loads.T
        return float(np.sum(residual**2))

    def gradient(psi: np.ndarray) -> np.ndarray:
        loads = _minres_loadings(psi, corr, q)
        return np.asarray(-2.0 * np.diag(corr - np.diag(psi) - loads @ loads.T))

    smc = 1.0 - 1.0 / np.diag(np.linalg.inv(corr))
    start = np.clip(1.0 - smc, UNIQUENESS_LOWER_BOUND, 1.0)
    found = optimize.minimize(
        objective,
        start,
        jac=gradient,
        method="L-BFGS-B",
        bounds=[(UNIQUENESS_LOWER_BOUND, 1.0)] * p,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-11},
    )
    psi = np.asarray(found.x, dtype=np.float64)
    slope = gradient(psi)
    slope[(psi <= UNIQUENESS_LOWER_BOUND * (1 + 1e-9)) & (slope > 0)] = 0.0
    slope[(psi >= 1.0 - 1e-12) & (slope < 0)] = 0.0
    loads = _minres_loadings(psi, corr, q)
    converged = bool(found.success) or float(np.abs(slope).max()) < 1e-6
    return loads, 1.0 - np.sum(loads**2, axis=1), converged


def discrepancy(corr: np.ndarray, loadings: np.ndarray, uniquenesses: np.ndarray) -> float:
    """The ML (Wishart) discrepancy F of the model ΛΛ' + diag(u) for the correlation matrix."""
    implied = loadings @ loadings.T + np.diag(uniquenesses)
    sign_i, logdet_i = np.linalg.slogdet(implied)
    sign_r, logdet_r = np.linalg.slogdet(corr)
    if sign_i <= 0 or sign_r <= 0:
        return float("nan")
    p = corr.shape[0]
    return float(logdet_i - logdet_r + np.trace(np.linalg.solve(implied, corr)) - p)


def degrees_of_freedom(p: int, k: int) -> int:
    return ((p - k) ** 2 - (p + k)) // 2


def uncorrected_chi2(n: int, objective: float) -> float:
    """lavaan's statistic N · F (likelihood = "normal")."""
    return n * objective


def bartlett_chi2(n: int, p: int, k: int, objective: float) -> float:
    """factanal's Bartlett-corrected statistic (n - 1 - (2p + 5)/6 - 2K/3) · F."""
    return (n - 1 - (2 * p + 5) / 6 - 2 * k / 3) * objective


# ---------------------------------------------------------------------------------------------
# Rotation criteria: value and gradient with respect to L (GPArotation's vgQ.*)


def varimax_criterion(loadings: np.ndarray) -> tuple[float, np.ndarray]:
    squared = loadings**2
    centred = squared - squared.mean(axis=0, keepdims=True)
    return -float(np.sum(centred**2)) / 4.0, -loadings * centred


def oblimin_criterion(loadings: np.ndarray, gamma: float = 0.0) -> tuple[float, np.ndarray]:
    p, k = loadings.shape
    squared = loadings**2
    cross = squared @ (np.ones((k, k)) - np.eye(k))
    if gamma != 0:
        cross = (np.eye(p) - gamma / p * np.ones((p, p))) @ cross
    return float(np.sum(squared * cross)) / 4.0, loadings * cross


def geomin_criterion(
    loadings: np.ndarray, epsilon: float = GEOMIN_EPSILON
) -> tuple[float, np.ndarray]:
    k = loadings.shape[1]
    shifted = loadings**2 + epsilon
    product = np.exp(np.log(shifted).sum(axis=1) / k)
    return float(product.sum()), (2.0 / k) * loadings / shifted * product[:, None]


CRITERIA: dict[str, Criterion] = {
    "varimax": varimax_criterion,
    "oblimin": oblimin_criterion,
    "geomin": geomin_criterion,
}


@dataclass(frozen=True)
class Rotated:
    loadings: np.ndarray
    rotation: np.ndarray  # T
    phi: np.ndarray | None
    criterion: float
    converged: bool
    iterations: int


def gpa_orthogonal(
    a: np.ndarray,
    criterion: Criterion,
    *,
    tol: float = ROTATION_TOLERANCE,
    max_iter: int = ROTATION_MAX_ITER,
) -> Rotated:
    """GPForth (Bernaards & Jennrich, 2005): minimise criterion(A T) over orthogonal T."""
    t = np.eye(a.shape[1])
    value, grad_l = criterion(a @ t)
    gradient = a.T @ grad_l
    step = 1.0
    converged = False
    iteration = 0
    for iteration in range(max_iter + 1):  # noqa: B007
        m = t.T @ gradient
        projected = gradient - t @ ((m + m.T) / 2)
        size = float(np.linalg.norm(projected))
        if size < tol:
            converged = True
            break
        step *= 2
        for _ in range(11):
            u, _s, vt = np.linalg.svd(t - step * projected)
            candidate = u @ vt
            new_value, new_grad_l = criterion(a @ candidate)
            if new_value < value - 0.5 * size**2 * step:
                break
            step /= 2
        t, value = candidate, new_value
        gradient = a.T @ new_grad_l
    return Rotated(a @ t, t, None, value, converged, iteration)


def gpa_oblique(
    a: np.ndarray,
    criterion: Criterion,
    *,
    tol: float = ROTATION_TOLERANCE,
    max_iter: int = ROTATION_MAX_ITER,
) -> Rotated:
    """GPFoblq (Bernaards & Jennrich, 2005): minimise criterion(A (T')⁻¹) over T with unit
    columns; the factor correlations are Φ = T'T."""
    t = np.eye(a.shape[1])
    loads = a @ np.linalg.inv(t).T
    value, grad_l = criterion(loads)
    gradient = -(loads.T @ grad_l @ np.linalg.inv(t)).T
    step = 1.0
    converged = False
    iteration = 0
    for iteration in range(max_iter + 1):  # noqa: B007
        projected = gradient - t * np.sum(t * gradient, axis=0)[None, :]
        size = float(np.linalg.norm(projected))
        if size < tol:
            converged = True
            break
        step *= 2
        for _ in range(11):
            moved = t - step * projected
            candidate = moved / np.sqrt(np.sum(moved**2, axis=0))[None, :]
            new_loads = a @ np.linalg.inv(candidate).T
            new_value, new_grad_l = criterion(new_loads)
            if new_value < value - 0.5 * size**2 * step:
                break
            step /= 2
        t, value, loads = candidate, new_value, new_loads
        gradient = -(loads.T @ new_grad_l @ np.linalg.inv(t)).T
    return Rotated(loads, t, t.T @ t, value, converged, iteration)


def rotate(a: np.ndarray, rotation: str, *, normalize: bool = False) -> Rotated:
    """Rotate the loadings `a` (p x K) by GPA; `normalize` applies Kaiser normalisation."""
    if rotation not in ROTATIONS:
        raise StatsError(f"unknown rotation '{rotation}' (one of {', '.join(ROTATIONS)})")
    k = a.shape[1]
    oblique = rotation in OBLIQUE
    if rotation == "none" or k == 1:
        phi = np.eye(k) if oblique else None
        return Rotated(a.copy(), np.eye(k), phi, float("nan"), True, 0)
    weights = np.sqrt(np.sum(a**2, axis=1)) if normalize else np.ones(a.shape[0])
    weights = np.where(weights > 0, weights, 1.0)
    scaled = a / weights[:, None]
    fit = (gpa_oblique if oblique else gpa_orthogonal)(scaled, CRITERIA[rotation])
    return Rotated(
        fit.loadings * weights[:, None],
        fit.rotation,
        fit.phi,
        fit.criterion,
        fit.converged,
        fit.iterations,
    )


def _arrange(loadings: np.ndarray, phi: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Order the factors by explained variance, then make each factor's loading sum positive."""
    if phi is None:
        variance = np.sum(loadings**2, axis=0)
    else:
        variance = np.diag(phi @ loadings.T @ loadings)
    order = np.argsort(-variance, kind="stable")
    loadings = loadings[:, order]
    signs = np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    loadings = loadings * signs[None, :]
    if phi is not None:
        phi = phi[np.ix_(order, order)] * np.outer(signs, signs)
    return loadings, phi


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorSolution:
    """The arrays of an EFA of a correlation matrix."""

    loadings: np.ndarray
    uniquenesses: np.ndarray
    phi: np.ndarray | None
    objective: float
    chi2: float
    df: int
    p: float | None
    converged: bool
    rotation_converged: bool
    chi2_uncorrected: float = float("nan")
    p_uncorrected: float | None = None


def _check_options(method: str, rotation: str, factors: int, p: int) -> None:
    if method not in METHODS:
        raise StatsError(f"unknown method '{method}' (one of {', '.join(METHODS)})")
    if rotation not in ROTATIONS:
        raise StatsError(f"unknown rotation '{rotation}' (one of {', '.join(ROTATIONS)})")
    if isinstance(factors, bool) or not isinstance(factors, int | np.integer) or factors < 1:
        raise StatsError(f"the number of factors must be a whole number ≥ 1, not {factors}")
    df = degrees_of_freedom(p, int(factors))
    if df < 0:
        most = max(k for k in range(0, p) if degrees_of_freedom(p, k) >= 0)
        raise StatsError(
            f"{factors} factors are too many for {p} items (df = {df} < 0);"
            f" at most {most} can be fitted"
        )


def efa_correlation(
    corr: np.ndarray,
    n: int,
    factors: int,
    *,
    method: str = "ml",
    rotation: str = "varimax",
    normalize: bool = False,
) -> FactorSolution:
    """EFA of a correlation matrix from `n` observations (see the module docstring)."""
    corr = np.asarray(corr, dtype=np.float64)
    p = corr.shape[0]
    _check_options(method, rotation, factors, p)
    k = int(factors)
    if method == "ml":
        fit = ml_factor(corr, k)
        unrotated, uniquenesses, converged = fit.loadings, fit.uniquenesses, fit.converged
    else:
        unrotated, uniquenesses, converged = minres_factor(corr, k)
    objective = discrepancy(corr, unrotated, uniquenesses)
    df = degrees_of_freedom(p, k)
    chi2 = bartlett_chi2(n, p, k, objective)
    p_value = float(sps.chi2.sf(chi2, df)) if df > 0 and np.isfinite(chi2) else None
    plain = uncorrected_chi2(n, objective)
    p_plain = float(sps.chi2.sf(plain, df)) if df > 0 and np.isfinite(plain) else None
    rotated = rotate(unrotated, rotation, normalize=normalize)
    loadings, phi = _arrange(rotated.loadings, rotated.phi)
    return FactorSolution(
        loadings=loadings,
        uniquenesses=uniquenesses,
        phi=phi,
        objective=objective,
        chi2=float(chi2),
        df=df,
        p=p_value,
        converged=converged,
        rotation_converged=rotated.converged,
        chi2_uncorrected=float(plain),
        p_uncorrected=p_plain,
    )


def efa(
    df: Any,
    items: Sequence[str],
    factors: int = 1,
    method: str = "ml",
    rotation: str = "varimax",
    *,
    normalize: bool = False,
) -> EFAResult:
    """Exploratory factor analysis of `items` (columns of `df`), listwise deletion.

    `method` "ml" (as factanal) or "minres" (as psych::fa); `rotation` "varimax", "oblimin"
    (quartimin, oblique), "geomin" (ε = 0.01, oblique) or "none"; `normalize` turns Kaiser
    normalisation on (off by default). See the module docstring for the conventions.
    """
    names = check_names(items, "items")
    if len(names) < 3:
        raise StatsError("at least 3 items are needed for a factor analysis")
    _check_options(method, rotation, factors, len(names))
    matrix, dropped = complete_matrix(df, names, min_rows=len(names) + 2, what="items")
    check_variance(matrix, names)
    cov, sd = _correlation(matrix, names)
    n = int(matrix.shape[0])
    solution = efa_correlation(
        cov / np.outer(sd, sd),
        n,
        int(factors),
        method=method,
        rotation=rotation,
        normalize=normalize,
    )
    notes = []
    heywood = bool((solution.uniquenesses <= UNIQUENESS_LOWER_BOUND * (1 + 1e-6)).any())
    if heywood:
        notes.append("a uniqueness is at its lower bound (Heywood case): read with care")
    if not solution.converged:
        notes.append("the extraction did not fully converge")
    if not solution.rotation_converged:
        notes.append("the rotation did not fully converge")
    variance = (
        np.sum(solution.loadings**2, axis=0)
        if solution.phi is None
        else np.diag(solution.phi @ solution.loadings.T @ solution.loadings)
    )
    return EFAResult(
        n=n,
        items=tuple(names),
        factors=int(factors),
        method=method,
        rotation=rotation,
        normalize=normalize,
        chi2=solution.chi2,
        df=solution.df,
        p=solution.p,
        objective=solution.objective,
        chi2_uncorrected=solution.chi2_uncorrected,
        p_uncorrected=solution.p_uncorrected,
        uniquenesses=dict(zip(names, map(float, solution.uniquenesses), strict=True)),
        loadings={
            name: [float(x) for x in row]
            for name, row in zip(names, solution.loadings, strict=True)
        },
        phi=None if solution.phi is None else [[float(x) for x in row] for row in solution.phi],
        variance=[float(v) for v in variance],
        converged=solution.converged,
        rotation_converged=solution.rotation_converged,
        heywood=heywood,
        dropped=dropped,
        notes=tuple(notes),
    )
