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
