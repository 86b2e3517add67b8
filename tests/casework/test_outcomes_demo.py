"""The demo's outcomes: ONS4 baselines for a few Ashfield clients and one follow-up, so
the case page shows a change (and the groups they joined since)."""

from __future__ import annotations

import pytest
from django.test import Client as Browser

from inspiring.casework.models import Administration, Task
from inspiring.demo.casework import load_demo_caseload
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_demo_clients_have_baselines_and_one_a_follow_up(
    client: Browser, personas: Personas
) -> None:
    area, worker = personas.ashfield, personas.link_worker
    load_demo_caseload(area, worker, seed="inspiring-demo-cases-ashfield")
    baselines = Administration.objects.filter(client__area=area, timepoint="baseline")
    assert baselines.count() == 3 and all(a.complete for a in baselines)
    follow_up = Administration.objects.get(client__area=area, timepoint="follow_up")
    first = follow_up.client
    assert (
        follow_up.scores["life_satisfaction"]
        > first.administrations.first().scores[  # type: ignore[union-attr]
            "life_satisfaction"
        ]
    )
    # The other two wait for their follow-up, on their worker's list.
    assert Task.objects.filter(title__startswith="Follow-up", done_at__isnull=True).count() == 2

    sign_in(client, worker, area=area)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "+4 (better)" in page  # life satisfaction 3 -> 7
    section = page[page.index('id="wellbeing"') :]
    baseline_groups = int(section.split("Groups: ", 1)[1].split(" at baseline")[0])
    now_groups = int(section.split("at follow-up, ", 1)[1].split(" now")[0])
    assert now_groups == baseline_groups + 1  # they joined the Thursday singers since

    # Loaded again: nothing doubles.
    assert load_demo_caseload(area, worker, seed="inspiring-demo-cases-ashfield") == 0
    assert Administration.objects.filter(client__area=area).count() == 4
