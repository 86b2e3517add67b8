"""Reference figures for monitoring: the areas' population and GP practices.

Published statistics, not people's records: shown as they are.

An area's LSOAs are those of its districts (`LSOA.district_code` one of the area's lead
and further districts: `models.in_districts_of`); its practices are those whose postcode
is in one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Sum

from lib.tallies import Tally

from .models import LSOA, GPPractice, in_districts_of

# The same codes and words as casework's figures, so the two line up side by side.
IMD_QUINTILES: tuple[tuple[str, str], ...] = (
    ("1", "1 (most deprived fifth)"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 (least deprived fifth)"),
)
AGE_BANDS: tuple[tuple[str, str], ...] = (
    ("0-15", "Aged 0 to 15"),
    ("16-59", "Aged 16 to 59"),
    ("60+", "Aged 60 and over"),
)


@dataclass(frozen=True)
class Practice:
    code: str
    name: str
    pcn_code: str
    pcn_name: str
    list_size: int | None
    list_size_on: date | None


def _districts(area_ids: Sequence[int]) -> Q:
    """Rows in the areas' districts (lead and further), as subqueries: each figure is
    one query."""
    return in_districts_of(list(area_ids))


def population_by_imd_quintile(area_ids: Sequence[int]) -> Tally:
    """Exclusive: "1".."5" -> residents (mid-2015) of the areas' LSOAs by the LSOA's
    IMD 2019 quintile; total = residents. Empty counts when no population is loaded."""
    rows = (
        LSOA.objects.filter(
            _districts(area_ids),
            imd_decile__isnull=False,
            population__isnull=False,
        )
        .values("imd_decile")
        .annotate(residents=Sum("population"))
    )
    found: dict[str, int] = {}
    for row in rows:
        quintile = str((row["imd_decile"] + 1) // 2)
        found[quintile] = found.get(quintile, 0) + row["residents"]
    # Every LSOA of the Indices has a decile, so nothing falls outside the five.
    return Tally.of(found, IMD_QUINTILES, unknown=None)


def population_by_age_band(area_ids: Sequence[int]) -> Tally:
    """Exclusive: "0-15", "16-59", "60+" -> residents of the areas' LSOAs."""
    sums = LSOA.objects.filter(_districts(area_ids)).aggregate(
        young=Sum("population_0_15"),
        middle=Sum("population_16_59"),
        older=Sum("population_60_plus"),
    )
    found = {
        "0-15": sums["young"] or 0,
        "16-59": sums["middle"] or 0,
        "60+": sums["older"] or 0,
    }
    return Tally.of(found, AGE_BANDS, unknown=None)


def practices(area_ids: Sequence[int]) -> list[Practice]:
    """The practices on the areas' lists (by district), by name: the open ones (ODS
    status A), so their list sizes add up to the areas' registered patients now."""
    return [
        Practice(
            code=p.code,
            name=p.name,
            pcn_code=p.pcn_code,
            pcn_name=p.pcn_name,
            list_size=p.list_size,
            list_size_on=p.list_size_on,
        )
        for p in GPPractice.objects.filter(
            _districts(area_ids), status=GPPractice.Status.ACTIVE
        ).order_by("name", "code")
    ]


def practice_networks(codes: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each practice code's primary care network (code, name), ("", "") for none: so a
    table by practice and one by network can be protected together."""
    return {
        code: (pcn_code, pcn_name)
        for code, pcn_code, pcn_name in GPPractice.objects.filter(code__in=list(codes))
        .values_list("code", "pcn_code", "pcn_name")
        .order_by()
    }
