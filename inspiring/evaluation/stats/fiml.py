"""Full-information maximum likelihood (FIML) for CFA/SEM with gaps in the data, and the
mean-structure, multi-group engine that measurement invariance (`invariance.py`) shares.

FIML (as lavaan's ``missing = "ml"``; Arbuckle, 1996; Enders, 2010, ch. 4): every row counts
with the variables it has. The model gains a mean structure, μ(θ) = F (I - A)⁻¹ m, with m the
intercepts of the observed variables (free) and the means of the latent variables (0), beside
Σ(θ) = F (I - A)⁻¹ S (I - A)⁻ᵀ Fᵀ (see `sem.py`). Rows are grouped by their pattern of observed
variables o; a pattern of n_k rows with mean ȳ_k and covariance S_k (divisor n_k) adds

    f_k = n_k [log|Σ_oo| + tr(Σ_oo⁻¹ (S_k + d_k d_kᵀ))],   d_k = ȳ_k - μ_o,

and f = Σ_k f_k = -2 log L minus the constant Σ_i p_i log 2π. θ minimises f by Fisher scoring
with step halving; the expected information per pattern is

    ½ tr(Σ_oo⁻¹ ∂_aΣ_oo Σ_oo⁻¹ ∂_bΣ_oo) + ∂_aμ_oᵀ Σ_oo⁻¹ ∂_bμ_o   (times n_k),

and cov(θ̂) is the inverse of its sum (lavaan's ``information = "expected"``; lavaan's default
with missing data is the observed information, which gives slightly different standard errors
when data are missing, the same estimates and chi-square).

The chi-square is the likelihood ratio against the saturated model (free means and
covariances), whose FIML estimates come from the EM algorithm (Dempster, Laird & Rubin, 1977;
Little & Rubin, 2002, sec. 11.2): χ² = f(θ̂) - f(saturated), df = p(p+1)/2 + p - free
parameters. The baseline model has free means and variances and no covariances (observed
exogenous predictors keep their covariances, fitted by EM among themselves); it factorises, so
each variable is fitted by ML to the values it has. CFI, TLI and RMSEA follow from the two
chi-squares with N the number of rows used (as `sem.fit_indices`); SRMR compares the model's Σ
with the saturated (EM) covariance matrix, covariances only (lavaan's ``srmr_bentler_nomean``;
lavaan's ``srmr`` with a mean structure also counts the means). With complete data there is one
pattern, the saturated model is the sample means and covariance matrix, the intercepts equal
the sample means, and every estimate, standard error and fit index equals the ML fit of
`sem.fit_covariance` exactly.

Rows with no model variable at all carry no information and are left out (counted in
`dropped`); `rows_with_gaps` counts the rows used that miss at least one variable. Observed
exogenous predictors with gaps are modelled as random (their means, variances and covariances
are estimated, as lavaan's ``missing = "ml.x"``); lavaan's default ``fixed.x = TRUE`` would
delete those rows instead. Their standard errors are reported as null, as in `sem`.

Several groups (multi-group models): each group has its own Σ_g(θ) and μ_g(θ); some parameters
are shared (equality constraints across groups); f = Σ_g f_g, χ² = Σ_g (f_g(θ̂) - f_g(saturated))
(the per-group parts are reported), df = G (p(p+1)/2 + p) - free parameters, and the RMSEA is
multiplied by √G (as lavaan, Steiger, 1998). log L = -½ (f + Σ_i p_i log 2π), AIC = -2 log L +
2q and BIC = -2 log L + q log N, q the number of free parameters.

References: Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete
data. In Marcoulides & Schumacker (Eds.), Advanced structural equation modeling. Enders, C. K.
(2010). Applied missing data analysis. Guilford. Little, R. J. A. & Rubin, D. B. (2002).
Statistical analysis with missing data (2nd ed.). Wiley. Steiger, J. H. (1998). A note on
multiple sample extensions of the RMSEA fit index. Structural Equation Modeling, 5, 411-419.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from ._data import check_columns, check_names, numeric_column
from .errors import StatsError
from .sem import (
    MAX_ITERATIONS,
    Estimate,
    SemResult,
    _Model,
    _solve_scaled,
    fit_indices,
    parse_model,
)

EM_MAX_ITERATIONS = 20000
LOG_2PI = float(np.log(2 * np.pi))

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Pattern:
    """Rows sharing one pattern of observed variables: their count, mean and covariance."""

    observed: np.ndarray  # indices of the observed variables present
    n: int
    mean: np.ndarray
    cov: np.ndarray  # divisor n


def patterns(matrix: np.ndarray) -> list[Pattern]:
    """The missing-data patterns of an n-by-p matrix (NaN = missing); empty rows are skipped."""
    present = ~np.isnan(matrix)
    keep = present.any(axis=1)
    matrix, present = matrix[keep], present[keep]
    masks, inverse = np.unique(present, axis=0, return_inverse=True)
    out = []
    for k, mask in enumerate(masks):
        rows = matrix[np.asarray(inverse).reshape(-1) == k][:, mask]
        mean = rows.mean(axis=0)
        centred = rows - mean
        out.append(
            Pattern(np.flatnonzero(mask), rows.shape[0], mean, centred.T @ centred / rows.shape[0])
        )
    return out


def _pattern_f(pats: Sequence[Pattern], mu: np.ndarray, sigma: np.ndarray) -> float | None:
    """f = Σ_k n_k [log|Σ_oo| + tr(Σ_oo⁻¹ (S_k + d dᵀ))], or None if some Σ_oo is not PD."""
    total = 0.0
    for pat in pats:
        o = pat.observed
        part = sigma[np.ix_(o, o)]
        try:
            chol = np.linalg.cholesky(part)
        except np.linalg.LinAlgError:
            return None
        d = pat.mean - mu[o]
        inverse = np.linalg.inv(part)
        logdet = 2.0 * float(np.log(np.diag(chol)).sum())
        total += pat.n * (logdet + float(np.sum(inverse * (pat.cov + np.outer(d, d)))))
    return total


def saturated(pats: Sequence[Pattern], p: int) -> tuple[np.ndarray, np.ndarray, float]:
    """ML means and covariance matrix from incomplete data by EM, and f at them."""
    n_total = sum(pat.n for pat in pats)
    sums, squares, counts = np.zeros(p), np.zeros(p), np.zeros(p)
    for pat in pats:
        sums[pat.observed] += pat.n * pat.mean
        squares[pat.observed] += pat.n * (np.diag(pat.cov) + pat.mean**2)
        counts[pat.observed] += pat.n
    mu = sums / counts
    sigma = np.diag(squares / counts - mu**2)
    if len(pats) == 1 and len(pats[0].observed) == p:  # complete data: the sample moments
        mu, sigma = pats[0].mean.copy(), pats[0].cov.copy()
        value = _pattern_f(pats, mu, sigma)
        if value is None:
            raise StatsError("the sample covariance matrix is singular")
        return mu, sigma, value
    for _ in range(EM_MAX_ITERATIONS):
        old_mu, old_sigma = mu, sigma
        first, second = np.zeros(p), np.zeros((p, p))
        for pat in pats:
            o = pat.observed
            m = np.setdiff1d(np.arange(p), o)
            moment = pat.cov + np.outer(pat.mean, pat.mean)  # E[y_o y_oᵀ] within the pattern
            first[o] += pat.n * pat.mean
            second[np.ix_(o, o)] += pat.n * moment
            if m.size == 0:
                continue
            beta = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)]).T  # m x o
            shift = mu[m] - beta @ mu[o]
            residual = sigma[np.ix_(m, m)] - beta @ sigma[np.ix_(o, m)]
            first[m] += pat.n * (shift + beta @ pat.mean)
            cross = moment @ beta.T + np.outer(pat.mean, shift)  # E[y_o y_mᵀ]
            second[np.ix_(o, m)] += pat.n * cross
            second[np.ix_(m, o)] += pat.n * cross.T
            predicted = np.outer(beta @ pat.mean, shift)  # E[ŷ_m] shiftᵀ, less the shift's own part
            second[np.ix_(m, m)] += pat.n * (
                residual + beta @ moment @ beta.T + predicted + predicted.T + np.outer(shift, shift)
            )
        mu = first / n_total
        sigma = second / n_total - np.outer(mu, mu)
        sigma = (sigma + sigma.T) / 2
        value = _pattern_f(pats, mu, sigma)
        if value is None:
            raise StatsError(
                "the saturated model cannot be estimated: the covariance matrix is singular"
                " (a variable is a linear combination of others, or too few rows)"
            )
        scale = float(np.max(np.diag(sigma)))
        change = max(np.max(np.abs(mu - old_mu)), np.max(np.abs(sigma - old_sigma)))
        if change < 1e-12 * scale:  # EM converges linearly: stop on the parameters' change
            return mu, sigma, value
    raise StatsError("the EM algorithm for the saturated model did not converge")


@dataclass
class GroupData:
    """One group's rows of the model's observed variables (NaN where missing)."""

    label: str
    matrix: np.ndarray
    patterns: list[Pattern] = field(init=False)
    mu: np.ndarray = field(init=False)  # saturated (EM) means
    sigma: np.ndarray = field(init=False)  # saturated (EM) covariance matrix
    f_saturated: float = field(init=False)

    def __post_init__(self) -> None:
        self.patterns = patterns(self.matrix)
        p = self.matrix.shape[1]
        self.mu, self.sigma, self.f_saturated = saturated(self.patterns, p)

    @property
    def n(self) -> int:
        return sum(pat.n for pat in self.patterns)

    @property
    def gaps(self) -> int:
        p = self.matrix.shape[1]
        return sum(pat.n for pat in self.patterns if len(pat.observed) < p)

    @property
    def constant(self) -> float:
        """Σ_i p_i log 2π: what -2 log L adds to f."""
        return LOG_2PI * sum(pat.n * len(pat.observed) for pat in self.patterns)


def read_incomplete(df: Any, names: Sequence[str], what: str) -> tuple[np.ndarray, int]:
    """The columns as a float matrix with NaN for gaps, without the rows that are all gaps."""
    names = check_names(names, what)
    check_columns(df, names)
    matrix = np.column_stack([numeric_column(df, name) for name in names])
    empty = np.isnan(matrix).all(axis=1)
    return matrix[~empty], int(empty.sum())


def check_incomplete(matrix: np.ndarray, names: Sequence[str], label: str = "") -> None:
    """Enough rows, every variable varying, every pair of variables observed together."""
    where = f" in group '{label}'" if label else ""
    p = len(names)
    if matrix.shape[0] < p + 2:
        raise StatsError(
            f"too few rows{where}: {matrix.shape[0]} with any of the model's observed"
            f" variables (at least {p + 2} needed)"
        )
    present = ~np.isnan(matrix)
    for j, name in enumerate(names):
        values = matrix[present[:, j], j]
        if values.size < 2:
            raise StatsError(f"column '{name}' has fewer than 2 values{where}")
        if np.ptp(values) == 0:
            raise StatsError(f"column '{name}' has zero variance{where} (every value is the same)")
    together = present.T.astype(np.int64) @ present.astype(np.int64)
    for i in range(p):
        for j in range(i):
            if together[i, j] == 0:
                raise StatsError(
                    f"columns '{names[j]}' and '{names[i]}' are never observed together{where}:"
                    " their covariance cannot be estimated"
                )


@dataclass
class Block:
    """One group's model: its parameters (free covariance-structure ones, then means) and
    where each sits in the vector of all free parameters."""

    spec: _Model
    data: GroupData
    free_latent_means: frozenset[str] = frozenset()
    keys: list[Key] = field(init=False)
    mean_rows: list[int] = field(init=False)
    index: np.ndarray = field(init=False, default_factory=lambda: np.zeros(0, dtype=np.intp))

    def __post_init__(self) -> None:
        spec = self.spec
        self.keys = [(q.lhs, q.op, q.rhs) for q in spec.free]
        self.mean_rows = []
        for name in spec.observed:
            self.keys.append((name, "~1", ""))
            self.mean_rows.append(spec.index[name])
        for name in spec.latent:
            if name in self.free_latent_means:
                self.keys.append((name, "~1", ""))
                self.mean_rows.append(spec.index[name])

    def start(self) -> np.ndarray:
        values = list(self.spec.start(self.data.sigma))
        values += list(self.data.mu)
        values += [0.0] * (len(self.keys) - len(values))
        return np.array(values, dtype=np.float64)

    def moments(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Σ, μ, ∂Σ/∂θ (t x p x p) and ∂μ/∂θ (t x p) at this group's parameters."""
        spec = self.spec
        t_cov = len(spec.free)
        p = len(spec.observed)
        sigma, b, full = spec.implied(theta[:t_cov])
        m = np.zeros(len(spec.names))
        for k, row in enumerate(self.mean_rows):
            m[row] = theta[t_cov + k]
        bm = b @ m
        t = len(self.keys)
        dsigma = np.zeros((t, p, p))
        dsigma[:t_cov] = spec.derivatives(b, full)
        dmu = np.zeros((t, p))
        for k, q in enumerate(spec.free):
            if q.matrix == "A":
                dmu[k] = b[:p, q.row] * bm[q.col]
        for k, row in enumerate(self.mean_rows):
            dmu[t_cov + k] = b[:p, row]
        return sigma, bm[:p], dsigma, dmu

    def value(self, theta: np.ndarray) -> float | None:
        spec = self.spec
        t_cov = len(spec.free)
        try:
            sigma, b, _ = spec.implied(theta[:t_cov])
        except StatsError:
            return None
        m = np.zeros(len(spec.names))
        for k, row in enumerate(self.mean_rows):
            m[row] = theta[t_cov + k]
        mu = (b @ m)[: len(spec.observed)]
        return _pattern_f(self.data.patterns, mu, sigma)

    def derivatives(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gradient of f and its expected Hessian (twice the information)."""
        sigma, mu, dsigma, dmu = self.moments(theta)
        t = len(self.keys)
        gradient, hessian = np.zeros(t), np.zeros((t, t))
        for pat in self.data.patterns:
            o = pat.observed
            inverse = np.linalg.inv(sigma[np.ix_(o, o)])
            d = pat.mean - mu[o]
            spread = pat.cov + np.outer(d, d)
            ds = dsigma[:, o][:, :, o]
            dm = dmu[:, o]
            middle = inverse - inverse @ spread @ inverse
            gradient += pat.n * (np.einsum("ij,aij->a", middle, ds) - 2.0 * dm @ (inverse @ d))
            w = inverse[None, :, :] @ ds
            hessian += pat.n * (np.einsum("aij,bji->ab", w, w) + 2.0 * dm @ inverse @ dm.T)
        return gradient, hessian


@dataclass(frozen=True)
class Fit:
    """A fitted (multi-group) model: the free parameters, their covariance, f per group."""

    theta: np.ndarray
    vcov: np.ndarray
    f_groups: tuple[float, ...]
    iterations: int


def fit_blocks(blocks: Sequence[Block], n_free: int) -> Fit:
    """Minimise f = Σ_g f_g over the shared vector of free parameters by Fisher scoring."""
    n_total = sum(block.data.n for block in blocks)
    theta = np.zeros(n_free)
    seen = np.zeros(n_free, dtype=bool)
    for block in blocks:
        start = block.start()
        for local, glob in enumerate(block.index):
            if not seen[glob]:
                theta[glob], seen[glob] = start[local], True

    def total(values: np.ndarray) -> float | None:
        parts = [block.value(values[block.index]) for block in blocks]
        if any(part is None for part in parts):
            return None
        return float(sum(part for part in parts if part is not None))

    def derivatives(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gradient, hessian = np.zeros(n_free), np.zeros((n_free, n_free))
        for block in blocks:
            g, h = block.derivatives(values[block.index])
            np.add.at(gradient, block.index, g)
            np.add.at(hessian, (block.index[:, None], block.index[None, :]), h)
        return gradient, hessian

    complete = all(block.data.gaps == 0 for block in blocks)
    value = total(theta)
    if value is None:
        raise StatsError(
            "the starting values give a covariance matrix that is not positive definite"
        )
    converged = False
    iterations = 0
    for count in range(1, MAX_ITERATIONS + 1):
        iterations = count
        gradient, hessian = derivatives(theta)
        step = -_solve_scaled(hessian, gradient)
        decrement = -float(gradient @ step) / n_total  # expected fall of f / N: free of units
        # Complete data: the rule of sem.fit_covariance, so FIML retraces the ML fit. With
        # gaps Fisher scoring converges linearly, not quadratically: stop only once the steps
        # themselves are negligible too.
        small = float(np.max(np.abs(step) / (1.0 + np.abs(theta)), initial=0.0)) < 1e-11
        if decrement < 1e-22 or (decrement < 1e-14 and (small or complete)):
            converged = True
            break
        scale = 1.0
        while scale > 1e-10:
            trial = theta + scale * step
            trial_value = total(trial)
            if trial_value is not None and trial_value <= value + 1e-15 * max(1.0, abs(value)):
                break
            scale /= 2
        else:
            converged = decrement < 1e-9
            break
        theta, value = trial, trial_value
    if not converged:
        raise StatsError(
            "the estimation did not converge (often a factor whose indicators barely"
            " correlate, a misspecified model, or too few rows)"
        )
    _, hessian = derivatives(theta)
    unit = np.sqrt(np.clip(np.diag(hessian), 1e-300, None))
    eigen, vectors = np.linalg.eigh(hessian / np.outer(unit, unit))
    if eigen.min() <= 1e-10:
        weakest = int(np.argmax(np.abs(vectors[:, 0])))
        block = next(block for block in blocks if weakest in block.index)
        lhs, op, rhs = block.keys[int(np.flatnonzero(block.index == weakest)[0])]
        raise StatsError(
            "the model is not identified: the information matrix is singular (look at"
            f" '{f'{lhs} {op} {rhs}'.strip()}')"
        )
    vcov = 2.0 * np.linalg.inv(hessian)  # f = -2 log L: the information is half its Hessian
    f_groups = []
    for block in blocks:
        part = block.value(theta[block.index])
        assert part is not None
        f_groups.append(part)
    return Fit(theta, vcov, tuple(f_groups), iterations)


def baseline_f(data: GroupData, names: Sequence[str], exogenous: Sequence[str]) -> float:
    """f of the independence model: each variable alone; observed predictors among themselves."""
    matrix = data.matrix
    total = 0.0
    for j, name in enumerate(names):
        if name in exogenous:
            continue
        values = matrix[~np.isnan(matrix[:, j]), j]
        total += values.size * (float(np.log(values.var())) + 1.0)
    if exogenous:
        columns = [list(names).index(name) for name in exogenous]
        sub = patterns(matrix[:, columns])
        total += saturated(sub, len(columns))[2]
    return total


def estimates_of(block: Block, theta: np.ndarray, se: np.ndarray) -> tuple[Estimate, ...]:
    """Every parameter of one group (fixed ones with se None), then the free means."""
    spec = block.spec
    local_theta, local_se = theta[block.index], se[block.index]
    free = iter(range(len(spec.free)))
    out = []
    for q in spec.parameters:
        if q.fixed is not None:
            out.append(Estimate(q.lhs, q.op, q.rhs, float(q.fixed), None))
        else:
            k = next(free)
            error = None if q.fixed_x else float(local_se[k])
            out.append(Estimate(q.lhs, q.op, q.rhs, float(local_theta[k]), error))
    t_cov = len(spec.free)
    for k, key in enumerate(block.keys[t_cov:]):
        name = key[0]
        error = None if name in spec.exogenous_observed else float(local_se[t_cov + k])
        out.append(Estimate(name, "~1", "", float(local_theta[t_cov + k]), error))
    for name in spec.latent:
        if name not in block.free_latent_means:
            out.append(Estimate(name, "~1", "", 0.0, None))
    return tuple(out)


def moments_count(p: int) -> int:
    return p * (p + 1) // 2 + p


def sem_fiml(df: Any, model: str) -> SemResult:
    """Fit a lavaan-style `model` by FIML: every row with any of its observed variables counts.

    See the module docstring; `sem(df, model, missing="ml")` calls this.
    """
    spec = _Model(parse_model(model))
    matrix, dropped = read_incomplete(df, spec.observed, "model's observed variables")
    check_incomplete(matrix, spec.observed)
    data = GroupData("", matrix)
    block = Block(spec, data)
    block.index = np.arange(len(block.keys))
    p = len(spec.observed)
    df_model = moments_count(p) - len(block.keys)
    if df_model < 0:
        raise StatsError(
            f"the model is not identified: {len(spec.free)} free parameters but only"
            f" {p * (p + 1) // 2} variances and covariances (df = {df_model})"
        )
    fit = fit_blocks([block], len(block.keys))
    n = data.n
    chi2 = max(fit.f_groups[0] - data.f_saturated, 0.0)
    baseline_chi2 = baseline_f(data, spec.observed, spec.exogenous_observed) - data.f_saturated
    exo = len(spec.exogenous_observed)
    baseline_df = p * (p + 1) // 2 - (p - exo) - exo * (exo + 1) // 2
    cfi, tli, rmsea, ci = fit_indices(chi2, df_model, baseline_chi2, baseline_df, n)
    se = np.sqrt(np.clip(np.diag(fit.vcov), 0.0, None))
    sigma = block.moments(fit.theta)[0]
    sd = np.sqrt(np.diag(data.sigma))
    residual = (data.sigma - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(residual[np.tril_indices(p)] ** 2)))
    loglik = -0.5 * (fit.f_groups[0] + data.constant)
    return SemResult(
        n=n,
        observed=tuple(spec.observed),
        latent=tuple(spec.latent),
        chi2=chi2,
        df=df_model,
        pvalue=float(sps.chi2.sf(chi2, df_model)) if df_model > 0 else None,
        baseline_chi2=baseline_chi2,
        baseline_df=baseline_df,
        cfi=cfi,
        tli=tli,
        rmsea=rmsea,
        rmsea_ci=ci,
        srmr=srmr,
        estimates=estimates_of(block, fit.theta, se),
        iterations=fit.iterations,
        dropped=dropped,
        missing="ml",
        rows_with_gaps=data.gaps,
        patterns=len(data.patterns),
        loglik=loglik,
    )
