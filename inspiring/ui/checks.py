"""Deployment checks (`manage.py check --deploy`) for choices Django cannot see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def production_database(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return []
    return [
        checks.Warning(
            "Production is set to use SQLite.",
            hint=(
                "Set DATABASE_URL to a PostgreSQL database: only there does the database "
                "itself refuse deleting audit entries, and SQLite allows one writer at a time."
            ),
            id="inspiring.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def background_tasks(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.TASKS_BACKEND != "immediate":
        return []
    return [
        checks.Warning(
            "Background tasks run inside web requests (TASKS_BACKEND=immediate).",
            hint="Set TASKS_BACKEND=database and run `manage.py db_worker` beside the web server.",
            id="inspiring.W002",
        )
    ]
