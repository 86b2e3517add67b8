"""Phone numbers and email addresses on staff pages are links: tap to call, tap to write.
And the case page's groups table fits a phone (a responsive table, not 503 px wide)."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import Client as Browser
from django.urls import reverse

from inspiring.casework.models import Client, GroupMembership
from inspiring.ui.templatetags.contact_links import mailto_link, tel_href, tel_link
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework


@pytest.mark.parametrize(
    ("written", "href"),
    [
        ("01632 960001", "tel:+441632960001"),
        ("07700 900982", "tel:+447700900982"),
        ("+44 (0)7700 900 982", "tel:+447700900982"),
        ("0115 496 0000", "tel:+441154960000"),
        ("+33 1 23 45 67 89", "tel:+33123456789"),
        ("12", "tel:+4412"),
        ("call the office", ""),
    ],
)
def test_a_number_as_written_dials_in_its_international_form(written: str, href: str) -> None:
    assert tel_href(written) == href


def test_the_links_keep_the_number_as_written_and_escape_it() -> None:
    assert str(tel_link("01632 960001")) == '<a href="tel:+441632960001">01632 960001</a>'
    assert str(tel_link("")) == "" and str(tel_link(None)) == ""
    assert str(tel_link("<b>ring</b>")) == "&lt;b&gt;ring&lt;/b&gt;"
    assert str(mailto_link("mary@example.org")) == (
        '<a href="mailto:mary@example.org">mary@example.org</a>'
    )
    # Nothing in an address can end the link or add a subject, a body or a recipient.
    assert str(mailto_link('a"b?cc=x@example.org&body=1#<x>')) == (
        '<a href="mailto:a%22b%3Fcc%3Dx@example.org%26body%3D1%23%3Cx%3E">'
        "a&quot;b?cc=x@example.org&amp;body=1#&lt;x&gt;</a>"
    )


def test_the_filters_load_in_a_template() -> None:
    template = engines["django"].from_string(
        "{% load contact_links %}{{ phone|tel_link }} {{ email|mailto_link }}"
    )
    rendered = template.render({"phone": "07700 900982", "email": "sam@example.org"})
    assert 'href="tel:+447700900982"' in rendered and 'href="mailto:sam@example.org"' in rendered


@pytest.mark.django_db
def test_the_case_page_links_their_phone_and_email(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    Client.objects.filter(pk=casework.mary.pk).update(email="mary.jones@example.org")
    sign_in(client, personas.link_worker, area=personas.ashfield)
    page = client.get(reverse("casework:client", args=[casework.mary.public_id])).content.decode()
    assert '<a href="tel:+441632960001">01632 960001</a>' in page
    assert '<a href="mailto:mary.jones@example.org">mary.jones@example.org</a>' in page


@pytest.mark.django_db
def test_the_groups_table_is_responsive_with_each_value_labelled(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    GroupMembership.objects.create(
        client=casework.mary,
        name="Chapel friends",
        kind="faith",
        importance=4,
        positivity=5,
        contact="weekly",
    )
    sign_in(client, personas.link_worker, area=personas.ashfield)
    page = client.get(reverse("casework:client", args=[casework.mary.public_id])).content.decode()
    groups = page.split("Their groups</caption>", 1)[0].rsplit("<table", 1)[1]
    assert 'class="nhsuk-table-responsive"' in groups
    table = page.split("Their groups</caption>", 1)[1].split("</table>", 1)[0]
    for heading in ("Group", "Type", "Importance", "Positive", "Contact"):
        assert f'<span class="nhsuk-table-responsive__heading" aria-hidden="true">{heading} ' in (
            table
        )
