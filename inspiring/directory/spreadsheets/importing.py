"""Holding an uploaded file between its check and the coordinator's choice; the import.

Nothing is stored between the two steps. The file's text goes back to the
browser in the report page's form, signed (it cannot be altered), compressed,
bound to the coordinator and the area, and usable for an hour; with it goes
the list of rows the report said would be written. The import checks the file
again inside the transaction that writes it: if the answer is no longer the
one the coordinator saw (someone changed the directory meanwhile), nothing is
written and the new report is shown instead.

Checking and importing run in the request, not in the background: the held
file would need a model (and a migration) to wait for a worker, and at the
row limit (base.MAX_ROWS) a check takes seconds. Sessions of imported
activities are materialised as for the staff pages, by the task queued when
the import commits (in the background where TASKS_BACKEND=database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from lib.csvfiles import Table, decode

from .base import Check, Sheet

HOLD_SECONDS = 60 * 60


class HoldError(Exception):
    """The held upload cannot be used; str(error) says what to do."""


class ImportRefused(Exception):
    """The file no longer checks as it did: `check` is the new result to show."""

    def __init__(self, check: Check, message: str) -> None:
        super().__init__(message)
        self.check = check


@dataclass(frozen=True)
class Held:
    kind: str
    filename: str
    text: str
    encoding: str
    plan: list[list[Any]]

    def table(self, sheet: Sheet) -> Table:
        table = sheet.read(self.text.encode("utf-8"))
        table.encoding = self.encoding
        return table


def plan_of(check: Check) -> list[list[Any]]:
    """What the report promised: the rows (number, action) an import of the valid rows writes."""
    return [[r.number, r.action] for r in check.to_write(valid_only=True)]


def _salt(request: HttpRequest, sheet: Sheet) -> str:
    return f"inspiring.directory.spreadsheet:{acting_user(request).pk}:{sheet.area.pk}"


def hold_limit() -> int:
    """The held file travels in a form field: it must fit what Django accepts in a POST."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (limit if limit is not None else 10**9) - 64 * 1024


def receive(sheet: Sheet, filename: str, data: bytes) -> tuple[Held, Table]:
    """An uploaded file, read; raises CSVFileError if it cannot be used at all."""
    text, encoding = decode(data)
    held = Held(kind=sheet.kind, filename=filename[:200], text=text, encoding=encoding, plan=[])
    return held, held.table(sheet)


def seal(request: HttpRequest, sheet: Sheet, held: Held, check: Check) -> str:
    """The token the report's form carries: the file and what the report promised."""
    token = signing.dumps(
        {
            "kind": held.kind,
            "filename": held.filename,
            "text": held.text,
            "encoding": held.encoding,
            "plan": plan_of(check),
        },
        salt=_salt(request, sheet),
        compress=True,
    )
    if len(token) > hold_limit():
        raise HoldError(
            "The file is too large to import in one go: split it into smaller files and "
            "upload them one at a time."
        )
    return token


def unseal(request: HttpRequest, sheet: Sheet, token: str) -> Held:
    try:
        payload = signing.loads(token, salt=_salt(request, sheet), max_age=HOLD_SECONDS)
    except signing.SignatureExpired:
        raise HoldError(
            "More than an hour has passed since the file was checked: upload it again."
        ) from None
    except signing.BadSignature:
        raise HoldError("The uploaded file could not be found: upload it again.") from None
    if payload.get("kind") != sheet.kind:
        raise HoldError("The uploaded file could not be found: upload it again.")
    return Held(
        kind=payload["kind"],
        filename=payload["filename"],
        text=payload["text"],
        encoding=payload["encoding"],
        plan=payload["plan"],
    )


@dataclass(frozen=True)
class Imported:
    added: int
    changed: int
    unchanged: int
    left_out: int


def do_import(request: HttpRequest, sheet: Sheet, held: Held, *, valid_only: bool) -> Imported:
    """Write the file's rows (or only its valid ones) in one transaction, or nothing."""
    with transaction.atomic():
        check = sheet.check(held.table(sheet))
        if check.problems and not valid_only:
            raise ImportRefused(
                check, "Some rows have problems, so nothing was imported. Check them below."
            )
        if plan_of(check) != held.plan:
            raise ImportRefused(
                check,
                "The directory has changed since the file was checked, so nothing was "
                "imported. Here is the check again.",
            )
        rows = check.to_write(valid_only=True)
        for result in rows:
            assert result.save is not None
            result.save()
        imported = Imported(
            added=sum(r.action == "new" for r in rows),
            changed=sum(r.action == "changed" for r in rows),
            unchanged=check.count("unchanged"),
            left_out=check.invalid_rows,
        )
        audit.record(
            request,
            "spreadsheet.imported",
            area=sheet.area,
            detail={
                "kind": sheet.kind,
                "file": held.filename,
                "added": imported.added,
                "changed": imported.changed,
                "unchanged": imported.unchanged,
                "rows_left_out": imported.left_out,
            },
        )
    return imported
