"""The demo's community surveys: one per area from the template, open, about 400
synthetic responses each, the same every time, loaded once, with the documented
structure there to be found."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from inspiring.accounts.models import Membership
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.demo.data import DEMO_AREAS
from inspiring.demo.loading import load_demo
from inspiring.demo.surveys import RESPONSES_PER_AREA, load_demo_surveys
from inspiring.surveys.choices import BARRIER_BITS
from inspiring.surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def coordinator(area: Area) -> Any:
    membership = Membership.objects.filter(area=area, role=Role.COORDINATOR).first()
    return membership.user if membership else None


@pytest.fixture
def areas(settings: Any) -> dict[str, Area]:
    settings.DEMO_MODE = True
    load_demo(directory=False)
    # The established areas: the new one (Gedling) has a draft survey of its own, no
    # synthetic one (test_the_new_area_has_a_draft_survey_and_no_responses).
    return {area.slug: area for area in Area.objects.filter(slug__in=[a.slug for a in DEMO_AREAS])}


def rate(responses: list[Response], barrier: str) -> float:
    bit = 1 << BARRIER_BITS[barrier]
    return sum(1 for r in responses if r.barriers_mask & bit) / len(responses)


def test_each_area_gets_an_open_synthetic_survey_once(areas: dict[str, Area]) -> None:
    assert load_demo_surveys(areas, coordinator) == RESPONSES_PER_AREA * len(areas)
    for area in areas.values():
        survey = Survey.objects.get(area=area)
        assert survey.synthetic and survey.is_open
        assert survey.responses.count() == RESPONSES_PER_AREA
        assert not survey.responses.filter(synthetic=False).exists()
    # A second load adds nothing.
    assert load_demo_surveys(areas, coordinator) == 0
    assert Response.objects.count() == RESPONSES_PER_AREA * len(areas)


def test_the_same_seed_gives_the_same_responses(areas: dict[str, Area]) -> None:
    load_demo_surveys(areas, coordinator)
    first = list(
        Response.objects.order_by("pk").values_list("barriers_mask", "wants_mask", "groups_count")
    )
    Survey.objects.all().delete()
    load_demo_surveys(areas, coordinator)
    again = list(
        Response.objects.order_by("pk").values_list("barriers_mask", "wants_mask", "groups_count")
    )
    assert first == again


def test_the_documented_structure_is_there_to_find(areas: dict[str, Area]) -> None:
    load_demo_surveys(areas, coordinator)
    ashfield = list(Response.objects.filter(survey__area=areas["ashfield"]))
    # Barrier rates near the original survey's.
    assert rate(ashfield, "awareness") == pytest.approx(0.80, abs=0.06)
    assert rate(ashfield, "time") == pytest.approx(0.45, abs=0.08)
    assert rate(ashfield, "nothing_appealing") == pytest.approx(0.45, abs=0.07)
    assert rate(ashfield, "cost") == pytest.approx(0.27, abs=0.07)
    assert rate(ashfield, "travel") == pytest.approx(0.18, abs=0.06)
    # Over 70 % want something.
    assert sum(1 for r in ashfield if r.wants_mask) / len(ashfield) > 0.70
    # More deprived quintiles name cost more often.
    everyone = list(Response.objects.all())
    deprived = [r for r in everyone if r.imd_quintile in (1, 2)]
    affluent = [r for r in everyone if r.imd_quintile in (4, 5)]
    assert rate(deprived, "cost") > rate(affluent, "cost")

    # More groups: less UCLA loneliness, more life satisfaction.
    def scores(code: str, scale: str) -> list[tuple[int, float]]:
        return [
            (r.groups_count, r.measures[code]["scores"][scale])
            for r in everyone
            if r.groups_count is not None
            and code in r.measures
            and r.measures[code]["scores"][scale] is not None
        ]

    ucla = scores("ons-loneliness", "ucla3")
    life = scores("ons4", "life_satisfaction")
    assert statistics.correlation(*zip(*ucla, strict=True)) < -0.2
    assert statistics.correlation(*zip(*life, strict=True)) > 0.1
    # Neighbourhood identification goes with needs satisfaction, which goes with wellbeing.
    both = [
        (
            next(iter(r.measures["neighbourhood-identification"]["scores"].values())),
            next(iter(r.measures["needs-satisfaction"]["scores"].values())),
        )
        for r in everyone
        if "neighbourhood-identification" in r.measures and "needs-satisfaction" in r.measures
    ]
    pairs = [(a, b) for a, b in both if a is not None and b is not None]
    assert len(pairs) > 500
    assert statistics.correlation(*zip(*pairs, strict=True)) > 0.3
    # Stored exactly as a real response: version, answers, scores, complete.
    for r in ashfield[:50]:
        for stored in r.measures.values():
            assert set(stored) == {"version", "answers", "scores", "complete"}


def test_the_full_demo_load_includes_the_surveys(settings: Any) -> None:
    settings.DEMO_MODE = True
    created = load_demo(directory=True)
    assert created["survey responses"] == RESPONSES_PER_AREA * len(DEMO_AREAS)
    assert load_demo(directory=True)["survey responses"] == 0


def test_the_new_area_has_a_draft_survey_and_no_responses(areas: dict[str, Area]) -> None:
    survey = Survey.objects.get(area__slug="gedling")
    assert survey.status == Survey.Status.DRAFT and not survey.synthetic
    assert not survey.responses.exists()
