"""The public pages: the list of programmes, finding one by postcode, each area's home."""

from __future__ import annotations

import pytest
from django.test import Client

from inspiring.areas.models import Area
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_site_root_lists_the_areas(client: Client, personas: Personas) -> None:
    response = client.get("/")
    assert response.status_code == 200
    for area in (personas.ashfield, personas.mansfield, personas.newark):
        assert area.programme_name in response.text
        assert area.get_absolute_url() in response.text


def test_no_areas_yet_says_so(client: Client) -> None:
    assert "There are no programmes on this site yet" in client.get("/").text


def test_a_postcode_leads_to_its_programme(client: Client, personas: Personas) -> None:
    response = client.get("/", {"postcode": "ng17 1aa"})
    assert response.status_code == 302
    assert response["Location"] == "/ashfield/"


def test_the_postcode_is_carried_to_what_s_on_nearest_first(
    client: Client, personas: Personas
) -> None:
    home = client.get(client.get("/", {"postcode": "ng17 1aa"})["Location"])
    assert 'href="/ashfield/whats-on/?postcode=NG17+1AA&amp;sort=distance"' in home.text
    assert "See what's on near NG17 1AA" in home.text
    # A link with the postcode in its address does the same, without the visit's memory.
    linked = Client().get("/mansfield/", {"postcode": "ng17 1aa"})
    assert 'href="/mansfield/whats-on/?postcode=NG17+1AA&amp;sort=distance"' in linked.text


def test_the_postcode_is_remembered_for_the_visit(client: Client, personas: Personas) -> None:
    client.get("/", {"postcode": "ng17 1aa"})
    # Later in the same visit, without it in the address:
    home = client.get("/ashfield/")
    assert 'href="/ashfield/whats-on/?postcode=NG17+1AA&amp;sort=distance"' in home.text
    whats_on = client.get("/ashfield/whats-on/")
    assert whats_on.status_code == 302
    assert whats_on["Location"] == "/ashfield/whats-on/?postcode=NG17+1AA&sort=distance"
    # Only for the visit: the session cookie ends with the browser.
    assert client.cookies["sessionid"]["expires"] == ""
    assert client.cookies["sessionid"]["max-age"] == ""
    # Clearing What's on's filters forgets it.
    assert client.get("/ashfield/whats-on/", {"postcode": ""}).status_code == 200
    assert client.get("/ashfield/whats-on/").status_code == 200
    assert "?postcode=" not in client.get("/ashfield/").text


def test_a_bad_postcode_in_the_area_address_is_left_out(client: Client, personas: Personas) -> None:
    home = client.get("/ashfield/", {"postcode": "NG99 9ZZ"})
    assert home.status_code == 200
    assert 'href="/ashfield/whats-on/"' in home.text


def test_the_area_home_offers_a_link_worker_s_help(client: Client, personas: Personas) -> None:
    html = client.get("/ashfield/").text
    assert (
        '<a href="/ashfield/refer-yourself/">Get help from a link worker to find something'
        " and go along</a>"
    ) in html


def test_a_postcode_without_a_programme_says_where_it_is(
    client: Client, personas: Personas
) -> None:
    Area.objects.filter(pk=personas.newark.pk).update(local_authority_code="E07000999")
    response = client.get("/", {"postcode": "NG24 1AA"})
    assert response.status_code == 200
    assert "NG24 1AA is in Newark and Sherwood. There is no Inspiring programme there yet" in (
        response.text
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a postcode"),
        ("NG18", "Enter a full postcode, like NG18 1AA"),
        ("NG99 9ZZ", "We could not find the postcode NG99 9ZZ"),
    ],
)
def test_a_bad_postcode_gets_an_error_summary_and_a_field_error(
    client: Client, personas: Personas, typed: str, message: str
) -> None:
    response = client.get("/", {"postcode": typed})
    assert response.status_code == 200
    html = response.text
    assert "There is a problem" in html
    assert 'href="#id_postcode"' in html
    assert 'class="nhsuk-error-message"' in html
    assert message in html
    # What they typed stays in the box.
    assert f'value="{typed}"' in html or typed == ""


def test_an_area_home_shows_the_programme_and_its_sharing(
    client: Client, personas: Personas
) -> None:
    response = client.get("/mansfield/")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Inspiring Mansfield</h1>" in html
    assert "Mansfield Voluntary Action" in html
    # Ashfield shares with Mansfield: its activities are open to Mansfield people.
    assert "Activities from neighbouring programmes" in html
    assert 'href="/ashfield/"' in html
    # Mansfield shares with Ashfield and Newark and Sherwood.
    assert "shares its activities with Ashfield and Newark and Sherwood" in html
    # The header carries the programme's name.
    header = html[html.index('<header class="nhsuk-header"') : html.index("</header>")]
    assert 'href="/mansfield/">Inspiring Mansfield</a>' in header


def test_an_unknown_area_is_404(client: Client, personas: Personas) -> None:
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_every_page_shows_the_data_attributions(client: Client, personas: Personas) -> None:
    from inspiring.areas.attribution import DATA_ATTRIBUTIONS

    html = client.get("/ashfield/").text
    for _, text in DATA_ATTRIBUTIONS:
        assert text.replace("©", "&copy;") in html or text in html


def test_attributions_are_the_same_in_the_footer_the_readme_and_the_data_sources() -> None:
    from pathlib import Path

    from django.conf import settings

    from inspiring.areas.attribution import DATA_ATTRIBUTIONS

    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    sources = (Path(settings.GEOGRAPHY_DATA_DIR) / "SOURCES.md").read_text(encoding="utf-8")
    for _, text in DATA_ATTRIBUTIONS:
        assert text in " ".join(readme.split()), text
        assert text in " ".join(sources.split()), text


def test_pages_carry_a_content_security_policy(client: Client, personas: Personas) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert "frame-ancestors 'none'" in policy


def test_the_health_check_answers(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
