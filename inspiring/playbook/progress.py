"""How far an area is through its playbook: each stage's tasks, done or not, and why.

A task is done when someone marked it done, or when its rule (rules.py) is met: the
platform's count has reached the task's target ("Done: 31 partner organisations
listed"). The progress view, the staff home card and the scale-up report all read
`progress(area)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from inspiring.areas.models import Area

from . import rules
from .models import Stage, Task


@dataclass(frozen=True)
class TaskState:
    task: Task
    done: bool
    # How it was done, or where it stands, in words: "Done by hand on 3 March 2027",
    # "Done: 31 partner organisations listed", "12 of 30 partner organisations listed".
    says: str
    by_rule: bool  # done because the platform's data says so
    overdue: bool


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    tasks: list[TaskState]

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks if t.done)

    @property
    def total(self) -> int:
        return len(self.tasks)

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass(frozen=True)
class Progress:
    area: Area
    stages: list[StageProgress]

    @property
    def done(self) -> int:
        return sum(s.done for s in self.stages)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.stages)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def current(self) -> StageProgress | None:
        """The first stage with something left to do (None when all are done)."""
        return next((s for s in self.stages if not s.complete), None)


def state(task: Task, found: dict[str, int], today: date) -> TaskState:
    by_rule = False
    if task.rule:
        n = found.get(task.rule, 0)
        by_rule = n >= task.target
        counted = rules.says(task.rule, n)
    if task.done_on is not None:
        says = f"Done by hand on {task.done_on:%-d %B %Y}"
        if task.rule:
            says += f" ({counted})"
        done = True
    elif by_rule:
        says, done = f"Done: {counted}", True
    elif task.rule:
        says, done = f"{task.target:,} needed: {counted} so far", False
    else:
        says, done = "Not done yet", False
    overdue = not done and task.due_on is not None and task.due_on < today
    return TaskState(
        task=task, done=done, says=says, by_rule=by_rule and not task.done_on, overdue=overdue
    )


def progress(area: Area, *, today: date | None = None) -> Progress:
    today = today or timezone.localdate()
    stages = list(
        Stage.objects.filter(area=area)
        .order_by("order", "pk")
        .prefetch_related("tasks__owner", "tasks__done_by")
    )
    tasks = [task for stage in stages for task in stage.tasks.all()]
    found = rules.counts(area, (task.rule for task in tasks))
    return Progress(
        area=area,
        stages=[
            StageProgress(
                stage=stage,
                tasks=[
                    state(task, found, today)
                    for task in sorted(stage.tasks.all(), key=lambda t: (t.order, t.pk))
                ],
            )
            for stage in stages
        ],
    )
