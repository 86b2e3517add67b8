"""A pytest plugin: no log line written during the test run names a person.

Registered from tests/conftest.py. For the whole session a handler on the root logger
keeps every formatted line, the project's loggers (and django.request) opened to
DEBUG so their every line is seen. At the end the lines are searched for the people
of the demo data and the test personas: their full names and NHS numbers (any
10-digit number, spaced or not, that passes the NHS check digit). Any hit fails the
run, the offending lines printed in the summary.

pytest's own capturing (caplog, the "Captured log" sections) is untouched: this is
one more handler beside pytest's. Under pytest-xdist each worker searches its own
lines and sends the hits to the controller (`workeroutput`), which fails the run:
a worker's own exit status is not what xdist reports.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from lib.identifiers import nhs_number_check_digit

PROJECT_LOGGERS = ("inspiring", "lib", "config", "django.request")
_KEY = "logscan_offenders"
# Ten digits, as one run or spaced 3-3-4, not part of a longer number or hex id.
_NHS_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![0-9A-Za-z])")


class _KeepLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.handleError(record)


_handler = _KeepLines()
_offenders: list[str] = []


def people_names() -> set[str]:
    """Full names of the demo data's people and of the test personas."""
    from inspiring.demo import casework, data, directory_data, playbook

    names = {f"{first} {last}" for first in casework.FIRST for last in casework.LAST}
    names |= {
        f"{first} {last}"
        for first in directory_data.FIRST_NAMES
        for last in directory_data.LAST_NAMES
    }
    names |= {account.full_name for account in data.DEMO_ACCOUNTS}
    names |= {record[2] for record in playbook.RECORDS if "@" not in record[2]}
    names |= _persona_names()
    return {name for name in names if name.strip()}


def _persona_names() -> set[str]:
    """The names given to `_user(email, name, ...)` in tests/personas.py."""
    tree = ast.parse(Path(__file__).with_name("personas.py").read_text(encoding="utf-8"))
    return {
        node.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_user"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    }


def offending(lines: list[str]) -> list[str]:
    """The lines that hold a person's name or an NHS number."""
    names = sorted(people_names(), key=len, reverse=True)
    name_pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in names) + r")\b",
        re.IGNORECASE,
    )
    return [line for line in lines if name_pattern.search(line) or _has_nhs_number(line)]


def _has_nhs_number(line: str) -> bool:
    for match in _NHS_NUMBER.finditer(line):
        digits = "".join(match.groups())
        if nhs_number_check_digit(digits[:9]) == int(digits[9]):
            return True
    return False


def pytest_sessionstart(session: pytest.Session) -> None:
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(_handler)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_handler)
    found = offending(_handler.lines)
    _handler.lines.clear()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports and fails
        workeroutput[_KEY] = found
        return
    _offenders.extend(found)
    if _offenders and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: collect a worker's offending lines."""
    _offenders.extend(getattr(node, "workeroutput", {}).get(_KEY, []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _offenders:
        return
    terminalreporter.section("personal data in log lines (tests/logscan.py)", red=True)
    for line in _offenders:
        terminalreporter.line(line, red=True)
    terminalreporter.line(
        f"{len(_offenders)} log line(s) name a person or hold an NHS number: "
        "log ids, never names or identifiers.",
        red=True,
    )
