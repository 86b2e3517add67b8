"""The public self-referral form: what it asks, in what order and words, how it checks
phone numbers, dates of birth and NHS numbers, the address for a letter, and the
reference number and confirmation that follow."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.casework.forms.clients import SelfReferralForm, normalise_uk_phone
from inspiring.casework.models import Client, Referral
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

URL = reverse("casework:self_referral", args=["ashfield"])
SENT = reverse("casework:self_referral_sent", args=["ashfield"])


def _form(**more: Any) -> dict[str, Any]:
    return {
        "reasons": ["loneliness"],
        "first_name": "Sam",
        "last_name": "Hill",
        "postcode": "NG17 7AE",
        "phone": "07700 900982",
        "preferred_contact": "phone",
        "consent_to_hold": "on",
        "consent_to_contact": "on",
        **more,
    }


def _errors(response: Any) -> list[str]:
    """The error summary's messages, in order."""
    page = response.content.decode()
    if "nhsuk-error-summary__list" not in page:
        return []
    summary = page.split("nhsuk-error-summary__list", 1)[-1].split("</ul>", 1)[0]
    return [m.strip() for m in re.findall(r"<a [^>]*>([^<]*)</a>", summary)]


def test_it_asks_what_they_would_like_help_with_first(client: Browser, personas: Personas) -> None:
    page = client.get(URL).content.decode()
    form = page.split("<form", 1)[1]
    first_question = form.index("What would you like help with?")
    assert first_question < form.index("Your first name") < form.index("Your date of birth")
    assert next(iter(SelfReferralForm().fields)) == "reasons"
    # No native date picker: the NHS.UK date input's three boxes.
    assert 'type="date"' not in form
    for box in ("date_of_birth_day", "date_of_birth_month", "date_of_birth_year"):
        assert f'name="{box}"' in form
    assert 'class="nhsuk-date-input"' in form


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07700 900982", "07700 900982"),
        ("07700900982", "07700 900982"),
        ("+44 (0)7700 900 982", "07700 900982"),
        ("01632 960 001", "01632 960001"),
        ("0115 496 0000", "0115 496 0000"),
        ("0800 123 4567", "0800 123 4567"),
    ],
)
def test_uk_phone_numbers_are_stored_one_way(typed: str, stored: str) -> None:
    assert normalise_uk_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12", "0770090098", "07700 9009821", "+33 1 23 45 67 89", "x"])
def test_what_is_not_a_uk_phone_number_is_refused(
    client: Browser, personas: Personas, typed: str
) -> None:
    response = client.post(URL, _form(phone=typed))
    assert response.status_code == 200
    assert _errors(response) == ["Enter a UK phone number, like 07700 900 982 or 01632 960 001"]
    assert f'value="{typed}"' in response.content.decode()
    assert not Client.objects.exists()


def test_a_phone_number_is_saved_in_the_one_format(client: Browser, personas: Personas) -> None:
    assert client.post(URL, _form(phone="+447700900982")).status_code == 302
    assert Client.objects.get().phone == "07700 900982"


def test_a_letter_needs_an_address(client: Browser, personas: Personas) -> None:
    response = client.post(URL, _form(preferred_contact="letter"))
    assert _errors(response) == [
        "Enter the first line of your address, so we can write",
        "Enter your town or city",
    ]
    page = response.content.decode()
    # Shown (not hidden) when "Letter" is chosen, so the errors can be seen.
    assert 'class="nhsuk-radios__conditional" id="conditional-letter-address"' in page
    response = client.post(
        URL,
        _form(preferred_contact="letter", address_line_1="12 High Street", town="Sutton"),
    )
    assert response.status_code == 302
    sam = Client.objects.get()
    assert (sam.address_line_1, sam.town, sam.preferred_contact) == (
        "12 High Street",
        "Sutton",
        "letter",
    )


def test_the_address_is_hidden_unless_letter_and_not_kept(
    client: Browser, personas: Personas
) -> None:
    page = client.get(URL).content.decode()
    # Hidden by NHS.UK frontend's script only: without JavaScript the class does nothing.
    assert (
        'class="nhsuk-radios__conditional nhsuk-radios__conditional--hidden" '
        'id="conditional-letter-address"'
    ) in page
    assert 'aria-controls="conditional-letter-address"' in page
    # Typed, then the person chose a phone call instead: the address is not kept.
    client.post(URL, _form(address_line_1="12 High Street", town="Sutton"))
    assert Client.objects.get().address_line_1 == ""


def test_the_way_they_chose_needs_its_detail(client: Browser, personas: Personas) -> None:
    response = client.post(URL, _form(preferred_contact="email"))
    assert _errors(response) == ["Enter your email address, so we can email you"]
    response = client.post(URL, _form(preferred_contact="text", phone="", email="s@example.org"))
    assert _errors(response) == ["Enter your phone number, so we can call or text you"]


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "highlighted"),
    [
        ("15", "", "1984", "Date of birth must include a month", ["month"]),
        ("", "", "1984", "Date of birth must include a day and month", ["day", "month"]),
        ("31", "2", "1984", "Date of birth must be a real date", ["day", "month", "year"]),
        ("15", "3", "84", "Year must include 4 numbers", ["year"]),
        ("1", "1", "1850", None, ["year"]),
    ],
)
def test_a_date_of_birth_in_three_boxes_with_the_nhs_messages(
    client: Browser,
    personas: Personas,
    day: str,
    month: str,
    year: str,
    message: str | None,
    highlighted: list[str],
) -> None:
    response = client.post(
        URL, _form(date_of_birth_day=day, date_of_birth_month=month, date_of_birth_year=year)
    )
    errors = _errors(response)
    assert len(errors) == 1
    if message:
        assert errors == [message]
    else:
        assert errors[0].startswith("Date of birth must be after ")
    page = response.content.decode()
    # What was typed comes back; only the boxes to change are highlighted, and the
    # summary links to the first of them.
    for part in ("day", "month", "year"):
        box = re.search(rf'<input [^>]*name="date_of_birth_{part}"[^>]*>', page)
        assert box is not None
        assert ("nhsuk-input--error" in box.group(0)) == (part in highlighted), part
    first = "id_date_of_birth" if highlighted[0] == "day" else f"id_date_of_birth_{highlighted[0]}"
    assert f'href="#{first}"' in page
    assert not Client.objects.exists()


def test_a_date_of_birth_must_be_in_the_past(client: Browser, personas: Personas) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        URL,
        _form(
            date_of_birth_day=str(tomorrow.day),
            date_of_birth_month=str(tomorrow.month),
            date_of_birth_year=str(tomorrow.year),
        ),
    )
    assert _errors(response) == ["Date of birth must be in the past"]


def test_a_date_of_birth_is_saved_and_month_names_are_understood(
    client: Browser, personas: Personas
) -> None:
    response = client.post(
        URL, _form(date_of_birth_day="15", date_of_birth_month="March", date_of_birth_year="1984")
    )
    assert response.status_code == 302
    assert Client.objects.get().date_of_birth == date(1984, 3, 15)


def test_the_nhs_number_error_speaks_to_the_person(client: Browser, personas: Personas) -> None:
    response = client.post(URL, _form(nhs_number="943 476 5918"))
    (error,) = _errors(response)
    assert "your NHS letter" in error and "the person" not in error
    assert _errors(client.post(URL, _form(nhs_number="12"))) == [
        "Enter your NHS number as 10 digits, like 943 476 5919, or leave it out"
    ]
    assert client.post(URL, _form(nhs_number="943 476 5919")).status_code == 302
    assert Client.objects.get().nhs_number == "9434765919"


def test_a_reference_and_what_happens_next(client: Browser, personas: Personas) -> None:
    response = client.post(URL, _form(), follow=True)
    referral = Referral.objects.get()
    reference = referral.public_id.hex[:8].upper()
    reference = f"{reference[:4]} {reference[4:]}"
    page = response.content.decode()
    assert reference in page and "What happens next" in page
    assert "by phone call as you asked" in page
    # No sequential number is shown, and the reference is not in any address.
    assert reference.replace(" ", "") not in response.redirect_chain[-1][0].upper()
    assert "We have sent you an email" not in page
    # Back, Forward or a refresh shows it again.
    assert reference in client.get(SENT).content.decode()
    # Another area's page does not show it.
    other = client.get(reverse("casework:self_referral_sent", args=["mansfield"]))
    assert reference not in other.content.decode()


def test_a_confirmation_email_when_they_gave_an_address(
    client: Browser, personas: Personas
) -> None:
    response = client.post(
        URL, _form(email="sam@example.org", preferred_contact="email"), follow=True
    )
    (message,) = mail.outbox
    referral = Referral.objects.get()
    reference = referral.public_id.hex[:8].upper()
    assert message.to == ["sam@example.org"]
    assert f"{reference[:4]} {reference[4:]}" in message.subject
    assert f"{reference[:4]} {reference[4:]}" in message.body
    assert "What happens next" in message.body and "usually within a week" in message.body
    assert "We have sent you an email" in response.content.decode()


def test_no_email_without_an_address(client: Browser, personas: Personas) -> None:
    assert client.post(URL, _form()).status_code == 302
    assert mail.outbox == []


def test_the_email_failing_loses_nothing(
    client: Browser, personas: Personas, settings: Any
) -> None:
    # The real SMTP backend, to a port where no mail server listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = client.post(URL, _form(email="sam@example.org"), follow=True)
    assert Referral.objects.count() == 1
    page = response.content.decode()
    assert "What happens next" in page and "We have sent you an email" not in page


def test_it_asks_for_their_gp_practice_and_consent_to_tell_it(
    client: Browser, personas: Personas
) -> None:
    page = client.get(URL).content.decode()
    assert "Your GP practice (optional)" in page
    assert "I agree to the programme telling my GP practice what help I have had" in page
    client.post(
        URL, _form(gp_practice="Kingsway Surgery, Kirkby", consent_to_inform_gp="on"), follow=True
    )
    person = Client.objects.get()
    assert (person.gp_practice, person.consent_to_inform_gp) == ("Kingsway Surgery, Kirkby", True)
    # The case page's consents say so.
    sign_in(client, personas.coordinator)
    case = client.get(reverse("casework:client", args=[person.public_id])).content.decode()
    assert "telling their GP and referrer how it went" in case
    client.logout()
    # Not asked to agree: not agreed.
    client.post(URL, _form(first_name="Alex", phone="07700 900983"), follow=True)
    assert not Client.objects.get(first_name="Alex").consent_to_inform_gp
