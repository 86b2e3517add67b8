"""Paired change against Lakens (2013), pingouin and scipy; the reliable change index by
Jacobson & Truax's formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from inspiring.evaluation.stats import StatsError, paired_change

# Lakens (2013), "Calculating and reporting effect sizes to facilitate cumulative science",
# Frontiers in Psychology 4:863, Table 1: ten people rate two movies. Reported: t(9) = 4.74,
# p = .001, Cohen's d_z = 1.50, d_av = 1.13.
LAKENS = pd.DataFrame(
    {"movie1": [9, 7, 8, 9, 8, 9, 9, 10, 9, 9], "movie2": [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]}
)


def test_matches_lakens_2013_published_example(pg):
    result = paired_change(LAKENS, "movie2", "movie1")
    assert (result.n, result.df) == (10, 9)
    assert result.mean_diff == pytest.approx(1.0)
    assert round(result.t, 2) == 4.74
    assert round(result.p, 3) == 0.001
    assert round(result.d_z, 2) == 1.50
    assert round(result.d_av, 2) == 1.13
    # Independent: pingouin's paired t-test and d_z.
    reference = pg.ttest(LAKENS.movie1, LAKENS.movie2, paired=True)
    assert result.t == pytest.approx(reference["T"].iloc[0], rel=1e-12)
    assert result.p == pytest.approx(reference["p_val"].iloc[0], rel=1e-10)
    d_z = pg.compute_effsize(LAKENS.movie1, LAKENS.movie2, paired=True, eftype="cohen_dz")
    assert result.d_z == pytest.approx(d_z, rel=1e-12)
    signed = pg.wilcoxon(LAKENS.movie1, LAKENS.movie2)  # exact: 8 non-zero differences
    assert result.wilcoxon_statistic == signed["W_val"].iloc[0] == 0
    assert result.wilcoxon_p == pytest.approx(signed["p_val"].iloc[0], rel=1e-12)


def test_interval_and_wilcoxon_match_scipy():
    rng = np.random.default_rng(3)
    before = rng.normal(20, 5, size=60)
    after = before + rng.normal(1.5, 4, size=60)
    data = pd.DataFrame({"pre": before, "post": after})
    result = paired_change(data, "pre", "post", confidence=0.9)
    tested = sps.ttest_rel(after, before)
    low, high = tested.confidence_interval(confidence_level=0.9)
    assert result.ci == pytest.approx((low, high), rel=1e-12)
    signed = sps.wilcoxon(after, before)  # n = 60: the normal approximation
    assert result.wilcoxon_statistic == pytest.approx(signed.statistic)
    assert result.wilcoxon_p == pytest.approx(signed.pvalue, rel=1e-12)


def test_reliable_change_index_by_hand():
    # Jacobson & Truax (1991): SE = SD1·sqrt(1 - r), S_diff = sqrt(2)·SE. With SD1 = 10 and
    # r = .84: SE = 4, S_diff = 5.657, reliable change beyond 1.96 * 5.657 = 11.09 points.
    before = np.array([40.0, 50, 60, 45, 55, 50, 35, 65, 52, 48])
    change = np.array([12.0, -12, 11, 0, 3, -11.2, 20, -20, 5, 11.0])
    data = pd.DataFrame({"pre": before, "post": before + change})
    result = paired_change(data, "pre", "post", reliability=0.84, sd_before=10.0)
    rci = result.rci
    assert rci is not None
    assert rci.se_measurement == pytest.approx(4.0)
    assert rci.s_diff == pytest.approx(4.0 * np.sqrt(2))
    assert rci.criterion * rci.s_diff == pytest.approx(11.087, abs=1e-3)
    assert (rci.improved, rci.deteriorated, rci.unchanged) == (2, 3, 5)
    lower_better = paired_change(
        data, "pre", "post", reliability=0.84, sd_before=10.0, higher_is_better=False
    )
    assert lower_better.rci is not None
    assert (lower_better.rci.improved, lower_better.rci.deteriorated) == (3, 2)
    # Without a normative SD the sample's baseline SD (ddof=1) is used.
    sample_sd = paired_change(data, "pre", "post", reliability=0.84).rci
    assert sample_sd is not None and sample_sd.sd_before == pytest.approx(before.std(ddof=1))


def test_change_output_and_bad_input():
    out = paired_change(LAKENS, "movie2", "movie1").to_dict()
    assert set(out) == {"n", "before", "after", "diff", "t_test", "wilcoxon", "d_z", "d_av", "rci"}
    assert out["rci"] is None
    with pytest.raises(StatsError, match="unknown column 'movie3'"):
        paired_change(LAKENS, "movie1", "movie3")
    with pytest.raises(StatsError, match="zero variance"):
        paired_change(LAKENS.assign(plus=LAKENS.movie1 + 1), "movie1", "plus")
    with pytest.raises(StatsError, match="reliability must be"):
        paired_change(LAKENS, "movie1", "movie2", reliability=1.2)
    with pytest.raises(StatsError, match="too few complete rows"):
        paired_change(LAKENS.iloc[:2], "movie1", "movie2")
