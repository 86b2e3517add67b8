"""The area dashboard: who sees it, small numbers, its files, bad addresses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Referral
from inspiring.monitoring import periods
from tests.casework.conftest import make_client
from tests.conftest import sign_in
from tests.personas import Personas

URL = reverse("monitoring:dashboard")


@pytest.fixture
def referrals(personas: Personas) -> None:
    """This quarter in Ashfield: 12 GP referrals and 3 self-referrals."""
    start = periods.parse({}, timezone.localdate()).period.start
    for n in range(15):
        client = make_client(personas.ashfield, f"Person{n}", "Smith")
        Referral.objects.filter(client=client).update(
            source="self" if n < 3 else "gp", received_on=start + timedelta(days=n % 3)
        )


def _source_rows(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    report = response.context["report"]
    table = next(t for s in report.sections for t in s.tables if t.key == "referrals-by-source")
    return {row.label: row.cells[0].text for row in table.rows}


@pytest.mark.django_db
def test_the_areas_coordinator_sees_every_count(
    client: Browser, personas: Personas, referrals: None
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store") or "no-cache" in response["Cache-Control"]
    rows = _source_rows(response)
    assert rows["Self-referral"] == "3"
    assert rows["GP"] == "12"
    assert "Small numbers are shown" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["commissioner", "researcher"])
def test_commissioners_and_researchers_see_small_counts_hidden(
    client: Browser, personas: Personas, referrals: None, who: str
) -> None:
    sign_in(client, getattr(personas, who))
    response = client.get(URL, {"area": "ashfield"})
    assert response.status_code == 200
    rows = _source_rows(response)
    assert rows["Self-referral"] == "<5"
    assert rows["GP"] == "[c]" or rows["All referrals"] == "[c]"
    assert "Counts under 5 are hidden" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "no_role"])
def test_people_without_monitoring_are_refused(
    client: Browser, personas: Personas, who: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get(URL).status_code in (403, 404)


@pytest.mark.django_db
def test_an_area_out_of_scope_is_not_found(client: Browser, personas: Personas) -> None:
    sign_in(client, personas.researcher)  # Ashfield and Mansfield only
    assert client.get(URL, {"area": "newark-and-sherwood"}).status_code == 404
    assert client.get(URL, {"area": "nowhere"}).status_code == 404
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert client.get(URL, {"area": "mansfield"}).status_code == 404


@pytest.mark.django_db
def test_areas_added_together_are_only_for_their_coordinators(
    client: Browser, personas: Personas, referrals: None
) -> None:
    # Ashfield + Mansfield, beside Mansfield alone, would give Ashfield's hidden counts
    # away: side by side (the compare page) is how others see several areas.
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"area": ["ashfield", "mansfield"]})
    assert response.status_code == 400
    assert "added together are for their coordinators" in response.content.decode()
    assert client.get(URL, {"area": ["ashfield", "mansfield"], "format": "csv"}).status_code == 400


@pytest.mark.django_db
def test_the_files_carry_the_pages_figures(
    client: Browser, personas: Personas, referrals: None
) -> None:
    sign_in(client, personas.commissioner)
    page = client.get(URL, {"area": "ashfield"})
    shown = _source_rows(page)
    body = page.content.decode()
    assert "format=csv" in body and "format=xlsx" in body and "format=pdf" in body

    csv_file = client.get(URL, {"area": "ashfield", "format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv")
    assert csv_file["Cache-Control"].count("no-store")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    from_csv = {
        r[2]: r[4] for r in rows[1:] if r[1] == "Referrals by source" and r[3] == "This period"
    }
    assert from_csv == shown

    book = load_workbook(
        io.BytesIO(client.get(URL, {"area": "ashfield", "format": "xlsx"}).content)
    )
    found = {}
    for sheet in book.worksheets:
        in_table = False
        for row in sheet.iter_rows(values_only=True):
            if row and row[0] == "Referrals by source":
                in_table = True
                continue
            if in_table and row and row[0] in shown:
                found[row[0]] = row[1]
            if in_table and not any(row):
                in_table = False
    assert {k: str(int(v)) if isinstance(v, (int, float)) else v for k, v in found.items()} == shown

    pdf = client.get(URL, {"area": "ashfield", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Referrals by source" in text and "<5" in text
    assert AuditEntry.objects.filter(action="monitoring.exported").count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"period": "fy2025"}, {"period": "last-12-months"}, {"period": "2026-01-01..2026-02-01"}],
)
def test_with_small_numbers_hidden_only_quarters_are_offered(
    client: Browser, personas: Personas, params: dict[str, str]
) -> None:
    # A year beside its quarters (or overlapping months) would give a hidden count away.
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"area": "ashfield", **params})
    assert response.status_code == 400
    assert "whole financial quarters only" in response.content.decode()
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert client.get(URL, params).status_code == 200


@pytest.mark.django_db
def test_one_tables_own_file(client: Browser, personas: Personas, referrals: None) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.get(URL, {"table": "referrals-by-source", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r[1] for r in rows[1:]} == {"Referrals by source"}
    assert "referrals-by-source.csv" in response["Content-Disposition"]


@pytest.mark.django_db
def test_the_coordinators_pdf_for_sharing_hides_small_numbers(
    client: Browser, personas: Personas, referrals: None
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    full = client.get(URL, {"format": "csv"}).content.decode("utf-8-sig")
    assert ",Self-referral,This period,3\r\n" in full
    shared = client.get(URL, {"format": "pdf", "for": "sharing"})
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(shared.content)).pages)
    assert "Counts under 5 are shown as" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2026-q9"}, "There is no such period"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "must end on or after"),
        ({"format": "docx"}, "Choose CSV, XLSX or PDF"),
        ({"table": "nope", "format": "csv"}, "no such table"),
    ],
)
def test_a_bad_address_says_what_is_wrong(
    client: Browser, personas: Personas, params: dict[str, str], message: str
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.django_db
def test_an_empty_area_shows_noughts_not_errors(client: Browser, personas: Personas) -> None:
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    response = client.get(URL, {"period": "2019-q1"})
    assert response.status_code == 200
    assert _source_rows(response)["All referrals"] == "0"
