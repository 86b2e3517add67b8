"""A small, deterministic set of responses to Ashfield's survey, with every figure the
summary should show worked out by hand (used by the summary and export tests).

    group  n  mode      quintile  age     knows          uses  wants          barriers
    A     10  online    1         25_34   arts           arts  walking        awareness, cost
    B      8  paper     5         65_74   arts, walking  -     arts, music    time
    C      3  imported  -         -       -              -     music          awareness
    D      6  online    1         65_74   -              -     walking        -

27 responses: online 16, paper 8, imported 3. Knows arts 18, walking 8; uses arts 10;
wants walking 16, music 11, arts 8. Barriers: awareness 13, cost 10, time 8.
By quintile (1, 2, 3, 4, 5, not known): responses 16, 0, 0, 0, 8, 3.
By age (25_34, 65_74, not given): 10, 14, 3.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from inspiring.accounts.models import User
from inspiring.surveys.choices import BARRIER_BITS
from inspiring.surveys.models import Response, Survey

ARTS = "arts-and-crafts"
WALKING = "walking"
MUSIC = "music"


def positions(survey: Survey) -> dict[str, int]:
    return {
        slug: position
        for slug, position in survey.categories.values_list("category__slug", "position")
    }


def mask(survey: Survey, *slugs: str) -> int:
    where = positions(survey)
    return sum(1 << where[slug] for slug in slugs)


def barriers(*codes: str) -> int:
    return sum(1 << BARRIER_BITS[code] for code in codes)


def responses(survey: Survey, n: int, **fields: Any) -> list[Response]:
    return Response.objects.bulk_create(
        Response(survey=survey, submitted_on=date(2026, 3, 1), **fields) for _ in range(n)
    )


def build(survey: Survey, *, entered_by: User | None = None) -> None:
    responses(
        survey,
        10,
        mode="online",
        imd_decile=1,
        imd_quintile=1,
        lsoa_code="E01028000",
        age_band="25_34",
        knows_mask=mask(survey, ARTS),
        uses_mask=mask(survey, ARTS),
        wants_mask=mask(survey, WALKING),
        barriers_mask=barriers("awareness", "cost"),
        measures={
            "ons4": {
                "version": "1",
                "answers": {"life_satisfaction": 7},
                "scores": {"life_satisfaction": 7},
                "complete": False,
            }
        },
    )
    responses(
        survey,
        8,
        mode="paper",
        entered_by=entered_by,
        imd_decile=10,
        imd_quintile=5,
        age_band="65_74",
        sex="female",
        knows_mask=mask(survey, ARTS, WALKING),
        wants_mask=mask(survey, ARTS, MUSIC),
        barriers_mask=barriers("time"),
    )
    responses(
        survey,
        3,
        mode="imported",
        wants_mask=mask(survey, MUSIC),
        barriers_mask=barriers("awareness"),
    )
    responses(
        survey,
        6,
        mode="online",
        imd_decile=2,
        imd_quintile=1,
        age_band="65_74",
        wants_mask=mask(survey, WALKING),
    )
