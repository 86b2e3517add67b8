"""The community survey's named aggregates for monitoring: what residents would like.

People's answers: monitoring suppresses small counts. Synthetic (demo) responses are
counted with real ones only where the survey summary does; the tally says how many
were synthetic so the page can say so.

The survey summary counts every response, synthetic or not (it says how many were
made up), so these do too. An area's survey here is its most recent (by `created_at`,
as evaluation lists them) that residents have answered: open or closed, not the
template. "Would like" is the summary's: the category's bit (SurveyCategory.bit) set in
`wants_mask`. Three queries, however many areas: the surveys, their categories, and
one aggregate of all their responses grouped by survey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.lookups import GreaterThan

from lib.tallies import Tally

from .models import Response, Survey, SurveyCategory


@dataclass(frozen=True)
class Wishes:
    survey_title: str
    synthetic: int  # of the responses counted, how many are made-up demo data
    # Not exclusive: directory category slug (or the survey category's own code when it
    # has none) -> responses that would like to do it; total = responses.
    want: Tally


def category_code(category: SurveyCategory) -> str:
    """The directory category's slug; for a kind of activity the survey asks about with
    no directory category, "survey:" and its position (a slug has no colon, so the two
    never meet)."""
    if category.category is not None:
        return category.category.slug
    return f"survey:{category.position}"


def wishes(area_ids: Sequence[int]) -> list[Wishes]:
    """For each area's most recent survey that residents have answered (open or closed),
    by the areas' names. Labelled with the directory category's name (as the supply
    beside it is), or the survey's own words where it has none."""
    latest: dict[int, Survey] = {}
    for survey in Survey.objects.filter(
        area_id__in=area_ids,
        status__in=(Survey.Status.OPEN, Survey.Status.CLOSED),
        is_template=False,
    ).order_by("area__name", "area_id", "-created_at", "-pk"):
        latest.setdefault(survey.area_id, survey)
    surveys = list(latest.values())
    if not surveys:
        return []

    # Each survey's codes, in the survey's order, with the bits that answer for them:
    # two of its kinds of activity under one directory category count a resident once.
    codes: dict[int, dict[str, tuple[str, int]]] = {s.pk: {} for s in surveys}
    for category in SurveyCategory.objects.filter(survey__in=surveys).select_related("category"):
        code = category_code(category)
        label = category.category.name if category.category is not None else category.label
        _, bits = codes[category.survey_id].get(code, (label, 0))
        codes[category.survey_id][code] = (label, bits | category.bit)

    masks = sorted({bits for found in codes.values() for _, bits in found.values()})
    columns = {
        f"wants_{bits}": Count("pk", filter=GreaterThan(F("wants_mask").bitand(bits), 0))
        for bits in masks
    }
    counted = {
        row["survey"]: row
        for row in Response.objects.filter(survey__in=surveys)
        .values("survey")
        .order_by()
        .annotate(n=Count("pk"), synthetic_n=Count("pk", filter=Q(synthetic=True)), **columns)
    }

    found = []
    for survey in surveys:
        row = counted.get(survey.pk, {})
        labels = [(code, label) for code, (label, _) in codes[survey.pk].items()]
        want = {code: row.get(f"wants_{bits}", 0) for code, (_, bits) in codes[survey.pk].items()}
        found.append(
            Wishes(
                survey_title=survey.title,
                synthetic=row.get("synthetic_n", 0),
                want=Tally.of(want, labels, total=row.get("n", 0), exclusive=False, unknown=None),
            )
        )
    return found
