"""Descriptive statistics per column, and scale scores from item responses.

Formulas
--------
For the n non-missing values x_1..x_n of a column: mean = Σx/n; sd = sqrt(Σ(x - mean)² / (n - 1))
(the sample standard deviation, ddof = 1); median, minimum and maximum of the n values;
missing = the number of empty cells. Each column is described on its own values (no
listwise deletion).

A scale score is the mean (or prorated sum) of a respondent's answered items, after
reverse-keyed items are reflected: x' = scale_min + scale_max - x.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._data import check_columns, check_names, finite_or_none, numeric_column
from .errors import StatsError


@dataclass(frozen=True)
class ColumnSummary:
    """Descriptives of one column; statistics are NaN when there are too few values."""

    n: int
    missing: int
    mean: float
    sd: float
    median: float
    min: float
    max: float

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self)
        for key in ("mean", "sd", "median", "min", "max"):
            out[key] = finite_or_none(out[key])
        return out


def summarise(values: np.ndarray) -> ColumnSummary:
    """n, missing, mean, sd (ddof=1), median, min and max of one array with NaN as missing."""
    present = values[~np.isnan(values)]
    n = int(present.size)
    nan = float("nan")
    return ColumnSummary(
        n=n,
        missing=int(values.size - n),
        mean=float(present.mean()) if n else nan,
        sd=float(present.std(ddof=1)) if n > 1 else nan,
        median=float(np.median(present)) if n else nan,
        min=float(present.min()) if n else nan,
        max=float(present.max()) if n else nan,
    )


def describe(df: pd.DataFrame, columns: Sequence[str] | None = None) -> dict[str, ColumnSummary]:
    """Descriptives for each named column (all must be numeric), or, with `columns=None`,
    for every numeric column of the data (text columns are left out).

    Raises StatsError for an unknown or non-numeric named column, or when no numeric column
    is found.
    """
    if columns is None:
        names = [
            str(c)
            for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])
        ]
        if not names:
            raise StatsError("no numeric columns in the data")
    else:
        names = check_names(columns, "columns")
        check_columns(df, names)
    return {name: summarise(numeric_column(df, name)) for name in names}


def scale_score(
    df: pd.DataFrame,
    items: Sequence[str],
    *,
    reverse: Sequence[str] = (),
    scale_min: float | None = None,
    scale_max: float | None = None,
    method: Literal["mean", "sum"] = "mean",
    min_answered: int | None = None,
) -> pd.Series:
    """Each row's scale score from its item responses.

    - Reverse-keyed items (`reverse`, a subset of `items`) are reflected as
      x' = scale_min + scale_max - x, so `scale_min` and `scale_max` (the response scale's
      end points, e.g. 1 and 5) are required when any item is reversed. When they are given,
      a response outside [scale_min, scale_max] is an error.
    - `method="mean"`: the mean of the answered items. `method="sum"`: the prorated sum,
      mean of the answered items times number of items (equal to the plain sum when every item
      is answered).
    - `min_answered` (default: all items): a row with fewer answered items scores NaN.

    Returns a float Series aligned with `df`'s index.
    """
    names = check_names(items, "items")
    check_columns(df, names)
    reversed_names = check_names(reverse, "reverse-keyed items") if reverse else []
    for name in reversed_names:
        if name not in names:
            raise StatsError(f"reverse-keyed item '{name}' is not among the items")
    if method not in ("mean", "sum"):
        raise StatsError(f"unknown scoring method '{method}' (use mean or sum)")
    if reversed_names and (scale_min is None or scale_max is None):
        raise StatsError("reverse-keyed items need the scale's minimum and maximum")
    if scale_min is not None and scale_max is not None and scale_min >= scale_max:
        raise StatsError("the scale's minimum must be below its maximum")
    k = len(names)
    needed = k if min_answered is None else int(min_answered)
    if not 1 <= needed <= k:
        raise StatsError(f"min_answered must be between 1 and {k}, not {min_answered}")

    matrix = np.column_stack([numeric_column(df, name) for name in names])
    for j, name in enumerate(names):
        column = matrix[:, j]
        present = column[~np.isnan(column)]
        if scale_min is not None and (present < scale_min).any():
            raise StatsError(f"item '{name}' has a value below the scale minimum {scale_min}")
        if scale_max is not None and (present > scale_max).any():
            raise StatsError(f"item '{name}' has a value above the scale maximum {scale_max}")
        if name in reversed_names:
            assert scale_min is not None and scale_max is not None
            matrix[:, j] = scale_min + scale_max - column

    answered = (~np.isnan(matrix)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        means = np.nansum(matrix, axis=1) / answered
    scores = means * k if method == "sum" else means
    scores = np.where(answered >= needed, scores, np.nan)
    return pd.Series(scores, index=df.index, name="score", dtype="float64")
