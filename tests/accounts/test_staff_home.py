"""Each role's staff home, and choosing the area to work in."""

from __future__ import annotations

import pytest
from django.test import Client

from inspiring.accounts.models import AuditEntry
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_a_coordinator_sees_the_team_and_the_audit_trail(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.coordinator)
    html = client.get("/staff/").text
    assert "Inspiring Ashfield" in html
    assert "You are signed in as <strong>coordinator</strong> in Ashfield" in html
    assert 'href="/staff/team/"' in html
    assert 'href="/staff/audit/"' in html
    assert 'href="/admin/"' not in html


def test_each_role_is_described_by_what_is_there(client: Client, personas: Personas) -> None:
    # The coordinator's description names what there is, reports included (issue 17).
    sign_in(client, personas.coordinator)
    html = client.get("/staff/").text
    assert 'href="/staff/monitoring/"' in html
    assert "its partners and their listings, the calendar and its planning" in html
    for title in ("Partners and calendar", "Programme planning", "New referrals", "Your team"):
        assert title in html


@pytest.mark.parametrize(
    ("who", "role"), [("link_worker", "link worker"), ("partner_lead", "partner lead")]
)
def test_other_roles_see_their_role_and_no_coordinator_tools(
    client: Client, personas: Personas, who: str, role: str
) -> None:
    sign_in(client, getattr(personas, who))
    html = client.get("/staff/").text
    assert f"You are signed in as <strong>{role}</strong> in Ashfield" in html
    assert 'href="/staff/team/"' not in html
    assert 'href="/staff/audit/"' not in html


def test_someone_in_several_areas_chooses_one_first(client: Client, personas: Personas) -> None:
    sign_in(client, personas.commissioner)
    response = client.get("/staff/")
    assert response["Location"] == "/staff/area/"
    page = client.get("/staff/area/")
    for programme in ("Inspiring Ashfield", "Inspiring Mansfield", "Inspiring Newark and Sherwood"):
        assert programme in page.text
    response = client.post("/staff/area/", {"area": personas.mansfield.pk})
    assert response["Location"] == "/staff/"
    html = client.get("/staff/").text
    assert "You are signed in as <strong>commissioner</strong> in Mansfield" in html
    assert "Work in another area" in html
    assert AuditEntry.objects.filter(action="area.chosen", area=personas.mansfield).exists()


def test_an_area_that_is_not_yours_cannot_be_chosen(client: Client, personas: Personas) -> None:
    sign_in(client, personas.researcher)
    response = client.post("/staff/area/", {"area": personas.newark.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    response = client.post("/staff/area/", {})
    assert "Choose the area you are working in" in response.text


def test_choosing_an_area_returns_to_the_page_asked_for(client: Client, personas: Personas) -> None:
    sign_in(client, personas.site_admin)
    response = client.get("/staff/team/")
    assert response["Location"] == "/staff/area/?next=%2Fstaff%2Fteam%2F"
    response = client.post("/staff/area/", {"area": personas.newark.pk, "next": "/staff/team/"})
    assert response["Location"] == "/staff/team/"
    response = client.post(
        "/staff/area/", {"area": personas.newark.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/staff/"


def test_a_site_admin_works_in_any_area_with_the_admin_link(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.site_admin, area=personas.newark)
    html = client.get("/staff/").text
    assert "You are a site administrator, working in Newark and Sherwood" in html
    assert 'href="/admin/"' in html
    assert client.get("/staff/team/").status_code == 200


def test_someone_in_no_team_is_told_how_to_join(client: Client, personas: Personas) -> None:
    sign_in(client, personas.no_role)
    html = client.get("/staff/").text
    assert "You are not part of any programme" in html
    assert client.get("/staff/team/").status_code == 403


def test_the_account_page(client: Client, personas: Personas) -> None:
    # Colin (a commissioner) has not set up two-factor authentication.
    sign_in(client, personas.commissioner, verified=False)
    html = client.get("/staff/account/").text
    assert "colin@icb.test" in html
    for programme in ("Inspiring Ashfield", "Inspiring Mansfield", "Inspiring Newark and Sherwood"):
        assert programme in html
    assert "Off" in html and 'href="/accounts/two-factor/"' in html
    # Rosa has (sign_in pairs a confirmed authenticator for her).
    client.logout()
    sign_in(client, personas.researcher, area=personas.ashfield)
    html = client.get("/staff/account/").text
    assert "On, with an authenticator app" in html
    assert "Make new recovery codes" in html


def test_a_removed_area_choice_falls_back_to_the_remaining_area(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.researcher, area=personas.mansfield)
    personas.researcher.memberships.filter(area=personas.mansfield).delete()
    html = client.get("/staff/").text
    assert "You are signed in as <strong>researcher</strong> in Ashfield" in html
