"""Descriptives against pandas; scale scores by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation.stats import StatsError, describe, scale_score


def test_describe_matches_pandas(mediation_data):
    data = mediation_data.copy()
    data.loc[[1, 5, 9], "M"] = np.nan
    data["group"] = "a"
    summaries = describe(data)
    assert "group" not in summaries  # text columns are left out when none are named
    for name, summary in summaries.items():
        column = data[name]
        assert summary.n == column.count()
        assert summary.missing == column.isna().sum()
        assert summary.mean == pytest.approx(column.mean())
        assert summary.sd == pytest.approx(column.std())  # ddof = 1
        assert summary.median == pytest.approx(column.median())
        assert (summary.min, summary.max) == (column.min(), column.max())
    assert summaries["M"].missing == 3


def test_describe_named_columns_and_numbers_stored_as_text():
    data = pd.DataFrame({"a": ["1", " 2", "3", ""], "b": ["x", "y", "z", "w"]})
    summary = describe(data, ["a"])["a"]
    assert (summary.n, summary.missing, summary.mean) == (3, 1, 2.0)
    with pytest.raises(StatsError, match="column 'b' is not numeric \\(value 'x' in data row 1\\)"):
        describe(data, ["b"])
    with pytest.raises(StatsError, match="no numeric columns"):
        describe(data[["b"]])
    single = describe(pd.DataFrame({"a": [4.0]}))["a"].to_dict()
    assert single["sd"] is None  # one value has no sd; JSON gets null


def test_scale_score_reverse_keying_and_missing_items():
    data = pd.DataFrame({"q1": [1, 5, 3, np.nan], "q2": [2, 4, np.nan, np.nan], "q3": [5, 1, 3, 4]})
    # q3 reverse-keyed on a 1..5 scale: 5 -> 1, 1 -> 5, 3 -> 3, 4 -> 2.
    mean = scale_score(data, ["q1", "q2", "q3"], reverse=["q3"], scale_min=1, scale_max=5)
    assert mean.iloc[0] == pytest.approx((1 + 2 + 1) / 3)
    assert mean.iloc[1] == pytest.approx((5 + 4 + 5) / 3)
    assert np.isnan(mean.iloc[2]) and np.isnan(mean.iloc[3])  # default: every item answered
    lenient = scale_score(
        data, ["q1", "q2", "q3"], reverse=["q3"], scale_min=1, scale_max=5, min_answered=2
    )
    assert lenient.iloc[2] == pytest.approx(3.0) and np.isnan(lenient.iloc[3])
    prorated = scale_score(data, ["q1", "q2", "q3"], method="sum", min_answered=2)
    assert prorated.iloc[0] == pytest.approx(8.0)
    assert prorated.iloc[2] == pytest.approx(3 * (3 + 3) / 2)  # mean of answered times 3 items


def test_scale_score_bad_input():
    data = pd.DataFrame({"q1": [1, 2, 6], "q2": [1, 2, 3]})
    with pytest.raises(StatsError, match="need the scale's minimum and maximum"):
        scale_score(data, ["q1", "q2"], reverse=["q2"])
    with pytest.raises(StatsError, match="above the scale maximum 5"):
        scale_score(data, ["q1", "q2"], scale_min=1, scale_max=5)
    with pytest.raises(StatsError, match="not among the items"):
        scale_score(data, ["q1"], reverse=["q2"], scale_min=1, scale_max=7)
    with pytest.raises(StatsError, match="min_answered must be between 1 and 2"):
        scale_score(data, ["q1", "q2"], min_answered=3)
    with pytest.raises(StatsError, match="unknown scoring method"):
        scale_score(data, ["q1", "q2"], method="median")  # type: ignore[arg-type]
