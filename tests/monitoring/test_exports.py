"""monitoring.exports: the files carry exactly the figures the page shows."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from inspiring.monitoring import exports, tables
from lib.tallies import Tally

SOURCES = [("gp", "GP"), ("self", "Self-referral"), ("pharmacy", "Pharmacy")]


def _report() -> exports.Report:
    now = Tally.of({"gp": 20, "self": 3, "pharmacy": 9}, SOURCES)
    table = tables.counts("by-source", "=By source", "Source", [("Now", now)], reveal=False)
    return exports.Report(
        title="Monitoring: Inspiring Ashfield",
        covers="Ashfield: 1 April to 30 June 2026",
        sections=[tables.Section("referrals", "Referrals in", [table])],
        slug="monitoring-ashfield",
    )


def test_the_csv_has_every_figure_as_shown_and_no_formula() -> None:
    rows = list(csv.reader(io.StringIO(exports.to_csv(_report()).decode("utf-8-sig"))))
    assert rows[0] == exports.CSV_HEADINGS
    figures = {(row[2], row[3]): row[4] for row in rows[1:]}
    assert figures[("GP", "Now")] == "20"
    assert figures[("Self-referral", "Now")] == "<5"
    assert figures[("Pharmacy", "Now")] == "[c]"
    assert figures[("Total", "Now")] == "32"
    assert rows[1][1] == "'=By source"


def test_the_spreadsheet_has_numbers_where_shown_and_the_marks_where_hidden() -> None:
    book = load_workbook(io.BytesIO(exports.to_xlsx(_report())))
    sheet = book["Referrals in"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    by_label = {row[0]: row[1:] for row in values if row and row[0]}
    assert by_label["GP"][0] == 20
    assert by_label["Self-referral"][0] == "<5"
    assert by_label["Pharmacy"][0] == "[c]"
    assert by_label["Total"][0] == 32
    assert "'=By source" in by_label


def test_one_table_alone() -> None:
    report = _report().only("by-source")
    assert report is not None and report.slug == "monitoring-ashfield-by-source"
    assert _report().only("no-such-table") is None


def test_the_pdf_shows_the_same_figures() -> None:
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(exports.to_pdf(_report()))).pages
    )
    assert "Referrals in" in text
    assert "<5" in text and "[c]" in text and "32" in text
