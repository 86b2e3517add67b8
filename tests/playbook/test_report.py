"""The scale-up report (issue 18, item 5): each area's playbook progress beside its
first monitoring figures, an area a column, as a page, CSV, XLSX and PDF.

On hand-built rows: who reaches which areas, small numbers hidden for anyone but a
coordinator of every area shown (and each figure hidden exactly as the area's own
dashboard hides it), the files carrying the page's figures, the periods offered.
Then a walk of the page and its files as the demo commissioner, as
tests/monitoring/test_small_numbers_walk.py walks the monitoring namespace: no count
from 1 to 4 anywhere, every file the page's figures, every page and PDF linking its CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry, User
from inspiring.areas.models import Area
from inspiring.casework.models import Client, Referral, ReferralStatusChange
from inspiring.monitoring import dashboard, periods
from inspiring.monitoring.exports import Report
from inspiring.monitoring.tables import Cell, Table
from inspiring.playbook import report as scale_up
from inspiring.playbook.models import Stage, Task
from tests.conftest import sign_in
from tests.monitoring.test_small_numbers_walk import (
    Memo,
    PageParser,
    Visit,
    Walk,
    check_files,
    check_page,
    context_report,
    context_tables,
    is_csv_link,
    pdf_text,
    variants,
)
from tests.personas import Personas

URL = reverse("playbook:report")
TODAY = timezone.localdate()
# Anyone who sees small numbers hidden is offered quarters that have ended: the figures
# are in the last one.
LAST = periods.last_complete_quarter(TODAY)
START = periods.parse({"period": LAST}, TODAY).period.start
R = Referral.Status


# --- Builders -----------------------------------------------------------------------


def refer(area: Area, count: int, on: date, *, contacted_after: int = 1) -> None:
    """`count` people in `area`, each referred `on` and contacted `contacted_after` days
    later."""
    for n in range(count):
        client = Client.objects.create(
            area=area, first_name=f"P{n}", last_name="Test", consent_to_hold=True
        )
        contacted = on + timedelta(days=contacted_after)
        referral = Referral.objects.create(
            client=client,
            source="gp",
            reasons=["loneliness"],
            received_on=on,
            status=R.CONTACTED,
            status_changed_on=contacted,
        )
        ReferralStatusChange.objects.create(referral=referral, status=R.RECEIVED, on=on)
        ReferralStatusChange.objects.create(referral=referral, status=R.CONTACTED, on=contacted)


def playbook(area: Area, *stages: tuple[str, int, int]) -> None:
    """Stages (code, tasks, of which done by hand) for `area`, in the playbook's order."""
    titles = dict(Stage.Code.choices)
    for order, (code, tasks, done) in enumerate(stages):
        stage = Stage.objects.create(area=area, code=code, title=titles[code], order=order)
        for n in range(tasks):
            Task.objects.create(
                stage=stage,
                title=f"{titles[code]} task {n + 1}",
                order=n,
                done_on=TODAY if n < done else None,
            )


@pytest.fixture
def built(personas: Personas) -> None:
    """Ashfield: 3 referrals in the last quarter, scoping half done; Mansfield: 12
    referrals (9 contacted within the week, 3 later), every stage done; Newark and
    Sherwood: no playbook yet."""
    refer(personas.ashfield, 3, START + timedelta(days=5))
    refer(personas.mansfield, 9, START + timedelta(days=5))
    refer(personas.mansfield, 3, START + timedelta(days=5), contacted_after=20)
    playbook(personas.ashfield, ("scoping", 2, 1), ("informing", 3, 0))
    playbook(personas.mansfield, ("scoping", 1, 1), ("informing", 1, 1))


def table(response: Any, key: str) -> Table:
    report: Report = response.context["report"]
    return next(t for s in report.sections for t in s.tables if t.key == key)


def cells(t: Table) -> dict[tuple[str, str], str]:
    return {
        (row.label, column): cell.text
        for row in t.rows
        for column, cell in zip(t.columns, row.cells, strict=True)
    }


def csv_figures(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def dashboard_cells(area: Area, choice: periods.Choice, *, reveal: bool) -> list[Cell]:
    """The cells of `area`'s own monitoring dashboard for the period that the report
    shows, in the report's order."""
    built = dashboard.build([area], choice, reveal=reveal)
    by_key = {t.key: t for s in built.sections for t in s.tables}

    def cell(key: str, row: str, column: int = 0) -> Cell:
        return next(r for r in by_key[key].rows if r.label == row).cells[column]

    promise = next(r for r in by_key["first-contact-promise"].rows if r.label.startswith("Within"))
    return [
        cell("referrals-by-source", "All referrals"),
        promise.cells[0],
        cell("connections", "Connections made"),
        cell("connections", "First visits"),
        cell("still-going", "6 weeks"),
    ]


def report_cells(report: Report, index: int) -> list[Cell]:
    figures = next(t for s in report.sections for t in s.tables if t.key == "first-figures")
    return [row.cells[index] for row in figures.rows]


# --- Who reaches what ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_commissioner_sees_their_areas_side_by_side_with_their_progress(
    personas: Personas, client: HttpClient, built: None
) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"period": LAST})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    progress = cells(table(response, "progress"))
    assert progress[("Scoping", "Ashfield")] == "1 of 2 tasks done"
    assert progress[("Informing", "Ashfield")] == "0 of 3 tasks done"
    assert progress[("All stages", "Ashfield")] == "1 of 5 tasks done (20%)"
    assert progress[("Current stage", "Ashfield")] == "Scoping"
    assert progress[("Connecting", "Mansfield")] == "Not in its playbook"
    assert progress[("Current stage", "Mansfield")] == "Every stage done"
    # An area with no playbook says so, in the table and in words.
    assert progress[("Current stage", "Newark and Sherwood")] == "No playbook stages yet"
    text = response.content.decode()
    assert "Newark and Sherwood has no playbook stages yet." in text
    for name in ("Ashfield", "Mansfield", "Newark and Sherwood"):
        assert f">{name}</th>" in text
    # Never added together.
    assert "All areas" not in text
    assert "format=csv" in text
    figures = cells(table(response, "first-figures"))
    assert figures[("Referrals received", "Mansfield")] == "12"


@pytest.mark.django_db
def test_areas_can_be_narrowed_to_some(personas: Personas, client: HttpClient) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"area": ["mansfield", "ashfield"], "period": LAST})
    assert table(response, "first-figures").columns == ["Ashfield", "Mansfield"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "no_role"])
def test_roles_without_monitoring_are_refused(
    personas: Personas, client: HttpClient, who: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


@pytest.mark.django_db
def test_an_area_out_of_scope_is_404(personas: Personas, client: HttpClient) -> None:
    sign_in(client, personas.researcher)  # Ashfield and Mansfield only
    assert client.get(URL, {"area": "newark-and-sherwood"}).status_code == 404
    assert client.get(URL, {"area": ["ashfield", "nowhere"]}).status_code == 404
    assert client.get(URL, {"area": "newark-and-sherwood", "format": "csv"}).status_code == 404
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert client.get(URL, {"area": "mansfield"}).status_code == 404
    assert client.get(URL, {"area": "ashfield"}).status_code == 200


@pytest.mark.django_db
def test_someone_with_no_area_to_report_on_gets_404(personas: Personas, client: HttpClient) -> None:
    # A site administrator works in any area but has no membership: no area in scope.
    sign_in(client, personas.site_admin, area=personas.ashfield)
    assert client.get(URL).status_code in (403, 404)


@pytest.mark.django_db
def test_signed_out_is_sent_to_sign_in(client: HttpClient) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


# --- Small numbers ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_small_count_is_hidden_from_a_commissioner_and_shown_to_the_coordinator(
    personas: Personas, client: HttpClient, built: None
) -> None:
    for who in (personas.commissioner, personas.researcher):
        sign_in(client, who)
        response = client.get(URL, {"period": LAST, "area": ["ashfield", "mansfield"]})
        assert response.context["report"].revealed is False
        figures = cells(table(response, "first-figures"))
        assert figures[("Referrals received", "Ashfield")] == "<5"
        assert figures[("Referrals received", "Mansfield")] == "12"
        # Mansfield's 9 within the week would give its 3 later away (12 less 9): hidden
        # as the dashboard hides it.
        within = next(k for k in figures if k[0].startswith("Contacted within"))[0]
        assert figures[(within, "Mansfield")] == "[c]"
        assert "Counts under 5 are hidden" in response.content.decode()

    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.get(URL, {"period": LAST})
    assert response.context["report"].revealed is True
    assert table(response, "first-figures").columns == ["Ashfield"]
    assert cells(table(response, "first-figures"))[("Referrals received", "Ashfield")] == "3"
    assert "Small numbers are shown" in response.content.decode()
    # Their PDF for sharing hides them all the same.
    shared = client.get(URL, {"period": LAST, "format": "pdf", "for": "sharing"})
    assert "<5" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(shared.content)).pages)


@pytest.mark.django_db
@pytest.mark.parametrize("reveal", [False, True])
def test_each_figure_is_the_areas_own_dashboards(
    personas: Personas, built: None, reveal: bool
) -> None:
    """Hidden alike on both pages: nothing is worked out from the two together."""
    choice = periods.parse({"period": LAST}, TODAY)
    areas = [personas.ashfield, personas.mansfield]
    report = scale_up.build(areas, choice, reveal=reveal, today=TODAY)
    for index, area in enumerate(areas):
        assert report_cells(report, index) == dashboard_cells(area, choice, reveal=reveal)


# --- The files ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_csv_and_xlsx_carry_the_pages_figures(
    personas: Personas, client: HttpClient, built: None
) -> None:
    sign_in(client, personas.commissioner)
    params = {"period": LAST}
    page = client.get(URL, params)
    report: Report = page.context["report"]
    shown = [
        [section.title, t.title, row.label, column, cell.text]
        for section in report.sections
        for t in section.tables
        for row in t.rows
        for column, cell in zip(t.columns, row.cells, strict=True)
        if cell.text
    ]

    csv_file = client.get(URL, {**params, "format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv")
    assert "no-store" in csv_file["Cache-Control"]
    assert csv_file["Content-Disposition"].endswith('.csv"')
    rows = csv_figures(csv_file)
    assert rows[0] == ["Section", "Table", "Row", "Column", "Figure"]
    assert rows[1:] == shown

    xlsx = client.get(URL, {**params, "format": "xlsx"})
    assert "no-store" in xlsx["Cache-Control"]
    book = load_workbook(io.BytesIO(xlsx.content))
    written = {
        (str(row[0]), *row[1:])
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    }
    for t in (table(page, "progress"), table(page, "first-figures")):
        for row in t.rows:
            values = tuple(
                cell.value if cell.value is not None else cell.text for cell in row.cells
            )
            assert any(found[0] == row.label and tuple(found[1:]) == values for found in written), (
                row.label
            )

    # Each download is audited, with what it covered.
    entries = AuditEntry.objects.filter(action="scale_up.exported").order_by("pk")
    assert [e.detail["format"] for e in entries] == ["csv", "xlsx"]
    assert entries[0].detail["areas"] == ["ashfield", "mansfield", "newark-and-sherwood"]
    assert entries[0].detail["small numbers shown"] is False


@pytest.mark.django_db
def test_the_pdf_is_a_pdf_that_links_its_csv(
    personas: Personas, client: HttpClient, built: None
) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"period": LAST, "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    text, links = pdf_text(response.content)
    assert "Scale-upreport" in text and "Firstfiguresfrommonitoring" in text
    assert "<5" in text.replace('"<5"', "")
    csv_links = [link for link in links if is_csv_link(link)]
    assert csv_links and f"period={LAST}" in csv_links[0]
    assert AuditEntry.objects.filter(action="scale_up.exported", detail__format="pdf").exists()


@pytest.mark.django_db
def test_one_tables_own_file(personas: Personas, client: HttpClient, built: None) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"period": LAST, "table": "first-figures", "format": "csv"})
    assert {row[1] for row in csv_figures(response)[1:]} == {"First figures from monitoring"}
    assert "first-figures.csv" in response["Content-Disposition"]


# --- Periods and bad addresses ------------------------------------------------------


@pytest.mark.django_db
def test_only_ended_quarters_are_offered_to_a_commissioner(
    personas: Personas, client: HttpClient
) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(URL)
    assert response.status_code == 200
    # By default, the last quarter that has ended.
    assert response.context["choice"].code == LAST
    offered = response.context["choices"]
    assert offered and all(periods.kind_of(c) == periods.QUARTER for c in offered)
    assert all(c.period.end < TODAY for c in offered)
    # Nothing that overlaps or is still going, asked for by hand either.
    current = periods.parse({}, TODAY).code
    for asked, says in [
        (current, "once the period has ended"),
        (periods.last_complete_year(TODAY), "whole financial quarters only"),
        (periods.LAST_12_MONTHS, "whole financial quarters only"),
    ]:
        refused = client.get(URL, {"period": asked})
        assert refused.status_code == 400
        assert says in refused.content.decode()
        assert client.get(URL, {"period": asked, "format": "csv"}).status_code == 400
    assert not AuditEntry.objects.filter(action="scale_up.exported").exists()

    # The area's coordinator sees every kind, the current quarter by default.
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.get(URL)
    assert response.context["choice"].code == current
    kinds = {periods.kind_of(c) for c in response.context["choices"]}
    assert {periods.QUARTER, periods.YEAR, periods.ROLLING} <= kinds
    assert client.get(URL, {"period": periods.LAST_12_MONTHS}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2025-q9"}, "There is no such period"),
        ({"format": "docx"}, "Choose CSV, XLSX or PDF"),
        ({"format": "csv", "table": "nope"}, "There is no such table"),
    ],
)
def test_a_bad_parameter_is_a_clear_400(
    personas: Personas, client: HttpClient, params: dict[str, str], message: str
) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert message in response.content.decode()


# --- The walk as the demo commissioner ----------------------------------------------

COMMISSIONER = "commissioner@example.org"


@pytest.fixture(scope="module")
def walk(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Walk, list[str]]]:
    """The demo, and the report walked as its commissioner: the page, with each period
    and area from its own lists (and the periods it refuses), then its files (every CSV
    and XLSX; each table's own files and the PDF of the version with most hidden), as
    test_small_numbers_walk walks monitoring. Also: each version's figures against each
    area's own dashboard for the same period."""
    from inspiring.demo.loading import load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        # Ashfield's playbook as the test makes it (whatever the demo gave it), and an
        # area without one.
        Stage.objects.filter(area__slug__in=["ashfield", "newark-and-sherwood"]).delete()
        playbook(Area.objects.get(slug="ashfield"), ("scoping", 3, 2), ("informing", 2, 0))
        user = User.objects.get(email=COMMISSIONER)
        client = sign_in(HttpClient(), user, area=Area.objects.get(slug="ashfield"))
        found = Walk("commissioner")
        unlike_dashboards: list[str] = []
        queue, seen = [URL], set()
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = found.get(client, url, "page")
            found.routes.setdefault("playbook:report", set()).add(response.status_code)
            assert response.status_code in (200, 400), url
            parsed = PageParser()
            parsed.feed(response.content.decode())
            visit = Visit(
                url,
                "playbook:report",
                response.status_code,
                context_tables(response),
                context_report(response),
                parsed,
            )
            found.visits.append(visit)
            check_page(found, visit)
            if response.status_code == 200 and not any(is_csv_link(h) for h in parsed.links):
                found.no_csv_link.append(url)
            if visit.report is not None:
                choice = response.context["choice"]
                for index, area in enumerate(response.context["areas"]):
                    own = dashboard_cells(area, choice, reveal=False)
                    if report_cells(visit.report, index) != own:
                        unlike_dashboards.append(f"{url}: {area.name}")
            if url == URL:
                queue += variants(visit, TODAY)
        shown = [v for v in found.visits if v.status == 200 and v.report is not None]
        deep = max(shown, key=lambda v: v.hidden)
        memo = Memo()
        for visit in shown:
            check_files(found, client, memo, visit, deep=visit is deep)
        yield found, unlike_dashboards
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_walk_opens_the_report_in_its_versions(walk: tuple[Walk, list[str]]) -> None:
    found, _ = walk
    # The default, two ended quarters by each area and all together, and refusals.
    assert len(found.visits) >= 8
    assert 200 in found.routes["playbook:report"]
    assert found.files.get("csv") and found.files.get("xlsx") and found.files.get("pdf")
    assert any(v.hidden for v in found.visits), "the demo has no small numbers to hide"


@pytest.mark.django_db
def test_no_count_from_1_to_4_on_the_page_or_in_its_files(walk: tuple[Walk, list[str]]) -> None:
    found, _ = walk
    assert found.small_on_pages == []
    assert found.small_in_files == []
    assert found.like_counts == []


@pytest.mark.django_db
def test_the_files_carry_the_pages_figures_and_link_the_csv(
    walk: tuple[Walk, list[str]],
) -> None:
    found, _ = walk
    assert found.differs == []
    assert found.no_csv_link == []
    assert found.pdf_without_csv_link == []


@pytest.mark.django_db
def test_every_figure_is_hidden_as_on_the_areas_own_dashboard(
    walk: tuple[Walk, list[str]],
) -> None:
    _, unlike = walk
    assert unlike == []
