"""Paired change from a first to a second measurement (before and after).

For the n rows with both values (listwise), d = after - before:

- Paired t-test: t = mean(d) / (sd(d) / sqrt(n)), df = n - 1, two-sided p
  (`scipy.stats.ttest_rel`), with the 1 - g interval of mean(d) (g = 1 - confidence).
- Wilcoxon signed-rank test on d (`scipy.stats.wilcoxon`, zero differences dropped as in
  Wilcoxon's method, exact p for small samples without ties, otherwise the normal
  approximation); `statistic` is scipy's (the smaller of the two rank sums, two-sided).
- Cohen's d for paired data, both reported (Lakens, 2013, eqs. 6 and 10):
  d_z = mean(d) / sd(d)  (standardized by the spread of the differences; t = d_z·sqrt(n)),
  d_av = mean(d) / ((sd(before) + sd(after)) / 2)  (standardized by the average spread of the
  two measurements; comparable with a between-groups d; Cumming, 2012).
- Reliable change index (Jacobson & Truax, 1991), when the measure's reliability r_xx is
  given: SE = SD1·sqrt(1 - r_xx), S_diff = sqrt(2)·SE, RCI_i = (after_i - before_i) / S_diff,
  with SD1 the standard deviation of the first measurement (of this sample, ddof = 1, unless a
  normative value is given). |RCI| > z_{1-g/2} (1.96 at 95%) is reliable change: improvement
  in the direction that is better (higher by default), deterioration in the other.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as sps

from ._data import check_confidence, check_names, complete_matrix, finite_or_none
from .errors import StatsError


@dataclass(frozen=True)
class ReliableChange:
    """Jacobson & Truax's reliable change index, summarized as counts."""

    reliability: float
    sd_before: float
    se_measurement: float
    s_diff: float
    criterion: float  # |RCI| above this is reliable (1.96 at 95%)
    improved: int
    deteriorated: int
    unchanged: int
    higher_is_better: bool


@dataclass(frozen=True)
class ChangeResult:
    """Paired change: means, the t-test, Wilcoxon's test, Cohen's d_z and d_av, the RCI."""

    n: int
    before: str
    after: str
    mean_before: float
    mean_after: float
    sd_before: float
    sd_after: float
    mean_diff: float
    sd_diff: float
    ci: tuple[float, float]
    confidence: float
    t: float
    df: int
    p: float
    wilcoxon_statistic: float
    wilcoxon_p: float
    d_z: float
    d_av: float
    rci: ReliableChange | None
    dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "before": {"mean": self.mean_before, "sd": self.sd_before},
            "after": {"mean": self.mean_after, "sd": self.sd_after},
            "diff": {
                "mean": self.mean_diff,
                "sd": self.sd_diff,
                "ci": list(self.ci),
                "confidence": self.confidence,
            },
            "t_test": {"t": finite_or_none(self.t), "df": self.df, "p": finite_or_none(self.p)},
            "wilcoxon": {
                "statistic": finite_or_none(self.wilcoxon_statistic),
                "p": finite_or_none(self.wilcoxon_p),
            },
            "d_z": finite_or_none(self.d_z),
            "d_av": finite_or_none(self.d_av),
            "rci": asdict(self.rci) if self.rci is not None else None,
        }


def paired_change(
    df: Any,
    before: str,
    after: str,
    *,
    reliability: float | None = None,
    sd_before: float | None = None,
    higher_is_better: bool = True,
    confidence: float = 0.95,
) -> ChangeResult:
    """Change from column `before` to column `after` of `df` (see the module docstring).

    `reliability` (e.g. the measure's alpha or test-retest r, between 0 and 1) turns on the
    reliable change index; `sd_before` replaces the sample's baseline SD by a normative one;
    `higher_is_better=False` counts decreases as improvement.
    """
    level = check_confidence(confidence)
    names = check_names([before, after], "columns")
    matrix, dropped = complete_matrix(df, names, min_rows=3, what="columns")
    first, second = matrix[:, 0], matrix[:, 1]
    n = first.size
    diff = second - first
    sd_diff = float(diff.std(ddof=1))
    if sd_diff == 0:
        raise StatsError("the differences have zero variance (every row changed by the same)")
    mean_diff = float(diff.mean())
    sd1, sd2 = float(first.std(ddof=1)), float(second.std(ddof=1))
    tested = sps.ttest_rel(second, first)
    half = float(sps.t.ppf(1 - (1 - level) / 2, n - 1)) * sd_diff / np.sqrt(n)
    if not np.any(diff != 0):  # pragma: no cover - zero variance caught above
        raise StatsError("no row changed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # scipy: ties, normal approx.
        signed = sps.wilcoxon(second, first)
    average_sd = (sd1 + sd2) / 2

    rci = None
    if reliability is not None:
        if not 0 <= reliability < 1:
            raise StatsError(f"reliability must be at least 0 and below 1, not {reliability}")
        baseline_sd = sd1 if sd_before is None else float(sd_before)
        if not baseline_sd > 0:
            raise StatsError("the baseline standard deviation must be positive")
        se = baseline_sd * np.sqrt(1 - reliability)
        s_diff = float(np.sqrt(2) * se)
        criterion = float(special.ndtri(1 - (1 - level) / 2))
        index = diff / s_diff
        up, down = int((index > criterion).sum()), int((index < -criterion).sum())
        improved, deteriorated = (up, down) if higher_is_better else (down, up)
        rci = ReliableChange(
            reliability=float(reliability),
            sd_before=baseline_sd,
            se_measurement=float(se),
            s_diff=s_diff,
            criterion=criterion,
            improved=improved,
            deteriorated=deteriorated,
            unchanged=n - up - down,
            higher_is_better=higher_is_better,
        )

    return ChangeResult(
        n=n,
        before=names[0],
        after=names[1],
        mean_before=float(first.mean()),
        mean_after=float(second.mean()),
        sd_before=sd1,
        sd_after=sd2,
        mean_diff=mean_diff,
        sd_diff=sd_diff,
        ci=(float(mean_diff - half), float(mean_diff + half)),
        confidence=level,
        t=float(tested.statistic),
        df=n - 1,
        p=float(tested.pvalue),
        wilcoxon_statistic=float(signed.statistic),
        wilcoxon_p=float(signed.pvalue),
        d_z=mean_diff / sd_diff,
        d_av=mean_diff / average_sd if average_sd > 0 else float("nan"),
        rci=rci,
        dropped=dropped,
    )
