"""Monitoring's files: CSV, XLSX and PDF of the very tables a page shows.

Every file is made from a `Report` (a title, what it covers, sections of `tables.Table`),
the same object the page renders, so a file never shows more than the page does to the
same person. CSV: one figure a line (section, table, row, column, figure as shown), cells
neutralised against formulas (lib.csvfiles). XLSX: one sheet per section, each table a
block under its title, numbers as numbers where they are shown and "<5", "[c]" or a dash as
text where not, so a spreadsheet's sums never include a hidden figure. PDF: WeasyPrint,
the tables with their bars, for a steering group.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from lib.csvfiles import neutralise, write_csv

from .tables import Cell, Section

FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
CSV_HEADINGS = ["Section", "Table", "Row", "Column", "Figure"]


@dataclass
class Report:
    """What a monitoring page shows, ready for the page and every file."""

    title: str
    # "Ashfield, 1 April to 30 June 2026 (compared with 1 January to 31 March 2026)"
    covers: str
    sections: list[Section]
    # File names start with this ("monitoring-ashfield-2026-04-01-to-2026-06-30").
    slug: str
    revealed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def has_hidden(self) -> bool:
        return any(section.has_hidden for section in self.sections)

    def only(self, table_key: str) -> Report | None:
        """The report narrowed to one table (for that table's own download), or None."""
        for section in self.sections:
            for table in section.tables:
                if table.key == table_key:
                    narrowed = Section(section.key, section.title, [table], section.intro)
                    return Report(
                        title=f"{self.title}: {table.title}",
                        covers=self.covers,
                        sections=[narrowed],
                        slug=f"{self.slug}-{table.key}",
                        revealed=self.revealed,
                        notes=self.notes,
                    )
        return None


def csv_rows(report: Report) -> Iterator[list[str]]:
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                for column, cell in zip(table.columns, row.cells, strict=True):
                    if cell.text == "":
                        continue
                    yield [section.title, table.title, row.label, column, cell.text]


def to_csv(report: Report) -> bytes:
    return write_csv(CSV_HEADINGS, csv_rows(report))


def _sheet_title(title: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx_text(text: str) -> str:
    # openpyxl writes a string starting with "=" as a formula: neutralise as the CSV does.
    return neutralise(text)


def _number_format(cell: Cell) -> str:
    """The spreadsheet's format for a number as the page shows it: a percentage as one,
    an average with its decimals ("3.0" days stays 3.0, never a bare 3 that would read
    as a count), a count as a whole number."""
    if cell.kind == "percent":
        return "0%"
    digits = cell.text.rsplit(".", 1)[1] if "." in cell.text else ""
    decimals = len(digits) if digits.isdigit() else 0
    whole = "#,##0" if "," in cell.text else "0"
    return whole + ("." + "0" * decimals if decimals else "")


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    bold = Font(bold=True)
    taken: set[str] = set()
    first = True
    for section in report.sections:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = _sheet_title(section.title, taken)
        sheet.append([_xlsx_text(report.title)])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([_xlsx_text(report.covers)])
        for table in section.tables:
            sheet.append([])
            sheet.append([_xlsx_text(table.title)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            sheet.append([_xlsx_text(table.row_heading), *map(_xlsx_text, table.columns)])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            for row in table.rows:
                values: list[object] = [_xlsx_text(row.label)]
                for cell in row.cells:
                    if cell.value is None:
                        values.append(_xlsx_text(cell.text))
                    elif cell.kind == "percent":
                        values.append(cell.value / 100)
                    else:
                        values.append(cell.value)
                sheet.append(values)
                for index, cell in enumerate(row.cells, start=2):
                    if cell.value is not None:
                        sheet.cell(row=sheet.max_row, column=index).number_format = _number_format(
                            cell
                        )
                if row.is_total:
                    for cell in sheet[sheet.max_row]:
                        cell.font = bold
            if table.note:
                sheet.append([_xlsx_text(table.note)])
        sheet.column_dimensions["A"].width = 42
    if report.notes:
        sheet = book.create_sheet(_sheet_title("About these figures", taken))
        for note in report.notes:
            sheet.append([_xlsx_text(note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(report: Report, *, area_names: Sequence[str] = (), csv_url: str = "") -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "monitoring/report_pdf.html",
        {
            "report": report,
            "generated": timezone.localtime(),
            "area_names": area_names,
            "csv_url": csv_url,
        },
    )
    return bytes(HTML(string=html, base_url=settings.SITE_URL).write_pdf())


def csv_address(request: HttpRequest) -> str:
    """This request's address asking for CSV instead: the PDF links its figures' CSV."""
    params = request.GET.copy()
    params["format"] = "csv"
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def response(
    report: Report,
    fmt: str,
    *,
    area_names: Sequence[str] = (),
    request: HttpRequest | None = None,
) -> HttpResponse:
    """The report as a download in `fmt` ("csv", "xlsx" or "pdf"): never cached. A PDF
    made for a request links the same figures as CSV."""
    if fmt == "csv":
        body = to_csv(report)
    elif fmt == "xlsx":
        body = to_xlsx(report)
    elif fmt == "pdf":
        csv_url = csv_address(request) if request is not None else ""
        body = to_pdf(report, area_names=area_names, csv_url=csv_url)
    else:
        raise ValueError(f"No such format {fmt!r}")
    reply = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    reply["Content-Disposition"] = f'attachment; filename="{report.slug}.{fmt}"'
    reply["Cache-Control"] = "no-store"
    return reply


def stamp(moment: datetime | None = None) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y at %H:%M}"
