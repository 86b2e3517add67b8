"""The areas side by side, the quarterly return and the researcher's home (issue 17):
who reaches which areas, the return's coded counts and rates on hand-built rows, link
workers numbered for anyone but the area's coordinators, and small numbers hidden alike
in the page, the CSV, the spreadsheet and the PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from inspiring.accounts.models import User
from inspiring.areas.models import Area, GPPractice
from inspiring.casework.models import Client, Contact, Referral, ReferralStatusChange
from inspiring.evaluation.questions import QUESTIONS
from inspiring.monitoring import commissioning, lines, periods
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

COMPARE = reverse("monitoring:compare")
RETURN = reverse("monitoring:quarterly_return")
RESEARCH = reverse("monitoring:research")
# A past quarter, so nothing depends on today: 1 April to 30 June 2025.
QUARTER = "2025-q1"
START = date(2025, 4, 1)
R = Referral.Status


# --- Builders -----------------------------------------------------------------------


def person(area: Area, name: str = "Ann", **fields: Any) -> Client:
    return Client.objects.create(
        area=area, first_name=name, last_name="Test", consent_to_hold=True, **fields
    )


def refer(client: Client, on: date, *steps: tuple[str, date]) -> Referral:
    status = steps[-1][0] if steps else R.RECEIVED
    referral = Referral.objects.create(
        client=client,
        source="gp",
        reasons=["loneliness"],
        received_on=on,
        status=status,
        status_changed_on=steps[-1][1] if steps else on,
    )
    ReferralStatusChange.objects.create(referral=referral, status=R.RECEIVED, on=on)
    for step, when in steps:
        ReferralStatusChange.objects.create(referral=referral, status=step, on=when)
    return referral


def referrals(area: Area, count: int, on: date, **fields: Any) -> list[Client]:
    """`count` people in `area`, each referred `on` and contacted the day after."""
    people = [person(area, f"P{n}", **fields) for n in range(count)]
    for client in people:
        refer(client, on, (R.CONTACTED, on + timedelta(days=1)))
    return people


def contact(client: Client, by: User, on: date) -> Contact:
    return Contact.objects.create(
        client=client,
        kind="call",
        on=timezone.make_aware(datetime.combine(on, time(11))),
        by=by,
    )


def page(client: HttpClient, url: str, **params: Any) -> Any:
    return client.get(url, params)


def csv_figures(response: Any) -> dict[tuple[str, str, str], str]:
    """(table, row, column) -> figure, from a monitoring CSV."""
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {(row[1], row[2], row[3]): row[4] for row in rows[1:]}


def xlsx_rows(response: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(response.content))
    return [[cell.value for cell in row] for sheet in book for row in sheet.iter_rows()]


def pdf_text(response: Any) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


# --- Who reaches what ---------------------------------------------------------------


def test_a_commissioner_sees_every_area_of_their_role_side_by_side(
    personas: Personas, client: HttpClient
) -> None:
    sign_in(client, personas.commissioner)
    response = page(client, COMPARE, period=QUARTER)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    text = response.content.decode()
    for name in ("Ashfield", "Mansfield", "Newark and Sherwood"):
        assert f">{name}</th>" in text
    # No total beside hidden figures: each area's own page shows its figures too, so a
    # total would let a hidden one be worked out. Only a coordinator of them all sees it.
    assert ">All areas</th>" not in text
    assert "format=csv" in text


def test_areas_can_be_narrowed_to_some(personas: Personas, client: HttpClient) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(f"{COMPARE}?area=ashfield&area=mansfield&period={QUARTER}")
    text = response.content.decode()
    assert ">Mansfield</th>" in text and ">Newark and Sherwood</th>" not in text


@pytest.mark.parametrize("url", [COMPARE, RETURN])
def test_an_area_out_of_their_role_is_404(personas: Personas, client: HttpClient, url: str) -> None:
    sign_in(client, personas.researcher)  # Ashfield and Mansfield only
    assert client.get(url, {"area": "newark-and-sherwood"}).status_code == 404
    assert client.get(url, {"area": ["ashfield", "nowhere"]}).status_code == 404
    sign_in(client, personas.coordinator)
    assert client.get(url, {"area": "mansfield"}).status_code == 404
    assert client.get(url, {"area": "ashfield"}).status_code == 200


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "no_role"])
@pytest.mark.parametrize("url", [COMPARE, RETURN, RESEARCH])
def test_roles_without_monitoring_are_refused(
    personas: Personas, client: HttpClient, who: str, url: str
) -> None:
    sign_in(client, getattr(personas, who))
    assert client.get(url).status_code == 403


def test_the_research_home_is_for_those_who_analyse(personas: Personas, client: HttpClient) -> None:
    sign_in(client, personas.commissioner)
    assert client.get(RESEARCH).status_code == 403


def test_signed_out_is_sent_to_sign_in(client: HttpClient) -> None:
    for url in (COMPARE, RETURN, RESEARCH):
        assert client.get(url).status_code == 302


# --- Bad addresses are said, never a traceback ----------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (COMPARE, {"period": "2025-q9"}, "There is no such period"),
        (COMPARE, {"from": "2025-13-01", "to": "2025-12-31"}, "Give the period"),
        (COMPARE, {"format": "docx"}, "Choose CSV, XLSX or PDF"),
        (COMPARE, {"format": "csv", "table": "nope"}, "There is no such table"),
        (RETURN, {"period": "fy2025"}, "for a financial quarter"),
        (RETURN, {"period": "last-12-months"}, "for a financial quarter"),
        (RETURN, {"period": "x" * 500}, "There is no such period"),
        (RETURN, {"format": "csv", "table": "<script>"}, "There is no such table"),
    ],
)
def test_a_bad_parameter_is_a_clear_400(
    personas: Personas, client: HttpClient, url: str, params: dict[str, str], message: str
) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(url, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "text/html" in response["Content-Type"]


# --- The quarterly return -----------------------------------------------------------


def test_the_return_counts_each_referral_once_at_acceptance(
    personas: Personas, client: HttpClient
) -> None:
    ashfield = personas.ashfield
    # Six accepted in the quarter; one of them lost touch and was contacted again.
    people = referrals(ashfield, 5, START + timedelta(days=3))
    again = person(ashfield, "Again")
    refer(
        again,
        START,
        (R.CONTACTED, START + timedelta(days=2)),
        (R.UNABLE_TO_CONTACT, START + timedelta(days=9)),
        (R.CONTACTED, START + timedelta(days=30)),
    )
    # Accepted before the quarter, assessed in it: counted in its own quarter only.
    earlier = person(ashfield, "Earlier")
    refer(
        earlier,
        START - timedelta(days=20),
        (R.CONTACTED, START - timedelta(days=10)),
        (R.ASSESSED, START + timedelta(days=5)),
    )
    # Five declined in the quarter, one after the quarter's end.
    for n in range(5):
        refer(person(ashfield, f"D{n}"), START, (R.DECLINED, START + timedelta(days=n)))
    refer(person(ashfield, "Late"), START, (R.DECLINED, date(2025, 7, 2)))
    # Mansfield's are its own.
    referrals(personas.mansfield, 7, START)
    del people

    sign_in(client, personas.commissioner)
    response = client.get(RETURN, {"period": QUARTER, "area": "ashfield", "format": "csv"})
    assert response.status_code == 200
    figures = csv_figures(response)
    accepted = (
        "People referred, at acceptance: 871731000000106 Referral to social prescribing service"
    )
    declined = "Declined: 871711000000103 Social prescribing declined"
    assert figures[("The return", accepted, "Ashfield")] == "6"
    assert figures[("The return", declined, "Ashfield")] == "5"

    text = client.get(RETURN, {"period": QUARTER}).content.decode()
    assert "871731000000106" in text and "Referral to social prescribing service" in text
    assert "871711000000103" in text and "Social prescribing declined" in text


def test_the_return_defaults_to_the_last_complete_quarter(
    personas: Personas, client: HttpClient
) -> None:
    sign_in(client, personas.commissioner)
    response = client.get(RETURN)
    expected = periods.parse(
        {"period": commissioning.last_complete_quarter(timezone.localdate())},
        timezone.localdate(),
    )
    assert response.context["choice"].code == expected.code
    assert commissioning.last_complete_quarter(date(2026, 7, 1)) == "2026-q1"
    assert commissioning.last_complete_quarter(date(2026, 4, 30)) == "2025-q4"


def _practices(area: Area) -> None:
    district = area.local_authority_code
    GPPractice.objects.create(
        code="C90001",
        name="Alpha Surgery",
        district_code=district,
        pcn_code="U1",
        pcn_name="North PCN",
        list_size=8000,
    )
    GPPractice.objects.create(
        code="C90002",
        name="Beta Practice",
        district_code=district,
        pcn_code="U1",
        pcn_name="North PCN",
        list_size=4000,
    )
    GPPractice.objects.create(
        code="C90003",
        name="Gamma Health Centre",
        district_code=district,
        pcn_code="U2",
        pcn_name="South PCN",
        list_size=None,
    )


def test_rates_per_1000_registered_patients(personas: Personas, client: HttpClient) -> None:
    ashfield = personas.ashfield
    _practices(ashfield)
    alpha, beta, gamma = GPPractice.objects.order_by("code")
    on = START + timedelta(days=10)
    referrals(ashfield, 6, on, registered_practice=alpha)
    referrals(ashfield, 2, on, registered_practice=beta)
    referrals(ashfield, 5, on, registered_practice=gamma)
    referrals(ashfield, 1, on, gp_practice="A surgery in Leeds")
    referrals(ashfield, 1, on)

    # The area's coordinator sees every count, and still no rate over fewer than 5.
    sign_in(client, personas.coordinator)
    response = client.get(RETURN, {"period": QUARTER, "format": "csv"})
    figures = csv_figures(response)
    practices = "Ashfield: referrals per 1,000 registered patients, by GP practice"
    rate = "Per 1,000 registered patients"
    assert figures[(practices, "Alpha Surgery (C90001)", "Referrals")] == "6"
    assert figures[(practices, "Alpha Surgery (C90001)", "Registered patients")] == "8,000"
    assert figures[(practices, "Alpha Surgery (C90001)", rate)] == "0.75"
    assert figures[(practices, "Beta Practice (C90002)", "Referrals")] == "2"
    assert figures[(practices, "Beta Practice (C90002)", rate)] == "\N{EN DASH}"
    assert figures[(practices, "Gamma Health Centre (C90003)", "Registered patients")] == (
        "No list size"
    )
    assert figures[(practices, "Gamma Health Centre (C90003)", rate)] == "\N{EN DASH}"
    assert figures[(practices, "Typed, not in the list", "Referrals")] == "1"
    assert figures[(practices, "Typed, not in the list", rate)] == "\N{EN DASH}"
    assert figures[(practices, "Not recorded", "Referrals")] == "1"
    assert figures[(practices, "All referrals", "Referrals")] == "15"

    networks = "Ashfield: referrals per 1,000 registered patients, by primary care network"
    assert figures[(networks, "North PCN (U1)", "Referrals")] == "8"
    assert figures[(networks, "North PCN (U1)", "Registered patients")] == "12,000"
    assert figures[(networks, "North PCN (U1)", rate)] == "0.67"
    assert figures[(networks, "South PCN (U2)", "Registered patients")] == (
        "A practice has no list size"
    )
    assert figures[(networks, "South PCN (U2)", rate)] == "\N{EN DASH}"

    # A commissioner: the small counts hidden, and no rate over a hidden count.
    sign_in(client, personas.commissioner)
    figures = csv_figures(client.get(RETURN, {"period": QUARTER, "format": "csv"}))
    assert figures[(practices, "Beta Practice (C90002)", "Referrals")] == "<5"
    assert figures[(practices, "Alpha Surgery (C90001)", rate)] in ("0.75", "\N{EN DASH}")
    for (table, row, column), shown in figures.items():
        if table == practices and column == "Referrals" and shown in ("<5", "[c]"):
            assert figures[(table, row, rate)] == "\N{EN DASH}"


def _workers(personas: Personas) -> None:
    """Liam supported 6 people in the year to the quarter's end, Chloe 2."""
    ashfield = personas.ashfield
    on = START + timedelta(days=20)
    for n in range(6):
        someone = person(ashfield, f"L{n}")
        for week in range(3):
            contact(someone, personas.link_worker, on - timedelta(weeks=week))
    for n in range(2):
        contact(person(ashfield, f"C{n}"), personas.coordinator, on)
    # Outside the 12 months: not counted.
    contact(person(ashfield, "Old"), personas.link_worker, date(2024, 6, 1))


def test_link_workers_are_numbered_for_anyone_but_the_areas_coordinators(
    personas: Personas, client: HttpClient
) -> None:
    _workers(personas)
    title = "Ashfield: link workers' year to 30 June 2025"
    people = "People supported in the 12 months"

    sign_in(client, personas.coordinator)
    figures = csv_figures(client.get(RETURN, {"period": QUARTER, "format": "csv"}))
    assert figures[(title, "Liam Walsh", people)] == "6"
    assert figures[(title, "Liam Walsh", "Contacts per person")] == "3.0"
    assert figures[(title, "Liam Walsh", "Against 200 to 250 people")] == "Below"
    assert figures[(title, "Liam Walsh", "Against 6 to 12 contacts each")] == "Below"
    assert figures[(title, "Chloe Carter", people)] == "2"

    for who in (personas.commissioner, personas.researcher):
        sign_in(client, who)
        response = client.get(RETURN, {"period": QUARTER, "area": "ashfield"})
        text = response.content.decode()
        assert "Liam Walsh" not in text and "Chloe Carter" not in text
        assert "Link worker 1" in text and "Link worker 2" in text
        assert "NHS England, Social prescribing: reference guide and technical annex" in text
        export = client.get(RETURN, {"period": QUARTER, "area": "ashfield", "format": "csv"})
        assert b"Liam" not in export.content and b"Chloe" not in export.content
        figures = csv_figures(export)
        assert figures[(title, "Link worker 1", people)] == "6"
        assert figures[(title, "Link worker 2", people)] == "<5"
        assert figures[(title, "Link worker 2", "Contacts per person")] == "\N{EN DASH}"


# --- Small numbers, in every form --------------------------------------------------


def test_small_numbers_are_hidden_in_the_page_and_every_file(
    personas: Personas, client: HttpClient
) -> None:
    referrals(personas.ashfield, 3, START + timedelta(days=5))
    referrals(personas.mansfield, 12, START + timedelta(days=5))
    params = {"period": QUARTER, "area": ["ashfield", "mansfield"]}
    row = "Referrals received"

    for who in (personas.commissioner, personas.researcher):
        sign_in(client, who)
        response = client.get(COMPARE, params)
        assert response.context["report"].revealed is False
        counts = response.context["report"].sections[0].tables[0]
        received = next(r for r in counts.rows if r.label == row)
        # Ashfield's 3 hidden; no "All areas" total beside it to work it out from
        # (Mansfield's 12 is on Mansfield's own pages anyway).
        assert [cell.text for cell in received.cells] == ["<5", "12"]

        figures = csv_figures(client.get(COMPARE, {**params, "format": "csv"}))
        assert figures[("Headline counts", row, "Ashfield")] == "<5"
        assert figures[("Headline counts", row, "Mansfield")] == "12"

        sheet = xlsx_rows(client.get(COMPARE, {**params, "format": "xlsx"}))
        found = next(r for r in sheet if r and r[0] == row)
        assert found[1:3] == ["<5", 12]

        text = pdf_text(client.get(COMPARE, {**params, "format": "pdf"}))
        assert "<5" in text

        returned = csv_figures(client.get(RETURN, {**params, "format": "csv"}))
        accepted = next(k for k in returned if k[0] == "The return" and "871731" in k[1])
        assert returned[(accepted[0], accepted[1], "Ashfield")] == "<5"

    # Mansfield's coordinator (Marcus) sees his own area's figures as they are, but not
    # Ashfield's: only a coordinator of every area shown sees small numbers.
    sign_in(client, personas.coordinator)
    figures = csv_figures(client.get(COMPARE, {"period": QUARTER, "format": "csv"}))
    assert figures[("Headline counts", row, "Ashfield")] == "3"
    shared = client.get(COMPARE, {"period": QUARTER, "format": "pdf", "for": "sharing"})
    assert "<5" in pdf_text(shared)


def test_the_research_home_hides_small_numbers_as_for_commissioners(
    personas: Personas, client: HttpClient
) -> None:
    quarter = periods.parse(
        {"period": commissioning.last_complete_quarter(timezone.localdate())},
        timezone.localdate(),
    ).period
    referrals(personas.ashfield, 2, quarter.start)
    sign_in(client, personas.researcher)
    response = client.get(RESEARCH)
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("evaluation:list") in text
    assert f"{reverse('monitoring:dashboard')}?area=ashfield" in text
    assert f"{reverse('monitoring:dashboard')}?area=mansfield" in text
    assert COMPARE in text
    for question in QUESTIONS:
        assert question.url in text
    counts = response.context["tables"][0]
    received = next(r for r in counts.rows if r.label == "Referrals received")
    assert received.cells[0].text == "<5"
    assert "Counts under 5 are hidden" in text


# --- Trends ----------------------------------------------------------------------------


def test_the_trend_chart_draws_the_tables_own_figures_and_breaks_at_a_hidden_one(
    personas: Personas, client: HttpClient
) -> None:
    # A commissioner's trend: the 8 quarters that have ended (commissioning.trend_quarters).
    quarters = commissioning.trend_quarters(timezone.localdate(), reveal=False)
    # Ashfield: 6, then 2 (hidden), then 7 in three quarters in a row.
    for (_, quarter), count in zip(quarters[2:5], (6, 2, 7), strict=True):
        referrals(personas.ashfield, count, quarter.start)
    sign_in(client, personas.commissioner)
    response = client.get(COMPARE, {"area": "ashfield"})
    assert response.status_code == 200
    table = next(
        t
        for section in response.context["report"].sections
        for t in section.tables
        if t.key == "trend-referrals"
    )
    assert [row.cells[0].text for row in table.rows][2:5] == ["6", "<5", "7"]
    chart = response.context["charts"]["trend-referrals"]
    ashfield = chart.lines[0]
    shown = [(row.label, row.cells[0].text) for row in table.rows if not row.cells[0].hidden]
    assert [p.text for p in ashfield.points] == [text for _, text in shown]
    # 0, 0, 6 | gap | 7, 0, 0, 0: two runs, none across the hidden quarter.
    assert len(ashfield.runs) == 2
    text = response.content.decode()
    assert 'class="app-monitoring-lines"' in text
    assert "A gap in a line is a figure hidden" in text
    assert "<caption" in text and "Referrals received each quarter" in text


def test_lines_differ_by_marker_and_dash_not_colour_alone() -> None:
    from inspiring.monitoring.tables import Cell, Row, Table

    table = Table(
        "t",
        "Test",
        "Quarter",
        ["A", "B", "C"],
        [Row(f"Q{n}", [Cell(str(n), float(n)) for _ in range(3)]) for n in range(3)],
    )
    chart = lines.chart(table, 3)
    assert len({line.shape for line in chart.lines}) == 3
    assert len({line.dash for line in chart.lines}) == 3
    assert chart.y_ticks[-1].text == "5"


# --- The staff home ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "cards"),
    [
        ("commissioner", ["Compare areas and quarterly return", "Monitoring"]),
        ("researcher", ["Research", "Evaluation", "Compare areas and quarterly return"]),
    ],
)
def test_commissioners_and_researchers_land_on_something_to_do(
    personas: Personas, client: HttpClient, who: str, cards: list[str]
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    text = client.get(reverse("accounts:home")).content.decode()
    assert "There is nothing for your role to do" not in text
    for title in cards:
        assert re.search(rf">{re.escape(title)}</a>", text), title
