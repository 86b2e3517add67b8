"""Funding: recording grants (validation, stale edits, deletion, audit), what each cost
per person, connection and attendance, and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]

from inspiring.accounts.models import AuditEntry
from inspiring.casework.figures import Supported
from inspiring.directory.models import Activity, Organisation
from inspiring.monitoring import funding
from inspiring.monitoring.models import Grant
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def dates(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def posted(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "funder": "The National Lottery Community Fund",
        "reference": "Awards for All 2026",
        "amount": "£12,500.50",
        "supports": "programme",
        "notes": "",
        **dates("starts_on", date(2026, 4, 1)),
        **dates("ends_on", date(2027, 3, 31)),
    }
    data.update(changes)
    return data


@pytest.fixture
def chloe(client: Browser, personas: Personas) -> Browser:
    """Signed in as Chloe, Ashfield's coordinator."""
    return sign_in(client, personas.coordinator)


@pytest.fixture
def partners(personas: Personas) -> tuple[Organisation, Activity, Activity]:
    walks = organisation(personas.ashfield, "Kirkby Walking Group")
    walk = activity(walks, "Health walk", at=None, online=True)
    choir = activity(
        organisation(personas.ashfield, "Ashfield Choir"), "Choir", at=None, online=True
    )
    return walks, walk, choir


def grant(personas: Personas, **fields: Any) -> Grant:
    values: dict[str, Any] = {
        "area": personas.ashfield,
        "funder": "Ashfield District Council",
        "amount": Decimal("10000"),
        "starts_on": TODAY - timedelta(days=90),
        "ends_on": TODAY + timedelta(days=275),
    }
    values.update(fields)
    return Grant.objects.create(**values)


# --- Recording ------------------------------------------------------------------------


def test_a_coordinator_records_a_grant_for_some_partners(
    chloe: Browser, personas: Personas, partners: Any
) -> None:
    walks, _, _ = partners
    response = chloe.post(
        reverse("monitoring:grant_create"),
        posted(supports="partners", organisations=[str(walks.pk)]),
    )
    saved = Grant.objects.get()
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    assert saved.amount == Decimal("12500.50") and saved.area == personas.ashfield
    assert list(saved.organisations.all()) == [walks] and not saved.activities.exists()
    assert saved.created_by == personas.coordinator and saved.version == 1
    assert AuditEntry.objects.filter(
        action="grant.created", object_id=str(saved.public_id)
    ).exists()


def test_the_form_groups_activities_under_their_partner(chloe: Browser, partners: Any) -> None:
    page = chloe.get(reverse("monitoring:grant_create")).content.decode()
    assert 'data-shows-when="supports=activities"' in page
    page = page[page.index("Which activities does it support?") :]
    assert page.index("Ashfield Choir") < page.index(">Choir<") < page.index("Kirkby Walking Group")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"funder": ""}, "funder", "Enter who gave the grant"),
        ({"amount": ""}, "amount", "Enter the amount of the grant"),
        ({"amount": "lots"}, "amount", "Enter the amount in pounds, like 12500 or 12500.50"),
        ({"amount": "0"}, "amount", "The amount must be more than £0"),
        ({"amount": "-5"}, "amount", "The amount must be more than £0"),
        ({"amount": "12.345"}, "amount", "The amount can only have pence after the point"),
        ({"amount": "NaN"}, "amount", "Enter the amount in pounds"),
        ({"amount": "1e30"}, "amount", "The amount must be less than £10,000,000,000"),
        ({"starts_on_day": ""}, "starts_on", "The start date must include a day"),
        ({"ends_on_month": "13"}, "ends_on", "The end date must be a real date"),
        (
            {"starts_on_year": "1999"},
            "starts_on",
            "The start date must be the same as or after 1 January 2000",
        ),
        (
            {"ends_on_year": "2101"},
            "ends_on",
            "The end date must be the same as or before 31 December 2100",
        ),
        (
            dates("ends_on", date(2026, 3, 31)),
            "ends_on",
            "The end date must be the same as or after",
        ),
        ({"supports": "partners"}, "organisations", "Choose at least one partner"),
        ({"supports": "activities"}, "activities", "Choose at least one activity"),
        ({"supports": "everything"}, "supports", "Select a valid choice"),
        ({"notes": "x" * 2001}, "notes", "Notes must be 2,000 characters or fewer"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    chloe: Browser, partners: Any, changes: dict[str, str], field: str, message: str
) -> None:
    response = chloe.post(reverse("monitoring:grant_create"), posted(**changes))
    assert response.status_code == 200
    assert not Grant.objects.exists()
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert "There is a problem" in response.content.decode()


def test_a_partner_of_another_area_cannot_be_chosen(chloe: Browser, personas: Personas) -> None:
    theirs = organisation(personas.mansfield, "Mansfield Men's Shed")
    response = chloe.post(
        reverse("monitoring:grant_create"),
        posted(supports="partners", organisations=[str(theirs.pk)]),
    )
    assert not Grant.objects.exists()
    assert response.context["form"].errors["organisations"] == ["Choose partners from the list"]


def test_changing_a_grant_keeps_only_what_its_support_names(
    chloe: Browser, personas: Personas, partners: Any
) -> None:
    walks, walk, choir = partners
    item = grant(personas, supports=Grant.Supports.PARTNERS)
    item.organisations.add(walks)
    edit = reverse("monitoring:grant_edit", kwargs={"public_id": item.public_id})
    form = chloe.get(edit).content.decode()
    assert "Kirkby Walking Group" in form
    year = f'name="starts_on_year" type="text" inputmode="numeric" value="{item.starts_on.year}"'
    assert year in form
    response = chloe.post(
        edit,
        posted(supports="activities", activities=[str(walk.pk), str(choir.pk)], version="1"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.version == 2 and item.supports == "activities"
    assert not item.organisations.exists() and set(item.activities.all()) == {walk, choir}
    entry = AuditEntry.objects.get(action="grant.changed")
    assert "version" not in entry.detail["fields"] and "activities" in entry.detail["fields"]


def test_a_stale_edit_is_refused_and_nothing_typed_is_lost(
    chloe: Browser, personas: Personas
) -> None:
    item = grant(personas)
    Grant.objects.filter(pk=item.pk).update(funder="Someone else's change", version=2)
    response = chloe.post(
        reverse("monitoring:grant_edit", kwargs={"public_id": item.public_id}),
        posted(funder="My change", version="1"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your changes were not saved" in page and "Someone else changed this grant" in page
    assert 'value="My change"' in page  # what they typed
    assert "Someone else&#x27;s change" in page  # what is saved now
    assert response.context["form"]["version"].value() == "2"
    item.refresh_from_db()
    assert item.funder == "Someone else's change" and item.version == 2
    assert not AuditEntry.objects.filter(action="grant.changed").exists()


def test_deleting_asks_first_then_deletes_and_audits(chloe: Browser, personas: Personas) -> None:
    item = grant(personas)
    delete = reverse("monitoring:grant_delete", kwargs={"public_id": item.public_id})
    page = chloe.get(delete).content.decode()
    assert "Are you sure you want to delete the grant from Ashfield District Council?" in page
    assert Grant.objects.exists()
    response = chloe.post(delete)
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:grants")
    assert not Grant.objects.exists()
    entry = AuditEntry.objects.get(action="grant.deleted")
    assert entry.detail["amount"] == "10000.00" and entry.area == personas.ashfield


# --- Who reaches it -------------------------------------------------------------------


def test_another_areas_grant_is_404(client: Browser, personas: Personas) -> None:
    item = grant(personas)
    sign_in(client, personas.mansfield_coordinator)
    for name in ("monitoring:grant", "monitoring:grant_edit", "monitoring:grant_delete"):
        assert client.get(reverse(name, kwargs={"public_id": item.public_id})).status_code == 404
    assert (
        client.post(
            reverse("monitoring:grant_delete", kwargs={"public_id": item.public_id})
        ).status_code
        == 404
    )
    assert Grant.objects.exists()
    assert (
        "Ashfield District Council" not in client.get(reverse("monitoring:grants")).content.decode()
    )


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "commissioner", "researcher"])
def test_only_coordinators_manage_funding(client: Browser, personas: Personas, who: str) -> None:
    item = grant(personas)
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get(reverse("monitoring:grants")).status_code == 403
    assert client.get(item.get_absolute_url()).status_code == 403
    assert client.get(reverse("monitoring:population")).status_code == 403


# --- What it bought -------------------------------------------------------------------


def test_cost_per_person_connection_and_attendance(personas: Personas) -> None:
    item = grant(personas, amount=Decimal("10000"))
    table = funding.cost_table(
        item, Supported(people=40, connections=64, attendances=3), reveal=True
    )
    rows = {row.label: [cell.text for cell in row.cells] for row in table.rows}
    assert rows == {
        "People supported": ["40", "250.00"],
        "Connections made": ["64", "156.25"],
        "Attendances": ["3", "\N{EN DASH}"],  # over fewer than 5: not shown, even revealed
    }
    assert "fewer than 5 is not shown" in table.note
    hidden = funding.cost_table(
        item, Supported(people=3, connections=8, attendances=0), reveal=False
    )
    assert [[cell.text for cell in row.cells] for row in hidden.rows] == [
        ["<5", "\N{EN DASH}"],
        ["8", "1,250.00"],
        ["0", "\N{EN DASH}"],
    ]


def test_the_grants_page_divides_by_what_it_supported(
    chloe: Browser, personas: Personas, partners: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks, _, _ = partners
    item = grant(personas, supports=Grant.Supports.PARTNERS, amount=Decimal("6000"))
    item.organisations.add(walks)
    asked: list[tuple[Any, ...]] = []

    def supported(area_id: int, period: Any, **which: Any) -> Supported:
        asked.append((area_id, period, which))
        return Supported(people=3, connections=12, attendances=48)

    monkeypatch.setattr(funding, "supported", supported)
    page = chloe.get(item.get_absolute_url())
    text = page.content.decode()
    [(area_id, period, which)] = asked
    assert area_id == personas.ashfield.pk
    assert (period.start, period.end) == (item.starts_on, TODAY)  # so far: it runs on
    assert which == {"organisation_ids": [walks.pk], "activity_ids": []}
    # Chloe is the area's coordinator: she sees the 3, but no cost over fewer than 5.
    assert "People connected to them" in text and ">3<" in text
    assert "500.00" in text and "125.00" in text
    assert "the grant runs until" in text


@pytest.mark.parametrize("kind", ["partners", "activities"])
def test_a_grant_whose_partners_or_activities_are_all_gone_is_not_costed(
    chloe: Browser,
    personas: Personas,
    partners: Any,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """Never as the whole programme: no figures, no costs, and a way to put it right."""
    walks, walk, _ = partners
    item = grant(personas, supports=kind, funder="Gone Fund")
    if kind == "partners":
        item.organisations.add(walks)
        walk.delete()
        walks.delete()
    else:
        item.activities.add(walk)
        walk.delete()

    def supported(*args: Any, **kwargs: Any) -> Supported:
        raise AssertionError("a grant that supports nothing is not counted")

    monkeypatch.setattr(funding, "supported", supported)
    response = chloe.get(item.get_absolute_url())
    text = response.content.decode()
    edit = reverse("monitoring:grant_edit", kwargs={"public_id": item.public_id})
    assert "This grant supports no partner or activity now" in text
    assert f'<a href="{edit}">choose what it supports</a>' in text
    assert response.context["figures"].table is None and "Cost of each" not in text
    assert "none now" in text and "?format=csv" not in text
    assert chloe.get(item.get_absolute_url() + "?format=csv").status_code == 400

    page = chloe.get(reverse("monitoring:grants")).content.decode()
    assert "This grant supports no partner or activity now" in page and edit in page
    reply = chloe.get(reverse("monitoring:grants") + "?format=csv")
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    figures = {(row[2], row[3]): row[4] for row in rows[1:]}
    assert figures[("Gone Fund", "People")] == funding.SUPPORTS_NOTHING
    assert ("Gone Fund", "Cost per person (£)") not in figures


def test_a_programme_grant_counts_the_whole_programme(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = grant(personas)
    asked: list[dict[str, Any]] = []

    def supported(area_id: int, period: Any, **which: Any) -> Supported:
        asked.append(which)
        return Supported(people=10, connections=10, attendances=10)

    monkeypatch.setattr(funding, "supported", supported)
    found = funding.figures(item, today=TODAY, reveal=True)
    assert asked == [{}] and found.table is not None and not found.supports_nothing


def test_a_grants_figures_as_csv_and_xlsx(
    chloe: Browser, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = grant(personas, funder="=Ashfield District Council", amount=Decimal("6000"))
    monkeypatch.setattr(
        funding, "supported", lambda *a, **k: Supported(people=3, connections=12, attendances=48)
    )
    page = chloe.get(item.get_absolute_url()).content.decode()
    assert 'href="?format=csv"' in page and 'href="?format=xlsx"' in page

    reply = chloe.get(item.get_absolute_url() + "?format=csv")
    assert reply.status_code == 200 and reply["Content-Type"].startswith("text/csv")
    assert reply["Content-Disposition"].endswith(f'-to-{TODAY}.csv"')
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    figures = {(row[2], row[3]): row[4] for row in rows[1:]}
    # The page's own table: Chloe, the coordinator, sees the 3; no cost over it.
    assert figures[("People supported", "Number")] == "3"
    assert figures[("People supported", "Cost of each (£)")] == "\N{EN DASH}"
    assert figures[("Connections made", "Cost of each (£)")] == "500.00"
    assert not rows[1][0].startswith("=")  # the funder's name is not a formula
    entry = AuditEntry.objects.get(action="monitoring.exported")
    assert entry.object_id == str(item.public_id) and entry.detail["format"] == "csv"
    assert entry.detail["small numbers shown"] is True

    reply = chloe.get(item.get_absolute_url() + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(reply.content)).active
    values = [value for row in sheet.iter_rows(values_only=True) for value in row]
    assert 500 in values and 125 in values and 48 in values

    bad = chloe.get(item.get_absolute_url() + "?format=pdf")
    assert bad.status_code == 400 and "Choose CSV or XLSX to download" in bad.content.decode()
    assert AuditEntry.objects.filter(action="monitoring.exported").count() == 2


def test_a_grant_in_the_future_has_not_started(chloe: Browser, personas: Personas) -> None:
    item = grant(personas, starts_on=TODAY + timedelta(days=10), ends_on=TODAY + timedelta(days=40))
    page = chloe.get(item.get_absolute_url()).content.decode()
    assert "This grant has not started yet" in page and "?format=csv" not in page
    reply = chloe.get(item.get_absolute_url() + "?format=csv")
    assert reply.status_code == 400
    assert "This grant has no figures to download yet" in reply.content.decode()


def test_the_list_with_its_totals_and_files(
    chloe: Browser, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant(personas, funder="Ashfield District Council", amount=Decimal("10000"))
    grant(
        personas,
        funder="Future Fund",
        amount=Decimal("2500.25"),
        starts_on=TODAY + timedelta(days=1),
        ends_on=TODAY + timedelta(days=2),
    )
    monkeypatch.setattr(
        funding, "supported", lambda *a, **k: Supported(people=20, connections=25, attendances=80)
    )
    page = chloe.get(reverse("monitoring:grants")).content.decode()
    assert "£10,000.00" in page and "£12,500.25" in page and "Not started yet" in page
    assert "£500.00" in page  # 10,000 / 20 people
    assert reverse("monitoring:partners") in page and reverse("monitoring:population") in page

    reply = chloe.get(reverse("monitoring:grants") + "?format=csv")
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    figures = {(row[2], row[3]): row[4] for row in rows[1:]}
    assert figures[("Ashfield District Council", "Cost per person (£)")] == "500.00"
    assert figures[("Ashfield District Council", "Attendances")] == "80"
    assert figures[("Future Fund", "People")] == "Not started yet"
    assert figures[("Total", "Amount (£)")] == "12,500.25"

    reply = chloe.get(reverse("monitoring:grants") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(reply.content)).active
    values = [value for row in sheet.iter_rows(values_only=True) for value in row]
    assert 10000 in values and 125 in values and 12500.25 in values
    assert AuditEntry.objects.filter(action="monitoring.exported").count() == 2

    bad = chloe.get(reverse("monitoring:grants") + "?format=pdf")
    assert bad.status_code == 400 and "Choose CSV or XLSX to download" in bad.content.decode()


def test_the_list_with_nothing_recorded(chloe: Browser) -> None:
    assert (
        "No grants are recorded for Ashfield yet"
        in chloe.get(reverse("monitoring:grants")).content.decode()
    )


def test_the_lists_queries_do_not_grow_with_grants(
    chloe: Browser,
    personas: Personas,
    partners: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Any,
) -> None:
    walks, walk, _ = partners
    monkeypatch.setattr(
        funding, "supported", lambda *a, **k: Supported(people=20, connections=25, attendances=80)
    )

    def add(n: int) -> None:
        for index in range(n):
            item = grant(personas, funder=f"Funder {index}", supports=Grant.Supports.PARTNERS)
            item.organisations.add(walks)
            item.activities.add(walk)

    add(1)
    chloe.get(reverse("monitoring:grants"))  # sessions and the like settle
    with CaptureQueriesContext(connection) as one:
        chloe.get(reverse("monitoring:grants"))
    add(4)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert "Funder 3" in chloe.get(reverse("monitoring:grants")).content.decode()
