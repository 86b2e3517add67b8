"""The NHS channels over MESH in a real browser, against NHS England's mesh-sandbox on
loopback (issue 22): the link worker sends Mary's message back to her practice and sees
it collected, Back and Forward resending nothing; the coordinator follows the staff
home's warning to a referral from a GP system that could not be read and records it
as dealt with, while the good one waits in triage. On a phone and on a desktop, each
page checked with axe and photographed to /tmp/mesh-shots/ for a look at its layout."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as DjangoClient
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.accounts.models import User
from inspiring.areas.models import Area, GPPractice
from inspiring.casework.actions.mesh import receive_referrals, track_sent
from inspiring.casework.fhir_samples import sample_referral_bundle
from inspiring.casework.models import Client, InboundMessage, Referral, SentMessage
from inspiring.directory.materialise import materialise_all
from lib import mesh
from tests.casework.conftest import make_client
from tests.casework.test_message_back import close_marys_case
from tests.directory.builders import activity, organisation, venue, weekly
from tests.mesh_sandbox import (  # noqa: F401 (fixtures)
    AREA,
    PRACTICE,
    PRACTICE_ODS,
    REFERRAL,
    REFERRER,
    SITE,
    MeshSandbox,
    empty_mesh_sandbox,
    mesh_sandbox,
)

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

LINK_WORKER = "linkworker.ashfield@example.org"
COORDINATOR = "coordinator.ashfield@example.org"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1100, "height": 900}}
SHOTS = Path("/tmp/mesh-shots")  # noqa: S108 (screenshots to look at by hand)


@pytest.fixture
def sandbox(
    empty_mesh_sandbox: MeshSandbox,  # noqa: F811
    demo_ashfield: Area,
    settings: Any,
) -> MeshSandbox:
    """MESH on, set before any request so the live server's thread reads it too."""
    for name, value in empty_mesh_sandbox.settings(SITE, areas={"ashfield": AREA}).items():
        setattr(settings, name, value)
    return empty_mesh_sandbox


def _checked(page: Any, name: str) -> None:
    """No serious or critical WCAG 2.2 AA violation; the page photographed whole, and
    nothing wider than the screen (a phone would scroll sideways)."""
    page.wait_for_load_state()
    assert axe_violations(page) == [], (name, page.url)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"


def _marys_case_closed(area: Area) -> tuple[Client, Referral]:
    """Mary, on Liam's caseload, connected to a walk and her case closed (over HTTP, as
    test_message_back does), agreeing that her practice (on MESH) is told."""
    liam = User.objects.get(email=LINK_WORKER)
    group = organisation(area, "Kirkby Walking Group", email="walks@example.org")
    hall = venue(group, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    walk = activity(group, "Health walk", at=hall)
    weekly(walk, "TU", time(10), time(11), from_date=timezone.localdate())
    materialise_all()
    mary = make_client(area, worker=liam, nhs_number="9434765919")
    casework = SimpleNamespace(mary=mary, walk=walk)
    personas = SimpleNamespace(link_worker=liam, ashfield=area)
    referral = close_marys_case(DjangoClient(), personas, casework)  # type: ignore[arg-type]
    # Its sign-in gave Liam an authenticator app, which the browser's sign-in would ask for.
    TOTPDevice.objects.filter(user=liam).delete()
    practice = GPPractice.objects.create(code=PRACTICE_ODS, name="Test Practice One")
    Client.objects.filter(pk=mary.pk).update(
        consent_to_inform_gp=True, registered_practice=practice, gp_practice=practice.name
    )
    return mary, referral


def _refer(sandbox: MeshSandbox, payload: bytes, local_id: str) -> str:
    """A GP practice sends a referral to Ashfield's mailbox through MESH."""
    return mesh.send(
        sandbox.mailbox(REFERRER),
        AREA,
        REFERRAL,
        payload,
        subject="Social prescribing referral",
        local_id=local_id,
        filename="referral.json",
        content_type="application/fhir+json",
    )


def _sent_through_mesh() -> int:
    return SentMessage.objects.filter(kind=SentMessage.Kind.MESSAGE_BACK_MESH).count()


@pytest.mark.parametrize("size", SIZES)
def test_the_link_worker_sends_the_message_back_through_mesh(
    page: Any, sandbox: MeshSandbox, demo_ashfield: Area, size: str
) -> None:
    mary, _ = _marys_case_closed(demo_ashfield)
    page.set_viewport_size(SIZES[size])
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(f"/staff/clients/{mary.public_id}/message-back/")
    page.get_by_role("heading", name="Send it to the GP practice through MESH").wait_for()
    assert "Test Practice One (Y90001)" in page.locator("main").inner_text()
    _checked(page, f"message-back-{size}")

    page.get_by_role("button", name="Send to the practice through MESH").click()
    page.get_by_text("went to Test Practice One through MESH").wait_for()
    sent = page.locator("li", has_text="through MESH")
    assert sent.locator(".nhsuk-tag").inner_text() == "Sent"
    assert "Waiting for the practice's system to collect it" in sent.inner_text()
    assert _sent_through_mesh() == 1
    _checked(page, f"message-back-sent-{size}")

    # Back to the page before the POST and Forward again: nothing is sent twice.
    page.go_back()
    page.wait_for_load_state()
    page.go_forward()
    page.wait_for_load_state()
    assert _sent_through_mesh() == 1

    # The practice's system collects it; once tracked, the page says so.
    message = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    mesh.acknowledge(sandbox.mailbox(PRACTICE), message.provider_id)
    assert track_sent()["acknowledged"] == 1
    page.reload()
    collected = page.locator("li", has_text="through MESH")
    assert collected.locator(".nhsuk-tag").inner_text() == "Collected by the practice"
    assert "MESH acknowledged it" in collected.inner_text()
    _checked(page, f"message-back-collected-{size}")
    assert _sent_through_mesh() == 1


@pytest.mark.parametrize("size", SIZES)
def test_the_coordinator_deals_with_a_referral_that_could_not_be_read(
    page: Any, sandbox: MeshSandbox, demo_ashfield: Area, size: str
) -> None:
    bad = _refer(
        sandbox,
        sample_referral_bundle(nhs_number="1234567890", consent=None),
        "GP-REF-0001-WITH-A-LONG-LOCAL-REFERENCE-FROM-THE-PRACTICE-SYSTEM",
    )
    _refer(sandbox, sample_referral_bundle(), "GP-REF-0002")
    counts = receive_referrals()
    assert (counts["imported"], counts["rejected"]) == (1, 1)

    page.set_viewport_size(SIZES[size])
    sign_in(page, COORDINATOR)
    page.wait_for_url("**/staff/")
    warning = "1 referral from GP systems could not be read"
    assert warning in page.locator("main").inner_text()
    _checked(page, f"staff-home-{size}")
    page.get_by_role("link", name="Referrals from GP systems").first.click()
    page.get_by_role("heading", name="Referrals from GP systems", level=1).wait_for()
    main = page.locator("main").inner_text()
    assert "Could not be read" in main and REFERRER in main and "Referral " in main
    _checked(page, f"mesh-list-{size}")

    page.get_by_role("link", name=f"from mailbox {REFERRER}").click()
    page.get_by_role("heading", name="Referral from a GP system", level=1).wait_for()
    main = page.locator("main").inner_text()
    assert bad in main and "1234567890" in main
    _checked(page, f"mesh-message-{size}")

    # Nothing said: the error summary, focused, and the title says so.
    page.get_by_role("button", name="Record it as dealt with").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert page.title().startswith("Error:")
    assert "Enter what was done with it" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('nhsuk-error-summary')")
    _checked(page, f"mesh-message-error-{size}")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"

    page.locator("textarea").fill("Called the practice: they will send it again.")
    page.get_by_role("button", name="Record it as dealt with").click()
    page.get_by_text("Recorded as dealt with.").wait_for()
    assert "Nothing is waiting." in page.locator("main").inner_text()
    assert "Dealt with by hand" in page.locator("main").inner_text()
    _checked(page, f"mesh-list-dealt-with-{size}")
    assert InboundMessage.objects.get(message_id=bad).status == "dealt_with"

    assert InboundMessage.objects.get(message_id=bad).note.startswith("Called the practice")

    # The good one is a new referral in triage, and the warning is gone.
    page.goto("/staff/")
    assert warning not in page.locator("main").inner_text()
    page.goto("/staff/clients/triage/")
    assert "Joan Sample" in page.locator("main").inner_text()
    _checked(page, f"triage-{size}")


def test_a_message_back_mesh_could_not_deliver_says_why_on_a_phone(
    page: Any, sandbox: MeshSandbox, demo_ashfield: Area
) -> None:
    mary, _ = _marys_case_closed(demo_ashfield)
    page.set_viewport_size(SIZES["phone"])
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(f"/staff/clients/{mary.public_id}/message-back/")
    page.get_by_role("button", name="Send to the practice through MESH").click()
    page.get_by_text("went to Test Practice One through MESH").wait_for()
    message = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    sandbox.add_event(message.provider_id, "undeliverable", code="14", description="Not collected")
    assert track_sent()["undeliverable"] == 1
    page.reload()
    state = page.locator("li", has_text="through MESH")
    assert state.locator(".nhsuk-tag").inner_text() == "Not delivered"
    assert state.inner_text().count("MESH could not deliver it") == 1
    _checked(page, "message-back-not-delivered-phone")
