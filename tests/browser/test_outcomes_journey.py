"""Client outcomes in the browser (issue 15, "Done when"): the link worker records an ONS4
baseline and a follow-up for a demo client, then texts a one-time link, and the client
completes another follow-up on their phone (390 x 844). axe on every page on the way."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.actions import messages as outbox
from inspiring.casework.models import Administration, Client, Task
from inspiring.demo.casework import load_demo_caseload
from lib.senders import ConsoleSender

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

LINK_WORKER = "linkworker.ashfield@example.org"
LINK = re.compile(r"https?://[^/\s]+(/wellbeing/[A-Za-z0-9_-]+/)")


class CatchingSender(ConsoleSender):
    """The development sender, keeping the texts it sends (the link is only in them)."""

    def __init__(self) -> None:
        super().__init__(stream=io.StringIO())
        self.texts: list[tuple[str, str]] = []

    def send_text(self, to: str, body: str) -> None:
        self.texts.append((to, body))


@pytest.fixture
def demo_client(demo_ashfield: Area) -> Client:
    """A demo client assessed but not yet measured, with a mobile number."""
    worker = User.objects.get(email=LINK_WORKER)
    load_demo_caseload(demo_ashfield, worker, seed="inspiring-demo-cases-ashfield")
    client = (
        Client.objects.filter(area=demo_ashfield, referrals__status="assessed", worker=worker)
        .exclude(administrations__isnull=False)
        .order_by("pk")
        .first()
    )
    assert client is not None
    Client.objects.filter(pk=client.pk).update(phone="07700 900321", consent_to_contact=True)
    client.refresh_from_db()
    return client


def _answer(page: Any, answers: dict[int, str]) -> None:
    """Choose an answer for each question, found by its legend ("1. Overall, …")."""
    for number, value in answers.items():
        question = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        question.get_by_label(value, exact=True).check()


def test_baseline_follow_up_and_the_clients_own_follow_up(
    page: Any, browser: Any, live_server: Any, demo_client: Client, monkeypatch: Any
) -> None:
    sender = CatchingSender()
    monkeypatch.setattr(outbox, "get_sender", lambda: sender)
    name = demo_client.display_name
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(demo_client.get_absolute_url())
    assert "No wellbeing or loneliness measures recorded yet." in page.locator("main").inner_text()
    assert axe_violations(page) == []

    # The baseline, entered on the call twelve weeks ago.
    page.get_by_role("link", name=f"Record a measure for {name}").click()
    assert axe_violations(page) == []
    page.get_by_label("ONS personal wellbeing (ONS4)").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Record ONS personal wellbeing (ONS4)").wait_for()
    assert page.get_by_label("Baseline", exact=True).is_checked()
    page.get_by_label("When did they answer?").fill(
        (timezone.localdate() - timedelta(weeks=12)).isoformat()
    )
    page.get_by_label("When should the follow-up be due?").fill(timezone.localdate().isoformat())
    _answer(page, {1: "3", 2: "4", 3: "3", 4: "7"})
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save their answers").click()
    page.get_by_text("ONS personal wellbeing (ONS4): the baseline is saved").wait_for()
    assert Task.objects.filter(
        client=demo_client, title="Follow-up: ONS personal wellbeing (ONS4)", done_at=None
    ).exists()
    assert axe_violations(page) == []

    # The follow-up, today: a question left unanswered is saved as incomplete, saying so.
    page.get_by_role("link", name=f"Record a measure for {name}").click()
    page.get_by_label("ONS personal wellbeing (ONS4)").check()
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_label("Follow-up", exact=True).is_checked()
    page.get_by_role("button", name="Save their answers").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Answer at least one question" in summary.inner_text()
    assert axe_violations(page) == []
    _answer(page, {1: "7", 2: "7", 3: "6", 4: "3"})
    page.get_by_role("button", name="Save their answers").click()
    page.get_by_text("The follow-up task is done").wait_for()
    section = page.locator("main").inner_text()
    assert "+4 (better)" in section  # life satisfaction 3 -> 7
    assert "-4 (better)" in section  # anxiety 7 -> 3
    assert "Reliable change cannot be judged for this measure" in section
    assert re.search(r"Groups: \d+ at baseline, \d+ at follow-up, \d+ now", section)
    assert page.get_by_role("img", name=re.compile("baseline and latest follow-up")).count() == 1
    assert axe_violations(page) == []

    # A link for the client to answer the next follow-up on their own phone.
    page.get_by_role("link", name="Send a link to complete it").click()
    assert axe_violations(page) == []
    page.get_by_label("ONS personal wellbeing (ONS4)").check()
    page.get_by_label("Follow-up", exact=True).check()
    page.get_by_label("By text message to +447700900321").check()
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("The link is sent to +447700900321.").wait_for()
    [(to, text)] = sender.texts
    assert to == "+447700900321"
    found = LINK.search(text)
    assert found is not None and name not in text

    # The client, on their phone: not signed in, nothing about them on the page.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    tab = phone.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(found.group(1))
    body = tab.locator("main").inner_text()
    assert "How you have been feeling" in body and demo_client.area.programme_name in body
    assert demo_client.first_name not in body and demo_client.last_name not in body
    assert axe_violations(tab) == []
    _answer(tab, {1: "8", 2: "8"})
    tab.get_by_role("button", name="Send my answers").click()
    errors_shown = tab.locator(".nhsuk-error-summary").inner_text()
    assert "Choose an answer to question 3" in errors_shown
    assert axe_violations(tab) == []
    tab.get_by_role("link", name="Choose an answer to question 3").click()
    _answer(tab, {3: "7", 4: "2"})
    tab.get_by_role("button", name="Send my answers").click()
    tab.get_by_role("heading", name="Thank you: your answers are sent").wait_for()
    assert axe_violations(tab) == []
    # Once only.
    tab.goto(found.group(1))
    assert "already completed on" in tab.locator("main").inner_text()
    assert axe_violations(tab) == []
    phone.close()
    # The browser logs the used link's 410 Gone (expected); nothing else.
    assert [e for e in errors if "status of 410" not in e] == [], errors

    answered = Administration.objects.get(client=demo_client, how="link")
    assert answered.complete and answered.by is None and answered.timepoint == "follow_up"
    page.reload()
    section = page.locator("main").inner_text()
    assert "completed by the client through a link" in section
    assert "+5 (better)" in section  # life satisfaction 3 -> 8, their latest follow-up
    assert axe_violations(page) == []
