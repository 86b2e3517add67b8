"""Environment for the test suite, loaded by pytest before Django's settings.

pytest loads this module as a plugin (`-p config.test_env` in pyproject.toml)
so these defaults are in place when pytest-django first reads the settings.
A variable already set (DATABASE_URL for the PostgreSQL run in CI) wins.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")
# Tests run as a real site, not a demo: two-factor sign-in is enforced, and
# tests that need demo behaviour switch it on themselves.
os.environ.setdefault("DEMO_MODE", "0")
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SITE_URL", "http://testserver")
# A stray REDIS_URL in a developer's shell must not point tests at a shared cache.
os.environ.pop("REDIS_URL", None)


def pytest_configure(config: object) -> None:
    """On PostgreSQL the test run's own connections commit without waiting for the WAL
    to reach the disk (synchronous_commit=off): the test databases are thrown away at
    the end, so a commit lost to a crash of the server costs nothing, and migrating each
    worker's database and the transactional and live-server tests (a commit per write,
    a TRUNCATE after each test) stop waiting on fsync. Only here: this module is loaded
    by pytest alone, and processes the tests start read config/settings.py afresh.

    Connections read their settings when they connect, so changing them here, before
    the first test, reaches every one the run opens."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database.get("ENGINE") == "django.db.backends.postgresql":
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
