"""The demo's client outcomes (inspiring/demo/outcomes.py): a baseline of ONS4 and ONS
loneliness for every assessed demo client but one, a follow-up for those far enough along,
the groups joined in between dated to match, and the structure the module's note promises
(more groups joined, a larger improvement)."""

from __future__ import annotations

import numpy as np
import pytest

from inspiring.areas.models import Area
from inspiring.casework.models import Administration, Client, GroupMembership
from inspiring.demo.casework import load_demo_caseload
from tests.personas import Personas

pytestmark = pytest.mark.django_db
SEED = "inspiring-demo-cases-ashfield"


def _scores(area: Area) -> dict[tuple[int, str, str], dict[str, float]]:
    return {
        (a.client_id, a.instrument_code, a.timepoint): a.scores
        for a in Administration.objects.filter(client__area=area)
    }


def test_baselines_follow_ups_and_groups(personas: Personas) -> None:
    area, worker = personas.ashfield, personas.link_worker
    load_demo_caseload(area, worker, seed=SEED)
    assessed = Client.objects.filter(area=area, assessments__isnull=False).distinct()
    measured = assessed.filter(administrations__isnull=False).distinct()
    # Everyone assessed but one, kept unmeasured for showing a first baseline.
    assert measured.count() == assessed.count() - 1
    unmeasured = assessed.exclude(pk__in=measured).get()
    assert unmeasured.referrals.get().status == "assessed"
    for code in ("ons4", "ons-loneliness"):
        baselines = Administration.objects.filter(
            client__area=area, instrument_code=code, timepoint="baseline"
        )
        assert baselines.count() == measured.count() and all(a.complete for a in baselines)
    follow_ups = Administration.objects.filter(client__area=area, timepoint="follow_up")
    assert follow_ups.filter(instrument_code="ons4").count() >= 8

    # Each follow-up comes after its baseline; groups joined in between are dated so.
    scores = _scores(area)
    changes, joined = [], []
    for follow_up in follow_ups.filter(instrument_code="ons4").select_related("client"):
        client = follow_up.client
        baseline = client.administrations.get(instrument_code="ons4", timepoint="baseline")
        assert baseline.administered_on < follow_up.administered_on
        counts = GroupMembership.objects.filter(client=client).counts_on(
            before=baseline.administered_on, after=follow_up.administered_on
        )
        joined.append(counts["after"] - counts["before"])
        key = (client.pk, "ons4", "follow_up")
        changes.append(
            scores[key]["life_satisfaction"]
            - scores[(client.pk, "ons4", "baseline")]["life_satisfaction"]
        )
    assert max(joined) >= 2 and min(joined) <= 0
    # More groups joined, a larger improvement (the documented structure).
    assert np.corrcoef(joined, changes)[0, 1] > 0.3
    assert np.mean(changes) > 0


def test_deterministic_and_loaded_once(personas: Personas) -> None:
    area, worker = personas.ashfield, personas.link_worker
    load_demo_caseload(area, worker, seed=SEED)
    first = sorted(
        (a.instrument_code, a.timepoint, a.administered_on, sorted(a.answers.items()))
        for a in Administration.objects.filter(client__area=area)
    )
    count = Administration.objects.count()
    assert load_demo_caseload(area, worker, seed=SEED) == 0
    assert Administration.objects.count() == count
    Client.objects.filter(area=area).delete()
    load_demo_caseload(area, worker, seed=SEED)
    again = sorted(
        (a.instrument_code, a.timepoint, a.administered_on, sorted(a.answers.items()))
        for a in Administration.objects.filter(client__area=area)
    )
    assert again == first
