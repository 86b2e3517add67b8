"""Background work for the directory (Django's tasks API, via django-tasks)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task


@task()
def materialise_activity_sessions(activity_id: int) -> dict[str, int]:
    """Bring one activity's sessions in step with its schedules (after any change)."""
    from .materialise import materialise_activity
    from .models import Activity

    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return {"created": 0, "updated": 0, "deleted": 0}
    report = materialise_activity(activity)
    return {"created": report.created, "updated": report.updated, "deleted": report.deleted}


@task()
def build_booklet(booklet_id: int) -> str:
    """Make a calendar booklet's PDF (progress is kept on the Booklet)."""
    from .booklets import build
    from .models import Booklet

    booklet = Booklet.objects.select_related("area").filter(pk=booklet_id).first()
    if booklet is None:
        return "missing"
    return build(booklet).status


def booklet_task_finished(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """A booklet task that failed outside `build` (its worker stopped: the scheduler
    marks such tasks failed) leaves the booklet failed, not "being made" for ever."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if task_result.task.module_path != build_booklet.module_path or not task_result.args:
        return
    from .booklets import BOOKLET_FAILED
    from .models import Booklet

    Booklet.objects.filter(
        pk=task_result.args[0], status__in=[Booklet.Status.QUEUED, Booklet.Status.BUILDING]
    ).update(
        status=Booklet.Status.FAILED,
        error=BOOKLET_FAILED,
        finished_at=timezone.now(),
        stage="",
    )
