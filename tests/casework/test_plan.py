"""The client's plan: the preview, the large-print PDF, one text message, sending it."""

from __future__ import annotations

import io
from datetime import time
from typing import Any

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Client, Connection, SentMessage
from inspiring.casework.plan import (
    SMS_LIMIT,
    build_plan,
    gsm_length,
    mobile_number,
    sms_options,
    sms_text,
)
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity
from lib.senders import ConsoleSender
from tests.conftest import sign_in
from tests.directory.builders import activity, weekly
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db


def agree(browser: Browser, client: Client, item: Activity, support: list[str]) -> Connection:
    """Connect the client to the activity, agreed, at its first upcoming session."""
    session = item.sessions.filter(start__gte=timezone.now()).order_by("start").first()
    assert session is not None
    response = browser.post(
        reverse("casework:connect_to", args=[client.public_id, item.public_id]),
        {"level": "signpost", "first_session": session.pk, "support": support, "agreed": "on"},
    )
    assert response.status_code == 302, response.content.decode()
    return Connection.objects.get(client=client, activity=item)


@pytest.fixture
def walk_agreed(client: Browser, personas: Personas, casework: Casework) -> Connection:
    hall = casework.walk.venue
    assert hall is not None
    hall.step_free, hall.near_bus_stop, hall.bus_routes = True, True, "1, 141"
    hall.save()
    casework.walk.greeter = "Sam, one of the volunteers"
    casework.walk.save()
    sign_in(client, personas.link_worker, area=personas.ashfield)
    return agree(client, casework.mary, casework.walk, ["accompany"])


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_plan_shows_when_where_and_who_will_meet_them(
    client: Browser, personas: Personas, casework: Casework, walk_agreed: Connection
) -> None:
    mary = casework.mary
    page = client.get(reverse("casework:plan", args=[mary.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Health walk" in html
    assert "Every Tuesday, 10:00 to 11:00" in html
    assert "Kirkby Community Hall" in html and "1 High Street" in html and "NG17 7AE" in html
    assert "Step-free access" in html and "Near a bus stop (1, 141)" in html
    assert "Liam will meet you there" in html
    assert "Who will greet you: Sam, one of the volunteers." in html
    assert reverse("casework:plan_send", args=[mary.public_id]) in html
    # The client page links to it.
    client_page = client.get(mary.get_absolute_url()).content.decode()
    assert reverse("casework:plan", args=[mary.public_id]) in client_page
    send_page = client.get(reverse("casework:plan_send", args=[mary.public_id]))
    assert send_page.status_code == 200
    assert "Mary, your plan: Health walk" in send_page.content.decode()

    response = client.get(reverse("casework:plan_pdf", args=[mary.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Health walk" in text
    assert "10:00 to 11:00" in text
    assert "Kirkby Community Hall" in text and "1, 141" in text
    assert AuditEntry.objects.filter(action="plan.printed", object_id=str(mary.public_id)).exists()


def test_one_activity_fits_one_text_message(casework: Casework, walk_agreed: Connection) -> None:
    plan = build_plan(casework.mary)
    sms = sms_text(plan)
    assert sms.fits, sms.problem
    assert sms.length is not None and sms.length <= SMS_LIMIT
    assert gsm_length(sms.text) == sms.length and len(sms.text) <= SMS_LIMIT
    assert sms.text.startswith("Mary, your plan: Health walk, Tue ")
    assert "10:00" in sms.text and "Kirkby Community Hall" in sms.text
    assert "Liam will meet you there." in sms.text


def _agree_to(client: Browser, mary: Client, casework: Casework, titles: list[str]) -> None:
    hall = casework.walk.venue
    for title in titles:
        item = activity(casework.walk.organisation, title, at=hall)
        weekly(item, "TH", time(14), time(16), from_date=timezone.localdate())
    materialise_all()
    for item in Activity.objects.exclude(pk=casework.walk.pk):
        agree(client, mary, item, [])


def test_a_three_activity_plan_goes_as_a_few_texts_or_a_short_one(
    client: Browser, personas: Personas, casework: Casework, walk_agreed: Connection
) -> None:
    mary = casework.mary
    casework.mary.area.__class__.objects.filter(pk=mary.area_id).update(
        contact_phone="01623 450000"
    )
    _agree_to(
        client,
        mary,
        casework,
        ["Thursday afternoon knit and natter with tea", "Community allotment gardening"],
    )
    plan = build_plan(Client.objects.get(pk=mary.pk))
    full, short = sms_options(plan)
    assert (full.short, short.short) == (False, True)
    assert full.fits and full.parts == 3 and full.length is not None and full.length > SMS_LIMIT
    assert short.fits and short.parts < full.parts
    # Both carry a number to call, not only an email address.
    assert full.text.endswith("Questions or changes? Call 01623 450000")
    assert short.text.endswith("Questions or changes? Call 01623 450000")
    assert "Liam will meet you there" in full.text and "Liam" not in short.text

    Client.objects.filter(pk=mary.pk).update(phone="07700 900123", email="mary@example.org")
    url = reverse("casework:plan_send", args=[mary.public_id])
    page = client.get(url).content.decode()
    assert "Text message (3 text messages)" in page
    assert f"Short text message: what, when, where and a number to call ({short.parts_label})" in (
        page
    )
    assert "Sent as 3 text messages, joined up on their phone" in page
    assert 'href="tel:+447700900123"' in page  # tap to call
    response = client.post(url, {"method": "short_text"})
    assert response.status_code == 302
    (sent,) = SentMessage.objects.all()
    assert (sent.kind, sent.to, sent.body) == ("plan_text", "+447700900123", short.text)


def test_a_plan_too_long_for_four_texts_is_offered_short_or_by_email(
    client: Browser, personas: Personas, casework: Casework, walk_agreed: Connection
) -> None:
    mary = casework.mary
    _agree_to(
        client,
        mary,
        casework,
        [f"Community allotment gardening for beginners, group {n}" for n in range(1, 9)],
    )
    plan = build_plan(mary)
    full = sms_text(plan)
    assert not full.fits
    assert "too long for 4 text messages" in full.problem
    assert [text.short for text in sms_options(plan)] == [True]

    Client.objects.filter(pk=mary.pk).update(phone="07700 900123", email="mary@example.org")
    url = reverse("casework:plan_send", args=[mary.public_id])
    response = client.post(url, {"method": "text"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select one of the ways shown" in page
    assert "too long for 4 text messages" in page and "Text message (" not in page
    assert not SentMessage.objects.exists()


def test_characters_a_text_message_cannot_carry() -> None:
    assert gsm_length("Café £3") == 7
    assert gsm_length("[x]") == 5  # the extension set counts twice
    assert gsm_length("Tea ☕") is None
    assert mobile_number("07700 900123") == "+447700900123"
    assert mobile_number("+44 7700 900123") == "+447700900123"
    assert mobile_number("01632 960001") is None  # a landline


def test_the_plan_goes_by_email_and_is_kept_on_the_timeline(
    client: Browser,
    personas: Personas,
    casework: Casework,
    walk_agreed: Connection,
    settings: Any,
) -> None:
    settings.CASEWORK_SENDER = "email"
    mary = casework.mary
    Client.objects.filter(pk=mary.pk).update(email="mary@example.org")
    response = client.post(
        reverse("casework:plan_send", args=[mary.public_id]), {"method": "email"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["mary@example.org"]
    assert "Health walk" in sent.body and "Liam will meet you there" in sent.body
    message = SentMessage.objects.get(client=mary)
    assert message.kind == SentMessage.Kind.PLAN_EMAIL and message.by == personas.link_worker
    assert AuditEntry.objects.filter(action="message.sent", object_id=str(mary.public_id)).exists()
    timeline = client.get(mary.get_absolute_url()).content.decode()
    assert "Plan by email sent to mary@example.org" in timeline


def test_the_plan_goes_as_one_text_message(
    client: Browser,
    casework: Casework,
    walk_agreed: Connection,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mary = casework.mary
    Client.objects.filter(pk=mary.pk).update(phone="07700 900123")
    response = client.post(reverse("casework:plan_send", args=[mary.public_id]), {"method": "text"})
    assert response.status_code == 302
    message = SentMessage.objects.get(client=mary)
    assert message.kind == SentMessage.Kind.PLAN_TEXT
    assert len(message.body) <= SMS_LIMIT and "Health walk" in message.body
    printed = capsys.readouterr().out  # the console sender, in development
    assert "Text message to: +447700900123" in printed and message.body in printed


@pytest.mark.parametrize(
    ("change", "method", "problem"),
    [
        ({"consent_to_contact": False, "email": "m@example.org"}, "email", "has not agreed"),
        ({"email": ""}, "email", "There is no email address"),
        ({"phone": ""}, "text", "There is no phone number"),
        ({"phone": "01632 960001"}, "text", "is not a mobile number"),
    ],
)
def test_the_plan_is_not_sent_without_consent_or_an_address(
    client: Browser,
    casework: Casework,
    walk_agreed: Connection,
    change: dict[str, Any],
    method: str,
    problem: str,
) -> None:
    mary = casework.mary
    Client.objects.filter(pk=mary.pk).update(**change)
    response = client.post(reverse("casework:plan_send", args=[mary.public_id]), {"method": method})
    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not SentMessage.objects.exists() and not mail.outbox
    assert not AuditEntry.objects.filter(action="message.sent").exists()


def test_a_hidden_address_stays_hidden(
    client: Browser, casework: Casework, walk_agreed: Connection
) -> None:
    walk = casework.walk
    walk.hide_address, walk.locality = True, "Kirkby"
    walk.save()
    mary = casework.mary
    plan = build_plan(mary)
    [item] = plan.activities
    assert item.place == "Kirkby" and item.address == "" and item.postcode == ""
    assert not any("1, 141" in line for line in item.getting_there)
    assert "Step-free access" in item.getting_there
    assert "NG17" not in sms_text(plan).text
    text = pdf_text(client.get(reverse("casework:plan_pdf", args=[mary.public_id])).content)
    assert "Kirkby" in text
    assert "1 High Street" not in text and "NG17" not in text and "Community Hall" not in text


def test_free_text_is_escaped_in_the_preview(
    client: Browser, casework: Casework, walk_agreed: Connection
) -> None:
    casework.walk.greeter = "<script>alert(1)</script>"
    casework.walk.save()
    html = client.get(reverse("casework:plan", args=[casework.mary.public_id])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_another_areas_client_is_not_found(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    other = casework.other_area_client.public_id
    assert client.get(reverse("casework:plan", args=[other])).status_code == 404
    assert client.get(reverse("casework:plan_pdf", args=[other])).status_code == 404
    response = client.post(reverse("casework:plan_send", args=[other]), {"method": "email"})
    assert response.status_code == 404
    # A partner lead does not manage cases.
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    mary = casework.mary.public_id
    assert client.get(reverse("casework:plan", args=[mary])).status_code == 403
    assert client.get(reverse("casework:plan_send", args=[mary])).status_code == 403


# GOV.UK Notify, through its official client: tests/casework/test_notify_client.py.


def test_the_console_sender_writes_what_would_go() -> None:
    out = io.StringIO()
    ConsoleSender(out).send_email("a@example.org", "Subject", "Body")
    assert "Email to: a@example.org" in out.getvalue() and "Body" in out.getvalue()
