"""Reference figures for monitoring: the areas' population and GP practices.

Published statistics, not people's records: shown as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lib.tallies import Tally


@dataclass(frozen=True)
class Practice:
    code: str
    name: str
    pcn_code: str
    pcn_name: str
    list_size: int | None
    list_size_on: date | None


def population_by_imd_quintile(area_ids: Sequence[int]) -> Tally:
    """Exclusive: "1".."5" -> residents (mid-2015) of the areas' LSOAs by the LSOA's
    IMD 2019 quintile; total = residents. Empty counts when no population is loaded."""
    raise NotImplementedError


def population_by_age_band(area_ids: Sequence[int]) -> Tally:
    """Exclusive: "0-15", "16-59", "60+" -> residents of the areas' LSOAs."""
    raise NotImplementedError


def practices(area_ids: Sequence[int]) -> list[Practice]:
    """The practices on the areas' lists (by district), by name."""
    raise NotImplementedError
