"""Confirmatory factor analysis and structural equation models in lavaan-style syntax, fitted
by maximum likelihood as lavaan fits them by default (Rosseel, 2012).

Model text (statements on separate lines or separated by ``;``, ``#`` starts a comment):

    visual  =~ x1 + x2 + x3        # latent variable measured by indicators (loadings)
    textual =~ x4 + x5 + x6
    textual ~ visual               # regression
    x1 ~~ x4                       # (residual) covariance; x1 ~~ x1 a (residual) variance

A term may carry a modifier: a number fixes the parameter (``1*x1``, ``0*x2``, ``f ~~ 1*f``),
``NA`` frees it (``NA*x1`` frees a first loading). Labels, equality constraints, intercepts
and defined parameters (``:=``) are not supported and are refused with a one-line error.

Defaults, as lavaan's ``sem()`` and ``cfa()``: the first loading of each factor is fixed to 1
(unless a modifier is given); residual variances of observed variables and (residual)
variances of latent variables are free; exogenous latent variables covary freely; outcomes
that predict nothing covary freely (``auto.cov.y``); an indicator that is the only one of its
factor gets a residual variance of 0. Observed exogenous predictors (``y ~ z`` with z only a
predictor) have their variances and covariances estimated freely, which gives the same
estimates, chi-square and df as lavaan's ``fixed.x = TRUE``; lavaan fixes them at the sample
values, so their standard errors are reported as null, like every fixed parameter.

Model (RAM, McArdle & McDonald, 1984): with A the directed paths (loadings and regressions),
S the (residual) variances and covariances and F selecting the observed variables,

    Σ(θ) = F (I - A)⁻¹ S (I - A)⁻ᵀ Fᵀ.

Estimation: S_N is the sample covariance matrix with divisor N (lavaan's default
``likelihood = "normal"``); θ minimises F_ML = log|Σ| + tr(S_N Σ⁻¹) - log|S_N| - p by Fisher
scoring with step halving, from lavaan-like starting values. Standard errors come from the
expected information, cov(θ̂) = (N·I(θ̂))⁻¹ with I_ab = ½ tr(Σ⁻¹ ∂_aΣ Σ⁻¹ ∂_bΣ) (lavaan's default
for ML).

Fit (as lavaan's ``fitMeasures``): chi-square = N·F_ML with df = p(p+1)/2 - free parameters;
baseline = the independence model (observed exogenous predictors keep their covariances);
CFI = 1 - max(χ² - df, 0) / max(χ² - df, χ²_b - df_b, 0); TLI = (χ²_b/df_b - χ²/df) /
(χ²_b/df_b - 1); RMSEA = sqrt(max(χ²/N - df/N, 0) / df) with its 90% interval from the
non-centrality parameters λ at which the non-central chi-square distribution function at χ²
is 0.95 and 0.05 (sqrt(λ / (N·df))); SRMR = the root mean square, over the p(p+1)/2 variances
and covariances, of (s_ij - Σ_ij) / sqrt(s_ii s_jj) (lavaan's ``srmr``, Bentler's form).

Identification is checked: df ≥ 0, every factor has a scale (a fixed loading or a fixed
variance), and the information matrix at the solution is invertible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize
from scipy import stats as sps

from ._data import check_variance, complete_matrix
from .errors import StatsError

OPERATORS = ("=~", "~~", "~")
_STATEMENT = re.compile(r"^(?P<lhs>[^=~]*?)\s*(?P<op>=~|~~|~)\s*(?P<rhs>.*)$")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
MAX_ITERATIONS = 500


@dataclass(frozen=True)
class Term:
    """One `lhs op rhs` relation; `fixed` is its fixed value, or None when free."""

    lhs: str
    op: str
    rhs: str
    fixed: float | None = None
    freed: bool = False  # NA* given: free even where a default would fix it


def _statements(text: str) -> list[str]:
    lines = [re.split(r"[#!]", line, maxsplit=1)[0] for line in text.splitlines()]
    parts = [part.strip() for line in lines for part in line.split(";")]
    return [part for part in parts if part]


def _term(raw: str, statement: str) -> tuple[str, float | None, bool]:
    text = raw.strip()
    modifier = None
    if "*" in text:
        modifier, _, text = (piece.strip() for piece in text.partition("*"))
    if not _NAME.match(text):
        if text == "1" or _NUMBER.match(text):
            raise StatsError(
                f"intercepts and means are not supported ('{statement}'): the model has no mean"
                " structure"
            )
        raise StatsError(f"'{text}' is not a variable name (in '{statement}')")
    if modifier is None:
        return text, None, False
    if modifier == "NA":
        return text, None, True
    if _NUMBER.match(modifier):
        return text, float(modifier), False
    raise StatsError(
        f"modifier '{modifier}*' is not supported (in '{statement}'): use a number to fix a"
        " parameter or NA to free it; labels and equality constraints are not supported"
    )


def parse_model(text: str) -> list[Term]:
    """The relations of a lavaan-style model text, in the order written."""
    terms: list[Term] = []
    statements = _statements(text)
    if not statements:
        raise StatsError("the model is empty")
    for statement in statements:
        if ":=" in statement or "==" in statement or "<" in statement or ">" in statement:
            raise StatsError(f"constraints and defined parameters are not supported: '{statement}'")
        if "|" in statement:
            raise StatsError(f"thresholds (ordinal data) are not supported: '{statement}'")
        match = _STATEMENT.match(statement)
        if match is None or not match["lhs"] or not match["rhs"].strip():
            raise StatsError(
                f"cannot read '{statement}': expected 'f =~ x1 + x2', 'y ~ x' or 'x ~~ y'"
            )
        op, rhs = match["op"], match["rhs"]
        if "~" in rhs or "=" in rhs:
            raise StatsError(f"cannot read '{statement}': one operator per statement")
        lefts = [part.strip() for part in match["lhs"].split("+")]
        for left in lefts:
            if not _NAME.match(left):
                raise StatsError(f"'{left}' is not a variable name (in '{statement}')")
        for left in lefts:
            for raw in rhs.split("+"):
                if not raw.strip():
                    raise StatsError(f"cannot read '{statement}': an empty term")
                name, fixed, freed = _term(raw, statement)
                if op != "~~" and name == left:
                    raise StatsError(
                        f"'{left}' cannot {'load on' if op == '=~' else 'predict'}"
                        f" itself (in '{statement}')"
                    )
                terms.append(Term(left, op, name, fixed, freed))
    return terms


@dataclass
class _Parameter:
    lhs: str
    op: str
    rhs: str
    matrix: str  # "A" (directed) or "S" (symmetric)
    row: int
    col: int
    fixed: float | None
    fixed_x: bool = False  # an observed exogenous predictor's (co)variance (lavaan: fixed.x)


@dataclass(frozen=True)
class Estimate:
    lhs: str
    op: str
    rhs: str
    est: float
    se: float | None  # None: fixed (or fixed.x in lavaan)

    def to_dict(self) -> dict[str, Any]:
        return {"lhs": self.lhs, "op": self.op, "rhs": self.rhs, "est": self.est, "se": self.se}


@dataclass(frozen=True)
class SemResult:
    """An ML fit of a lavaan-style model: fit indices and parameter estimates."""

    n: int
    observed: tuple[str, ...]
    latent: tuple[str, ...]
    chi2: float
    df: int
    pvalue: float | None
    baseline_chi2: float
    baseline_df: int
    cfi: float | None
    tli: float | None
    rmsea: float
    rmsea_ci: tuple[float, float]
    srmr: float
    estimates: tuple[Estimate, ...]
    iterations: int
    dropped: int
    missing: str = "listwise"  # or "ml": full-information maximum likelihood (fiml.py)
    rows_with_gaps: int = 0  # FIML: rows used that miss at least one variable
    patterns: int = 1  # FIML: the number of missing-data patterns
    loglik: float | None = None  # FIML: log L of the fitted model

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "chi2": self.chi2,
            "df": self.df,
            "pvalue": self.pvalue,
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "rmsea_ci": list(self.rmsea_ci),
            "srmr": self.srmr,
            "baseline": {"chi2": self.baseline_chi2, "df": self.baseline_df},
            "estimates": [estimate.to_dict() for estimate in self.estimates],
            "missing": self.missing,
        }
        if self.missing == "ml":
            out["rows_with_gaps"] = self.rows_with_gaps
            out["patterns"] = self.patterns
            out["dropped"] = self.dropped
            out["loglik"] = self.loglik
        return out

    def estimate(self, lhs: str, op: str, rhs: str) -> Estimate:
        for item in self.estimates:
            if (item.lhs, item.op, item.rhs) == (lhs, op, rhs) or (
                op == "~~" and (item.lhs, item.op, item.rhs) == (rhs, op, lhs)
            ):
                return item
        raise KeyError(f"{lhs} {op} {rhs}")


class _Model:
    """The RAM matrices of a parsed model and its parameters (free and fixed)."""

    def __init__(self, terms: Sequence[Term]) -> None:
        latent: list[str] = []
        for term in terms:
            if term.op == "=~" and term.lhs not in latent:
                latent.append(term.lhs)
        observed: list[str] = []
        for term in terms:
            for name in (term.lhs, term.rhs):
                if name not in latent and name not in observed:
                    observed.append(name)
        if not observed:
            raise StatsError("the model has no observed variables")
        self.latent, self.observed = latent, observed
        names = observed + latent
        index = {name: i for i, name in enumerate(names)}
        self.index, self.names = index, names
        self.parameters: list[_Parameter] = []
        seen: dict[tuple[str, int, int], _Parameter] = {}

        def add(lhs: str, op: str, rhs: str, fixed: float | None, fixed_x: bool = False) -> None:
            if op == "~~":
                row, col = sorted((index[lhs], index[rhs]))
                key = ("S", row, col)
            elif op == "=~":
                row, col = index[rhs], index[lhs]
                key = ("A", row, col)
            else:
                row, col = index[lhs], index[rhs]
                key = ("A", row, col)
            if key in seen:
                raise StatsError(f"'{lhs} {op} {rhs}' is specified twice")
            parameter = _Parameter(lhs, op, rhs, key[0], row, col, fixed, fixed_x)
            seen[key] = parameter
            self.parameters.append(parameter)

        indicators: dict[str, list[Term]] = {f: [] for f in latent}
        for term in terms:
            if term.op == "=~":
                indicators[term.lhs].append(term)
        for term in terms:
            fixed = term.fixed
            if term.op == "=~" and term is indicators[term.lhs][0] and fixed is None:
                fixed = None if term.freed else 1.0  # the marker: first loading fixed to 1
            add(term.lhs, term.op, term.rhs, fixed)

        # Which variables receive directed paths, and which predict.
        endogenous = {names[p.row] for p in self.parameters if p.matrix == "A"}
        predictors = {t.rhs for t in terms if t.op == "~"}
        indicator_of = {t.rhs for t in terms if t.op == "=~"}
        outcomes = {t.lhs for t in terms if t.op == "~"}
        user_variances = {
            names[p.row] for p in self.parameters if p.matrix == "S" and p.row == p.col
        }

        single = {
            items[0].rhs
            for items in indicators.values()
            if len(items) == 1 and items[0].rhs in observed
        }
        exogenous_observed = [
            name for name in observed if name not in endogenous and name in predictors
        ]
        for name in observed:  # residual variances of observed variables
            if name not in user_variances:
                fixed = 0.0 if name in single else None
                add(name, "~~", name, fixed, fixed_x=name in exogenous_observed)
        for name in latent:  # (residual) variances of latent variables
            if name not in user_variances:
                add(name, "~~", name, None)

        def add_covariances(group: Sequence[str], fixed_x: bool = False) -> None:
            for i, first in enumerate(group):
                for second in group[i + 1 :]:
                    key = ("S", *sorted((index[first], index[second])))
                    if key not in seen:
                        add(first, "~~", second, None, fixed_x=fixed_x)

        add_covariances([f for f in latent if f not in endogenous])  # auto.cov.lv.x
        add_covariances(exogenous_observed, fixed_x=True)  # fixed.x, estimated freely
        pure = [name for name in names if name in outcomes and name not in predictors]
        add_covariances([f for f in pure if f in latent])  # auto.cov.y
        add_covariances([v for v in pure if v in observed and v not in indicator_of])

        # Every factor needs a scale: a fixed non-zero loading or a fixed variance.
        for factor in latent:
            loaded = any(t.fixed not in (None, 0.0) for t in self._loadings(factor))
            var = next(p for p in self.parameters if p.op == "~~" and p.lhs == p.rhs == factor)
            if not loaded and var.fixed is None:
                raise StatsError(
                    f"the model is not identified: factor '{factor}' has no scale (fix a"
                    f" loading, e.g. 1*{indicators[factor][0].rhs}, or its variance,"
                    f" {factor} ~~ 1*{factor})"
                )
        self.exogenous_observed = exogenous_observed
        self.free = [p for p in self.parameters if p.fixed is None]

    def _loadings(self, factor: str) -> list[_Parameter]:
        return [p for p in self.parameters if p.op == "=~" and p.lhs == factor]

    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = len(self.names)
        a = np.zeros((m, m))
        s = np.zeros((m, m))
        values = iter(theta)
        for p in self.parameters:
            value = p.fixed if p.fixed is not None else float(next(values))
            if p.matrix == "A":
                a[p.row, p.col] = value
            else:
                s[p.row, p.col] = s[p.col, p.row] = value
        return a, s

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Σ (observed), B = (I - A)⁻¹ and the full model-implied covariance C = B S Bᵀ."""
        a, s = self.matrices(theta)
        try:
            b = np.linalg.inv(np.eye(a.shape[0]) - a)
        except np.linalg.LinAlgError:
            raise StatsError("the regressions form a loop that cannot be solved") from None
        full = b @ s @ b.T
        p = len(self.observed)
        return full[:p, :p], b, full

    def derivatives(self, b: np.ndarray, full: np.ndarray) -> np.ndarray:
        """∂Σ/∂θ for each free parameter: t x p x p."""
        p = len(self.observed)
        out = np.empty((len(self.free), p, p))
        for k, q in enumerate(self.free):
            if q.matrix == "A":
                part = np.outer(b[:p, q.row], full[q.col, :p])
                out[k] = part + part.T
            else:
                part = np.outer(b[:p, q.row], b[:p, q.col])
                out[k] = part if q.row == q.col else part + part.T
        return out

    def start(self, cov: np.ndarray) -> np.ndarray:
        """lavaan-like starting values: loadings from the marker, half the variances."""
        observed = {name: i for i, name in enumerate(self.observed)}
        markers: dict[str, str] = {}
        for p in self.parameters:
            if p.op == "=~" and p.fixed not in (None, 0.0) and p.rhs in observed:
                markers.setdefault(p.lhs, p.rhs)
        values = []
        for p in self.free:
            if p.op == "=~":
                marker = markers.get(p.lhs)
                if marker is not None and p.rhs in observed:
                    i, j = observed[p.rhs], observed[marker]
                    values.append(float(np.clip(cov[i, j] / (0.5 * cov[j, j]), -10, 10)))
                else:
                    values.append(1.0)
            elif p.op == "~~" and p.lhs == p.rhs:
                if p.lhs in observed:
                    i = observed[p.lhs]
                    share = 1.0 if p.fixed_x else 0.5
                    values.append(share * cov[i, i])
                else:
                    marker = markers.get(p.lhs)
                    values.append(0.5 * cov[observed[marker]][observed[marker]] if marker else 0.05)
            elif p.op == "~~" and p.fixed_x:
                values.append(cov[observed[p.lhs], observed[p.rhs]])
            else:
                values.append(0.0)
        return np.array(values, dtype=np.float64)


def _discrepancy(sigma: np.ndarray, sample: np.ndarray, logdet_sample: float) -> float | None:
    """F_ML, or None when Σ is not positive definite."""
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    logdet = 2.0 * float(np.log(np.diag(chol)).sum())
    inverse = np.linalg.inv(sigma)
    return logdet + float(np.sum(sample * inverse)) - logdet_sample - sample.shape[0]


def _information(inverse: np.ndarray, deriv: np.ndarray) -> np.ndarray:
    """I_ab = ½ tr(Σ⁻¹ ∂_aΣ Σ⁻¹ ∂_bΣ)."""
    w = inverse[None, :, :] @ deriv  # t x p x p
    return 0.5 * np.einsum("aij,bji->ab", w, w)


def _solve_scaled(info: np.ndarray, right: np.ndarray) -> np.ndarray:
    """info⁻¹ right, solved on the unit-free (correlation-like) scale of the information."""
    unit = np.sqrt(np.clip(np.diag(info), 1e-300, None))
    scaled = info / np.outer(unit, unit)
    try:
        solved = np.linalg.solve(scaled, right / unit)
    except np.linalg.LinAlgError:
        solved = np.linalg.lstsq(scaled, right / unit, rcond=None)[0]
    return np.asarray(solved / unit)


def _rmsea_bound(chi2: float, df: int, n: int, level: float) -> float:
    """sqrt(λ / (N df)) with λ solving P(χ²_df(λ) ≤ chi2) = level (0 when none is needed)."""
    if sps.chi2.cdf(chi2, df) < level:
        return 0.0

    def gap(lam: float) -> float:
        return float(sps.ncx2.cdf(chi2, df, lam)) - level

    high = max(chi2, 1.0)
    while gap(high) > 0:
        high *= 2
    lam = optimize.brentq(gap, 1e-12, high, xtol=1e-12, rtol=1e-12)
    return float(np.sqrt(lam / (n * df)))


def fit_indices(
    chi2: float, df: int, baseline_chi2: float, baseline_df: int, n: int
) -> tuple[float | None, float | None, float, tuple[float, float]]:
    """CFI, TLI, RMSEA and its 90% interval from the two chi-squares (module docstring)."""
    if df == 0:  # a saturated model fits exactly (as lavaan reports it)
        return 1.0, 1.0, 0.0, (0.0, 0.0)
    denominator = max(chi2 - df, baseline_chi2 - baseline_df, 0.0)
    cfi = 1.0 - max(chi2 - df, 0.0) / denominator if denominator > 0 else 1.0
    tli = None
    if baseline_df > 0 and baseline_chi2 / baseline_df != 1.0:
        ratio = baseline_chi2 / baseline_df
        tli = (ratio - chi2 / df) / (ratio - 1.0)
    rmsea = float(np.sqrt(max(chi2 / n - df / n, 0.0) / df))
    ci = (_rmsea_bound(chi2, df, n, 0.95), _rmsea_bound(chi2, df, n, 0.05))
    return cfi, tli, rmsea, ci


def fit_covariance(
    model: str, cov: np.ndarray, names: Sequence[str], n: int, *, dropped: int = 0
) -> SemResult:
    """Fit `model` to a covariance matrix with divisor N (`names` its variables, `n` rows)."""
    spec = _Model(parse_model(model))
    missing = [name for name in spec.observed if name not in names]
    if missing:
        raise StatsError(f"unknown column '{missing[0]}' (in the model)")
    order = [list(names).index(name) for name in spec.observed]
    sample = np.asarray(cov, dtype=np.float64)[np.ix_(order, order)]
    p = sample.shape[0]
    if np.linalg.eigvalsh(sample).min() <= 1e-10 * max(float(np.trace(sample)), 1e-300):
        raise StatsError(
            "the sample covariance matrix is singular (a variable is a linear combination of"
            " others, or there are too few rows)"
        )
    moments = p * (p + 1) // 2
    t = len(spec.free)
    df = moments - t
    if df < 0:
        raise StatsError(
            f"the model is not identified: {t} free parameters but only {moments} variances"
            f" and covariances (df = {df})"
        )
    logdet_sample = float(np.linalg.slogdet(sample)[1])

    theta = spec.start(sample)
    sigma, b, full = spec.implied(theta)
    value = _discrepancy(sigma, sample, logdet_sample)
    if value is None:
        raise StatsError(
            "the starting values give a covariance matrix that is not positive definite"
        )
    converged = False
    iterations = 0
    for count in range(1, MAX_ITERATIONS + 1):
        iterations = count
        inverse = np.linalg.inv(sigma)
        deriv = spec.derivatives(b, full)
        middle = inverse @ (sigma - sample) @ inverse
        gradient = np.einsum("ij,aij->a", middle, deriv)
        info = _information(inverse, deriv)
        step = -0.5 * _solve_scaled(info, gradient)
        decrement = -float(gradient @ step)  # the expected fall in F_ML: free of units
        if decrement < 1e-14:
            converged = True
            break
        scale = 1.0
        while scale > 1e-10:
            trial = theta + scale * step
            trial_sigma, trial_b, trial_full = spec.implied(trial)
            trial_value = _discrepancy(trial_sigma, sample, logdet_sample)
            if trial_value is not None and trial_value <= value + 1e-15 * max(1.0, abs(value)):
                break
            scale /= 2
        else:
            converged = decrement < 1e-9
            break
        theta, sigma, b, full, value = trial, trial_sigma, trial_b, trial_full, trial_value
    if not converged:
        raise StatsError(
            "the estimation did not converge (often a factor whose indicators barely"
            " correlate, a misspecified model, or too few rows)"
        )

    inverse = np.linalg.inv(sigma)
    info = _information(inverse, spec.derivatives(b, full))
    unit = np.sqrt(np.clip(np.diag(info), 1e-300, None))
    eigen, vectors = np.linalg.eigh(info / np.outer(unit, unit))  # free of the variables' units
    if eigen.min() <= 1e-10:
        weakest = spec.free[int(np.argmax(np.abs(vectors[:, 0])))]
        raise StatsError(
            "the model is not identified: the information matrix is singular (look at"
            f" '{weakest.lhs} {weakest.op} {weakest.rhs}')"
        )
    vcov = np.linalg.inv(info) / n
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None))

    chi2 = float(n * max(value, 0.0))
    # Baseline: independent variables, except that observed exogenous predictors covary.
    exo = [spec.observed.index(name) for name in spec.exogenous_observed]
    others = [i for i in range(p) if i not in exo]
    base_logdet = float(np.log(np.diag(sample)[others]).sum())
    if exo:
        base_logdet += float(np.linalg.slogdet(sample[np.ix_(exo, exo)])[1])
    baseline_chi2 = float(n * (base_logdet - logdet_sample))
    baseline_df = moments - len(others) - len(exo) * (len(exo) + 1) // 2
    pvalue = float(sps.chi2.sf(chi2, df)) if df > 0 else None
    cfi, tli, rmsea, ci = fit_indices(chi2, df, baseline_chi2, baseline_df, n)
    sd = np.sqrt(np.diag(sample))
    residual = (sample - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(residual[np.tril_indices(p)] ** 2)))

    free_values = iter(zip(theta, se, strict=True))
    estimates = []
    for q in spec.parameters:
        if q.fixed is not None:
            estimates.append(Estimate(q.lhs, q.op, q.rhs, float(q.fixed), None))
        else:
            est, error = next(free_values)
            estimates.append(
                Estimate(q.lhs, q.op, q.rhs, float(est), None if q.fixed_x else float(error))
            )
    return SemResult(
        n=n,
        observed=tuple(spec.observed),
        latent=tuple(spec.latent),
        chi2=chi2,
        df=df,
        pvalue=pvalue,
        baseline_chi2=baseline_chi2,
        baseline_df=baseline_df,
        cfi=cfi,
        tli=tli,
        rmsea=rmsea,
        rmsea_ci=ci,
        srmr=srmr,
        estimates=tuple(estimates),
        iterations=iterations,
        dropped=dropped,
    )


MISSING = ("listwise", "ml")


def sem(df: Any, model: str, *, missing: str = "listwise") -> SemResult:
    """Fit a lavaan-style CFA/SEM `model` to the columns of `df` it names, by ML.

    ``missing="listwise"`` (the default) leaves out rows missing any of the model's observed
    variables; ``missing="ml"`` keeps them, by full-information maximum likelihood (as lavaan's
    ``missing = "ml"``; `fiml.py`), and the result counts the rows with gaps. A mediation model
    written in the syntax (``m ~ x; y ~ m + x``) is fitted the same way, so its a, b and c' paths
    can be had under FIML too. See the module docstring for the syntax, defaults, estimator,
    standard errors and fit indices.
    """
    if missing not in MISSING:
        raise StatsError(f"missing must be one of {', '.join(MISSING)}, not '{missing}'")
    if missing == "ml":
        from .fiml import sem_fiml

        return sem_fiml(df, model)
    spec = _Model(parse_model(model))
    matrix, dropped = complete_matrix(
        df, spec.observed, min_rows=len(spec.observed) + 2, what="model's observed variables"
    )
    check_variance(matrix, spec.observed)
    n = matrix.shape[0]
    cov = np.cov(matrix, rowvar=False, ddof=0).reshape(len(spec.observed), len(spec.observed))
    return fit_covariance(model, cov, spec.observed, n, dropped=dropped)
