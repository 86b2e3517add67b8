"""A resident refers themselves on a phone, as the public does: errors first, the
address that "Letter" reveals, the date of birth in three boxes, the reference on
the confirmation page; then the referral waiting in triage, with its age. And the
coordinator's side of the same issue: inviting a partner lead names their
organisation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.casework.models import Referral
from tests.directory.builders import organisation

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_a_self_referral_on_a_phone(page: Any, demo_ashfield: Area) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/ashfield/refer-yourself/")
    assert axe_violations(page) == []
    # What they would like help with is the first question.
    first = page.locator("form legend").first
    assert first.inner_text() == "What would you like help with?"
    # The address is asked only for a letter: hidden until "Letter" is chosen.
    address = page.get_by_label("Address line 1")
    assert not address.is_visible()
    page.get_by_label("Letter").check()
    assert address.is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Phone call").check()
    assert not address.is_visible()

    # Bad input: each error in the summary, linked to its field, nothing lost.
    page.get_by_label("Your first name").fill("Sam")
    page.get_by_label("Your phone number").fill("12")
    page.get_by_label("Day").fill("15")
    page.get_by_label("Year").fill("1984")
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "Select at least one thing you would like help with" in text
    assert "Enter a UK phone number, like 07700 900 982 or 01632 960 001" in text
    assert "Date of birth must include a month" in text
    assert page.get_by_label("Your first name").input_value() == "Sam"
    assert page.get_by_label("Day").input_value() == "15"
    assert axe_violations(page) == []
    # The date error leads to the box to fill in.
    summary.get_by_role("link", name="Date of birth must include a month").click()
    assert page.evaluate("document.activeElement.name") == "date_of_birth_month"

    # A letter, with the address; the date of birth completed.
    page.get_by_label("Loneliness or isolation").check()
    page.get_by_label("Your last name").fill("Hill")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Your postcode").fill("NG17 7AE")
    page.get_by_label("Your phone number").fill("07700900982")
    page.get_by_label("Letter").check()
    page.get_by_role("button", name="Send").click()
    summary.wait_for()
    assert "Enter the first line of your address" in summary.inner_text()
    # Shown again with its error, since "Letter" is still chosen.
    assert page.get_by_label("Address line 1").is_visible()
    page.get_by_label("Address line 1").fill("12 High Street")
    page.get_by_label("Town or city").fill("Sutton-in-Ashfield")
    page.get_by_label("I agree to the programme keeping these details").check()
    page.get_by_label("I agree to the programme contacting me").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you: we have your details").wait_for()
    assert axe_violations(page) == []

    referral = Referral.objects.select_related("client").get()
    assert referral.client.phone == "07700 900982"
    assert referral.client.town == "Sutton-in-Ashfield"
    reference = re.sub(r"(.{4})(.{4})", r"\1 \2", referral.public_id.hex[:8].upper())
    body = page.locator("main").inner_text()
    assert reference in body and "What happens next" in body and "by letter" in body
    # On to What's on and Back: the confirmation still shows the reference.
    page.get_by_role("link", name="See what's on in Ashfield").click()
    page.wait_for_url("**/whats-on/**")
    page.go_back()
    page.wait_for_url("**/refer-yourself/sent/**")
    assert reference in page.locator("main").inner_text()


def test_the_form_without_javascript_shows_the_address(
    browser: Any, live_server: Any, transactional_db: None, demo_ashfield: Area
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    try:
        tab = context.new_page()
        tab.goto("/ashfield/refer-yourself/")
        assert tab.get_by_label("Address line 1").is_visible()
    finally:
        context.close()


def test_triage_shows_the_age_and_the_overdue_on_a_phone(page: Any, demo_ashfield: Area) -> None:
    page.goto("/ashfield/refer-yourself/")
    page.get_by_label("Loneliness or isolation").check()
    page.get_by_label("Your first name").fill("Olive")
    page.get_by_label("Your last name").fill("Oldham")
    page.get_by_label("Your postcode").fill("NG17 7AE")
    page.get_by_label("Your phone number").fill("01632 960 001")
    page.get_by_label("Phone call").check()
    page.get_by_label("I agree to the programme keeping these details").check()
    page.get_by_label("I agree to the programme contacting me").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you: we have your details").wait_for()
    # Nine weeks on, nobody has taken it.
    Referral.objects.update(received_on=timezone.localdate() - timedelta(weeks=9))

    page.set_viewport_size(PHONE)
    sign_in(page, "linkworker.ashfield@example.org")
    page.wait_for_url("**/staff/")
    card = page.locator(".nhsuk-card", has_text="New referrals")
    assert "1 new referral waiting, 1 overdue" in card.inner_text()
    assert axe_violations(page) == []
    card.get_by_role("link", name="New referrals").click()
    row = page.locator("tr", has_text="Olive Oldham")
    assert "received 9 weeks ago" in row.inner_text()
    assert "Overdue" in row.inner_text()
    assert axe_violations(page) == []


def test_inviting_a_partner_lead_names_their_organisation(page: Any, demo_ashfield: Area) -> None:
    organisation(demo_ashfield, "Skegby Knit and Natter")
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.goto("/staff/team/invite/")
    question = page.get_by_label("Which organisation will they lead?")
    assert not question.is_visible()
    page.get_by_label("Full name").fill("Pat Lee")
    page.get_by_label("Email address").fill("pat@knitters.test")
    page.get_by_label("Partner lead").check()
    assert question.is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Choose the organisation they will lead, or add a new one" in summary.inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Which organisation will they lead?").select_option(
        label="Skegby Knit and Natter"
    )
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to pat@knitters.test").wait_for()
