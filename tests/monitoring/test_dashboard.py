"""The area dashboard: who sees it, small numbers, its files, bad addresses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework import facts
from inspiring.casework.models import Referral
from inspiring.monitoring import periods
from tests.casework.conftest import make_client
from tests.conftest import sign_in
from tests.personas import Personas

URL = reverse("monitoring:dashboard")
# Anyone who sees small numbers hidden sees quarters that have ended: the tests' figures
# are in the last one.
LAST = periods.last_complete_quarter(timezone.localdate())


@pytest.fixture
def referrals(personas: Personas) -> None:
    """The last quarter that has ended, in Ashfield: 12 GP referrals and 3 self-referrals."""
    start = periods.parse({"period": LAST}, timezone.localdate()).period.start
    for n in range(15):
        client = make_client(personas.ashfield, f"Person{n}", "Smith")
        Referral.objects.filter(client=client).update(
            source="self" if n < 3 else "gp", received_on=start + timedelta(days=n % 3)
        )
        facts.refresh([client.pk])  # an UPDATE sends no signal


def _source_rows(response: Any) -> dict[str, str]:
    report = response.context["report"]
    table = next(t for s in report.sections for t in s.tables if t.key == "referrals-by-source")
    return {row.label: row.cells[0].text for row in table.rows}


@pytest.mark.django_db
def test_the_areas_coordinator_sees_every_count(
    client: Browser, personas: Personas, referrals: None
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.get(URL, {"period": LAST})
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
    response = client.get(URL, {"area": "ashfield", "period": LAST})
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
    page = client.get(URL, {"area": "ashfield", "period": LAST})
    shown = _source_rows(page)
    body = page.content.decode()
    assert "format=csv" in body and "format=xlsx" in body and "format=pdf" in body

    csv_file = client.get(URL, {"area": "ashfield", "period": LAST, "format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv")
    assert csv_file["Cache-Control"].count("no-store")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    from_csv = {
        r[2]: r[4] for r in rows[1:] if r[1] == "Referrals by source" and r[3] == "This period"
    }
    assert from_csv == shown

    book = load_workbook(
        io.BytesIO(client.get(URL, {"area": "ashfield", "period": LAST, "format": "xlsx"}).content)
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

    pdf = client.get(URL, {"area": "ashfield", "period": LAST, "format": "pdf"})
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
    response = client.get(URL, {"table": "referrals-by-source", "format": "csv", "period": LAST})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r[1] for r in rows[1:]} == {"Referrals by source"}
    assert "referrals-by-source.csv" in response["Content-Disposition"]


@pytest.mark.django_db
def test_the_coordinators_pdf_for_sharing_hides_small_numbers(
    client: Browser, personas: Personas, referrals: None
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    full = client.get(URL, {"format": "csv", "period": LAST}).content.decode("utf-8-sig")
    assert ",Self-referral,This period,3\r\n" in full
    shared = client.get(URL, {"format": "pdf", "for": "sharing", "period": LAST})
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


@pytest.mark.django_db
def test_a_quarter_still_going_is_not_offered_with_small_numbers_hidden(
    client: Browser, personas: Personas
) -> None:
    # Two downloads of a quarter in progress, a week apart, would give the week away.
    current = periods.parse({}, timezone.localdate()).code
    sign_in(client, personas.commissioner)
    response = client.get(URL, {"area": "ashfield", "period": current})
    assert response.status_code == 400
    assert "once the period has ended" in response.content.decode()
    # The coordinator's own page has it; their PDF for sharing does not.
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert client.get(URL, {"period": current}).status_code == 200
    shared = client.get(URL, {"period": current, "format": "pdf", "for": "sharing"})
    assert shared.status_code == 400
    assert (
        client.get(URL, {"period": "fy2025", "format": "csv", "for": "sharing"}).status_code == 400
    )


@pytest.mark.django_db
def test_practices_and_their_networks_are_protected_together(personas: Personas) -> None:
    from inspiring.areas.models import GPPractice
    from inspiring.monitoring import dashboard

    # Practices A (3) and B (7) are in network U1, C (5) alone in U2: the network table
    # (U1 10, U2 5) beside the practices' would give A and C away if each table were
    # protected on its own.
    networks = {"A": "U1", "B": "U1", "C": "U2"}
    for code, network in networks.items():
        GPPractice.objects.create(
            code=code, name=f"Practice {code}", pcn_code=network, pcn_name=network
        )
    start = periods.parse({"period": LAST}, timezone.localdate()).period.start
    n = 0
    for code, count in (("A", 3), ("B", 7), ("C", 5)):
        for _ in range(count):
            client = make_client(personas.ashfield, f"P{n}", "Smith")
            n += 1
            client.registered_practice = GPPractice.objects.get(code=code)
            client.save()
            Referral.objects.filter(client=client).update(received_on=start)
            facts.refresh([client.pk])
    choice = periods.parse({"period": LAST}, timezone.localdate())
    report = dashboard.build([personas.ashfield], choice, reveal=False)
    tables_by_key = {t.key: t for s in report.sections for t in s.tables}
    practices = {r.label: r.cells[0].text for r in tables_by_key["referrals-by-practice"].rows}
    networks_shown = {r.label: r.cells[0].text for r in tables_by_key["referrals-by-pcn"].rows}
    # A hidden; B too (else U1 less B is A); then the networks, or C would be U2.
    assert practices == {
        "Practice A": "<5",
        "Practice B": "[c]",
        "Practice C": "[c]",
        "All referrals": "15",
    }
    assert networks_shown == {"U1": "[c]", "U2": "[c]", "All referrals": "15"}


@pytest.mark.django_db
def test_days_to_first_contact_leave_out_how_many_when_hidden(
    client: Browser, personas: Personas, referrals: None
) -> None:
    sign_in(client, personas.commissioner)
    report = client.get(URL, {"area": "ashfield", "period": LAST}).context["report"]
    days = next(t for s in report.sections for t in s.tables if t.key == "first-contact-days")
    assert "Referrals contacted" not in days.columns
