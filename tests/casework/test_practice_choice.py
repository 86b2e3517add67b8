"""Choosing a client's GP practice from their area's list (the invented demo practices),
or typing one that is not there; a code from elsewhere is refused. The case page and
the message back to the GP name the practice with its ODS code."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.areas.models import GPPractice
from inspiring.casework.forms.clients import NOT_LISTED, NewClientForm
from inspiring.casework.message_back import build_message_back
from inspiring.casework.models import Client
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

GP = Path(settings.BASE_DIR) / "data" / "gp"
SELF_REFERRAL = reverse("casework:self_referral", args=["ashfield"])


@pytest.fixture
def practices(db: None) -> None:
    """The demo practices, PCNs and list sizes (Ashfield: Y90001-Y90006 open, Y90007
    closed; Mansfield: Y90011-Y90016)."""
    call_command(
        "load_gp_practices",
        str(GP / "epraccur_demo.csv"),
        "--pcns",
        str(GP / "epcn_demo.csv"),
        stdout=StringIO(),
    )


def _details(browser: Browser, client: Client, **changes: str) -> Any:
    """Post the details form as it stands, with `changes`."""
    url = reverse("casework:details", args=[client.public_id])
    form = browser.get(url).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and not isinstance(value, bool)
    }
    data["version"] = form.fields["version"].initial
    data.update(changes)
    return browser.post(url, data)


def _errors(response: Any) -> list[str]:
    page = response.content.decode()
    summary = page.split("nhsuk-error-summary__list", 1)[-1].split("</ul>", 1)[0]
    return [m.strip() for m in re.findall(r"<a [^>]*>([^<]*)</a>", summary)]


def test_the_details_offer_the_areas_open_practices_by_pcn(
    signed_in: Browser, casework: Casework, practices: None
) -> None:
    page = signed_in.get(reverse("casework:details", args=[casework.mary.public_id]))
    html = page.content.decode()
    select = html.split('name="practice"', 1)[1].split("</select>", 1)[0]
    assert '<optgroup label="Ashfield North Example PCN">' in select
    assert '<option value="Y90001">Kirkby Example Surgery</option>' in select
    assert f'<option value="{NOT_LISTED}">Not in the list, type it below</option>' in select
    assert ">Choose their GP practice</option>" in select
    # Closed, or another district's: not offered.
    assert "Annesley Example Surgery" not in select and "Y90011" not in select
    assert select.count("<option") == 6 + 2
    # The box for a practice not in the list is there, below the select, with its hint.
    assert html.index('name="practice"') < html.index('name="gp_practice"')
    assert "Their GP practice, if it is not in the list" in html
    assert 'data-practice-choice="id_gp_practice"' in html


def test_choosing_a_listed_practice_stores_its_code_and_name(
    signed_in: Browser, casework: Casework, practices: None
) -> None:
    mary = casework.mary
    response = _details(signed_in, mary, practice="Y90003", gp_practice="")
    assert response.status_code == 302
    mary.refresh_from_db()
    assert mary.registered_practice is not None
    assert (mary.registered_practice.code, mary.gp_practice) == (
        "Y90003",
        "Sutton Example Health Centre",
    )
    case = signed_in.get(reverse("casework:client", args=[mary.public_id])).content.decode()
    assert "Sutton Example Health Centre (ODS code Y90003)" in case
    # Shown again as chosen, with the box left empty.
    form = signed_in.get(reverse("casework:details", args=[mary.public_id])).context["form"]
    assert (form["practice"].value(), form["gp_practice"].value()) == ("Y90003", "")
    # Saved unchanged, it stays.
    assert _details(signed_in, mary).status_code == 302
    mary.refresh_from_db()
    assert mary.registered_practice_id is not None and mary.gp_practice.startswith("Sutton")


def test_a_practice_not_in_the_list_is_typed(
    signed_in: Browser, casework: Casework, practices: None
) -> None:
    mary = casework.mary
    _details(signed_in, mary, practice="Y90001")
    response = _details(signed_in, mary, practice=NOT_LISTED, gp_practice="Riverside Surgery")
    assert response.status_code == 302
    mary.refresh_from_db()
    assert (mary.registered_practice, mary.gp_practice) == (None, "Riverside Surgery")
    case = signed_in.get(reverse("casework:client", args=[mary.public_id])).content.decode()
    assert "Riverside Surgery" in case and "ODS code" not in case
    form = signed_in.get(reverse("casework:details", args=[mary.public_id])).context["form"]
    assert (form["practice"].value(), form["gp_practice"].value()) == (
        NOT_LISTED,
        "Riverside Surgery",
    )
    # Without JavaScript someone may type the name and leave the select alone.
    _details(signed_in, mary, practice="", gp_practice="Hillside Surgery")
    mary.refresh_from_db()
    assert (mary.registered_practice, mary.gp_practice) == (None, "Hillside Surgery")


def test_not_in_the_list_with_nothing_typed_asks_for_the_name(
    signed_in: Browser, casework: Casework, practices: None
) -> None:
    response = _details(signed_in, casework.mary, practice=NOT_LISTED, gp_practice="")
    assert response.status_code == 200
    assert _errors(response) == ["Type the name of their GP practice, or choose it from the list"]


@pytest.mark.parametrize(
    "forged",
    [
        "Y90011",  # Mansfield's
        "Y90007",  # Ashfield's, closed
        "Y90031",  # Nottingham's, on no list
        "A81001' OR 1=1",
    ],
)
def test_a_code_not_on_the_areas_list_is_refused(
    signed_in: Browser, casework: Casework, practices: None, forged: str
) -> None:
    mary = casework.mary
    response = _details(signed_in, mary, practice=forged, phone="01632 960999")
    assert response.status_code == 200
    assert _errors(response) == [
        "Choose their GP practice from the list, or choose “Not in the list” and type its name"
    ]
    mary.refresh_from_db()
    assert (mary.registered_practice, mary.phone, mary.version) == (None, "01632 960001", 1)


def test_a_registered_practice_that_has_closed_stays_theirs_until_changed(
    signed_in: Browser, casework: Casework, practices: None
) -> None:
    mary = casework.mary
    mary.registered_practice = GPPractice.objects.get(code="Y90007")
    mary.gp_practice = "Annesley Example Surgery"
    mary.save()
    page = signed_in.get(reverse("casework:details", args=[mary.public_id])).content.decode()
    assert '<option value="Y90007" selected>Annesley Example Surgery (closed)</option>' in page
    assert _details(signed_in, mary, phone="01632 960999").status_code == 302
    mary.refresh_from_db()
    assert mary.registered_practice_id is not None and mary.registered_practice.code == "Y90007"


def test_a_new_referral_chooses_the_practice(
    signed_in: Browser, personas: Personas, practices: None
) -> None:
    data = {
        "person-first_name": "Alan",
        "person-last_name": "Price",
        "person-postcode": "NG17 7AE",
        "person-phone": "01632 960002",
        "person-practice": "Y90005",
        "person-gp_practice": "",
        "person-consent_to_hold": "on",
        "referral-source": "gp",
        "referral-reasons": ["loneliness"],
        "referral-received_on": timezone.localdate().isoformat(),
    }
    page = signed_in.get(reverse("casework:new_referral")).content.decode()
    assert 'name="person-practice"' in page and "Hucknall Example Practice" in page
    assert signed_in.post(reverse("casework:new_referral"), data).status_code == 302
    alan = Client.objects.get(first_name="Alan")
    assert alan.registered_practice is not None and alan.registered_practice.code == "Y90005"
    assert alan.gp_practice == "Hucknall Example Practice"
    data["person-practice"] = "Y90014"  # Mansfield's
    data["person-first_name"] = "Bella"
    response = signed_in.post(reverse("casework:new_referral"), data)
    assert response.status_code == 200 and not Client.objects.filter(first_name="Bella").exists()


def test_someone_referring_themselves_chooses_their_practice(
    client: Browser, personas: Personas, practices: None
) -> None:
    page = client.get(SELF_REFERRAL).content.decode()
    assert "Your GP practice (optional)" in page and "Choose your GP practice" in page
    # Asked in its place: after when to contact them, before the consents.
    assert page.index("When is best to contact you?") < page.index('name="practice"')
    assert page.index('name="gp_practice"') < page.index('name="consent_to_hold"')
    client.post(
        SELF_REFERRAL,
        {
            "reasons": ["loneliness"],
            "first_name": "Sam",
            "last_name": "Hill",
            "postcode": "NG17 7AE",
            "phone": "07700 900982",
            "preferred_contact": "phone",
            "practice": "Y90002",
            "consent_to_hold": "on",
            "consent_to_contact": "on",
        },
    )
    sam = Client.objects.get()
    assert sam.registered_practice is not None and sam.registered_practice.code == "Y90002"
    assert sam.gp_practice == "Kirkby Example Medical Centre"


def test_without_a_list_only_the_box_is_asked(personas: Personas) -> None:
    form = NewClientForm(instance=Client(area=personas.ashfield))
    assert "practice" not in form.fields
    assert form.fields["gp_practice"].label == "Their GP practice"


def test_the_message_back_names_the_practice_with_its_code(
    casework: Casework, practices: None
) -> None:
    mary = casework.mary
    referral = mary.referrals.get()
    assert build_message_back(mary, referral)["person"]["gp_practice_ods_code"] is None
    mary.registered_practice = GPPractice.objects.get(code="Y90001")
    mary.gp_practice = "An old name typed by hand"
    mary.save()
    doc = build_message_back(mary, referral)
    assert (doc["person"]["gp_practice"], doc["person"]["gp_practice_ods_code"]) == (
        "Kirkby Example Surgery",
        "Y90001",
    )
    letter = render_to_string(
        "casework/message_back_pdf.html", {"doc": doc, "heading": "", "sections": []}
    )
    assert "To: the GP, Kirkby Example Surgery (Y90001)" in letter


def test_the_demo_registers_most_clients_with_a_practice_of_their_area(
    personas: Personas,
) -> None:
    from inspiring.demo.casework import load_demo_caseload
    from inspiring.demo.practices import load_demo_practices, register_demo_clients

    assert load_demo_practices() == 20
    area = personas.ashfield
    load_demo_caseload(area, personas.link_worker, seed="inspiring-demo-cases-ashfield")
    registered = register_demo_clients(area)
    clients = Client.objects.filter(area=area)
    assert registered == clients.filter(registered_practice__isnull=False).count()
    assert registered > clients.count() * 3 // 4
    assert set(
        clients.exclude(registered_practice=None).values_list(
            "registered_practice__district_code", flat=True
        )
    ) == {"E07000170"}
    # A few keep a practice typed by hand, a few have none.
    others = clients.filter(registered_practice=None)
    assert others.exclude(gp_practice="").exists() and others.filter(gp_practice="").exists()
    assert register_demo_clients(area) == 0  # once only
