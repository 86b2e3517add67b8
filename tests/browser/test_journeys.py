"""Main journeys in a real browser, with accessibility checks (axe-core, WCAG 2.2 AA)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django_otp.oath import totp

from inspiring.demo.data import DEMO_PASSWORD
from inspiring.demo.loading import load_demo
from tests.geography import ensure_geography

from .conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(settings: Any) -> None:
    """The demo areas and sign-ins (without the large demo directory, for speed)."""
    settings.DEMO_MODE = True
    settings.TWO_FACTOR_REQUIRED = False
    load_demo(directory=False)


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_demo_coordinator_signs_in_and_reaches_the_staff_home(page: Any, demo: None) -> None:
    page.goto("/")
    page.get_by_role("link", name="Staff sign in").first.click()
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Hello, Chloe")
    assert page.locator(".nhsuk-header__service-name").inner_text() == "Inspiring Ashfield"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Your team").click()
    page.wait_for_url("**/staff/team/")
    assert page.get_by_role("cell", name="Liam Walsh", exact=True).is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Back to staff home").click()
    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url("**/staff/audit/")
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/accounts/sign-in/", "/ashfield/"])
def test_public_pages_have_no_serious_accessibility_problems(
    page: Any, demo: None, path: str
) -> None:
    page.goto(path)
    assert axe_violations(page) == []


def test_the_sign_in_page_with_errors_is_accessible_and_focuses_the_summary(
    page: Any, demo: None
) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Enter your email address" in summary.inner_text()
    # NHS.UK frontend moves focus to the error summary so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('nhsuk-error-summary')")
    assert axe_violations(page) == []


def test_a_resident_finds_their_programme_by_postcode(page: Any, demo: None) -> None:
    ensure_geography()
    page.goto("/")
    page.get_by_label("Your postcode").fill("ng17 1aa")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**/ashfield/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inspiring Ashfield"

    page.goto("/")
    page.get_by_label("Your postcode").fill("NG18")
    page.get_by_role("button", name="Find").click()
    assert (
        "Enter a full postcode, like NG18 1AA" in page.locator(".nhsuk-error-summary").inner_text()
    )
    assert axe_violations(page) == []


def test_a_coordinator_sets_up_two_factor_on_first_sign_in(page: Any, settings: Any) -> None:
    settings.DEMO_MODE = True
    load_demo(directory=False)
    settings.DEMO_MODE = False
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    sign_in(page, "coordinator.mansfield@example.org")
    page.wait_for_url("**/accounts/two-factor/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor authentication"
    assert page.locator(".app-qr svg").is_visible()
    assert axe_violations(page) == []
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Two-factor authentication is set up").wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name="I have saved my codes").click()
    page.wait_for_url("**/staff/")
    assert "coordinator" in page.locator(".nhsuk-lede-text").inner_text()


def test_the_accessibility_check_does_find_problems(page: Any) -> None:
    # Guards the harness: an unlabelled input must be reported.
    page.set_content("<html lang='en'><title>t</title><main><input type='text'></main></html>")
    assert "label" in {v["id"] for v in axe_violations(page)}
