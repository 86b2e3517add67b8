"""Measurement invariance across groups: configural, metric and scalar multi-group CFA, as
lavaan's ``cfa(..., group = "area", group.equal = ...)`` and semTools'
``measurementInvariance`` (Meredith, 1993; Vandenberg & Lance, 2000; Putnick & Bornstein, 2016).

The same lavaan-style model is fitted in every group, by ML with a mean structure (`fiml.py`:
each group's Σ_g(θ) and μ_g(θ); with ``missing="ml"`` by FIML, otherwise rows missing a model
variable are left out):

- configural: the same pattern of loadings; every parameter free in every group; intercepts
  free, latent means 0 (lavaan's default for ``group = ...``);
- metric (weak): the loadings equal across groups (``group.equal = "loadings"``); the latent
  variances stay free in every group, the marker loadings fixed to 1;
- scalar (strong): the loadings and the intercepts of the indicators equal across groups
  (``group.equal = c("loadings", "intercepts")``); the latent means are 0 in the first group
  and free in the others.

Groups are taken in the order they first appear in the data (as lavaan does for a column that
is not a factor); the first is the reference group. Each model reports χ² = Σ_g χ²_g with its
part per group, df = G (p(p+1)/2 + p) - q, CFI and TLI against the multi-group independence
model (free means and variances in each group), RMSEA = √(max(χ² - df, 0) / (df N)) · √G with
its 90% interval likewise scaled (as lavaan), log L, AIC and BIC (see `fiml.py`). Each step is
compared with the step before by the chi-square difference (likelihood-ratio) test,
Δχ² = χ²_restricted - χ²_free on Δdf degrees of freedom, and by ΔCFI = CFI_restricted - CFI_free
and ΔRMSEA = RMSEA_restricted - RMSEA_free. The usual reading (Chen, 2007; Cheung & Rensvold,
2002): invariance holds at a step when Δχ² is not significant, or, in large samples, when CFI
falls by no more than 0.01 (and RMSEA rises by no more than 0.015).

References: Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
invariance. Structural Equation Modeling, 14, 464-504. Cheung, G. W. & Rensvold, R. B. (2002).
Evaluating goodness-of-fit indexes for testing measurement invariance. Structural Equation
Modeling, 9, 233-255. Meredith, W. (1993). Measurement invariance, factor analysis and factorial
invariance. Psychometrika, 58, 525-543. Putnick, D. L. & Bornstein, M. H. (2016). Measurement
invariance conventions and reporting. Developmental Review, 41, 71-90.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._data import check_columns, numeric_column
from .errors import StatsError
from .fiml import (
    Block,
    GroupData,
    baseline_f,
    check_incomplete,
    estimates_of,
    fit_blocks,
    moments_count,
)
from .sem import MISSING, Estimate, _Model, fit_indices, parse_model

STEPS = ("configural", "metric", "scalar")


@dataclass(frozen=True)
class InvarianceStep:
    """One multi-group model of the sequence, and its comparison with the step before."""

    name: str
    chi2: float
    df: int
    pvalue: float | None
    chi2_groups: dict[str, float]
    cfi: float | None
    tli: float | None
    rmsea: float
    rmsea_ci: tuple[float, float]
    loglik: float
    aic: float
    bic: float
    parameters: int
    estimates: dict[str, tuple[Estimate, ...]]
    delta_chi2: float | None = None
    delta_df: int | None = None
    delta_pvalue: float | None = None
    delta_cfi: float | None = None
    delta_rmsea: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "chi2": self.chi2,
            "df": self.df,
            "pvalue": self.pvalue,
            "chi2_groups": self.chi2_groups,
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "rmsea_ci": list(self.rmsea_ci),
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "parameters": self.parameters,
            "compared_with_previous": None
            if self.delta_df is None
            else {
                "delta_chi2": self.delta_chi2,
                "delta_df": self.delta_df,
                "pvalue": self.delta_pvalue,
                "delta_cfi": self.delta_cfi,
                "delta_rmsea": self.delta_rmsea,
            },
            "estimates": {
                group: [estimate.to_dict() for estimate in estimates]
                for group, estimates in self.estimates.items()
            },
        }


@dataclass(frozen=True)
class InvarianceResult:
    """Configural, metric and scalar models across the groups of one column."""

    group: str
    groups: tuple[str, ...]
    n: dict[str, int]
    missing: str
    dropped: int  # rows left out: no group, or (listwise) a gap, or (FIML) no model variable
    rows_with_gaps: int  # FIML: rows used that miss at least one variable
    baseline_chi2: float
    baseline_df: int
    steps: tuple[InvarianceStep, ...]

    def step(self, name: str) -> InvarianceStep:
        for item in self.steps:
            if item.name == name:
                return item
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "groups": list(self.groups),
            "n": self.n,
            "missing": self.missing,
            "dropped": self.dropped,
            "rows_with_gaps": self.rows_with_gaps,
            "baseline": {"chi2": self.baseline_chi2, "df": self.baseline_df},
            "steps": [step.to_dict() for step in self.steps],
        }


def _group_labels(df: pd.DataFrame, group: str) -> np.ndarray:
    """Each row's group as text, or None where the group is missing."""
    check_columns(df, [group])
    column = df[group]
    if isinstance(column, pd.DataFrame):
        raise StatsError(f"column '{group}' appears more than once in the data")
    out = np.empty(len(column), dtype=object)
    for i, value in enumerate(column.tolist()):
        text = "" if pd.isna(value) else str(value).strip()
        out[i] = text or None
    return out


def _blocks(specs: list[_Model], data: list[GroupData], step: str) -> tuple[list[Block], int]:
    """The groups' blocks with their parameters mapped onto one vector (shared where equal)."""
    blocks: list[Block] = []
    where: dict[tuple[str, str, str, str], int] = {}
    for g, (spec, group_data) in enumerate(zip(specs, data, strict=True)):
        free_means = frozenset(spec.latent) if step == "scalar" and g > 0 else frozenset()
        block = Block(spec, group_data, free_means)
        index = []
        indicators = {t for t in spec.observed if t not in spec.exogenous_observed}
        for lhs, op, rhs in block.keys:
            shared = (op == "=~" and step in ("metric", "scalar")) or (
                op == "~1" and step == "scalar" and lhs in indicators
            )
            key = ("all", lhs, op, rhs) if shared else (str(g), lhs, op, rhs)
            index.append(where.setdefault(key, len(where)))
        block.index = np.array(index, dtype=np.intp)
        blocks.append(block)
    return blocks, len(where)


def invariance(
    df: pd.DataFrame,
    model: str,
    group: str,
    *,
    missing: str = "listwise",
    steps: tuple[str, ...] = STEPS,
) -> InvarianceResult:
    """Fit `model` in each group of column `group`: configural, metric, then scalar.

    `steps` chooses among them (in that order); see the module docstring for the constraints,
    the fit indices and the comparisons.
    """
    if missing not in MISSING:
        raise StatsError(f"missing must be one of {', '.join(MISSING)}, not '{missing}'")
    unknown = [step for step in steps if step not in STEPS]
    if unknown or not steps:
        raise StatsError(f"steps must be among {', '.join(STEPS)}, not '{', '.join(unknown)}'")
    steps = tuple(step for step in STEPS if step in steps)
    terms = parse_model(model)
    first = _Model(terms)
    if not first.latent:
        raise StatsError("measurement invariance needs a model with latent variables (=~)")
    if group in first.observed:
        raise StatsError(f"the group column '{group}' is also a variable of the model")
    labels = _group_labels(df, group)
    check_columns(df, first.observed)
    matrix = np.column_stack([numeric_column(df, name) for name in first.observed])
    dropped = int(sum(label is None for label in labels))
    order = list(dict.fromkeys(label for label in labels if label is not None))
    if len(order) < 2:
        raise StatsError(f"column '{group}' has fewer than 2 groups")
    p = len(first.observed)
    data: list[GroupData] = []
    gaps = 0
    for label in order:
        rows = matrix[labels == label]
        has_gap = np.isnan(rows).any(axis=1)
        if missing == "listwise":
            dropped += int(has_gap.sum())
            rows = rows[~has_gap]
        else:
            empty = np.isnan(rows).all(axis=1)
            dropped += int(empty.sum())
            gaps += int((has_gap & ~empty).sum())
            rows = rows[~empty]
        if rows.shape[0] < p + 2:
            kind = "complete " if missing == "listwise" else ""
            raise StatsError(
                f"group '{label}' has too few {kind}rows: {rows.shape[0]} (at least {p + 2} needed)"
            )
        check_incomplete(rows, first.observed, label)
        data.append(GroupData(label, rows))
    n_total = sum(item.n for item in data)
    n_groups = len(data)
    moments = n_groups * moments_count(p)
    f_saturated = sum(item.f_saturated for item in data)
    exo = first.exogenous_observed
    baseline_chi2 = sum(baseline_f(item, first.observed, exo) for item in data) - f_saturated
    baseline_df = n_groups * (p * (p + 1) // 2 - (p - len(exo)) - len(exo) * (len(exo) + 1) // 2)
    constant = sum(item.constant for item in data)

    results: list[InvarianceStep] = []
    for step in steps:
        specs = [_Model(terms) for _ in data]
        blocks, n_free = _blocks(specs, data, step)
        df_model = moments - n_free
        if df_model < 0:
            raise StatsError(
                f"the {step} model is not identified: {n_free} free parameters but only"
                f" {moments} means, variances and covariances (df = {df_model})"
            )
        try:
            fit = fit_blocks(blocks, n_free)
        except StatsError as error:
            raise StatsError(f"the {step} model: {error}") from None
        parts = {
            item.label: max(f - item.f_saturated, 0.0)
            for item, f in zip(data, fit.f_groups, strict=True)
        }
        chi2 = float(sum(parts.values()))
        cfi, tli, rmsea, (low, high) = fit_indices(
            chi2, df_model, baseline_chi2, baseline_df, n_total
        )
        scale = float(np.sqrt(n_groups))
        f_total = float(sum(fit.f_groups))
        loglik = -0.5 * (f_total + constant)
        se = np.sqrt(np.clip(np.diag(fit.vcov), 0.0, None))
        estimates = {block.data.label: estimates_of(block, fit.theta, se) for block in blocks}
        current = InvarianceStep(
            name=step,
            chi2=chi2,
            df=df_model,
            pvalue=float(sps.chi2.sf(chi2, df_model)) if df_model > 0 else None,
            chi2_groups=parts,
            cfi=cfi,
            tli=tli,
            rmsea=rmsea * scale,
            rmsea_ci=(low * scale, high * scale),
            loglik=loglik,
            aic=-2.0 * loglik + 2.0 * n_free,
            bic=-2.0 * loglik + n_free * float(np.log(n_total)),
            parameters=n_free,
            estimates=estimates,
        )
        if results:
            before = results[-1]
            delta_df = current.df - before.df
            delta = current.chi2 - before.chi2
            current = replace(
                current,
                delta_chi2=delta,
                delta_df=delta_df,
                delta_pvalue=float(sps.chi2.sf(max(delta, 0.0), delta_df))
                if delta_df > 0
                else None,
                delta_cfi=None
                if current.cfi is None or before.cfi is None
                else current.cfi - before.cfi,
                delta_rmsea=current.rmsea - before.rmsea,
            )
        results.append(current)
    return InvarianceResult(
        group=group,
        groups=tuple(order),
        n={item.label: item.n for item in data},
        missing=missing,
        dropped=dropped,
        rows_with_gaps=gaps,
        baseline_chi2=baseline_chi2,
        baseline_df=baseline_df,
        steps=tuple(results),
    )
