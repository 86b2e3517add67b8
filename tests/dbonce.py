"""A pytest plugin: with INSPIRING_DB_TESTS_ONLY=1, only the tests that can reach the
database run; the others are deselected, left to the run that has them already.

CI runs the suite twice, on SQLite and then on PostgreSQL (.ci/run). pytest-django
blocks the database for a test unless it asks for it (a `django_db` mark, the `db`,
`transactional_db`, `django_db_reset_sequences`, `django_db_serialized_rollback` or
`live_server` fixture, itself or through a fixture it uses such as `personas`, or a
Django TestCase/TransactionTestCase): a test that asks for none of them fails if it
touches the database, so it runs the same on either one and the second run need not
run it again. Without the variable (`make test`) everything runs.

Kept whenever in doubt: an item that is not a plain pytest function or a unittest
method, one using `django_db_blocker` (which can open the database by hand) or
`django_db_setup`, and the tests of a file that mentions the database itself (its
vendor, settings, a subprocess or a fixture looked up by name) — such a test may
depend on which database is configured without touching it through pytest-django.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

ENV = "INSPIRING_DB_TESTS_ONLY"
_KEY = "dbonce_deselected"

# Fixtures that give a test the database (directly or through other fixtures:
# item.fixturenames holds the whole closure).
DB_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)
# pytest-django's autouse fixtures hold the blocker for every test; a fixture of ours
# (or a test) that asks for it or for the setup can open the database by hand.
_BY_HAND = frozenset({"django_db_blocker", "django_db_setup"})
# A file that says any of these may depend on the database configured without going
# through pytest-django's fixtures: its database-free tests are kept too.
_MENTIONS_DATABASE = re.compile(
    r"from django(\.db)? import[^\n]*\b(db|connections?)\b|\bconnections?\[|connection\.\w"
    r"|DATABASE|(?i:postgres|sqlite)|subprocess|Popen|getfixturevalue|django_db_blocker"
    r"|manage\.py|call_command",
)

_deselected: list[int] = []
_mentions: dict[str, bool] = {}


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def _file_mentions_database(path: Path) -> bool:
    key = str(path)
    if key not in _mentions:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = "connection"  # unreadable: kept
        _mentions[key] = bool(_MENTIONS_DATABASE.search(text))
    return _mentions[key]


def uses_database(item: pytest.Item) -> bool:
    """Whether the item can reach the database (True whenever unsure)."""
    names = getattr(item, "fixturenames", None)
    if not isinstance(item, pytest.Function) or names is None:
        return True
    if DB_FIXTURES.intersection(names) or item.get_closest_marker("django_db"):
        return True
    if _BY_HAND.intersection(item._fixtureinfo.argnames):
        return True
    for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
        for fixturedef in fixturedefs:
            module = getattr(fixturedef.func, "__module__", "") or ""
            if not module.startswith("pytest_django") and _BY_HAND.intersection(
                fixturedef.argnames
            ):
                return True
    cls = getattr(item, "cls", None)
    if cls is not None:
        from django.test import SimpleTestCase, TransactionTestCase

        if issubclass(cls, TransactionTestCase):
            return True
        if issubclass(cls, SimpleTestCase) and getattr(cls, "databases", None):
            return True
    return _file_mentions_database(Path(str(item.path)))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not enabled():
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if uses_database(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    _deselected.append(len(dropped))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and _deselected:  # an xdist worker: tell the controller
        workeroutput[_KEY] = _deselected[-1]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: each worker collected and deselected the same items."""
    count = getattr(node, "workeroutput", {}).get(_KEY)
    if count is not None and not _deselected:
        _deselected.append(count)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if enabled() and _deselected:
        terminalreporter.write_line(
            f"{ENV}: {_deselected[-1]} tests that cannot reach the database were left to "
            "the SQLite run (tests/dbonce.py)"
        )
