"""Coordinator pages: the area's directory as CSV files, out and back in.

Upload -> every row checked, nothing written -> a report (every problem as
row, column and message; what would be added and changed) -> the coordinator
imports every row, or only the valid ones, or fixes the file and uploads it
again. See spreadsheets/importing.py for how the file is held between steps.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.csvfiles import CSVFileError, write_csv
from lib.http import posted

from ..access import editable_activities, editable_organisations, editable_venues
from ..spreadsheets import MAX_ROWS, SHEETS, Check, Sheet, sheet_for
from ..spreadsheets.forms import ImportForm, UploadForm
from ..spreadsheets.importing import (
    Held,
    HoldError,
    ImportRefused,
    do_import,
    receive,
    seal,
    unseal,
)

# The error summary lists this many problems; the table below it lists them all.
SUMMARY_PROBLEMS = 20


def _csv(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_capability(Capability.CURATE_DIRECTORY)
def index(request: HttpRequest) -> HttpResponse:
    counts = {
        "organisations": editable_organisations(request).count(),
        "venues": editable_venues(request).count(),
        "activities": editable_activities(request).live().count(),
    }
    return render(
        request,
        "directory/staff/spreadsheet_index.html",
        {"sheets": [(kind, counts[kind]) for kind in SHEETS], "max_rows": MAX_ROWS},
    )


@require_capability(Capability.CURATE_DIRECTORY)
def template(request: HttpRequest, kind: str) -> HttpResponse:
    sheet = sheet_for(request, kind)
    return _csv(f"{kind}-template.csv", write_csv(sheet.headings(), []))


@require_capability(Capability.CURATE_DIRECTORY)
def export(request: HttpRequest, kind: str) -> HttpResponse:
    sheet = sheet_for(request, kind)
    rows = list(sheet.export_rows())
    audit.record(
        request,
        "spreadsheet.exported",
        area=sheet.area,
        detail={"kind": kind, "rows": len(rows)},
    )
    today = timezone.localdate().isoformat()
    return _csv(f"{sheet.area.slug}-{kind}-{today}.csv", write_csv(sheet.headings(), rows))


@require_capability(Capability.CURATE_DIRECTORY)
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    sheet = sheet_for(request, kind)
    form = UploadForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            held, table = receive(sheet, file.name or "", file.read())
            check = sheet.check(table)
            token = seal(request, sheet, held, check)
        except CSVFileError as error:
            for problem in error.problems:
                form.add_error("file", problem)
        except HoldError as error:
            form.add_error("file", str(error))
        else:
            return _report(request, sheet, check, held, token)
    return render(
        request,
        "directory/staff/spreadsheet_upload.html",
        {"sheet": sheet, "form": form, "columns": sheet.documentation()},
    )


@require_POST
@require_capability(Capability.CURATE_DIRECTORY)
def import_rows(request: HttpRequest, kind: str) -> HttpResponse:
    sheet = sheet_for(request, kind)
    form = ImportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The uploaded file could not be found: upload it again.")
        return redirect("directory:spreadsheet_upload", kind=kind)
    try:
        held = unseal(request, sheet, form.cleaned_data["token"])
        imported = do_import(request, sheet, held, valid_only=form.cleaned_data["rows"] == "valid")
    except (HoldError, CSVFileError) as error:
        messages.error(request, str(error))
        return redirect("directory:spreadsheet_upload", kind=kind)
    except ImportRefused as refused:
        token = seal(request, sheet, held, refused.check)
        return _report(request, sheet, refused.check, held, token, notice=str(refused))
    parts = [f"{imported.added} added", f"{imported.changed} changed"]
    if imported.unchanged:
        parts.append(f"{imported.unchanged} unchanged")
    message = f"{held.filename} is imported: {', '.join(parts)}."
    if imported.left_out:
        s = "s" if imported.left_out > 1 else ""
        message += f" {imported.left_out} row{s} with problems {'were' if s else 'was'} left out."
    messages.success(request, message)
    return redirect("directory:spreadsheets")


def _report(
    request: HttpRequest, sheet: Sheet, check: Check, held: Held, token: str, notice: str = ""
) -> HttpResponse:
    letters = check.table.letters
    problems = [
        {
            "row": p.row,
            "column": p.column,
            "letter": letters.get(p.column, ""),
            "message": p.message,
        }
        for p in check.problems
    ]
    writes = check.to_write(valid_only=True)
    context: dict[str, Any] = {
        "sheet": sheet,
        "check": check,
        "held": held,
        "problems": problems,
        "summary_problems": problems[:SUMMARY_PROBLEMS],
        "more_problems": max(0, len(problems) - SUMMARY_PROBLEMS),
        "writes": writes,
        "added": sum(r.action == "new" for r in writes),
        "changed": sum(r.action == "changed" for r in writes),
        "unchanged": check.count("unchanged"),
        "import_all": ImportForm(initial={"token": token, "rows": "all"}),
        "import_valid": ImportForm(initial={"token": token, "rows": "valid"}),
        "form": UploadForm(),
        "notice": notice,
    }
    return render(request, "directory/staff/spreadsheet_report.html", context)
