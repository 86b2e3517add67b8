"""Readiness for a load balancer or a monitor: `/health/ready/`.

Liveness (`/health/`, in the interface app) says only that the process answers, so a
database restart never gets healthy web processes restarted. Readiness says whether
this instance can serve: the database answers, every migration is applied, and the
worker and scheduler have beaten within HEALTH_STALE_SECONDS. Each check is a word
("ok", "failing", "pending", "stale", "missing", "not used"); nothing else is said
(no error text, versions, hosts or ages): the page is public.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import Heartbeat

log = logging.getLogger(__name__)

# Working out the migration plan reads every migration file: once all are applied,
# the answer is kept this long in the process.
MIGRATIONS_KNOWN_SECONDS = 60.0
_migrations_ok_until = 0.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        log.warning("Readiness: the database does not answer")
        # A broken connection is not reused by the next request.
        connection.close_if_unusable_or_obsolete()
        return "failing"
    return "ok"


def _migrations() -> str:
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return "ok"
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return "failing"
    if plan:
        log.warning("Readiness: %d migrations are not applied", len(plan))
        return "pending"
    _migrations_ok_until = time.monotonic() + MIGRATIONS_KNOWN_SECONDS
    return "ok"


def _beats() -> dict[str, str]:
    wanted: dict[str, bool] = {
        Heartbeat.Process.WORKER: settings.TASKS_BACKEND == "database",
        Heartbeat.Process.SCHEDULER: settings.HEALTH_REQUIRE_SCHEDULER,
    }
    try:
        last = dict(Heartbeat.objects.values_list("process", "beat_at"))
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return {str(process): "failing" for process in wanted}
    fresh_since = timezone.now() - timedelta(seconds=settings.HEALTH_STALE_SECONDS)
    found: dict[str, str] = {}
    for process, required in wanted.items():
        at = last.get(process)
        if at is None:
            found[str(process)] = "missing" if required else "not used"
        elif at < fresh_since:
            found[str(process)] = "stale" if required else "not used"
        else:
            found[str(process)] = "ok"
    return found


@login_not_required
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database()}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
        checks.update(_beats())
    else:
        checks.update({"migrations": "unknown", "worker": "unknown", "scheduler": "unknown"})
    good = {"ok", "not used"}
    ready = all(state in good for state in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    if not ready:
        # Said above as a warning, once per cause; not an error a line per probe (a load
        # balancer asks every few seconds for as long as the outage lasts).
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response
