"""A partner's impact report: who reaches it, small numbers always hidden, and the page,
CSV, XLSX and PDF carrying the same figures."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework import figures
from inspiring.casework.models import Client, Connection, ConnectionStep
from inspiring.directory.models import Activity, Organisation
from inspiring.monitoring import partners as partner_reports
from lib.tallies import Spread, Tally
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db

S = Connection.Status


def url(organisation: Organisation, **query: str) -> str:
    path = reverse("monitoring:partner", kwargs={"public_id": organisation.public_id})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def connect(name: str, area: Any, to: Activity, *, came: bool) -> Connection:
    """Someone connected to `to` 30 days ago; `came`: their first visit the day after."""
    made = timezone.localdate() - timedelta(days=30)
    client = Client.objects.create(
        area=area, first_name=name, last_name="Test", consent_to_hold=True
    )
    connection = Connection.objects.create(
        client=client,
        activity=to,
        status=S.ATTENDED_FIRST if came else S.AGREED,
        status_changed_on=made,
    )
    Connection.objects.filter(pk=connection.pk).update(
        created_at=timezone.make_aware(datetime.combine(made, time(12)))
    )
    ConnectionStep.objects.create(connection=connection, status=S.AGREED, on=made)
    if came:
        ConnectionStep.objects.create(
            connection=connection, status=S.ATTENDED_FIRST, on=made + timedelta(days=1)
        )
    return connection


@pytest.fixture
def walks(personas: Personas) -> Organisation:
    """Priya's group, with one activity three people were connected to (two came)."""
    group = organisation(personas.ashfield, "Kirkby Walking Group")
    group.leads.add(personas.partner_lead)
    walk = activity(group, "Health walk", at=None, online=True)
    for name, came in (("Ann", True), ("Bob", True), ("Cat", False)):
        connect(name, personas.ashfield, walk, came=came)
    return group


@pytest.fixture
def choir(personas: Personas) -> Organisation:
    """Another Ashfield group: not Priya's."""
    return organisation(personas.ashfield, "Ashfield Choir")


# --- Who reaches it -------------------------------------------------------------------


def test_a_partner_lead_with_one_organisation_goes_straight_to_its_report(
    client: Browser, personas: Personas, walks: Organisation
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.get(reverse("monitoring:partners") + "?period=fy2025")
    assert response.status_code == 302
    assert response["Location"] == url(walks, period="fy2025")


def test_a_partner_lead_with_several_chooses_and_sees_only_their_own(
    client: Browser, personas: Personas, walks: Organisation, choir: Organisation
) -> None:
    knit = organisation(personas.ashfield, "Knit and Natter")
    knit.leads.add(personas.partner_lead)
    sign_in(client, personas.partner_lead)
    page = client.get(reverse("monitoring:partners")).content.decode()
    assert "Kirkby Walking Group" in page and "Knit and Natter" in page
    assert "Ashfield Choir" not in page
    assert client.get(url(knit)).status_code == 200


def test_another_organisations_report_is_404(
    client: Browser, personas: Personas, walks: Organisation, choir: Organisation
) -> None:
    sign_in(client, personas.partner_lead)
    assert client.get(url(choir)).status_code == 404
    mansfield = organisation(personas.mansfield, "Mansfield Men's Shed")
    assert client.get(url(mansfield)).status_code == 404


def test_a_coordinator_reaches_every_organisation_of_their_area_only(
    client: Browser, personas: Personas, walks: Organisation, choir: Organisation
) -> None:
    sign_in(client, personas.coordinator)
    page = client.get(reverse("monitoring:partners")).content.decode()
    assert "Kirkby Walking Group" in page and "Ashfield Choir" in page
    assert client.get(url(choir)).status_code == 200
    mansfield = organisation(personas.mansfield, "Mansfield Men's Shed")
    assert client.get(url(mansfield)).status_code == 404


@pytest.mark.parametrize("who", ["link_worker", "commissioner", "researcher"])
def test_other_roles_are_refused(
    client: Browser, personas: Personas, walks: Organisation, who: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get(reverse("monitoring:partners")).status_code == 403
    assert client.get(url(walks)).status_code == 403


def test_the_home_card_is_the_partner_leads_and_the_coordinator_gets_funding(
    client: Browser, personas: Personas, walks: Organisation
) -> None:
    sign_in(client, personas.partner_lead)
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Your organisation&#x27;s impact" in home and "Funding" not in home
    client.logout()
    sign_in(client, personas.coordinator)
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Your organisation&#x27;s impact" not in home
    assert reverse("monitoring:grants") in home


# --- Small numbers --------------------------------------------------------------------


def counts_shown(report: Any) -> list[float]:
    return [
        cell.value
        for section in report.sections
        for table in section.tables
        for row in table.rows
        for cell in row.cells
        if cell.kind == "count" and cell.value is not None
    ]


@pytest.mark.parametrize("who", ["partner_lead", "coordinator"])
def test_three_people_are_shown_as_fewer_than_5_to_everyone(
    client: Browser, personas: Personas, walks: Organisation, who: str
) -> None:
    sign_in(client, getattr(personas, who))
    response = client.get(url(walks))
    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store")
    report = response.context["report"]
    assert not report.revealed
    assert all(value == 0 or value >= 5 for value in counts_shown(report))
    page = response.content.decode()
    assert "&lt;5" in page
    assert "Counts under 5 are always hidden in this report" in page
    assert "Inspiring Ashfield" in page and "Financial year" in page


def test_no_one_connected_says_so(client: Browser, personas: Personas, choir: Organisation) -> None:
    sign_in(client, personas.coordinator)
    page = client.get(url(choir)).content.decode()
    assert "No one has been connected to Ashfield Choir's activities in this period yet" in (page)


# --- The page and its files -----------------------------------------------------------

OUTCOME = figures.ScaleChange(
    instrument_code="ons-loneliness",
    instrument_title="ONS loneliness",
    scale_id="ucla3",
    label="UCLA-3 loneliness",
    higher_is_better=False,
    baseline=Spread(8, {"mean": 7.5}),
    follow_up=Spread(8, {"mean": 5.25}),
    change=Spread(8, {"mean": -2.3, "median": -2.0}),
    reliable=Tally.of(
        {"better": 5, "same": 3, "worse": 0},
        [("better", "Reliably better"), ("same", "No reliable change"), ("worse", "Worse")],
        unknown=None,
    ),
)


@pytest.fixture
def known(monkeypatch: pytest.MonkeyPatch, walks: Organisation) -> figures.PartnerImpact:
    walk = walks.activities.get()
    impact = figures.PartnerImpact(
        connected=14,
        came=20,
        kept_coming=9,
        kept_coming_due=12,
        by_activity=Tally.of({str(walk.pk): 14}, [(str(walk.pk), walk.title)], unknown=None),
        outcomes=[OUTCOME],
    )
    monkeypatch.setattr("inspiring.monitoring.views_partners.partner_impact", lambda *args: impact)
    return impact


def test_those_who_came_add_up(known: figures.PartnerImpact) -> None:
    tally = partner_reports.came(known)
    assert tally.counts == {"kept_coming": 9, "stopped": 3, "not_counted": 8}
    assert tally.total == 20


def page_figures(report: Any) -> dict[tuple[str, str, str], str]:
    return {
        (table.title, row.label, column): cell.text
        for section in report.sections
        for table in section.tables
        for row in table.rows
        for column, cell in zip(table.columns, row.cells, strict=True)
        if cell.text
    }


def test_the_csv_xlsx_and_pdf_carry_the_pages_figures(
    client: Browser, personas: Personas, walks: Organisation, known: Any
) -> None:
    sign_in(client, personas.partner_lead)
    page = client.get(url(walks))
    shown = page_figures(page.context["report"])
    came = "People who came, and who kept coming"
    assert shown[(came, "Came in the period", "People")] == "20"
    assert shown[(came, partner_reports.CAME_GROUPS[0][1], "People")] == "9"
    # 3 stopped: hidden, and another figure with it so it cannot be worked out.
    assert shown[(came, partner_reports.CAME_GROUPS[1][1], "People")] == "<5"
    assert shown[(came, partner_reports.CAME_GROUPS[2][1], "People")] == "[c]"
    scale = "ONS loneliness: UCLA-3 loneliness (lower is better)"
    averages = "Average scores at the start and at follow-up"
    assert shown[(averages, scale, "Average change")] == "-2.3"
    assert shown[(averages, scale, "People with both")] == "8"

    reply = client.get(url(walks, format="csv"))
    assert reply.status_code == 200 and reply["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))[1:]
    assert {(r[1], r[2], r[3]): r[4] for r in rows} == shown

    reply = client.get(url(walks, format="xlsx"))
    book = load_workbook(io.BytesIO(reply.content))
    values = [
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert {20, 9, 14, 8, -2.3, "<5", "[c]"} <= set(values)
    assert 3 not in values and "3" not in values

    reply = client.get(url(walks, format="pdf"))
    assert reply["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.content)).pages)
    assert "Kirkby Walking Group: impact" in text and "Inspiring Ashfield" in text
    assert "<5" in text and "[c]" in text and "Came in the period" in text
    assert AuditEntry.objects.filter(action="partner_report.downloaded").count() == 3


def test_one_tables_own_files(
    client: Browser, personas: Personas, walks: Organisation, known: Any
) -> None:
    sign_in(client, personas.partner_lead)
    page = client.get(url(walks)).content.decode()
    assert "table=came&amp;format=csv" in page
    reply = client.get(url(walks, table="came", format="csv"))
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))[1:]
    assert {row[1] for row in rows} == {"People who came, and who kept coming"}
    assert client.get(url(walks, table="came", format="xlsx")).status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"format": "docx"}, "Choose CSV, XLSX or PDF to download"),
        ({"format": "csv", "table": "nope"}, "There is no such table in this report"),
        ({"period": "2026-q9"}, "There is no such period: choose one from the list"),
        ({"from": "2026-04-01", "to": "2026-01-01"}, "The period must end on or after"),
        ({"from": "yesterday", "to": "today"}, "Give the period&#x27;s first and last days"),
        # Small numbers are always hidden here: quarters or rolling months beside the
        # years would let a hidden count be worked out from the difference.
        ({"period": "2026-q1"}, "whole financial years only"),
        ({"period": "last-12-months"}, "whole financial years only"),
        ({"from": "2026-04-01", "to": "2026-06-01"}, "whole financial years only"),
    ],
)
def test_bad_parameters_say_what_is_wrong(
    client: Browser, personas: Personas, walks: Organisation, query: dict[str, str], message: str
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.get(url(walks, **query))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
