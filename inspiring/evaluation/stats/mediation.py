"""Mediation with one or several parallel mediators and covariates, with bootstrap intervals
for the indirect effects (Hayes, 2022, model 4).

Models (ordinary least squares, every model with an intercept and the covariates C):

    M_j = i_j + a_j X + C                      (one per mediator)
    Y   = i_Y + c' X + Σ b_j M_j + C           (the direct effect c')
    Y   = i_T + c X + C                        (the total effect c)

Indirect effect through M_j: a_j·b_j; total indirect effect: Σ a_j·b_j (= c - c' with OLS).

Bootstrap: B resamples of the n complete rows, drawn with replacement by
`numpy.random.default_rng(seed).integers(0, n, size=(B, n))` (the same draws as
`scipy.stats.bootstrap(..., paired=True, rng=default_rng(seed))`). The models are refitted
on many resamples at once: a resample is a vector of case counts w, and its normal equations
XᵀWX β = XᵀWy are formed for a batch of resamples by one matrix product and solved together.
The bootstrap standard error is the standard deviation (ddof = 1) of the B estimates.

Confidence intervals at level 1 - g (g = 1 - confidence), from the B bootstrap estimates
θ*_b (quantiles by linear interpolation, numpy's default, as `scipy.stats.bootstrap`):

- ``percentile``: the g/2 and 1 - g/2 quantiles (Efron & Tibshirani, 1993, ch. 13; the
  default of PROCESS since version 3).
- ``bc`` (bias-corrected): quantiles Φ(2 z0 + z_{g/2}) and Φ(2 z0 + z_{1-g/2}) with
  z0 = Φ⁻¹(p), p = (#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B (Efron, 1987; the method of
  `pingouin.mediation_analysis`).
- ``bca`` (bias-corrected and accelerated): quantiles Φ(z0 + (z0 + z)/(1 - a (z0 + z))) for
  z = z_{g/2}, z_{1-g/2}, with the acceleration from the leave-one-out jackknife estimates θ_(i):
  a = Σ (θ̄ - θ_(i))³ / (6 [Σ (θ̄ - θ_(i))²]^{3/2}) (Efron, 1987; Efron & Tibshirani, 1993,
  eq. 14.15; as `scipy.stats.bootstrap(method="BCa")`).

Categorical covariates (a text column, a category column, or one written ``C(g)`` /
``C(g, Treatment('b'))``) enter every model as treatment-coded indicators, one per level but
the reference (the first level in sorted order unless stated, or `reference={"g": "b"}`), as
R's factors and `regression.ols` code them; X, the mediators and Y must be numeric.

p is kept within [1/2B, 1 - 1/2B] so that z0 stays finite. Mediators are modelled linearly
whatever their values (a binary mediator is treated as numeric). Rows missing any variable are
left out (listwise). When no seed is given one is drawn from the operating system and reported,
so every result can be reproduced.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import special
from scipy import stats as sps

from ._data import check_confidence, check_names, check_variance
from .errors import StatsError
from .regression import (
    Coefficient,
    covariance,
    least_squares,
    model_frame,
    read_categorical,
    term_columns,
)

CIMethod = Literal["percentile", "bc", "bca"]
CI_METHODS: tuple[str, ...] = ("percentile", "bc", "bca")
MIN_BOOT = 100
# Resamples per batch: about 40,000 case counts (300 kB) a batch stay in the processor's cache
# and keep each matrix product small enough for one BLAS thread, which is 2-3 times faster
# on a busy machine than one large product (measured with n = 388, B = 5000).
_CELLS_PER_BATCH = 40_000


@dataclass(frozen=True)
class BootEstimate:
    """A point estimate with its bootstrap standard error and confidence interval."""

    est: float
    se: float
    ci: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"est": self.est, "se": self.se, "ci": list(self.ci)}


@dataclass(frozen=True)
class MediationResult:
    """Paths, effects and bootstrap intervals of a parallel mediation model."""

    n: int
    x: str
    mediators: tuple[str, ...]
    y: str
    covariates: tuple[str, ...]
    ci_method: str
    confidence: float
    n_boot: int
    seed: int | None
    a: dict[str, Coefficient]
    b: dict[str, Coefficient]
    c: Coefficient
    c_prime: Coefficient
    indirect: dict[str, BootEstimate]
    total_indirect: BootEstimate
    dropped: int
    boot_indirect: np.ndarray = field(repr=False, compare=False)  # B x (k + 1): each, total
    covariate_terms: tuple[str, ...] = ()  # the covariates' design columns (factors coded)
    factors: dict[str, dict[str, Any]] = field(default_factory=dict)  # levels, reference

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "ci_method": self.ci_method,
            "confidence": self.confidence,
            "boot": self.n_boot,
            "seed": self.seed,
            "a": {m: c.est for m, c in self.a.items()},
            "b": {m: c.est for m, c in self.b.items()},
            "c": self.c.est,
            "c_prime": self.c_prime.est,
            "indirect": {m: e.to_dict() for m, e in self.indirect.items()},
            "total_indirect": self.total_indirect.to_dict(),
            "factors": {name: dict(info) for name, info in self.factors.items()},
        }


def _coefficient(fit: Any, design: np.ndarray, j: int) -> Coefficient:
    n, p = design.shape
    se = float(np.sqrt(covariance(fit, design, "classical")[j, j]))
    t = float(fit.beta[j]) / se if se > 0 else float("nan")
    return Coefficient(float(fit.beta[j]), se, t, float(2 * sps.t.sf(abs(t), n - p)))


def _solve(normal: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Solve a batch of normal equations; a singular resample gets the minimum-norm solution."""
    try:
        return np.asarray(np.linalg.solve(normal, right))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(normal) @ right)


class _Engine:
    """The standardized designs and each row's contribution to the normal equations."""

    def __init__(self, xs: np.ndarray, ms: np.ndarray, cs: np.ndarray, ys: np.ndarray) -> None:
        n, k = ms.shape
        ones = np.ones((n, 1))
        d1 = np.column_stack([ones, xs, cs])  # M models: 1, X, C
        d2 = np.column_stack([ones, xs, ms, cs])  # Y model: 1, X, M..., C
        q1, q2 = d1.shape[1], d2.shape[1]
        self.k, self.q1, self.q2 = k, q1, q2
        # Row i's terms of X1ᵀX1, X1ᵀM, X2ᵀX2 and X2ᵀy side by side, so that one matrix
        # product with the case counts forms every resample's normal equations.
        self.rows = np.column_stack(
            [
                (d1[:, :, None] * d1[:, None, :]).reshape(n, q1 * q1),
                (d1[:, :, None] * ms[:, None, :]).reshape(n, q1 * k),
                (d2[:, :, None] * d2[:, None, :]).reshape(n, q2 * q2),
                d2 * ys[:, None],
            ]
        )

    def _solve_all(self, sums: np.ndarray) -> np.ndarray:
        """a_j·b_j from a batch of summed rows (B x columns of `rows`): B x k."""
        b, k, q1, q2 = sums.shape[0], self.k, self.q1, self.q2
        ends = np.cumsum([q1 * q1, q1 * k, q2 * q2, q2])
        coef1 = _solve(
            sums[:, : ends[0]].reshape(b, q1, q1), sums[:, ends[0] : ends[1]].reshape(b, q1, k)
        )
        coef2 = _solve(
            sums[:, ends[1] : ends[2]].reshape(b, q2, q2), sums[:, ends[2] : ends[3], None]
        )[:, :, 0]
        return np.asarray(coef1[:, 1, :] * coef2[:, 2 : 2 + k])

    def indirect(self, counts: np.ndarray) -> np.ndarray:
        """a_j·b_j (standardized X and Y) for each row of case counts: B x k."""
        return self._solve_all(counts @ self.rows)

    def jackknife(self) -> np.ndarray:
        """Leave-one-out a_j·b_j, by taking each row out of the full sums: n x k."""
        return self._solve_all(self.rows.sum(axis=0)[None, :] - self.rows)


def _case_counts(indices: np.ndarray, n: int) -> np.ndarray:
    b = indices.shape[0]
    flat = (indices + (np.arange(b) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def interval(
    boot: np.ndarray,
    estimate: float,
    method: str,
    confidence: float,
    jackknife: np.ndarray | None = None,
) -> tuple[float, float]:
    """A bootstrap confidence interval of one statistic (see the module docstring)."""
    gamma = 1.0 - confidence
    z = special.ndtri(np.array([gamma / 2, 1 - gamma / 2]))
    if method == "percentile":
        levels = np.array([gamma / 2, 1 - gamma / 2])
    else:
        count = boot.size
        below = int(np.count_nonzero(boot < estimate) + np.count_nonzero(boot <= estimate))
        share = min(max(below / (2 * count), 1 / (2 * count)), 1 - 1 / (2 * count))
        z0 = special.ndtri(share)
        if method == "bc":
            levels = special.ndtr(2 * z0 + z)
        elif method == "bca":
            if jackknife is None:
                raise StatsError("BCa needs the jackknife estimates")
            deviations = jackknife.mean() - jackknife
            spread = float(np.sum(deviations**2))
            accel = float(np.sum(deviations**3)) / (6 * spread**1.5) if spread > 0 else 0.0
            levels = special.ndtr(z0 + (z0 + z) / (1 - accel * (z0 + z)))
        else:
            raise StatsError(f"unknown interval method '{method}' (use {', '.join(CI_METHODS)})")
    lower, upper = np.quantile(boot, levels)
    return float(lower), float(upper)


def mediate(
    df: Any,
    x: str,
    mediators: Sequence[str],
    y: str,
    covariates: Sequence[str] = (),
    *,
    n_boot: int = 5000,
    seed: int | None = None,
    ci: CIMethod | str = "percentile",
    confidence: float = 0.95,
    indices: np.ndarray | None = None,
    reference: Mapping[str, str] | None = None,
) -> MediationResult:
    """X → M1..Mk (parallel) → Y with covariates, bootstrap intervals for the indirect effects.

    `ci` is "percentile" (default), "bc" or "bca"; `seed` makes the resamples reproducible
    (None: drawn from the operating system and reported in the result). `indices`, a B-by-n
    array of row positions, replaces the random resamples (to reproduce another program's
    resamples exactly). Covariates may be categorical (``"area"`` holding text, or
    ``"C(imd)"``); `reference` names their reference levels. See the module docstring for the
    models and intervals.
    """
    if ci not in CI_METHODS:
        raise StatsError(f"unknown interval method '{ci}' (use {', '.join(CI_METHODS)})")
    level = check_confidence(confidence)
    mediator_names = check_names(mediators, "mediators")
    covariate_names, marked = _covariates(covariates)
    names = check_names([x, *mediator_names, y, *covariate_names], "variables")
    k = len(mediator_names)
    frame = model_frame(
        df,
        names,
        numeric_only=[x, *mediator_names, y],
        categorical=marked,
        reference=reference,
        min_rows=1,
    )
    n, dropped = frame.n, frame.dropped
    covariate_columns: list[np.ndarray] = []
    covariate_terms: list[str] = []
    for name in covariate_names:
        columns, labels = term_columns((name,), frame, [True])  # with an intercept: contrasts
        covariate_columns.extend(columns)
        covariate_terms.extend(labels)
    n_cov = len(covariate_terms)
    q2 = 2 + k + n_cov
    if n < q2 + 2:
        raise StatsError(
            f"too few complete rows: {n} (at least {q2 + 2} needed for {', '.join(names)})"
        )
    numeric_names = [name for name in names if name in frame.numeric]
    check_variance(np.column_stack([frame.numeric[v] for v in numeric_names]), numeric_names)
    xv = frame.numeric[x]
    mv = np.column_stack([frame.numeric[m] for m in mediator_names])
    yv = frame.numeric[y]
    cv = np.column_stack(covariate_columns) if covariate_columns else np.empty((n, 0))
    covariate_columns_named = tuple(covariate_names)
    covariate_names = list(covariate_terms)

    # Point estimates and their classical tests.
    d1 = np.column_stack([np.ones(n), xv, cv])
    d1_names = ["Intercept", x, *covariate_names]
    a_paths = {}
    for j, name in enumerate(mediator_names):
        fit = least_squares(d1, mv[:, j], d1_names)
        a_paths[name] = _coefficient(fit, d1, 1)
    d2 = np.column_stack([np.ones(n), xv, mv, cv])
    fit_y = least_squares(d2, yv, ["Intercept", x, *mediator_names, *covariate_names])
    b_paths = {name: _coefficient(fit_y, d2, 2 + j) for j, name in enumerate(mediator_names)}
    c_prime = _coefficient(fit_y, d2, 1)
    c_total = _coefficient(least_squares(d1, yv, d1_names), d1, 1)
    point = np.array([a_paths[m].est * b_paths[m].est for m in mediator_names])

    # Bootstrap on standardized variables (better conditioned normal equations).
    def standardize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sd = values.std(axis=0, ddof=1)
        sd = np.where(sd > 0, sd, 1.0)
        return (values - values.mean(axis=0)) / sd, sd

    xs, sd_x = standardize(xv)
    ms, _ = standardize(mv)
    cs, _ = standardize(cv) if n_cov else (cv, None)
    ys, sd_y = standardize(yv)
    engine = _Engine(xs, ms, cs, ys)
    unit = float(sd_y / sd_x)

    per_batch = max(1, _CELLS_PER_BATCH // n)
    batches: Iterator[np.ndarray]
    if indices is not None:
        draws = np.asarray(indices)
        if draws.ndim != 2 or draws.shape[1] != n or not np.issubdtype(draws.dtype, np.integer):
            raise StatsError(f"indices must be a B-by-{n} array of integer row positions")
        if draws.min() < 0 or draws.max() >= n:
            raise StatsError(f"indices must lie between 0 and {n - 1}")
        n_boot = draws.shape[0]
        used_seed = None
        batches = (draws[start : start + per_batch] for start in range(0, n_boot, per_batch))
    else:
        if not MIN_BOOT <= n_boot <= 1_000_000:
            raise StatsError(f"the number of resamples must be between {MIN_BOOT} and 1000000")
        used_seed = int(seed) if seed is not None else secrets.randbelow(2**31)
        rng = np.random.default_rng(used_seed)
        # Successive draws continue one stream: the resamples do not depend on the batching.
        sizes = [min(per_batch, n_boot - start) for start in range(0, n_boot, per_batch)]
        batches = (rng.integers(0, n, size=(size, n)) for size in sizes)
    boot = np.concatenate([engine.indirect(_case_counts(batch, n)) for batch in batches]) * unit
    boot = np.column_stack([boot, boot.sum(axis=1)])
    estimates = np.append(point, point.sum())

    jack = engine.jackknife() * unit if ci == "bca" else None
    if jack is not None:
        jack = np.column_stack([jack, jack.sum(axis=1)])
    results = []
    for j, estimate in enumerate(estimates):
        bounds = interval(
            boot[:, j], float(estimate), ci, level, None if jack is None else jack[:, j]
        )
        results.append(BootEstimate(float(estimate), float(boot[:, j].std(ddof=1)), bounds))

    return MediationResult(
        n=n,
        x=x,
        mediators=tuple(mediator_names),
        y=y,
        covariates=covariate_columns_named,
        ci_method=ci,
        confidence=level,
        n_boot=n_boot,
        seed=used_seed,
        a=a_paths,
        b=b_paths,
        c=c_total,
        c_prime=c_prime,
        indirect=dict(zip(mediator_names, results[:k], strict=True)),
        total_indirect=results[k],
        dropped=dropped,
        boot_indirect=boot,
        covariate_terms=tuple(covariate_terms),
        factors={name: factor.to_dict() for name, factor in frame.factors.items()},
    )


def _covariates(covariates: Sequence[str]) -> tuple[list[str], dict[str, str | None]]:
    """Covariate column names, and those written C(g) or C(g, Treatment('b')) with their
    stated reference levels."""
    names: list[str] = []
    marked: dict[str, str | None] = {}
    for raw in covariates:
        text = str(raw).strip()
        categorical = read_categorical(text)
        if categorical is not None:
            name, level, end = categorical
            if text[end:].strip():
                raise StatsError(f"cannot read the covariate '{text}'")
            names.append(name)
            marked[name] = level
        else:
            names.append(text)
    return (check_names(names, "covariates") if names else []), marked
