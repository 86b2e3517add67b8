"""The blueprint, and starting an area's playbook from it or from another area."""

from __future__ import annotations

import datetime

import pytest

from inspiring.playbook.defaults import BLUEPRINT, copy_stages, ensure_stages
from inspiring.playbook.models import Stage, Task
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_blueprint_has_the_four_stages_in_order() -> None:
    assert [stage.code for stage in BLUEPRINT] == [
        Stage.Code.SCOPING,
        Stage.Code.INFORMING,
        Stage.Code.CONNECTING,
        Stage.Code.ROLL_OUT,
    ]
    assert all(stage.summary and stage.tasks for stage in BLUEPRINT)


def test_the_blueprint_names_the_rules_that_complete_tasks() -> None:
    rules = {task.rule: task for stage in BLUEPRINT for task in stage.tasks if task.rule}
    assert set(rules) >= {
        Task.Rule.SURVEY_OPEN,
        Task.Rule.PARTNERS_LISTED,
        Task.Rule.TRAINED,
        Task.Rule.SHARING_AGREED,
        Task.Rule.ACTIVITIES_PUBLISHED,
        Task.Rule.REFERRALS,
        Task.Rule.REPORT,
        Task.Rule.LINK_WORKERS,
    }
    assert rules[Task.Rule.PARTNERS_LISTED].target == 30
    evidence = {task.evidence for stage in BLUEPRINT for task in stage.tasks}
    assert {Task.Evidence.GAPS, Task.Evidence.CALENDAR, Task.Evidence.MONITORING} <= evidence
    # Every rule and evidence named is one the models know.
    assert set(rules) <= set(Task.Rule.values)
    assert evidence <= set(Task.Evidence.values)


def test_ensure_stages_gives_an_empty_area_the_blueprint_once(personas: Personas) -> None:
    area = personas.newark
    made = ensure_stages(area)
    assert made == sum(len(stage.tasks) for stage in BLUEPRINT)
    assert list(Stage.objects.filter(area=area).values_list("code", flat=True)) == [
        s.code for s in BLUEPRINT
    ]
    assert Task.objects.filter(stage__area=area).count() == made
    scoping = Stage.objects.get(area=area, code=Stage.Code.SCOPING)
    assert scoping.tasks.order_by("order")[0].title == "Run the community survey"

    assert ensure_stages(area) == 0
    assert Task.objects.filter(stage__area=area).count() == made


def test_ensure_stages_leaves_an_area_with_stages_alone(personas: Personas) -> None:
    area = personas.newark
    Stage.objects.create(area=area, code=Stage.Code.SCOPING, title="Our own scoping")
    assert ensure_stages(area) == 0
    assert Stage.objects.filter(area=area).count() == 1


def test_copy_stages_copies_the_words_never_owner_due_or_done(personas: Personas) -> None:
    ensure_stages(personas.ashfield)
    task = Task.objects.filter(stage__area=personas.ashfield).order_by("pk").first()
    assert task is not None
    task.title = "Run Ashfield's survey, adapted"
    task.evidence_url = "https://example.org/our-survey"
    task.target = 7
    task.owner = task.done_by = personas.coordinator
    task.due_on = task.done_on = datetime.date(2026, 3, 1)
    task.save()
    Stage.objects.filter(area=personas.ashfield, code=Stage.Code.SCOPING).update(
        summary="Ashfield's own words"
    )

    made = copy_stages(personas.ashfield, personas.newark)
    assert made == Task.objects.filter(stage__area=personas.ashfield).count()
    copied = Task.objects.get(stage__area=personas.newark, title="Run Ashfield's survey, adapted")
    assert copied.evidence_url == "https://example.org/our-survey"
    assert copied.target == 7
    assert (copied.rule, copied.evidence, copied.order) == (task.rule, task.evidence, task.order)
    assert copied.owner is None and copied.done_by is None
    assert copied.due_on is None and copied.done_on is None
    assert copied.public_id != task.public_id
    assert copied.stage.summary == "Ashfield's own words"

    # A second copy changes nothing.
    assert copy_stages(personas.ashfield, personas.newark) == 0
    assert Task.objects.filter(stage__area=personas.newark).count() == made
    # The source is unchanged.
    assert Task.objects.filter(stage__area=personas.ashfield).count() == made


def test_copy_stages_from_an_area_with_none_makes_none(personas: Personas) -> None:
    assert copy_stages(personas.mansfield, personas.newark) == 0
    assert not Stage.objects.filter(area=personas.newark).exists()
