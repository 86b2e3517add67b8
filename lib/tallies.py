"""Raw aggregates as the apps' `figures` modules return them to monitoring.

Plain data, no Django: an app counts its own rows (one GROUP BY where it can) and
returns these; monitoring (the only reader) labels them, compares periods and applies
disclosure control (lib.disclosure) before anything is shown. Nothing here is hidden
yet: a Tally of 3 is 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import mean, median


@dataclass(frozen=True)
class Tally:
    """How many (people, referrals, connections...) fall in each group.

    `counts` has every group in display order, noughts included, keyed by code;
    `labels` gives each code its words. `exclusive`: each thing counted is in exactly
    one group, so the groups add up to `total` (a breakdown by source, with "Not
    recorded" as a group of its own); otherwise a thing may be in several groups or none
    (reasons for referral), and `total` is how many things were counted.
    """

    counts: dict[str, int]
    labels: dict[str, str]
    total: int
    exclusive: bool = True

    def __post_init__(self) -> None:
        if set(self.counts) - set(self.labels):
            raise ValueError("Every group counted needs a label")
        if self.exclusive and sum(self.counts.values()) != self.total:
            raise ValueError(
                f"An exclusive tally's groups add up to {sum(self.counts.values())}, "
                f"not its total {self.total}"
            )

    @classmethod
    def of(
        cls,
        found: Mapping[str, int],
        labels: Sequence[tuple[str, str]],
        *,
        total: int | None = None,
        exclusive: bool = True,
        unknown: tuple[str, str] | None = ("", "Not recorded"),
    ) -> Tally:
        """A tally from what a query found (`{code: count}`), in the order of `labels`
        (every code shown, noughts included). Codes found that are not in `labels` go to
        the `unknown` group (blank, or a code no longer offered), kept last."""
        ordered = dict(labels)
        counts = {code: 0 for code in ordered}
        stray = 0
        for code, count in found.items():
            if code in counts:
                counts[code] += count
            else:
                stray += count
        if unknown is not None:
            code, label = unknown
            counts[code] = counts.get(code, 0) + stray
            ordered[code] = label
        elif stray and exclusive:
            raise ValueError("Counts found for codes with no label and no unknown group")
        if total is None:
            total = sum(counts.values())
        return cls(counts=counts, labels=ordered, total=total, exclusive=exclusive)

    def get(self, code: str) -> int:
        return self.counts.get(code, 0)


@dataclass(frozen=True)
class Spread:
    """A measure over `n` people: days to first contact, change in a score. `values`
    holds the statistics by name ("median", "p90", "mean"), None where undefined."""

    n: int
    values: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def of(cls, data: Iterable[float], *, stats: Sequence[str] = ("median", "p90")) -> Spread:
        items = sorted(data)
        values: dict[str, float | None] = {}
        for name in stats:
            values[name] = _statistic(name, items)
        return cls(n=len(items), values=values)

    def get(self, name: str) -> float | None:
        return self.values.get(name)


def percentile(sorted_items: Sequence[float], fraction: float) -> float | None:
    """The `fraction` quantile by linear interpolation (numpy's default, R's type 7)."""
    if not sorted_items:
        return None
    position = (len(sorted_items) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_items) - 1)
    return sorted_items[low] + (sorted_items[high] - sorted_items[low]) * (position - low)


def _statistic(name: str, items: list[float]) -> float | None:
    if not items:
        return None
    if name == "median":
        return float(median(items))
    if name == "mean":
        return float(mean(items))
    if name.startswith("p") and name[1:].isdigit():
        return percentile(items, int(name[1:]) / 100)
    raise ValueError(f"Unknown statistic {name!r}")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period ends on or after the day it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end
