"""The audit log: written by one helper, append-only everywhere, read by coordinators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.admin.sites import site as admin_site
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import AuditEntry, AuditLogIsAppendOnly, Membership
from inspiring.areas.models import Area
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def an_entry(personas: Personas) -> AuditEntry:
    request = RequestFactory().get(
        "/staff/team/", REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Firefox/140"
    )
    request.user = personas.coordinator
    membership = Membership.objects.get(user=personas.link_worker)
    return audit.record(
        request, "membership.role_changed", membership, area=personas.ashfield, detail={"to": "x"}
    )


def test_an_entry_records_who_what_which_where_and_when(personas: Personas) -> None:
    entry = an_entry(personas)
    membership = Membership.objects.get(user=personas.link_worker)
    assert entry.actor == personas.coordinator
    assert entry.actor_label == "chloe@ashfield.test"
    assert entry.action == "membership.role_changed"
    assert entry.object_type == "accounts.membership"
    assert entry.object_id == str(membership.public_id)
    assert entry.area == personas.ashfield
    assert entry.ip_address == "192.0.2.10"
    assert entry.user_agent == "Firefox/140"
    assert entry.path == "/staff/team/"
    assert abs(entry.at - timezone.now()) < timedelta(seconds=5)


def test_an_unregistered_action_is_refused(personas: Personas) -> None:
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.record(None, "client.teleported", personas.ashfield)


def test_the_forwarded_address_is_used_only_behind_a_trusted_proxy(
    personas: Personas, settings: object
) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    request.user = personas.coordinator
    assert audit.record(request, "area.chosen").ip_address == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1  # type: ignore[attr-defined]
    # The client-written part (1.2.3.4) is ignored; the proxy's own entry is trusted.
    assert audit.record(request, "area.chosen").ip_address == "203.0.113.9"


def test_an_entry_cannot_be_changed_through_the_model(personas: Personas) -> None:
    entry = an_entry(personas)
    entry.action = "auth.signed_in"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()


def test_entries_cannot_be_changed_or_deleted_in_bulk(personas: Personas) -> None:
    an_entry(personas)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(area=personas.ashfield).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().action == "membership.role_changed"


def test_the_database_refuses_an_update_even_from_raw_sql(personas: Personas) -> None:
    entry = an_entry(personas)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "membership.role_changed"


def test_the_production_database_refuses_a_delete_even_from_raw_sql(personas: Personas) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger is PostgreSQL's (SQLite's test flush needs DELETE)")
    entry = an_entry(personas)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_admin_site_shows_entries_read_only(client: Client, personas: Personas) -> None:
    entry = an_entry(personas)
    model_admin = admin_site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = personas.site_admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    sign_in(client, personas.site_admin)
    url = f"/admin/accounts/auditentry/{entry.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    change = client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"action": "x"})
    assert change.status_code in (302, 403)
    assert AuditEntry.objects.get(pk=entry.pk).action == "membership.role_changed"


# --- The coordinator's trail --------------------------------------------------


def entries(personas: Personas, count: int, area: Area | None = None) -> None:
    for _ in range(count):
        audit.record(
            None,
            "membership.role_changed",
            personas.ashfield,
            area=area or personas.ashfield,
            actor=personas.coordinator,
        )


def test_a_coordinator_sees_their_areas_trail_only(client: Client, personas: Personas) -> None:
    entries(personas, 3)
    audit.record(
        None,
        "membership.removed",
        personas.mansfield,
        area=personas.mansfield,
        actor=personas.mansfield_coordinator,
    )
    sign_in(client, personas.coordinator)
    response = client.get("/staff/audit/")
    assert response.status_code == 200
    assert "3 entries" in response.text
    assert "Changed someone&#x27;s role" in response.text
    assert "marcus@mansfield.test" not in response.text


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "researcher", "commissioner"])
def test_other_roles_cannot_see_the_trail(client: Client, personas: Personas, who: str) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get("/staff/audit/").status_code == 403


def test_the_trail_is_paginated_and_filters_keep_their_place(
    client: Client, personas: Personas
) -> None:
    entries(personas, 120)
    sign_in(client, personas.coordinator)
    first = client.get("/staff/audit/", {"action": "membership.role_changed"})
    assert "120 entries, page 1 of 3" in first.text
    assert 'href="?action=membership.role_changed&amp;page=2"' in first.text
    last = client.get("/staff/audit/", {"action": "membership.role_changed", "page": "3"})
    assert "page 3 of 3" in last.text
    # Past the end: the last page, not an error.
    assert "page 3 of 3" in client.get("/staff/audit/", {"page": "99"}).text


def test_the_trail_filters_by_action_person_record_and_dates(
    client: Client, personas: Personas
) -> None:
    entries(personas, 2)
    audit.record(
        None,
        "invitation.sent",
        personas.ashfield,
        area=personas.ashfield,
        actor=personas.site_admin,
    )
    sign_in(client, personas.coordinator)
    assert "1 entry" in client.get("/staff/audit/", {"action": "invitation.sent"}).text
    assert "1 entry" in client.get("/staff/audit/", {"person": "ADA@"}).text
    assert "3 entries" in client.get("/staff/audit/", {"record": "Ashfield"}).text
    today = timezone.localdate().isoformat()
    assert "3 entries" in client.get("/staff/audit/", {"date_from": today, "date_to": today}).text
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "0 entries" in client.get("/staff/audit/", {"date_from": tomorrow}).text
    assert (
        "No entries match these filters"
        in client.get("/staff/audit/", {"date_from": tomorrow}).text
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"date_from": "2026-11-30", "date_to": "2026-11-01"},
            "The end date must be the same as or after",
        ),
        ({"date_from": "31/02/2026"}, "Enter the start date as a real date"),
        ({"action": "nonsense"}, "Select a valid choice"),
    ],
)
def test_bad_filters_are_explained(
    client: Client, personas: Personas, query: dict[str, str], message: str
) -> None:
    entries(personas, 1)
    sign_in(client, personas.coordinator)
    response = client.get("/staff/audit/", query)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text


def test_htmx_gets_just_the_results(client: Client, personas: Personas) -> None:
    entries(personas, 2)
    sign_in(client, personas.coordinator)
    response = client.get("/staff/audit/", {"person": "chloe"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.text.lstrip()
    # The count (a live region, swapped out of band) and the results table only.
    assert html.startswith('<p class="nhsuk-body-s" id="audit-count" aria-live="polite"')
    assert 'hx-swap-oob="true">2 entries</p>' in html
    assert '<div id="audit-results">' in html
    assert "<html" not in response.text
    bad = client.get("/staff/audit/", {"date_from": "nope"}, HTTP_HX_REQUEST="true")
    assert bad.headers["HX-Redirect"].startswith("/staff/audit/?date_from=nope")


def test_the_trail_makes_a_fixed_number_of_queries(
    client: Client, personas: Personas, django_assert_max_num_queries: object
) -> None:
    entries(personas, 5)
    sign_in(client, personas.coordinator)
    client.get("/staff/audit/")
    with django_assert_max_num_queries(10) as few:  # type: ignore[operator]
        client.get("/staff/audit/")
    entries(personas, 45)
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        client.get("/staff/audit/")


@pytest.mark.parametrize(
    ("query", "field", "what"),
    [
        ("date_to=9999-12-31", "date_to", "an end date"),
        ("date_from=0001-01-01", "date_from", "a start date"),
        ("date_from=9999-12-31&date_to=9999-12-31", "date_to", "an end date"),
    ],
)
def test_audit_dates_off_the_end_of_the_calendar_get_a_message(
    client: Client, personas: Personas, query: str, field: str, what: str
) -> None:
    # date_to=9999-12-31 was a 500: the day after it is not a date.
    an_entry(personas)
    sign_in(client, personas.coordinator)
    response = client.get(f"/staff/audit/?{query}")
    assert response.status_code == 200
    last = timezone.localdate() + relativedelta(years=10)
    message = f"Enter {what} between 1 January 2000 and {last.day} {last:%B %Y}"
    assert message in response.context["form"].errors[field]
    assert message in response.text
