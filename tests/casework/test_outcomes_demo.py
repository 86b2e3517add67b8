"""The demo's outcomes: the first Ashfield client in support is the worked example, so the
case page shows a change (and the group they joined since). The rest of the demo outcomes
are tested in tests/demo/test_demo_outcomes.py."""

from __future__ import annotations

import pytest
from django.test import Client as Browser

from inspiring.casework.models import Administration, Client, Task
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
    assert baselines.count() > 3 and all(a.complete for a in baselines)
    first = (
        Client.objects.filter(area=area, referrals__status="active", administrations__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert first is not None
    follow_up = first.administrations.get(instrument_code="ons4", timepoint="follow_up")
    assert (
        follow_up.scores["life_satisfaction"]
        > first.administrations.first().scores[  # type: ignore[union-attr]
            "life_satisfaction"
        ]
    )
    # Those whose baseline is recent wait for their follow-up, on their worker's list.
    waiting = Task.objects.filter(title__startswith="Follow-up", done_at__isnull=True)
    assert waiting.exists() and all(task.assigned_to == worker for task in waiting)

    sign_in(client, worker, area=area)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "+4 (better)" in page  # life satisfaction 3 -> 7
    section = page[page.index('id="wellbeing"') :]
    baseline_groups = int(section.split("Groups: ", 1)[1].split(" at baseline")[0])
    now_groups = int(section.split("at follow-up, ", 1)[1].split(" now")[0])
    assert now_groups == baseline_groups + 1  # they joined the Thursday singers since

    # Loaded again: nothing doubles.
    count = Administration.objects.filter(client__area=area).count()
    assert load_demo_caseload(area, worker, seed="inspiring-demo-cases-ashfield") == 0
    assert Administration.objects.filter(client__area=area).count() == count
