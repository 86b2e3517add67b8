"""Tasks whose worker stopped while running them are marked failed (issue 19's fault
finding: django-tasks-db leaves them RUNNING for ever), and import_feeds does not queue
a feed whose import is already queued or running."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from inspiring.feeds.models import FeedSource
from inspiring.ops.abandoned import fail_abandoned
from tests.directory.builders import organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_backend(settings: Any) -> None:
    """As in production: tasks queued in the database for db_worker."""
    settings.TASKS_BACKEND = "database"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def running(task_path: str, *, minutes_ago: int, args: list[Any] | None = None) -> DBTaskResult:
    started = timezone.now() - timedelta(minutes=minutes_ago)
    return DBTaskResult.objects.create(
        task_path=task_path,
        args_kwargs={"args": args or [], "kwargs": {}},
        backend_name="default",
        run_after=started,
        status=TaskResultStatus.RUNNING,
        started_at=started,
        worker_ids=["worker-that-died"],
    )


def test_a_task_running_too_long_is_marked_failed_and_listeners_told(settings: Any) -> None:
    settings.TASK_ABANDONED_MINUTES = 60
    old = running("inspiring.ops.tasks.worker_heartbeat", minutes_ago=61)
    young = running("inspiring.ops.tasks.worker_heartbeat", minutes_ago=59)
    told: list[Any] = []

    def listen(sender: Any, task_result: Any, **kwargs: Any) -> None:
        told.append(task_result.id)

    task_finished.connect(listen)
    try:
        assert fail_abandoned() == 1
    finally:
        task_finished.disconnect(listen)
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.status == TaskResultStatus.FAILED and old.finished_at is not None
    assert old.exception_class_path == "inspiring.ops.abandoned.WorkerStopped"
    assert "Still running after 60 minutes: its worker (worker-that-died) stopped" in (
        old.traceback
    )
    assert young.status == TaskResultStatus.RUNNING
    assert told == [str(old.pk)]
    assert fail_abandoned() == 0


def test_the_scheduled_command_says_how_many(settings: Any) -> None:
    settings.TASK_ABANDONED_MINUTES = 60
    running("inspiring.ops.tasks.worker_heartbeat", minutes_ago=120)
    out = StringIO()
    call_command("fail_abandoned_tasks", stdout=out)
    assert out.getvalue().strip() == "1 abandoned task marked failed."


def test_import_feeds_leaves_a_feed_already_queued_or_running(
    personas: Personas, settings: Any
) -> None:
    group = organisation(personas.ashfield, "Kirkby Walkers")
    feeds = [
        FeedSource.objects.create(organisation=group, url=f"https://example.org/{n}.ics")
        for n in range(3)
    ]
    path = "inspiring.feeds.tasks.import_feed_task"
    running(path, minutes_ago=1, args=[feeds[0].pk])
    DBTaskResult.objects.create(
        task_path=path,
        args_kwargs={"args": [feeds[1].pk], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
    )
    out = StringIO()
    call_command("import_feeds", stdout=out)
    assert out.getvalue().strip() == "Queued 1 feed import. 2 already queued or running."
    queued = DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY)
    assert sorted(row.args_kwargs["args"][0] for row in queued) == [feeds[1].pk, feeds[2].pk]


def test_a_booklet_whose_worker_stopped_is_failed_not_being_made_for_ever(
    personas: Personas, settings: Any
) -> None:
    from datetime import date

    from inspiring.directory.models import Booklet

    settings.TASK_ABANDONED_MINUTES = 60
    booklet = Booklet.objects.create(
        area=personas.ashfield,
        start=date(2026, 12, 1),
        end=date(2027, 1, 31),
        status=Booklet.Status.BUILDING,
        progress=40,
        stage="Laying out the pages",
    )
    running("inspiring.directory.tasks.build_booklet", minutes_ago=90, args=[booklet.pk])
    assert fail_abandoned() == 1
    booklet.refresh_from_db()
    assert booklet.status == Booklet.Status.FAILED
    assert booklet.error == "Something went wrong while making the PDF. Try again in a few minutes."
    assert booklet.stage == "" and booklet.finished_at is not None
