"""The caseload and a case page on a phone (390 px) and a desktop (1280 px), with axe.

The caseload puts the overdue client first, tells two Dylan Allsops apart by their
dates of birth, keeps the "Only clients with overdue tasks" label on one line on a
desktop, finds a client by NHS number typed with spaces, and fits a phone's width. The
case page's groups table fits a phone (it was 503 px wide in a 390 px screen), and the
phone number and email are tap-to-call and tap-to-write links.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.models import Client, GroupMembership, Task
from tests.casework.conftest import make_client

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

LINK_WORKER = "linkworker.ashfield@example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def caseload(demo_ashfield: Area) -> dict[str, Client]:
    liam = User.objects.get(email=LINK_WORKER)
    today = timezone.localdate()
    # Sixteen clients with nothing due, whose names sort first.
    for n in range(16):
        make_client(demo_ashfield, f"Abbie{n:02d}", "Aaronson", worker=liam)
    overdue = make_client(demo_ashfield, "Zara", "Young", worker=liam, nhs_number="9434765919")
    Task.objects.create(client=overdue, title="Ring back", due_on=today - timedelta(days=2))
    soon = make_client(demo_ashfield, "Yusuf", "Young", worker=liam)
    Task.objects.create(client=soon, title="Ring", due_on=today + timedelta(days=1))
    older = make_client(demo_ashfield, "Dylan", "Allsop", worker=liam, born=date(1944, 11, 1))
    make_client(demo_ashfield, "Dylan", "Allsop", worker=liam, born=date(1992, 10, 1))
    Client.objects.filter(pk=older.pk).update(email="dylan.allsop.senior@example.org")
    for name, kind in (
        ("Kirkby Methodist Chapel friends", "faith"),
        ("The allotment society on Station Road", "hobby"),
        ("My daughter and her family", "family"),
    ):
        GroupMembership.objects.create(
            client=older, name=name, kind=kind, importance=4, positivity=3, contact="monthly"
        )
    return {"overdue": overdue, "soon": soon, "older": older}


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide in a {width} px screen"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_caseload_on_a_phone_and_a_desktop(
    page: Any, caseload: dict[str, Client], size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto("/staff/clients/")
    assert axe_violations(page) == []
    _fits(page, size["width"])
    rows = page.locator("tbody tr")
    assert rows.count() == 20
    assert page.locator("caption").inner_text().startswith("20 clients")
    # Overdue first, then due soon, then everyone else.
    assert "Zara Young" in rows.nth(0).inner_text() and "Overdue" in rows.nth(0).inner_text()
    assert "Yusuf Young" in rows.nth(1).inner_text()
    dylans = [row.inner_text() for row in rows.filter(has_text="Dylan Allsop").all()]
    assert len(dylans) == 2
    assert any("Born 1 Nov 1944" in row for row in dylans)
    assert any("Born 1 Oct 1992" in row for row in dylans)
    label = page.locator("label[for=overdue]")
    height, line = label.evaluate(
        "l => [l.getBoundingClientRect().height, parseFloat(getComputedStyle(l).lineHeight)]"
    )
    if size is DESKTOP:
        assert height < 2 * line, "The overdue checkbox's label wraps"
    # Find Zara by her NHS number as it is read out on the phone.
    page.get_by_label("Find a client").fill("943 476 5919")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 1
    assert "Zara Young" in page.locator("tbody tr").inner_text()
    assert axe_violations(page) == []
    _fits(page, size["width"])
    # Too long: a message, and the error summary leads to the box.
    page.get_by_label("Find a client").fill("x" * 120)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().count("Search for 100 characters or fewer") == 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_case_page_groups_fit_and_contacts_are_links(
    page: Any, caseload: dict[str, Client], size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(f"/staff/clients/{caseload['older'].public_id}/")
    assert axe_violations(page) == []
    groups = page.locator("table", has=page.locator("caption", has_text="Their groups"))
    width = groups.evaluate("t => Math.max(t.scrollWidth, t.getBoundingClientRect().right)")
    assert width <= size["width"], f"The groups table reaches {width} px"
    _fits(page, size["width"])
    assert page.get_by_role("link", name="01632 960001").get_attribute("href") == (
        "tel:+441632960001"
    )
    email = page.get_by_role("link", name="dylan.allsop.senior@example.org")
    assert email.get_attribute("href") == "mailto:dylan.allsop.senior@example.org"
    # Each group's details are still labelled on a phone, and each can be marked as left.
    assert page.get_by_role("button", name="They left Kirkby Methodist Chapel friends").is_visible()
