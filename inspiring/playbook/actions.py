"""Changing an area's playbook tasks: every change audited, a change saved over
someone else's refused (optimistic locking on `Task.version`).

The views turn what happened into a message; these only act.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User

from .models import Stage, Task

STALE = (
    "Someone else changed this task while you were looking at it. Your changes have not "
    "been saved: what you typed is below, beside what is saved now. Check it and save "
    "again."
)
STALE_DONE = (
    "Someone else changed this task while you were looking at it, so it was not marked. "
    "Check what is saved now and try again."
)


class StaleTask(Exception):
    """Someone saved the task since this form was opened."""


def _user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def _check(task: Task, seen_version: int, message: str) -> Task:
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.version != seen_version:
        raise StaleTask(message)
    return current


def do_update_task(
    request: HttpRequest, task: Task, fields: Iterable[str], *, seen_version: int
) -> Task:
    """Save the form's changes to a task, unless someone saved it since `seen_version`."""
    changed = sorted(set(fields) - {"version"})
    with transaction.atomic():
        current = _check(task, seen_version, STALE)
        task.version = current.version + 1
        # Done is changed only by do_mark_done: keep what is saved.
        task.done_on, task.done_by_id = current.done_on, current.done_by_id
        task.save()
        audit.record(
            request,
            "playbook.task_changed",
            task,
            area=task.stage.area,
            detail={"stage": task.stage.code, "fields": changed},
        )
    return task


def do_mark_done(
    request: HttpRequest,
    task: Task,
    *,
    done: bool,
    seen_version: int,
    today: date | None = None,
) -> Task:
    """Mark a task done by hand today (done=True), or not done (undo)."""
    with transaction.atomic():
        current = _check(task, seen_version, STALE_DONE)
        if done:
            current.done_on = today or timezone.localdate()
            current.done_by = _user(request)
        else:
            current.done_on = None
            current.done_by = None
        current.version += 1
        current.save(update_fields=["done_on", "done_by", "version", "updated_at"])
        audit.record(
            request,
            "playbook.task_changed",
            current,
            area=task.stage.area,
            detail={
                "stage": task.stage.code,
                "done": str(current.done_on) if done else "not done",
            },
        )
    return current


def do_add_task(request: HttpRequest, stage: Stage, task: Task) -> Task:
    """Add a task at the end of a stage."""
    with transaction.atomic():
        last = Task.objects.filter(stage=stage).aggregate(last=Max("order"))["last"]
        task.stage = stage
        task.order = (last or 0) + 1
        task.version = 1
        task.done_on, task.done_by = None, None
        task.save()
        audit.record(
            request,
            "playbook.task_added",
            task,
            area=stage.area,
            detail={"stage": stage.code},
        )
    return task


def do_delete_task(request: HttpRequest, task: Task) -> None:
    with transaction.atomic():
        audit.record(
            request,
            "playbook.task_deleted",
            task,
            area=task.stage.area,
            detail={"stage": task.stage.code, "title": task.title},
        )
        task.delete()
