"""The one-time link a client answers a measure through on their own phone: sent by text
or email through the outbox, stored only hashed, working once for 14 days, throttled,
and showing nothing about the person."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions import ActionRefused
from inspiring.casework.actions import messages as outbox
from inspiring.casework.actions import outcomes as outcome_actions
from inspiring.casework.actions.outcomes import do_record_administration, do_send_outcome_link
from inspiring.casework.models import Administration, Client, OutcomeLink, SentMessage, Task
from inspiring.casework.models.outcomes import hash_token
from inspiring.casework.views import outcomes as outcome_views
from inspiring.measures import library
from lib.senders import ConsoleSender, SendFailed
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

ANSWERS = {
    "item_life_satisfaction": "7",
    "item_worthwhile": "8",
    "item_happiness": "6",
    "item_anxiety": "2",
}
LINK = re.compile(r"http://testserver(/wellbeing/[A-Za-z0-9_-]+/)")


class CatchingSender(ConsoleSender):
    """The development sender, keeping what it sent."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__(stream=io.StringIO())
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send_text(self, to: str, body: str) -> None:
        if self.fail:
            raise SendFailed("The text could not be sent.")
        self.sent.append((to, body))

    def send_email(self, to: str, subject: str, body: str, **kw: Any) -> None:
        self.sent.append((to, f"{subject}\n{body}"))


def ons4() -> Any:
    instrument = library.get("ons4")
    assert instrument is not None
    return instrument


def _mobile(client: Client) -> Client:
    Client.objects.filter(pk=client.pk).update(phone="07700 900123", email="mary@example.org")
    client.refresh_from_db()
    return client


def _send(request: Any, client: Client, sender: CatchingSender, **kw: Any) -> str:
    """Send a link; the path it opens (the only place the token is)."""
    kw.setdefault("timepoint", "follow_up")
    kw.setdefault("method", "text")
    do_send_outcome_link(request, client, ons4(), sender=sender, **kw)
    found = LINK.search(sender.sent[-1][1])
    assert found is not None, sender.sent[-1][1]
    return found.group(1)


def test_a_link_by_text_names_nobody_and_its_token_is_stored_only_hashed(
    request_as_liam: Any, casework: Casework
) -> None:
    mary = _mobile(casework.mary)
    sender = CatchingSender()
    path = _send(request_as_liam, mary, sender)
    to, body = sender.sent[0]
    assert to == "+447700900123"
    assert "Mary" not in body and "Jones" not in body
    assert "works once" in body
    token = path.strip("/").split("/")[-1]
    link = OutcomeLink.objects.get()
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(days=14)
    # Once sent, the kept copy of the text no longer holds a working link.
    message = SentMessage.objects.get()
    assert message.kind == SentMessage.Kind.OUTCOME_LINK_TEXT
    assert message.status == SentMessage.Status.SENT and token not in message.body
    assert AuditEntry.objects.filter(action="outcome.link_sent").count() == 1


def test_a_link_that_failed_to_send_is_kept_to_be_tried_again(
    request_as_liam: Any, casework: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    mary = _mobile(casework.mary)
    do_send_outcome_link(
        request_as_liam,
        mary,
        ons4(),
        timepoint="baseline",
        method="text",
        sender=CatchingSender(fail=True),
    )
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.FAILED
    # Retried later through the outbox, with the same working link.
    later = CatchingSender()
    monkeypatch.setattr(outbox, "get_sender", lambda: later)
    assert outbox.send_waiting_messages(_due(message))["sent"]
    assert LINK.search(later.sent[0][1]) is not None


def test_a_link_by_email(request_as_liam: Any, casework: Casework) -> None:
    mary = _mobile(casework.mary)
    sender = CatchingSender()
    _send(request_as_liam, mary, sender, method="email")
    assert sender.sent[0][0] == "mary@example.org"
    assert SentMessage.objects.get().kind == SentMessage.Kind.OUTCOME_LINK_EMAIL


@pytest.mark.parametrize(
    ("change", "method", "says"),
    [
        ({"consent_to_contact": False}, "text", "has not agreed to be contacted"),
        ({"email": ""}, "email", "There is no email address"),
        ({"phone": "01632 960001"}, "text", "no mobile number"),
    ],
)
def test_a_link_is_refused_without_consent_or_somewhere_to_send_it(
    request_as_liam: Any, casework: Casework, change: dict[str, Any], method: str, says: str
) -> None:
    mary = _mobile(casework.mary)
    Client.objects.filter(pk=mary.pk).update(**change)
    mary.refresh_from_db()
    with pytest.raises(ActionRefused, match=says):
        do_send_outcome_link(
            request_as_liam, mary, ons4(), timepoint="baseline", method=method,
            sender=CatchingSender(),
        )  # fmt: skip
    assert not OutcomeLink.objects.exists() and not SentMessage.objects.exists()


def test_the_client_answers_once_and_the_follow_up_task_is_done(
    client: Browser, request_as_liam: Any, casework: Casework
) -> None:
    mary = _mobile(casework.mary)
    do_record_administration(
        request_as_liam,
        mary,
        ons4(),
        {"life_satisfaction": 3, "worthwhile": 4, "happiness": 3, "anxiety": 8},
        timepoint="baseline",
        on=timezone.localdate() - timedelta(days=84),
    )
    path = _send(request_as_liam, mary, CatchingSender())

    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert mary.area.programme_name in page
    assert "Overall, how satisfied are you with your life nowadays?" in page
    for personal in ("Mary", "Jones", "07700", "9434765919"):
        assert personal not in page

    # Every question must be answered.
    incomplete = client.post(path, {"item_life_satisfaction": "7"}).content.decode()
    assert "There is a problem" in incomplete and "Choose an answer to question 2" in incomplete
    impossible = client.post(path, {**ANSWERS, "item_anxiety": "12"}).content.decode()
    assert "Choose one of the answers to question 4" in impossible
    assert not Administration.objects.filter(how=Administration.How.LINK).exists()

    done = client.post(path, ANSWERS)
    assert done.status_code == 200
    assert "Thank you: your answers are sent" in done.content.decode()
    answered = Administration.objects.get(how=Administration.How.LINK)
    assert answered.by is None and answered.timepoint == "follow_up" and answered.complete
    assert answered.scores == {
        "life_satisfaction": 7,
        "worthwhile": 8,
        "happiness": 6,
        "anxiety": 2,
    }
    assert OutcomeLink.objects.get().administration == answered
    assert Task.objects.get(title__startswith="Follow-up").done_at is not None
    assert AuditEntry.objects.filter(action="outcome.completed").count() == 1

    # Used: a second visit, or a second submit, says when, and records nothing.
    today = f"{timezone.localdate():%-d %B %Y}"
    again = client.get(path)
    assert again.status_code == 410
    assert f"already completed on {today}" in again.content.decode()
    twice = client.post(path, ANSWERS)
    assert twice.status_code == 410 and "already completed" in twice.content.decode()
    assert Administration.objects.filter(how=Administration.How.LINK).count() == 1


def test_a_baseline_through_a_link_makes_the_follow_up_task(
    client: Browser, request_as_liam: Any, casework: Casework
) -> None:
    mary = _mobile(casework.mary)
    path = _send(request_as_liam, mary, CatchingSender(), timepoint="baseline")
    client.post(path, ANSWERS)
    task = Task.objects.get(title__startswith="Follow-up")
    assert task.due_on == timezone.localdate() + timedelta(weeks=12)
    assert task.assigned_to == mary.worker


def test_an_expired_link_says_so(client: Browser, request_as_liam: Any, casework: Casework) -> None:
    path = _send(request_as_liam, _mobile(casework.mary), CatchingSender())
    OutcomeLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    for response in (client.get(path), client.post(path, ANSWERS)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert not Administration.objects.exists()


def test_an_unknown_or_erased_link_opens_nothing(
    client: Browser, request_as_liam: Any, casework: Casework
) -> None:
    assert client.get("/wellbeing/not-a-real-token/").status_code == 404
    mary = _mobile(casework.mary)
    path = _send(request_as_liam, mary, CatchingSender())
    from inspiring.casework.actions.privacy import do_erase_client

    do_erase_client(None, mary, reason="Asked us to")
    assert not OutcomeLink.objects.exists()  # deleted with the rest of their data
    assert client.get(path).status_code == 404


def test_submits_are_throttled(
    client: Browser,
    request_as_liam: Any,
    casework: Casework,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outcome_views, "LINK_SUBMITS_PER_LINK_HOURLY", 2)
    path = _send(request_as_liam, _mobile(casework.mary), CatchingSender())
    for _ in range(2):
        assert client.post(path, {"item_life_satisfaction": "7"}).status_code == 200
    throttled = client.post(path, ANSWERS)
    assert throttled.status_code == 429
    page = throttled.content.decode()
    assert "Too many answers have been sent from here" in page
    assert 'value="7" checked' in page  # what they chose is kept
    assert not Administration.objects.exists()


def test_the_send_link_page(
    signed_in: Browser, casework: Casework, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    mary = _mobile(casework.mary)
    sender = CatchingSender()
    monkeypatch.setattr(outbox, "get_sender", lambda: sender)
    url = reverse("casework:send_outcome_link", args=[mary.public_id])
    page = signed_in.get(url).content.decode()
    assert "By text message to +447700900123" in page and "By email to mary@example.org" in page
    missing = signed_in.post(url, {"instrument": "ons4"}).content.decode()
    assert "Select how to send the link" in missing
    response = signed_in.post(
        url, {"instrument": "ons4", "timepoint": "baseline", "method": "text"}, follow=True
    )
    assert "The link is sent to +447700900123." in response.content.decode()
    assert len(sender.sent) == 1
    assert outcome_actions.LINK_SENT in SentMessage.objects.get().body


class FailingEmailSender(CatchingSender):
    def send_email(self, to: str, subject: str, body: str, **kw: Any) -> None:
        raise SendFailed("The email could not be sent.")


def test_an_emailed_link_that_failed_is_tried_again_to_the_same_address(
    request_as_liam: Any, casework: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    mary = _mobile(casework.mary)
    do_send_outcome_link(
        request_as_liam, mary, ons4(), timepoint="baseline", method="email",
        sender=FailingEmailSender(),
    )  # fmt: skip
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.FAILED
    later = CatchingSender()
    monkeypatch.setattr(outbox, "get_sender", lambda: later)
    outbox.send_waiting_messages(_due(message))
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT, message.error
    assert later.sent[0][0] == "mary@example.org"


def _due(message: SentMessage) -> datetime:
    """Just after the message's next try is due."""
    assert message.next_attempt_at is not None
    return message.next_attempt_at + timedelta(seconds=1)
