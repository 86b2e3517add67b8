"""Logistic regression for a yes/no outcome, by maximum likelihood, with odds ratios and Wald
confidence intervals.

Model: P(y = 1 | x) = 1 / (1 + exp(-xᵀβ)), the design x built from a formula exactly as
`regression.ols` builds it (same formula language, categorical predictors with treatment
coding and a stated reference level, interactions; rows missing any variable left out).

Outcome: 0/1 numbers, True/False, or text with exactly two values. With text the event
(coded 1) is the second value in sorted order (a category column: its second category), as
R's ``glm`` takes the first level of a factor as failure and the second as success; `event`
names it instead. The result states the event.

Estimation: Newton-Raphson on the log-likelihood L(β) = Σ [y_i η_i - log(1 + e^η_i)],
η = Xβ, from β = 0 (for the logit link Newton's method is Fisher scoring, i.e. the IRLS of
R's ``glm`` and statsmodels' ``Logit``), with step halving should L fall, until the step in L
is below 1e-12 (relative) and in β below 1e-10 (relative); at most 100 iterations.

    score U = Xᵀ(y - μ),  information I = Xᵀ W X,  W = diag(μ_i (1 - μ_i))
    se(β_j) = sqrt([I(β̂)⁻¹]_jj),  z = β / se,  p = 2 Φ(-|z|)

Intervals (level 1 - g): **Wald** intervals β ± z_{1-g/2}·se, as R's ``confint.default`` and
statsmodels' ``conf_int()`` (not R's ``confint()`` for a glm, which profiles the likelihood);
odds ratios exp(β) with the interval exp(β ± z_{1-g/2}·se).

Fit: deviance D = -2L(β̂); null deviance D₀ = -2L₀ with L₀ the log-likelihood of the
intercept-only model (ȳ for every row), or of η = 0 (μ = ½) without an intercept, as R;
likelihood-ratio test χ² = D₀ - D on p - 1 df (p without an intercept); AIC = D + 2p;
McFadden's pseudo-R² = 1 - L/L₀.

Separation: when a combination of predictors separates the events from the non-events
completely or quasi-completely, the maximum-likelihood estimates do not exist (they run off to
infinity) and software that prints numbers prints meaningless ones. Before fitting, the linear
programme of Konis (2007; R's ``safeBinaryRegression``) looks for a direction d ≠ 0 with
s_i x_iᵀd ≥ 0 for every row (s_i = +1 for an event, -1 otherwise), maximising Σ s_i x_iᵀd with
-1 ≤ d_j ≤ 1 on the column-scaled design: a positive maximum means separation, which is
refused with a one-line message naming the predictors involved (Albert & Anderson, 1984).

References: Agresti, A. (2013). Categorical Data Analysis (3rd ed.), ch. 4-5. Albert, A. &
Anderson, J. A. (1984). On the existence of maximum likelihood estimates in logistic regression
models. Biometrika 71, 1-10. Konis, K. (2007). Linear programming algorithms for detecting
separated data in binary logistic regression models (DPhil thesis, Oxford).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as sps

from ._data import check_confidence, finite_or_none, numeric_column
from .errors import StatsError
from .regression import INTERCEPT, _is_missing, _level_label, build_design, least_squares

MAX_ITERATIONS = 100


@dataclass(frozen=True)
class LogitCoefficient:
    """One coefficient on the log-odds scale, its Wald test and interval, and the odds ratio."""

    est: float
    se: float
    z: float
    p: float
    ci: tuple[float, float]

    @property
    def odds_ratio(self) -> float:
        return float(np.exp(self.est))

    @property
    def odds_ratio_ci(self) -> tuple[float, float]:
        return float(np.exp(self.ci[0])), float(np.exp(self.ci[1]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "est": finite_or_none(self.est),
            "se": finite_or_none(self.se),
            "z": finite_or_none(self.z),
            "p": finite_or_none(self.p),
            "ci": [finite_or_none(v) for v in self.ci],
            "odds_ratio": finite_or_none(self.odds_ratio),
            "odds_ratio_ci": [finite_or_none(v) for v in self.odds_ratio_ci],
        }


@dataclass(frozen=True)
class LogisticResult:
    """A logistic regression fitted by maximum likelihood (see the module docstring)."""

    formula: str
    n: int
    events: int
    event: str
    coefficients: dict[str, LogitCoefficient]
    loglik: float
    null_loglik: float
    deviance: float
    null_deviance: float
    df_resid: int
    aic: float
    pseudo_r2: float
    lr_chi2: float
    lr_df: int
    lr_p: float | None
    confidence: float
    iterations: int
    dropped: int
    factors: dict[str, dict[str, Any]] = field(default_factory=dict)
    ci_method: str = "wald"

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": self.events,
            "event": self.event,
            "ci_method": self.ci_method,
            "confidence": self.confidence,
            "coefficients": {name: c.to_dict() for name, c in self.coefficients.items()},
            "loglik": self.loglik,
            "deviance": self.deviance,
            "null_deviance": self.null_deviance,
            "df_resid": self.df_resid,
            "aic": self.aic,
            "pseudo_r2": finite_or_none(self.pseudo_r2),
            "lr_test": {"chi2": self.lr_chi2, "df": self.lr_df, "p": self.lr_p},
            "factors": {name: dict(info) for name, info in self.factors.items()},
        }


def binary_outcome(event: str | None) -> tuple[Callable[[Any, str], np.ndarray], list[str]]:
    """A reader of the outcome column as 1.0 (event), 0.0 or NaN, and a list that receives the
    event's label once the column is read (see the module docstring)."""
    chosen: list[str] = []

    def read(df: Any, name: str) -> np.ndarray:
        series = df[name]
        if isinstance(series, pd.DataFrame):
            raise StatsError(f"column '{name}' appears more than once in the data")
        missing = _is_missing(series)
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            values = numeric_column(df, name)
            present = values[~np.isnan(values)]
            bad = present[(present != 0) & (present != 1)]
            if bad.size:
                raise StatsError(
                    f"the outcome '{name}' must be 0/1, true/false or two words such as yes/no"
                    f" (it has the value {_level_label(bad[0])})"
                )
            labels = ["0", "1"]
            coded = values
        else:
            texts = [None if m else _level_label(v) for v, m in zip(series, missing, strict=True)]
            if isinstance(series.dtype, pd.CategoricalDtype):
                order = [_level_label(c) for c in series.cat.categories]
                labels = [c for c in order if c in set(texts)]
            else:
                labels = sorted({t for t in texts if t is not None})
            if len(labels) != 2:
                shown = ", ".join(labels[:6]) + (", …" if len(labels) > 6 else "")
                raise StatsError(
                    f"the outcome '{name}' must have exactly two values for logistic regression"
                    f" (it has {len(labels)}: {shown})"
                )
            coded = np.array(
                [np.nan if t is None else float(t == labels[1]) for t in texts], dtype=np.float64
            )
        label = labels[1]
        if event is not None:
            wanted = str(event).strip()
            if wanted not in labels:
                raise StatsError(
                    f"unknown event '{wanted}' for the outcome '{name}' (its values:"
                    f" {', '.join(labels)})"
                )
            if wanted != labels[1]:
                coded = 1.0 - coded
            label = wanted
        chosen.append(label)
        return np.asarray(coded, dtype=np.float64)

    return read, chosen


def _loglik(eta: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def separation(design: np.ndarray, y: np.ndarray, names: list[str]) -> list[str] | None:
    """The predictors of a separating direction (Konis's linear programme), or None when
    the data overlap and the maximum-likelihood estimates exist."""
    scale = np.abs(design).max(axis=0)
    scale[scale == 0] = 1.0
    signed = design / scale * np.where(y > 0.5, 1.0, -1.0)[:, None]
    found = optimize.linprog(
        -signed.sum(axis=0),
        A_ub=-signed,
        b_ub=np.zeros(design.shape[0]),
        bounds=[(-1.0, 1.0)] * design.shape[1],
        method="highs",
    )
    if found.status != 0 or -found.fun <= 1e-7 * design.shape[0]:
        return None
    direction = np.asarray(found.x)
    involved = [
        name
        for name, value in zip(names, direction, strict=True)
        if abs(value) > 1e-7 and name != INTERCEPT
    ]
    return involved or [name for name in names if name != INTERCEPT] or list(names)


def logistic(
    df: Any,
    formula: str,
    *,
    reference: Mapping[str, str] | None = None,
    event: str | None = None,
    confidence: float = 0.95,
) -> LogisticResult:
    """Logistic regression of a yes/no outcome on the formula's predictors, by ML.

    `reference` names reference levels of categorical predictors (as `ols`); `event` names the
    outcome value counted as the event (default: 1, true, or the second of two values in
    sorted order). Coefficients are log-odds with Wald tests and intervals; odds ratios are
    their exponentials. See the module docstring for the estimator, intervals and checks.
    """
    level = check_confidence(confidence)
    reader, chosen = binary_outcome(event)
    design = build_design(df, formula, reference=reference, response=reader)
    x, y, names = design.matrix, design.response, design.names
    n, p = x.shape
    response = design.formula.response
    events = int(y.sum())
    if events in (0, n):
        kind = "an event" if events == n else "not an event"
        raise StatsError(f"every row used has the outcome '{response}' {kind}: nothing to estimate")
    least_squares(x, y, names)  # refuses a singular design, naming the term
    involved = separation(x, y, names)
    if involved is not None:
        raise StatsError(
            f"perfect separation: '{response}' is predicted perfectly (or but for ties) by"
            f" {', '.join(involved)}, so the odds ratios would be infinite; merge sparse"
            " categories or leave the predictor out"
        )

    beta = np.zeros(p)
    eta = x @ beta
    value = _loglik(eta, y)
    converged = False
    iterations = 0
    unit = np.sqrt(np.maximum((x**2).sum(axis=0), 1e-300))
    for count in range(1, MAX_ITERATIONS + 1):
        iterations = count
        mu = special.expit(eta)
        weights = mu * (1.0 - mu)
        score = x.T @ (y - mu)
        info = x.T @ (x * weights[:, None])
        scaled = info / np.outer(unit, unit)
        try:
            step = np.linalg.solve(scaled, score / unit) / unit
        except np.linalg.LinAlgError:
            raise StatsError(
                "the information matrix is singular: the model cannot be fitted"
            ) from None
        size = 1.0
        while True:
            trial = beta + size * step
            trial_eta = x @ trial
            trial_value = _loglik(trial_eta, y)
            if trial_value >= value - 1e-12 * abs(value) or size < 1e-10:
                break
            size /= 2
        change = abs(trial_value - value)
        moved = float(np.max(np.abs(size * step) / (1.0 + np.abs(trial))))
        beta, eta, value = trial, trial_eta, trial_value
        if change <= 1e-12 * (abs(value) + 0.1) and moved <= 1e-10:
            converged = True
            break
    if not converged:
        raise StatsError(
            f"the estimation did not converge in {MAX_ITERATIONS} iterations (often"
            " near-separation: a category with almost only events or non-events)"
        )

    mu = special.expit(eta)
    info = x.T @ (x * (mu * (1.0 - mu))[:, None])
    cov = np.linalg.inv(info / np.outer(unit, unit)) / np.outer(unit, unit)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    z = beta / se
    pvalues = 2.0 * sps.norm.sf(np.abs(z))
    quantile = float(special.ndtri(1.0 - (1.0 - level) / 2.0))
    coefficients = {
        name: LogitCoefficient(
            est=float(b),
            se=float(s),
            z=float(zv),
            p=float(pv),
            ci=(float(b - quantile * s), float(b + quantile * s)),
        )
        for name, b, s, zv, pv in zip(names, beta, se, z, pvalues, strict=True)
    }
    intercept = design.formula.intercept
    if intercept:
        share = events / n
        null = float(events * np.log(share) + (n - events) * np.log(1.0 - share))
    else:
        null = float(n * np.log(0.5))
    lr_df = p - int(intercept)
    lr_chi2 = float(2.0 * (value - null))
    return LogisticResult(
        formula=formula,
        n=n,
        events=events,
        event=chosen[-1],
        coefficients=coefficients,
        loglik=value,
        null_loglik=null,
        deviance=-2.0 * value,
        null_deviance=-2.0 * null,
        df_resid=n - p,
        aic=-2.0 * value + 2.0 * p,
        pseudo_r2=1.0 - value / null,
        lr_chi2=lr_chi2,
        lr_df=lr_df,
        lr_p=float(sps.chi2.sf(lr_chi2, lr_df)) if lr_df > 0 else None,
        confidence=level,
        iterations=iterations,
        dropped=design.dropped,
        factors={name: factor.to_dict() for name, factor in design.factors.items()},
    )
