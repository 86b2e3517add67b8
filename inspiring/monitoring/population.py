"""The population figures an area's coordinators record (sex, ethnic group), as tallies
for the equity tables' "share of residents" column.

A dimension is compared only once every one of its groups is recorded (a 0 is a
recorded figure; a blank is not), in every area asked: a share worked out over some
groups only would make each of them look larger than it is."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.areas.models import Area
from inspiring.casework import choices
from lib.tallies import Tally

from .models import PopulationFigure

DEFAULT_SOURCE = "Census 2021, tables TS008 and TS021"

GROUPS: dict[str, list[tuple[str, str]]] = {
    PopulationFigure.Dimension.SEX: [
        (code, label) for code, label in choices.Sex.choices if code != "prefer_not"
    ],
    PopulationFigure.Dimension.ETHNIC_GROUP: [
        (code, label) for code, label in choices.EthnicGroup.choices if code != "prefer_not"
    ],
}


def population_shares(area_ids: Sequence[int], dimension: str) -> Tally | None:
    """The recorded residents by group, summed over the areas; None unless every group
    of the dimension is recorded (0 counts as recorded) for every area asked: a share
    from some groups or some areas only would mislead."""
    if dimension not in GROUPS or not area_ids:
        return None
    codes = [code for code, _ in GROUPS[dimension]]
    rows = list(
        PopulationFigure.objects.filter(
            area_id__in=area_ids, dimension=dimension, group__in=codes
        ).values_list("area_id", "group", "count")
    )
    if {(area_id, group) for area_id, group, _ in rows} != {
        (area_id, code) for area_id in area_ids for code in codes
    }:
        return None
    found: dict[str, int] = dict.fromkeys(codes, 0)
    for _, group, count in rows:
        found[group] += count
    return Tally.of(found, GROUPS[dimension], unknown=None, exclusive=False)


@dataclass(frozen=True)
class Missing:
    """A dimension the dashboard does not compare yet: the groups with no figure."""

    dimension: str
    title: str
    labels: list[str]
    none_recorded: bool


def missing_groups(saved: Collection[tuple[str, str]]) -> list[Missing]:
    """Each dimension with a group not recorded among `saved` ((dimension, group), as
    `recorded` gives them), with the labels of the groups missing."""
    out = []
    for dimension, title in PopulationFigure.Dimension.choices:
        groups = GROUPS[dimension]
        labels = [label for code, label in groups if (dimension, code) not in saved]
        if labels:
            out.append(Missing(dimension, title, labels, len(labels) == len(groups)))
    return out


def recorded(area: Area) -> dict[tuple[str, str], PopulationFigure]:
    """The area's figures by (dimension, group)."""
    return {
        (figure.dimension, figure.group): figure
        for figure in PopulationFigure.objects.filter(area=area).select_related("updated_by")
    }


def do_record_population(
    request: HttpRequest,
    area: Area,
    figures: Mapping[tuple[str, str], int | None],
    *,
    source: str,
) -> int:
    """Set the area's figures to `figures` ((dimension, group) -> residents; None: not
    recorded, so any figure kept for it is removed). Returns how many figures changed."""
    user = acting_user(request)
    before = recorded(area)
    changed: list[str] = []
    with transaction.atomic():
        for (dimension, group), count in figures.items():
            existing = before.get((dimension, group))
            if count is None:
                if existing is not None:
                    existing.delete()
                    changed.append(f"{dimension}:{group}")
                continue
            if existing is not None and existing.count == count and existing.source == source:
                continue
            PopulationFigure.objects.update_or_create(
                area=area,
                dimension=dimension,
                group=group,
                defaults={"count": count, "source": source, "updated_by": user},
            )
            changed.append(f"{dimension}:{group}")
        if changed:
            audit.record(
                request,
                "population.recorded",
                area=area,
                detail={"groups": changed, "source": source},
            )
    return len(changed)
