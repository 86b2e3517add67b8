"""Liveness (/health/) and readiness (/health/ready/) for a load balancer or monitor
(issue 19, item 2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from inspiring.ops import views
from inspiring.ops.models import Heartbeat, beat
from inspiring.ops.schedule import HEARTBEAT, jobs
from inspiring.ops.scheduler import run_job

pytestmark = pytest.mark.django_db

READY = "/health/ready/"


@pytest.fixture(autouse=True)
def _migrations_asked_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_migrations_ok_until", 0.0)


def test_liveness_asks_nothing_of_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_in_development_needs_the_database_and_migrations_only(
    client: Client, settings: Any
) -> None:
    settings.TASKS_BACKEND = "immediate"
    settings.HEALTH_REQUIRE_SCHEDULER = False
    response = client.get(READY)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "worker": "not used",
            "scheduler": "not used",
        },
    }
    assert "no-cache" in response["Cache-Control"]


def _production(settings: Any) -> None:
    settings.TASKS_BACKEND = "database"
    settings.HEALTH_REQUIRE_SCHEDULER = True
    settings.HEALTH_STALE_SECONDS = 180


def test_not_ready_until_the_worker_and_the_scheduler_have_beaten(
    client: Client, settings: Any
) -> None:
    _production(settings)
    response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["worker"] == "missing"
    assert response.json()["checks"]["scheduler"] == "missing"

    beat(Heartbeat.Process.SCHEDULER)
    beat(Heartbeat.Process.WORKER)
    response = client.get(READY)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "worker": "ok",
        "scheduler": "ok",
    }


def test_a_stale_heartbeat_is_not_ready(client: Client, settings: Any) -> None:
    _production(settings)
    beat(Heartbeat.Process.SCHEDULER)
    beat(Heartbeat.Process.WORKER, at=timezone.now() - timedelta(seconds=181))
    response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stale"
    assert response.json()["checks"]["scheduler"] == "ok"


def test_unapplied_migrations_are_not_ready(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS_BACKEND = "immediate"
    settings.HEALTH_REQUIRE_SCHEDULER = False

    class Pending:
        def __init__(self, connection: Any) -> None:
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})()

        def migration_plan(self, targets: Any) -> list[Any]:
            return [("casework", "0099_not_yet")]

    monkeypatch.setattr(views, "MigrationExecutor", Pending)
    response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "pending"


def test_a_database_that_does_not_answer_is_said_in_one_word(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS_BACKEND = "database"

    def down() -> str:
        try:
            raise DatabaseError("connection refused: secret host db.internal:5432")
        except DatabaseError:
            return "failing"

    monkeypatch.setattr(views, "_database", down)
    response = client.get(READY)
    assert response.status_code == 503
    body = response.content.decode()
    assert response.json()["checks"] == {
        "database": "failing",
        "migrations": "unknown",
        "worker": "unknown",
        "scheduler": "unknown",
    }
    assert "db.internal" not in body and "refused" not in body


def test_the_scheduler_heartbeat_queues_the_worker_s(settings: Any) -> None:
    """The scheduler's beat job records its own beat; the worker's comes from running
    the task it queues (immediately here, as TASKS_BACKEND=immediate runs it)."""
    heartbeat = next(job for job in jobs() if job.name == HEARTBEAT)
    settings.TASKS_BACKEND = "immediate"
    run_job(heartbeat)
    assert set(Heartbeat.objects.values_list("process", flat=True)) == {"scheduler"}


def test_the_worker_heartbeat_task_beats() -> None:
    from inspiring.ops.tasks import worker_heartbeat

    worker_heartbeat.call()
    row = Heartbeat.objects.get(process="worker")
    assert timezone.now() - row.beat_at < timedelta(seconds=10)
    assert row.pid and row.host
