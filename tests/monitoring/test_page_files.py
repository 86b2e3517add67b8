"""Every monitoring page's figures as files, and its tables' markup (review of issue 17):
the researcher's home offers its headline figures as CSV and XLSX (the page's own
tables, small numbers hidden alike, audited); each row of a monitoring table is headed
by a row header, the total still bold."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]

from inspiring.accounts.models import AuditEntry
from inspiring.areas.models import Area
from inspiring.casework.models import Client, Referral, ReferralStatusChange
from inspiring.monitoring import commissioning, periods, tables
from lib.tallies import Tally
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

RESEARCH = reverse("monitoring:research")


def refer(area: Area, count: int, on: date) -> None:
    """`count` people in `area`, each referred `on`."""
    for n in range(count):
        client = Client.objects.create(
            area=area, first_name=f"P{n}", last_name="Test", consent_to_hold=True
        )
        referral = Referral.objects.create(
            client=client,
            source="gp",
            reasons=["loneliness"],
            received_on=on,
            status=Referral.Status.RECEIVED,
            status_changed_on=on,
        )
        ReferralStatusChange.objects.create(referral=referral, status="received", on=on)


def last_quarter() -> Any:
    today = timezone.localdate()
    return periods.parse({"period": commissioning.last_complete_quarter(today)}, today).period


def csv_figures(response: Any) -> dict[tuple[str, str, str], str]:
    """(table, row, column) -> figure, from a monitoring CSV."""
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Table", "Row", "Column", "Figure"]
    return {(row[1], row[2], row[3]): row[4] for row in rows[1:]}


# --- The researcher's home ------------------------------------------------------------


def test_the_research_home_links_its_figures_as_csv_and_xlsx(
    personas: Personas, client: HttpClient
) -> None:
    quarter = last_quarter()
    refer(personas.ashfield, 2, quarter.start)
    refer(personas.mansfield, 7, quarter.start + timedelta(days=3))
    sign_in(client, personas.researcher)
    page = client.get(RESEARCH)
    text = page.content.decode()
    assert 'href="?format=csv"' in text and 'href="?format=xlsx"' in text

    reply = client.get(RESEARCH, {"format": "csv"})
    assert reply.status_code == 200 and reply["Content-Type"].startswith("text/csv")
    assert reply["Cache-Control"].startswith("no-store")
    name = f"research-ashfield-mansfield-{quarter.start}-to-{quarter.end}.csv"
    assert reply["Content-Disposition"] == f'attachment; filename="{name}"'
    figures = csv_figures(reply)
    # The page's own table, small numbers hidden alike.
    [shown] = page.context["tables"][:1]
    received = next(row for row in shown.rows if row.label == "Referrals received")
    assert [cell.text for cell in received.cells[:2]] == ["<5", "7"]
    assert figures[("Headline counts", "Referrals received", "Ashfield")] == "<5"
    assert figures[("Headline counts", "Referrals received", "Mansfield")] == "7"
    entry = AuditEntry.objects.get(action="monitoring.exported")
    assert entry.detail["page"] == "research" and entry.detail["format"] == "csv"
    assert entry.detail["areas"] == ["ashfield", "mansfield"]
    assert entry.detail["small numbers shown"] is False

    reply = client.get(RESEARCH, {"format": "xlsx"})
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content))
    values = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]
    assert "<5" in values and 7 in values and 2 not in values
    assert AuditEntry.objects.filter(action="monitoring.exported").count() == 2


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_research_home_refuses_another_format(
    personas: Personas, client: HttpClient, fmt: str
) -> None:
    sign_in(client, personas.researcher)
    reply = client.get(RESEARCH, {"format": fmt})
    assert reply.status_code == 400
    text = reply.content.decode()
    assert "There is a problem" in text and "Choose CSV or XLSX to download" in text
    assert "<title>Error: " in text
    assert not AuditEntry.objects.filter(action="monitoring.exported").exists()


def test_the_research_home_files_are_for_researchers(
    personas: Personas, client: HttpClient
) -> None:
    sign_in(client, personas.commissioner)
    assert client.get(RESEARCH, {"format": "csv"}).status_code == 403


# --- A table's markup -----------------------------------------------------------------


def test_every_row_of_a_table_is_headed_by_a_row_header(personas: Personas) -> None:
    table = tables.counts(
        "sources",
        "Referrals by source",
        "Source",
        [("This period", Tally.of({"gp": 12, "self": 8}, (("gp", "GP"), ("self", "Self"))))],
        reveal=True,
    )
    html = render_to_string("monitoring/_table.html", {"table": table, "downloads": None})
    body = html[html.index("<tbody") : html.index("</tbody>")]
    rows = re.findall(r"<tr class=\"([^\"]*)\">\s*(<t[hd][^>]*>)([^<]*)<", body)
    assert [(label, cell) for _, cell, label in rows] == [
        (label, '<th scope="row" class="nhsuk-table__header">')
        for label in ("GP", "Self", "Not recorded", "Total")
    ]
    # The total row still stands out (monitoring/_styles.html makes it bold).
    assert [classes for classes, _, _ in rows] == [
        "nhsuk-table__row",
        "nhsuk-table__row",
        "nhsuk-table__row",
        "nhsuk-table__row app-monitoring-total",
    ]
    assert '<td class="nhsuk-table__cell">' not in body
