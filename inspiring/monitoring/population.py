"""The population figures an area's coordinators record (sex, ethnic group), as tallies
for the equity tables' "share of residents" column."""

from __future__ import annotations

from collections.abc import Sequence

from inspiring.casework import choices
from lib.tallies import Tally

from .models import PopulationFigure

GROUPS: dict[str, list[tuple[str, str]]] = {
    PopulationFigure.Dimension.SEX: [
        (code, label) for code, label in choices.Sex.choices if code != "prefer_not"
    ],
    PopulationFigure.Dimension.ETHNIC_GROUP: [
        (code, label) for code, label in choices.EthnicGroup.choices if code != "prefer_not"
    ],
}


def population_shares(area_ids: Sequence[int], dimension: str) -> Tally | None:
    """The recorded residents by group, summed over the areas; None unless every area
    has recorded this dimension (a share from some areas only would mislead)."""
    if dimension not in GROUPS:
        return None
    rows = list(
        PopulationFigure.objects.filter(area_id__in=area_ids, dimension=dimension).values_list(
            "area_id", "group", "count"
        )
    )
    if not rows or {area_id for area_id, _, _ in rows} != set(area_ids):
        return None
    found: dict[str, int] = {}
    for _, group, count in rows:
        found[group] = found.get(group, 0) + count
    return Tally.of(found, GROUPS[dimension], unknown=None, exclusive=False)
