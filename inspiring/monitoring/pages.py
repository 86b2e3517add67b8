"""What every monitoring page does alike: links to its own files, its period list, and
answering `?format=` (with `&table=`) with a file of its Report, audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode

from inspiring.accounts import audit
from inspiring.areas.models import Area

from . import exports, periods
from .exports import Report


@dataclass(frozen=True)
class Asked:
    """What the page's address asks for: the Report (one table of it with `table=`), and
    the file format ("" for the page, or when something asked is wrong)."""

    report: Report
    fmt: str
    table: str


def asked(request: HttpRequest, report: Report, errors: list[str], *, where: str) -> Asked:
    """Read `?format=` and `&table=` against `report`; what is wrong is added to
    `errors` in words (`where`: "on this page", "in this report")."""
    fmt = request.GET.get("format", "")
    if fmt and fmt not in exports.FORMATS:
        errors.append("Choose CSV, XLSX or PDF to download")
    table = request.GET.get("table", "")
    if table and not errors:
        narrowed = report.only(table)
        if narrowed is None:
            errors.append(f"There is no such table {where}")
        else:
            report = narrowed
    return Asked(report, fmt if not errors else "", table)


def download(
    request: HttpRequest,
    wanted: Asked,
    *,
    action: str,
    of: list[Area],
    period: periods.Period,
    record: Model | None = None,
    detail: dict[str, Any] | None = None,
) -> HttpResponse:
    """The file asked for, for the areas `of`, its download audited (`action`, with the
    period, format, table and `detail`)."""
    audit.record(
        request,
        action,
        record,
        area=of[0] if len(of) == 1 else None,
        detail={
            **(detail or {}),
            "from": str(period.start),
            "to": str(period.end),
            "format": wanted.fmt,
            "table": wanted.table,
        },
    )
    return exports.response(
        wanted.report, wanted.fmt, area_names=[area.name for area in of], request=request
    )


def query_without(request: HttpRequest, *drop: str) -> str:
    """The page's own query string without `drop` (for links to its files)."""
    return urlencode(
        [
            (key, value)
            for key in request.GET
            for value in request.GET.getlist(key)
            if key not in drop
        ]
    )


def period_options(options: list[periods.Choice], choice: periods.Choice) -> list[periods.Choice]:
    """The list to choose from, with the period shown in it even when it is not one of
    the usual ones (an older quarter, dates given in the address: its code sends the
    same dates again)."""
    if any(option.code == choice.code for option in options):
        return options
    return [choice, *options]
