"""The confirmation of a self-referral by text message: their reference and what happens
next, sent through the outbox (recorded, committed, then sent; a failure tried again,
never twice) by nobody signed in, when they chose texts or gave only a mobile."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection as db
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions import messages as outbox
from inspiring.casework.actions.clients import Reaching, self_referral_text
from inspiring.casework.actions.messages import send_waiting_messages, text_number
from inspiring.casework.models import Client, Referral, SentMessage
from inspiring.casework.plan import text_parts
from inspiring.casework.privacy import subject_access_data
from lib.senders import ConsoleSender, SendFailed
from tests.geography import ensure_geography
from tests.personas import Personas

pytestmark = pytest.mark.django_db

URL = reverse("casework:self_referral", args=["ashfield"])
MOBILE = "07700 900982"


def _form(**more: Any) -> dict[str, Any]:
    return {
        "reasons": ["loneliness"],
        "first_name": "Sam",
        "last_name": "Hill",
        "postcode": "NG17 7AE",
        "phone": MOBILE,
        "preferred_contact": "text",
        "consent_to_hold": "on",
        "consent_to_contact": "on",
        **more,
    }


@pytest.fixture
def ashfield_phone(personas: Personas) -> None:
    personas.ashfield.contact_phone = "01623 450000"
    personas.ashfield.save()


def test_they_chose_texts_and_get_their_reference_by_text(
    client: Browser,
    personas: Personas,
    ashfield_phone: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    response = client.post(URL, _form(), follow=True)
    reference = Referral.objects.get().reference
    message = SentMessage.objects.get()
    assert message.kind == SentMessage.Kind.SELF_REFERRAL_TEXT
    assert message.status == SentMessage.Status.SENT and message.attempts == 1
    assert message.to == "+447700900982"
    # Sent by nobody signed in: the system, from the public form.
    assert message.by is None
    assert reference in message.body
    assert "usually within a week, by text message as you asked" in message.body
    assert "01623 450000" in message.body and "call 111" in message.body
    # Nothing that names them or why on a lock screen; short enough for two texts.
    assert "Sam" not in message.body and "lonel" not in message.body.lower()
    assert text_parts(message.body) <= 2
    printed = capsys.readouterr().out  # the console sender, as in development and tests
    assert "Text message to: +447700900982" in printed and message.body in printed
    page = response.content.decode()
    assert "We have sent you a text message to confirm this" in page
    assert "by text message as you asked" in page
    entry = AuditEntry.objects.get(action="message.sent")
    assert entry.actor is None and entry.detail == {"kind": "self_referral_text"}
    assert mail.outbox == []
    # What was sent is in their copy of their data.
    (exported,) = subject_access_data(Client.objects.get())["messages"]
    assert reference in exported["body"] and exported["to"] == "+447700900982"


def test_a_mobile_and_no_email_gets_a_text_whatever_they_chose(
    client: Browser, personas: Personas
) -> None:
    client.post(URL, _form(preferred_contact="phone"))
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.SENT
    assert "by phone call as you asked" in message.body


def test_texts_chosen_and_an_email_given_get_both(client: Browser, personas: Personas) -> None:
    response = client.post(URL, _form(email="sam@example.org"), follow=True)
    assert SentMessage.objects.get().status == SentMessage.Status.SENT
    assert len(mail.outbox) == 1
    assert "We have sent you an email and a text message" in response.content.decode()


def test_email_chosen_gets_no_text(client: Browser, personas: Personas) -> None:
    client.post(URL, _form(email="sam@example.org", preferred_contact="email"))
    assert not SentMessage.objects.exists()
    assert len(mail.outbox) == 1


def test_no_text_without_a_mobile(client: Browser, personas: Personas) -> None:
    response = client.post(
        URL, _form(phone="", email="sam@example.org", preferred_contact="email"), follow=True
    )
    assert response.status_code == 200 and Referral.objects.count() == 1
    assert not SentMessage.objects.exists()
    assert "text message" not in response.content.decode()


@pytest.mark.parametrize("landline", ["01623 456789", "0115 496 0000", "0800 123 4567"])
def test_a_landline_gets_no_text_and_the_page_says_they_will_be_called(
    client: Browser, personas: Personas, landline: str
) -> None:
    response = client.post(URL, _form(phone=landline), follow=True)
    assert Referral.objects.count() == 1
    assert not SentMessage.objects.exists()
    page = response.content.decode()
    assert "usually within a week, by phone call." in page
    assert "The phone number you gave is not a mobile number" in page
    assert "as you asked" not in page
    assert "We have sent you a text message" not in page


def test_a_landline_with_an_email_says_so_in_the_email(client: Browser, personas: Personas) -> None:
    client.post(URL, _form(phone="01623 456789", email="sam@example.org"))
    (email,) = mail.outbox
    assert "usually within a week, by phone call." in email.body
    assert "not a mobile number" in email.body
    assert not SentMessage.objects.exists()


@pytest.mark.parametrize(
    ("phone", "number"),
    [
        ("07700 900982", "+447700900982"),  # Ofcom's drama range: full length, unallocated
        ("07911 123456", "+447911123456"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("01623 456789", None),  # a landline
        ("0800 123 4567", None),  # freephone
        ("07000 123456", None),  # a personal number: it forwards, and may not take texts
        ("+33 1 23 45 67 89", None),  # a French landline
        ("", None),
    ],
)
def test_which_numbers_can_take_a_text(phone: str, number: str | None) -> None:
    assert text_number(phone) == number


def test_the_text_keeps_to_two_messages_however_long_the_names(personas: Personas) -> None:
    area = personas.ashfield
    area.contact_phone = "01623 450000"
    how = Reaching("text message", as_asked=True, mobile="+447700900982")
    full = self_referral_text(area, "3F2A 9C1B", how)
    assert "Not heard from us in a week? Call 01623 450000" in full and text_parts(full) <= 2
    area.programme_name = "Inspiring Ashfield, Kirkby-in-Ashfield and Sutton-in-Ashfield"
    area.contact_email = "a-very-long-address-for-the-programme@ashfield-voluntary-action.example"
    area.contact_phone = ""
    shorter = self_referral_text(area, "3F2A 9C1B", how)
    assert text_parts(shorter) <= 2
    assert "3F2A 9C1B" in shorter and "within a week" in shorter and "call 111" in shorter
    assert "Not heard from us" not in shorter
    # Curly quotes typed into the name are sent as plain ones, not in UCS-2.
    area.programme_name = "Inspiring Ashfield\u2019s Programme"
    assert "Ashfield's" in self_referral_text(area, "3F2A 9C1B", replace(how, as_asked=False))


def test_how_many_text_messages() -> None:
    assert text_parts("a" * 160) == 1
    assert text_parts("a" * 161) == 2
    assert text_parts("a" * 306) == 2
    assert text_parts("a" * 307) == 3
    assert text_parts("\u0101" * 70) == 1  # a character GSM lacks: UCS-2, 70 in one
    assert text_parts("\u0101" * 71) == 2


class FlakySender(ConsoleSender):
    """The development sender, whose first text fails as when the service is down."""

    def __init__(self) -> None:
        super().__init__(stream=io.StringIO())
        self.tries = 0
        self.sent: list[tuple[str, str]] = []

    def send_text(self, to: str, body: str) -> None:
        self.tries += 1
        if self.tries == 1:
            raise SendFailed("The message could not be sent. Try again in a few minutes.")
        self.sent.append((to, body))


def test_a_text_that_failed_is_tried_again_and_sent_once(
    client: Browser, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = FlakySender()
    monkeypatch.setattr(outbox, "get_sender", lambda: sender)
    response = client.post(URL, _form(), follow=True)
    assert Referral.objects.count() == 1  # nothing lost
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.FAILED and message.attempts == 1
    assert message.next_attempt_at is not None
    assert "We will send you a text message to confirm this" in response.content.decode()

    assert send_waiting_messages(timezone.now())["sent"] == 0  # not due yet
    later = message.next_attempt_at + timedelta(seconds=1)
    assert send_waiting_messages(later) == {"sent": 1, "failed": 0, "interrupted": 0}
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT and message.attempts == 2
    assert sender.sent == [("+447700900982", message.body)]
    # Sent once: running again, even much later, sends nothing more.
    assert send_waiting_messages(later + timedelta(days=1))["sent"] == 0
    assert sender.tries == 2 and len(sender.sent) == 1


def test_a_retry_does_not_text_a_number_they_have_changed(
    client: Browser, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = FlakySender()
    monkeypatch.setattr(outbox, "get_sender", lambda: sender)
    client.post(URL, _form())
    message = SentMessage.objects.get()
    Client.objects.update(phone="07700 900123")
    assert message.next_attempt_at is not None
    send_waiting_messages(message.next_attempt_at + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == SentMessage.Status.GAVE_UP and sender.sent == []
    assert message.error == "Their contact details have changed since: send it again."


class WatchingSender(ConsoleSender):
    """Notes, as it sends, whether a transaction is open and what is committed."""

    def __init__(self) -> None:
        super().__init__(stream=io.StringIO())
        self.seen: list[tuple[bool, int, str]] = []

    def send_text(self, to: str, body: str) -> None:
        self.seen.append(
            (
                db.in_atomic_block,
                Referral.objects.count(),
                SentMessage.objects.get().status,
            )
        )


@pytest.fixture
def geography(transactional_db: None) -> None:
    # Transactional tests run after the others, with the database flushed between
    # them: the geography loaded once for the run may be gone.
    ensure_geography()


@pytest.mark.django_db(transaction=True)
def test_the_text_goes_once_the_referral_is_committed(
    geography: None, client: Browser, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = WatchingSender()
    monkeypatch.setattr(outbox, "get_sender", lambda: sender)
    assert client.post(URL, _form()).status_code == 302
    # No transaction open (so committed), the referral saved, the text recorded first.
    assert sender.seen == [(False, 1, SentMessage.Status.SENDING)]
    assert SentMessage.objects.get().status == SentMessage.Status.SENT
