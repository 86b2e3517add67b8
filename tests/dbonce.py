"""A pytest plugin: with INSPIRING_DB_TESTS_ONLY=1, only the tests that can reach the
database run; the others are deselected, left to the run that has them already.

CI runs the suite twice, on SQLite and then on PostgreSQL (.ci/run). pytest-django
blocks the database for a test unless it asks for it (a `django_db` mark, the `db`,
`transactional_db`, `django_db_reset_sequences`, `django_db_serialized_rollback` or
`live_server` fixture, itself or through a fixture it uses such as `personas`, or a
Django TestCase/TransactionTestCase): a test that asks for none of them fails if it
touches the database, so it runs the same on either one and the second run need not
run it again. Without the variables (`make test`) everything runs.

Kept whenever in doubt: an item that is not a plain pytest function or a unittest
method, one using `django_db_blocker` (which can open the database by hand) or
`django_db_setup`, and the tests of a file that mentions the database itself (its
vendor, settings, a subprocess or a fixture looked up by name) — such a test may
depend on which database is configured without touching it through pytest-django.

With INSPIRING_BROWSER_ONCE=1, the browser tests (marker `browser`, or the `browser`
fixture of tests/browser/conftest.py, which `page` uses) are deselected too. They drive
the interface through Chromium and a live server, and take about eleven minutes of two
workers here; every view, form and query they go through is also run, with Django's
test client, by tests that run on both databases, so a second run on another database
mostly retimes Chromium. CI's SQLite run keeps them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

ENV = "INSPIRING_DB_TESTS_ONLY"
BROWSER_ENV = "INSPIRING_BROWSER_ONCE"
_KEY = "dbonce_deselected"
_BROWSER_KEY = "dbonce_browser_deselected"

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
_browser_deselected: list[int] = []
_mentions: dict[str, bool] = {}


def _set(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def enabled() -> bool:
    return _set(ENV)


def browser_once() -> bool:
    return _set(BROWSER_ENV)


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


def is_browser_test(item: pytest.Item) -> bool:
    """Marked `browser`, or driving Chromium through the `browser` fixture (`page` uses
    it) without the mark."""
    names = getattr(item, "fixturenames", None) or ()
    return item.get_closest_marker("browser") is not None or "browser" in names


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not enabled() and not browser_once():
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    browser = 0
    for item in items:
        if browser_once() and is_browser_test(item):
            dropped.append(item)
            browser += 1
        elif enabled() and not uses_database(item):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    _deselected.append(len(dropped) - browser)
    _browser_deselected.append(browser)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and _deselected:  # an xdist worker: tell the controller
        workeroutput[_KEY] = _deselected[-1]
        workeroutput[_BROWSER_KEY] = _browser_deselected[-1]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: each worker collected and deselected the same items."""
    output = getattr(node, "workeroutput", {})
    if output.get(_KEY) is not None and not _deselected:
        _deselected.append(output[_KEY])
        _browser_deselected.append(output.get(_BROWSER_KEY, 0))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _deselected:
        return
    if enabled():
        terminalreporter.write_line(
            f"{ENV}: {_deselected[-1]} tests that cannot reach the database were left to "
            "the SQLite run (tests/dbonce.py)"
        )
    if browser_once():
        terminalreporter.write_line(
            f"{BROWSER_ENV}: {_browser_deselected[-1]} browser tests were left to the "
            "SQLite run (tests/dbonce.py)"
        )
