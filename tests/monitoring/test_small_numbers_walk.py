"""Issue 17's "Done when", walked: with the demo data, no monitoring page or file that a
partner lead, a researcher or a commissioner can reach shows a count from 1 to 4, every
file carries the page's figures, and every page with figures links its CSV.

The walk (once for the module, the demo loaded inside a transaction rolled back at its
end) signs in as each of them and:

- takes every route in the `monitoring` namespace from the URL configuration (so a page
  added later is walked too), filling a uuid in its address with what the person may
  reach (monitoring.access: their organisations, the working area's grants) and with
  the monitoring addresses the pages link to;
- opens each page that answers, then again with the periods that matter from its own
  period list (this quarter and the one before, the last 12 months and the financial
  years where offered) and the ones the issue names where not (this quarter, the last
  12 months, the last financial year: the page refuses one with its default period's
  figures, checked all the same), and, where it has area choices, each area in scope
  with each of those periods and all of them together;
- on each page: no count of people (`Cell.kind == "count"` in a table with `people`)
  from 1 to 4 among the tables it renders, and no figure in its HTML tables, bars or
  line charts that reads 1 to 4 outside a table that is not about people (sessions);
- follows the page's own links to its files (`format=csv|xlsx|pdf`, each table's own
  too): every CSV and XLSX of every page; each table's own files and the PDF on one
  version of each page (the one with the most hidden figures: a PDF takes seconds).
  CSV: the page's figures, in order, and none reads 1 to 4 (a percentage ends in %, an
  average has decimals). XLSX: the CSV's figures, numbers where they are numbers, no
  count from 1 to 4 (an average shown as a whole number counts as one: a spreadsheet
  shows 3.0 as 3). PDF: every table's title, "<5" where the page has it, a link to its
  CSV.

The files are made from the report the page was made from: while the walk runs, the
functions that count (dashboard.build, commissioning.compare and quarterly_return,
casework's partner_impact) are memoised by their arguments, so a page's 40 files, and
pages asking for the same figures (this quarter by default and by its code; a refused
period and the default; the researcher's and the commissioner's Ashfield), cost one
count. One CSV of each page is fetched with the memo off too, counted afresh, and must
be the same (a report that changed between two counts would be a finding).

The area's coordinator is walked too (each page as it opens, three organisations'
reports, no files): they must see some count from 1 to 4 somewhere, or the walk proves
nothing (the demo would have no small numbers); the demo has no grant, so one is added
for their walk.

`MONITORING_WALK_FINDINGS=/tmp/findings.json` writes every finding of the walk there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.db import transaction
from django.db.models import Model
from django.http import Http404
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.demo.loading import load_demo
from inspiring.monitoring import access, commissioning, periods, views_partners
from inspiring.monitoring import dashboard as dashboards
from inspiring.monitoring.exports import Report
from inspiring.monitoring.models import Grant
from inspiring.monitoring.tables import Cell, Section, Table
from lib.csvfiles import neutralise, restore
from tests.conftest import sign_in

PEOPLE = {
    "partner lead": "partner.ashfield@example.org",
    "researcher": "researcher@example.org",
    "commissioner": "commissioner@example.org",
}
COORDINATOR = "coordinator.ashfield@example.org"
# Where each signs in (a researcher and a commissioner have several areas: Ashfield).
AREA = "ashfield"
SMALL = {"1", "2", "3", "4"}
# The routes each must reach with a page (the walk finds them; this says it did).
EXPECTED = {
    "partner lead": {"monitoring:partner"},
    "researcher": {
        "monitoring:dashboard",
        "monitoring:compare",
        "monitoring:quarterly_return",
        "monitoring:research",
    },
    "commissioner": {"monitoring:dashboard", "monitoring:compare", "monitoring:quarterly_return"},
}


# --- The routes -------------------------------------------------------------------------


def monitoring_routes() -> dict[str, list[str]]:
    """Every route named in the `monitoring` namespace, with its address's arguments."""
    found: dict[str, list[str]] = {}

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                walk(
                    pattern.url_patterns,
                    f"{namespace}:{inner}" if namespace and inner else inner or namespace,
                )
            elif isinstance(pattern, URLPattern) and namespace == "monitoring" and pattern.name:
                found[f"monitoring:{pattern.name}"] = list(pattern.pattern.converters)

    walk(get_resolver().url_patterns, "")
    return found


# --- Reading a page ---------------------------------------------------------------------


class PageParser(HTMLParser):
    """What the walk reads from a page: its figures (by the monitoring table they are in),
    links, period list and area choices."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.periods: list[str] = []
        self.areas: list[str] = []
        # (table key or "", where: "cell" | "bar" | "line", text)
        self.figures: list[tuple[str, str, str]] = []
        self._divs: list[str | None] = []
        self._capture: str | None = None
        self._text: list[str] = []
        self._bars: list[str] | None = None
        self._in_lines = False
        self._in_period = False

    @property
    def _key(self) -> str:
        return next((key for key in reversed(self._divs) if key is not None), "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        classes = attr.get("class", "").split()
        if tag == "div":
            self._divs.append(attr.get("id", "") if "app-monitoring-table" in classes else None)
        elif tag == "a" and attr.get("href"):
            self.links.append(attr["href"])
        elif tag == "select" and attr.get("name") == "period":
            self._in_period = True
        elif tag == "option" and self._in_period:
            self.periods.append(attr.get("value", ""))
        elif (
            tag == "input"
            and attr.get("name") == "area"
            and attr.get("type")
            in (
                "checkbox",
                "radio",
            )
        ):
            self.areas.append(attr.get("value", ""))
        elif tag == "td" and "nhsuk-table__cell--numeric" in classes:
            self._start("cell")
        elif tag == "svg" and "app-monitoring-chart" in classes:
            self._bars = []
        elif tag == "svg" and "app-monitoring-lines" in classes:
            self._in_lines = True
        elif tag == "text" and self._bars is not None:
            self._start("bar")
        elif tag == "title" and self._in_lines:
            self._start("line")

    def _start(self, where: str) -> None:
        self._capture, self._text = where, []

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._divs:
            self._divs.pop()
        elif tag == "select":
            self._in_period = False
        elif tag == "svg":
            if self._bars is not None:
                # Label, figure, label, figure...: the figures are every second text.
                self.figures += [(self._key, "bar", text) for text in self._bars[1::2]]
            self._bars, self._in_lines = None, False
        elif self._capture and tag in ("td", "text", "title"):
            text = " ".join("".join(self._text).split())
            where, self._capture = self._capture, None
            if where == "bar" and self._bars is not None:
                self._bars.append(text)
            elif where == "line":
                # "<area name>, <figure>" on each point of a line.
                self.figures.append((self._key, where, text.rpartition(", ")[2]))
            elif where == "cell":
                self.figures.append((self._key, where, text))


def tables_in(value: Any, seen: set[int] | None = None) -> Iterator[tuple[str, Table]]:
    """(section title, table) for every monitoring table in a template context value:
    a Report, a Section, a Table, a grant's figures (`.table`), or lists of them."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Report):
        for section in value.sections:
            yield from ((section.title, table) for table in section.tables)
    elif isinstance(value, Section):
        yield from ((value.title, table) for table in value.tables)
    elif isinstance(value, Table):
        yield ("", value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from tables_in(item, seen)
    elif isinstance(getattr(value, "table", None), Table):
        yield from tables_in(value.table, seen)


def context_tables(response: Any) -> list[tuple[str, Table]]:
    if response.context is None:
        return []
    found: list[tuple[str, Table]] = []
    seen: set[int] = set()
    for context in response.context:
        for layer in context.dicts:
            for value in layer.values():
                found += tables_in(value, seen)
    return found


def context_report(response: Any) -> Report | None:
    if response.context is None or "report" not in response.context:
        return None
    report = response.context["report"]
    return report if isinstance(report, Report) else None


# --- Reading the files ------------------------------------------------------------------

Key = tuple[str, str, str, str]  # section, table, row, column


def expected_figures(report: Report) -> list[tuple[Key, Cell, Table]]:
    """Every figure a file of `report` carries, in order (a blank cell is not one)."""
    return [
        ((section.title, table.title, row.label, column), cell, table)
        for section in report.sections
        for table in section.tables
        for row in table.rows
        for column, cell in zip(table.columns, row.cells, strict=True)
        if cell.text != ""
    ]


def csv_figures(content: bytes) -> list[tuple[Key, str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Table", "Row", "Column", "Figure"], rows[0]
    return [((r[0], r[1], r[2], r[3]), r[4]) for r in rows[1:] if r]


def xlsx_figures(content: bytes, report: Report) -> list[tuple[Key, Any, str]]:
    """(key, value, number format) of every non-blank figure in the workbook, read by
    the layout exports.to_xlsx writes (a sheet a section, each table under its title)."""
    book = load_workbook(io.BytesIO(content))
    out: list[tuple[Key, Any, str]] = []
    assert len(book.worksheets) >= len(report.sections)
    for sheet, section in zip(book.worksheets, report.sections, strict=False):
        rows = list(sheet.iter_rows())
        at = 0
        for table in section.tables:
            while at < len(rows) and rows[at][0].value != neutralise(table.title):
                at += 1
            assert at < len(rows), f"{table.title!r} is not in the sheet {sheet.title!r}"
            header = [cell.value for cell in rows[at + 1]]
            assert header[: len(table.columns) + 1] == [
                neutralise(table.row_heading) or None,
                *map(neutralise, table.columns),
            ], (table.title, header)
            for n, row in enumerate(table.rows):
                cells = rows[at + 2 + n]
                assert cells[0].value == (neutralise(row.label) or None), (row.label, cells[0])
                for column, cell, written in zip(table.columns, row.cells, cells[1:], strict=False):
                    if cell.text == "":
                        assert written.value in (None, ""), (table.title, row.label, column)
                        continue
                    key = (section.title, table.title, row.label, column)
                    out.append((key, written.value, written.number_format))
            at += 2 + len(table.rows)
    return out


def same_figure(value: Any, text: str) -> bool:
    """Whether a spreadsheet's cell says what the CSV's figure says."""
    text = restore(text)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value == text
    value = float(value)
    if text.endswith("%"):
        return abs(value * 100 - float(text[:-1].replace(",", ""))) <= 0.5 + 1e-9
    if match := re.fullmatch(r"-?[\d,]+(?:\.(\d+))?", text):
        places = len(match[1] or "")
        return abs(value - float(text.replace(",", ""))) <= 0.5 * 10**-places + 1e-9
    return False


def pdf_text(content: bytes) -> tuple[str, list[str]]:
    """The PDF's text with no white space (lines wrap anywhere), and its links."""
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    links = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                links.append(str(action["/URI"]))
    return re.sub(r"\s+", "", text), links


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_csv_link(href: str) -> bool:
    parts = urlsplit(href)
    return parts.path.endswith(".csv") or ("format", "csv") in parse_qsl(parts.query)


# --- Counting once for the files --------------------------------------------------------


def _key(value: Any) -> Any:
    if isinstance(value, Model):
        return (value._meta.label, value.pk)
    if isinstance(value, list | tuple):
        return tuple(_key(item) for item in value)
    return repr(value)


class Memo:
    """The counting functions, remembered by their arguments while `on`. What they
    return is given again as it is: nothing downstream changes a report once built
    (`Report.only` makes a new one), and the walk compares each file with the page's."""

    TARGETS = (
        (dashboards, "build"),
        (commissioning, "compare"),
        (commissioning, "quarterly_return"),
        (views_partners, "partner_impact"),
    )

    def __init__(self) -> None:
        self.on = False
        self.saved: dict[Any, Any] = {}

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def remembered(*args: Any, **kwargs: Any) -> Any:
            key = (function.__qualname__, _key(args), _key(sorted(kwargs.items())))
            if self.on and key in self.saved:
                return self.saved[key]
            result = self.saved[key] = function(*args, **kwargs)
            return result

        return remembered

    @contextmanager
    def installed(self) -> Iterator[Memo]:
        with ExitStack() as stack:
            for module, name in self.TARGETS:
                # An optimisation only: a function renamed since is counted every time.
                if hasattr(module, name):
                    original = getattr(module, name)
                    stack.enter_context(mock.patch.object(module, name, self.wrap(original)))
            yield self


# --- The walk ---------------------------------------------------------------------------


@dataclass
class Visit:
    """One page as one person saw it."""

    url: str
    route: str
    status: int
    tables: list[tuple[str, Table]]
    report: Report | None
    parsed: PageParser

    @property
    def hidden(self) -> int:
        return sum(cell.hidden for _, t in self.tables for row in t.rows for cell in row.cells)


@dataclass
class Walk:
    """What the walk as one person found, by kind of finding."""

    who: str
    visits: list[Visit] = field(default_factory=list)
    routes: dict[str, set[int]] = field(default_factory=dict)
    # A count of people from 1 to 4, on a page / in a file.
    small_on_pages: list[str] = field(default_factory=list)
    small_in_files: list[str] = field(default_factory=list)
    # An average, rate or percentage that reads as a bare 1 to 4 (a count, to anyone).
    like_counts: list[str] = field(default_factory=list)
    # A page's HTML or a file not saying what the page's report says.
    differs: list[str] = field(default_factory=list)
    no_csv_link: list[str] = field(default_factory=list)
    pdf_without_csv_link: list[str] = field(default_factory=list)
    # The coordinator: where they see a count from 1 to 4.
    revealed_small: list[str] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # The CSVs fetched, by address: the XLSX beside each is compared with it.
    csvs: dict[str, bytes] = field(default_factory=dict)

    def get(self, client: Browser, url: str, kind: str) -> Any:
        started = time.process_time()
        response = client.get(url)
        self.timings[kind] = self.timings.get(kind, 0.0) + time.process_time() - started
        return response

    def small(self, where: str, cell: Cell, *, in_file: bool = False) -> None:
        """A figure reading 1 to 4 in a table about people: a count, or a number that
        reads like one."""
        if cell.kind in ("number", "percent"):
            self.like_counts.append(f"{where} ({cell.kind})")
        elif self.who == "coordinator":
            self.revealed_small.append(where)
        else:
            (self.small_in_files if in_file else self.small_on_pages).append(where)


def reachable_ids(client: Browser, user: User, limit: int | None) -> list[Any]:
    """What the person may reach by a uuid in a monitoring address, through the app's own
    access functions: their organisations (partners' reports), the area's grants (the
    first `limit` of each)."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    found: list[Any] = []
    for reach in (access.partner_organisations, access.grants_for):
        with suppress(Http404):
            found += [item.public_id for item in reach(request)[:limit]]
    return found


def route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name if match.namespace == "monitoring" else None


def variants(visit: Visit, today: date) -> list[str]:
    """The page again with the periods that matter from its own list (this quarter and
    the one before, the last 12 months and the financial years where offered) and the
    issue's three where not (this quarter, the last 12 months, the last financial year:
    the page refuses them, with its default period's figures); with area boxes, each
    area with each of those periods, and all together."""
    offered = [code for code in visit.parsed.periods if code]
    if not offered:
        return []
    base = urlsplit(visit.url).path
    quarters = [code for code in offered if re.fullmatch(r"\d{4}-q[1-4]", code)]
    chosen = list(
        dict.fromkeys(
            [
                *quarters[:2],
                *(c for c in offered if c.startswith("fy") or c == periods.LAST_12_MONTHS),
            ]
        )
    )
    year, number = periods.quarter_of(today)
    wanted = [f"{year}-q{number}", periods.LAST_12_MONTHS, f"fy{year - 1}"]
    areas = sorted(set(visit.parsed.areas))
    urls = []
    for code in chosen:
        for area in areas or [""]:
            urls.append(
                f"{base}?{urlencode([('period', code)] + ([('area', area)] if area else []))}"
            )
    if len(areas) > 1:
        urls.append(f"{base}?{urlencode([('period', chosen[0])] + [('area', a) for a in areas])}")
        urls.append(f"{base}?{urlencode([('area', a) for a in areas])}")
    urls += [f"{base}?period={code}" for code in wanted if code not in offered]
    return list(dict.fromkeys(urls))


def check_page(walk: Walk, visit: Visit) -> None:
    """The page's report says no count from 1 to 4, and its HTML shows the report's
    figures (tables, bars, lines) and no other."""
    shown: dict[str, dict[str, list[str]]] = {}
    for key, where, text in visit.parsed.figures:
        shown.setdefault(key, {}).setdefault(where, []).append(text)
    known = {table.key for _, table in visit.tables}
    for _, table in visit.tables:
        cells = [
            (row, column, cell)
            for row in table.rows
            for column, cell in zip(table.columns, row.cells, strict=True)
        ]
        if table.people:
            for row, column, cell in cells:
                if (cell.kind == "count" and cell.value is not None and 0 < cell.value < 5) or (
                    cell.text in SMALL
                ):
                    walk.small(
                        f"{visit.url} [{table.key}] {row.label} / {column}: {cell.text}", cell
                    )
        html = shown.get(table.key, {})
        if "cell" in html and html["cell"] != [cell.text for _, _, cell in cells]:
            walk.differs.append(f"{visit.url} [{table.key}]: the HTML table is not the report's")
        if "bar" in html and html["bar"] != [cell.text for _, cell in table.chart_rows]:
            walk.differs.append(f"{visit.url} [{table.key}]: the bars are not the report's")
    if walk.who == "coordinator":
        return
    # Figures outside any table of the report, and the line charts' points.
    for key, where, text in visit.parsed.figures:
        if text in SMALL and (key not in known or where == "line"):
            people = next((t.people for _, t in visit.tables if t.key == key), True)
            if people:
                walk.small_on_pages.append(f"{visit.url} [{key or 'no table'}] {where}: {text}")


def check_files(walk: Walk, client: Browser, memo: Memo, visit: Visit, *, deep: bool) -> None:
    """Follow the page's links to its files: every whole-page CSV and XLSX; on a deep
    visit, each table's own files and the PDFs too."""
    assert visit.report is not None
    for href in dict.fromkeys(href for href in visit.parsed.links if "format=" in href):
        url = urljoin(visit.url, href)
        query = dict(parse_qsl(urlsplit(url).query))
        fmt, table_key = query.get("format", ""), query.get("table", "")
        if not deep and (table_key or fmt == "pdf"):
            continue
        expected = visit.report.only(table_key) if table_key else visit.report
        if expected is None:
            walk.differs.append(f"{url}: links to a table the page does not have")
            continue
        response = walk.get(client, url, fmt)
        walk.files[fmt] = walk.files.get(fmt, 0) + 1
        if response.status_code != 200:
            walk.differs.append(f"{url}: answered {response.status_code}")
        elif fmt == "csv":
            walk.csvs[url] = response.content
            check_csv(walk, url, response.content, expected)
            if deep and not table_key:
                # Counted afresh: the same figures.
                memo.on = False
                again = walk.get(client, url, "csv counted afresh")
                memo.on = True
                if again.content != response.content:
                    walk.differs.append(f"{url}: counted afresh, the CSV differs")
        elif fmt == "xlsx":
            csv_url = url.replace("format=xlsx", "format=csv")
            csv_body = walk.csvs.get(csv_url) or walk.get(client, csv_url, "csv").content
            check_xlsx(walk, url, response.content, csv_body, expected)
        elif fmt == "pdf":
            # A PDF "for sharing" hides what its page shows to the area's coordinators.
            check_pdf(walk, url, response.content, expected, sharing=query.get("for") == "sharing")


def check_csv(walk: Walk, url: str, content: bytes, report: Report) -> None:
    written = csv_figures(content)
    expected = expected_figures(report)
    shown = [(key, neutralise(cell.text)) for key, cell, _ in expected]
    if written != shown:
        first = next(
            (f"{a} != {b}" for a, b in zip(written, shown, strict=False) if a != b),
            f"{len(written)} figures, the page has {len(shown)}",
        )
        walk.differs.append(f"{url}: the CSV is not the page's figures: {first}")
        return
    for (key, text), (_, cell, table) in zip(written, expected, strict=True):
        if table.people and restore(text) in SMALL:
            walk.small(f"CSV {url}: {' / '.join(key)} = {text}", cell, in_file=True)


def check_xlsx(walk: Walk, url: str, content: bytes, csv_body: bytes, report: Report) -> None:
    written = xlsx_figures(content, report)
    in_csv = csv_figures(csv_body)
    expected = expected_figures(report)
    if [key for key, _, _ in written] != [key for key, _ in in_csv]:
        walk.differs.append(f"{url}: the XLSX's figures are not the CSV's")
        return
    for (key, value, number_format), (_, text), (_, cell, table) in zip(
        written, in_csv, expected, strict=True
    ):
        if not same_figure(value, text):
            walk.differs.append(f"{url}: {' / '.join(key)} is {value!r}, the CSV {text!r}")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        # A whole number in the General (or a whole-number) format shows as one: 3.0
        # reads "3". With decimals in its format ("0.0") it reads "3.0", an average.
        shows_whole = "%" not in number_format and "." not in number_format
        if table.people and number and shows_whole and value in (1, 2, 3, 4):
            where = f"XLSX {url}: {' / '.join(key)} = {value!r} ({number_format}; page {text})"
            walk.small(where, cell, in_file=True)


def check_pdf(walk: Walk, url: str, content: bytes, report: Report, *, sharing: bool) -> None:
    text, links = pdf_text(content)
    for section in report.sections:
        for table in section.tables:
            if squash(table.title) not in text:
                walk.differs.append(f"{url}: the PDF has no table {table.title!r}")
    # The PDF says what "<5" means, in quotes: the figures are the others.
    hidden = any(cell.text == "<5" for _, cell, _ in expected_figures(report))
    if hidden != ("<5" in text.replace('"<5"', "")) and not (sharing and not hidden):
        walk.differs.append(f"{url}: the page {'has' if hidden else 'has no'} '<5', the PDF not")
    if not any(is_csv_link(link) for link in links):
        walk.pdf_without_csv_link.append(url)


def walk_as(who: str, email: str, memo: Memo, *, files: bool, limit: int | None = None) -> Walk:
    """Walk every monitoring page `email` can open, then its files. With a `limit` (the
    coordinator, who reaches every organisation of the area: at most that many of a
    route with a uuid), each page as it first opens only."""
    walk = Walk(who)
    user = User.objects.get(email=email)
    client = sign_in(Browser(), user, area=Area.objects.get(slug=AREA))
    today = timezone.localdate()
    queue: list[str] = []
    ids = reachable_ids(client, user, limit)
    for name, arguments in monitoring_routes().items():
        if not arguments:
            queue.append(reverse(name))
        elif arguments == ["public_id"]:
            queue += [reverse(name, kwargs={"public_id": id_}) for id_ in ids]
        else:  # pragma: no cover - a new kind of address: say so
            pytest.fail(f"The walk does not know how to fill {name}'s {arguments}")
    seen: set[str] = set()
    memo.on = True
    while queue:
        url = queue.pop(0)
        route = route_of(url)
        if url in seen or route is None:
            continue
        seen.add(url)
        opened = [v for v in walk.visits if v.route == route and "?" not in v.url]
        if limit is not None and "?" not in url and len(opened) >= limit:
            continue
        response = walk.get(client, url, "page")
        walk.routes.setdefault(route, set()).add(response.status_code)
        if response.status_code not in (200, 400):
            continue
        parsed = PageParser()
        parsed.feed(response.content.decode())
        visit = Visit(
            url,
            route,
            response.status_code,
            context_tables(response),
            context_report(response),
            parsed,
        )
        walk.visits.append(visit)
        check_page(walk, visit)
        if response.status_code != 200:
            continue
        has_figures = any(where == "cell" for _, where, _ in parsed.figures)
        if has_figures and not any(is_csv_link(href) for href in parsed.links):
            walk.no_csv_link.append(url)
        # The monitoring pages it links to (a grant, an organisation): their variants
        # are walked from there.
        queue += [urlsplit(urljoin(url, href)).path for href in parsed.links]
        if "?" not in url and not opened and limit is None:
            # The periods and areas of one page of each route (one organisation's).
            queue += variants(visit, today)
    if files:
        shown = [v for v in walk.visits if v.status == 200 and v.report is not None]
        # The version of each page with the most figures hidden gets every file.
        deep = {v.route: v for v in sorted(shown, key=lambda v: v.hidden)}
        for visit in shown:
            check_files(walk, client, memo, visit, deep=visit is deep[visit.route])
    return walk


@pytest.fixture(scope="module")
def walks(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Walk]]:
    """The demo data, and the walk as each person, once for the module, inside a
    transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.monotonic()
        load_demo()
        # The demo has no grant: one, so that the coordinator's walk opens a grant's pages.
        today = timezone.localdate()
        Grant.objects.create(
            area=Area.objects.get(slug=AREA),
            funder="National Lottery Community Fund",
            amount=Decimal("24000"),
            starts_on=today - timedelta(days=400),
            ends_on=today + timedelta(days=300),
        )
        timings = {"demo": time.monotonic() - started}
        memo = Memo()
        found: dict[str, Walk] = {}
        with memo.installed():
            for who, email in [*PEOPLE.items(), ("coordinator", COORDINATOR)]:
                started = time.monotonic()
                coordinator = who == "coordinator"
                found[who] = walk_as(
                    who, email, memo, files=not coordinator, limit=3 if coordinator else None
                )
                timings[who] = time.monotonic() - started
        # What the walk did and how long it took, for `pytest -s`.
        print()
        for who, seconds in timings.items():
            walk = found.get(who)
            done = f": {len(walk.visits)} pages, files {walk.files}" if walk else ""
            cpu = {kind: round(spent, 1) for kind, spent in walk.timings.items()} if walk else {}
            print(f"{who}{done} in {seconds:.1f} s" + (f" (CPU in requests: {cpu})" if cpu else ""))
        if target := os.environ.get("MONITORING_WALK_FINDINGS"):
            # Every finding of the walk, for a person to read (the tests list 12 each).
            Path(target).write_text(
                json.dumps(
                    {
                        who: {
                            kind: list(dict.fromkeys(found_))
                            for kind, found_ in vars(walk).items()
                            if isinstance(found_, list) and kind != "visits"
                        }
                        for who, walk in found.items()
                    },
                    indent=1,
                )
            )
        yield found
        transaction.set_rollback(True)


def _listed(found: list[str], limit: int = 12) -> str:
    found = list(dict.fromkeys(found))
    more = f"\n... and {len(found) - limit} more" if len(found) > limit else ""
    return "\n".join(found[:limit]) + more


WHO = list(PEOPLE)
# Known, for the product to fix (then these marks go: strict, they fail once it passes).


# --- The checks -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_walk_opens_every_monitoring_route(walks: dict[str, Walk]) -> None:
    """Every route of the namespace is asked for, each person reaches the pages of their
    role, and the funding pages are the coordinator's alone."""
    asked = set().union(*(walk.routes for walk in walks.values()))
    assert asked == set(monitoring_routes())
    for who in WHO:
        answered = {route for route, codes in walks[who].routes.items() if 200 in codes}
        assert EXPECTED[who] <= answered, (who, EXPECTED[who] - answered)
        assert not {"monitoring:grants", "monitoring:population"} & answered, who


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
def test_no_page_shows_a_count_from_1_to_4(walks: dict[str, Walk], who: str) -> None:
    walk = walks[who]
    assert len(walk.visits) >= len(EXPECTED[who])
    assert walk.small_on_pages == [], _listed(walk.small_on_pages)


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
def test_no_file_shows_a_count_from_1_to_4(walks: dict[str, Walk], who: str) -> None:
    walk = walks[who]
    assert walk.files.get("csv") and walk.files.get("xlsx") and walk.files.get("pdf")
    assert walk.small_in_files == [], _listed(walk.small_in_files)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    ["partner lead", "researcher", "commissioner"],
)
def test_no_average_or_rate_reads_like_a_count_from_1_to_4(
    walks: dict[str, Walk], who: str
) -> None:
    """An average, a rate or a percentage has decimals or a %, on the page, in the CSV
    and as the spreadsheet shows it, so that it is never taken for a count from 1 to 4."""
    walk = walks[who]
    assert walk.like_counts == [], _listed(walk.like_counts)


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*WHO, "coordinator"])
def test_the_pages_and_files_carry_the_same_figures(walks: dict[str, Walk], who: str) -> None:
    """The page's HTML (tables and bars), its CSV, its XLSX and its PDF all say what the
    report it was made from says."""
    walk = walks[who]
    assert walk.differs == [], _listed(walk.differs)


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*WHO, "coordinator"])
def test_every_page_with_figures_links_its_csv(walks: dict[str, Walk], who: str) -> None:
    walk = walks[who]
    assert walk.no_csv_link == [], _listed(walk.no_csv_link)


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
def test_every_pdf_links_its_csv(walks: dict[str, Walk], who: str) -> None:
    """Issue 17: "every monitoring page and export links its CSV"."""
    walk = walks[who]
    assert walk.pdf_without_csv_link == [], _listed(walk.pdf_without_csv_link)


@pytest.mark.django_db
def test_the_areas_coordinator_sees_counts_from_1_to_4(walks: dict[str, Walk]) -> None:
    """The walk sees a small count where there is one: the demo has some, and the area's
    coordinator sees them as they are."""
    assert walks["coordinator"].revealed_small
