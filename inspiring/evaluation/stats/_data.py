"""Shared input checks: columns exist, hold numbers, and leave enough complete rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import StatsError

_MAX_LISTED = 12


def check_names(names: Sequence[str], what: str) -> list[str]:
    """Strip the names, refuse an empty list and duplicates."""
    cleaned = [str(name).strip() for name in names]
    if not cleaned or any(not name for name in cleaned):
        raise StatsError(f"no {what} given" if not cleaned else f"an empty name among the {what}")
    seen: set[str] = set()
    for name in cleaned:
        if name in seen:
            raise StatsError(f"column '{name}' is named twice among the {what}")
        seen.add(name)
    return cleaned


def check_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    """Every column must exist in the data."""
    present = [str(c) for c in df.columns]
    for name in columns:
        if name not in present:
            listed = ", ".join(present[:_MAX_LISTED])
            more = f", … ({len(present)} in all)" if len(present) > _MAX_LISTED else ""
            raise StatsError(f"unknown column '{name}' (the columns are: {listed}{more})")


def numeric_column(df: pd.DataFrame, name: str) -> np.ndarray:
    """One column as float64, missing values as NaN; refuse text and infinite values."""
    series = df[name]
    if isinstance(series, pd.DataFrame):
        raise StatsError(f"column '{name}' appears more than once in the data")
    if pd.api.types.is_bool_dtype(series):
        values = series.astype("float64").to_numpy()
    elif pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna() & (series.astype("string").str.strip() != "")
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            value = str(series.iloc[position])
            if len(value) > 30:
                value = value[:27] + "..."
            raise StatsError(
                f"column '{name}' is not numeric (value '{value}' in data row {position + 1})"
            )
        values = converted.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        raise StatsError(f"column '{name}' has infinite values")
    return np.asarray(values, dtype=np.float64)


def complete_matrix(
    df: pd.DataFrame, columns: Sequence[str], *, min_rows: int, what: str = "columns"
) -> tuple[np.ndarray, int]:
    """The columns as an n-by-p float matrix after listwise deletion of incomplete rows.

    Returns the matrix and the number of rows dropped. Raises StatsError for an unknown or
    non-numeric column, or when fewer than `min_rows` complete rows remain.
    """
    names = check_names(columns, what)
    check_columns(df, names)
    if len(names) == 0:
        raise StatsError(f"no {what} given")
    matrix = np.column_stack([numeric_column(df, name) for name in names])
    complete = ~np.isnan(matrix).any(axis=1)
    kept = matrix[complete]
    if kept.shape[0] < min_rows:
        raise StatsError(
            f"too few complete rows: {kept.shape[0]} (at least {min_rows} needed"
            f" for {', '.join(names)})"
        )
    return kept, int(matrix.shape[0] - kept.shape[0])


def check_variance(matrix: np.ndarray, names: Sequence[str]) -> None:
    """Refuse a column that does not vary (nothing can be estimated from it)."""
    spread = np.ptp(matrix, axis=0)
    for name, value in zip(names, spread, strict=True):
        if value == 0:
            raise StatsError(f"column '{name}' has zero variance (every value is the same)")


def check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise StatsError(f"confidence level must be between 0 and 1, not {confidence}")
    return float(confidence)


def finite_or_none(value: float) -> float | None:
    """A float for JSON: NaN and infinities become None (JSON has no NaN)."""
    number = float(value)
    return number if np.isfinite(number) else None
