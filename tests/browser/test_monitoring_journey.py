"""Issue 17's "Done when", in a real browser: with the demo data, a coordinator, a
partner lead, a researcher and a commissioner each see their view. axe (WCAG 2.2 AA) on
every page on the way; every monitoring page also at a phone's 390 px, where it must
not be wider than the screen.

- The Ashfield coordinator opens Monitoring from the staff home, changes the period
  (Back and Forward show the right one), sees small numbers shown with the warning,
  downloads the CSV (the figures of referrals by source as on the page), adds a grant
  with a bad amount (the error summary, nothing typed lost), fixes it and sees its cost
  per person, and records the area's population figures.
- The partner lead opens "Your organisation's impact", sees "<5" where a count is
  small (the demo's year has none: one connection more to their least-connected
  activity makes one), and downloads the PDF.
- The commissioner sees the areas side by side with the trend chart and its table, the
  quarterly return, and asks for the dashboard of all areas together.
- The researcher lands on the research home from the staff home and follows its links
  to the evaluation and to a dashboard.

Screenshots go to /tmp/monitoring-shots/ (not the repository), for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count, Q
from django.utils import timezone
from pypdf import PdfReader

from inspiring.casework import facts
from inspiring.casework.models import Client, Connection
from inspiring.demo.loading import load_demo
from inspiring.directory.models import Activity, Category, Organisation, SupportFeature
from inspiring.directory.taxonomy_data import seed_taxonomy
from inspiring.monitoring import periods
from inspiring.monitoring.models import Grant, PopulationFigure
from lib.tallies import Period
from tests.geography import ensure_geography

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator.ashfield@example.org"
PARTNER_LEAD = "partner.ashfield@example.org"
RESEARCHER = "researcher@example.org"
COMMISSIONER = "commissioner@example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# /tmp/monitoring-shots: for a person to look at, not kept in the repository.
SHOTS = Path(tempfile.gettempdir()) / "monitoring-shots"
SMALL = {"1", "2", "3", "4"}

# What is wider than a phone's screen: the elements that reach past its right edge
# (not those inside a box that scrolls on its own, as a wide table's does).
OVERFLOWING = """
width => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => !el.closest('.app-monitoring-scroll, .nhsuk-u-visually-hidden'))
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
       + (el.className && typeof el.className === 'string'
          ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
       + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)')
"""


@pytest.fixture
def demo(settings: Any) -> None:
    """The whole demo (directory, caseload, two years of past cases, surveys). The
    geography and the taxonomy first: an earlier browser test's flush empties them."""
    settings.DEMO_MODE = True
    settings.TWO_FACTOR_REQUIRED = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    ensure_geography()
    seed_taxonomy(Category, SupportFeature)
    load_demo()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def accessible(page: Any) -> None:
    assert axe_violations(page) == [], page.url


def fits_a_phone(page: Any, name: str = "") -> None:
    """axe at the desktop size, then at 390 px: axe again, and nothing wider than the
    screen (the page's own width, and which elements reach past it if not)."""
    accessible(page)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (
            f"{page.url} is {width} px wide on a {PHONE['width']} px phone: "
            f"{page.evaluate(OVERFLOWING, PHONE['width'])}"
        )
        accessible(page)
        if name:
            shot(page, f"{name}-phone")
    finally:
        page.set_viewport_size(size)


def table_figures(page: Any, key: str) -> dict[tuple[str, str], str]:
    """(row, column) -> figure of the monitoring table `key`, as the page shows it."""
    table = page.locator(f"#{key} table")
    columns = table.locator("thead th").all_inner_texts()[1:]
    figures: dict[tuple[str, str], str] = {}
    for row in table.locator("tbody tr").all():
        label = row.locator("th, td").first.inner_text().strip()
        cells = row.locator("td.nhsuk-table__cell--numeric").all_inner_texts()
        for column, text in zip(columns, cells, strict=True):
            if text.strip():
                figures[(label, column.strip())] = text.strip()
    return figures


def numeric_cells(page: Any) -> list[str]:
    """The figures in the page's tables, but for the calendar's sessions (not people:
    never hidden)."""
    cells = page.locator(
        ".app-monitoring-table:not([id^='sessions-']) td.nhsuk-table__cell--numeric"
    )
    return [text.strip() for text in cells.all_inner_texts()]


def at(path: str) -> re.Pattern[str]:
    """An address ending in `path` (its query string included)."""
    return re.compile(re.escape(path) + "$")


def staff_sign_in(page: Any, email: str) -> None:
    """Sign in and reach the staff home, choosing Ashfield where there are several areas."""
    sign_in(page, email)
    page.wait_for_url(re.compile(r"/staff/(area/.*)?$"))
    if "/staff/area/" in page.url:
        accessible(page)
        page.get_by_label("Inspiring Ashfield", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(at("/staff/"))
    accessible(page)


def download(page: Any, name: str | re.Pattern[str], tmp_path: Path) -> bytes:
    with page.expect_download() as caught:
        page.get_by_role("link", name=name).click()
    target = tmp_path / caught.value.suggested_filename
    caught.value.save_as(target)
    return target.read_bytes()


def local_today() -> date:
    return timezone.localdate()


def connect_one_more(organisation_id: str, period: Period) -> None:
    """A connection made in `period` to the organisation's activity with the fewest, for
    someone in its area not connected to it yet."""
    organisation = Organisation.objects.get(public_id=organisation_id)
    activity = (
        Activity.objects.filter(organisation=organisation)
        .annotate(
            made=Count(
                "connections",
                filter=Q(
                    connections__created_at__date__gte=period.start,
                    connections__created_at__date__lte=period.end,
                ),
            )
        )
        .order_by("made", "pk")
        .first()
    )
    assert activity is not None
    template = Connection.objects.filter(client__area=organisation.home_area).first()
    client = (
        Client.objects.filter(area=organisation.home_area)
        .exclude(connections__activity=activity)
        .first()
    )
    assert template is not None and client is not None
    made = timezone.make_aware(datetime.combine(period.start + timedelta(days=30), time(11)))
    template.pk, template.public_id = None, uuid.uuid4()
    template.client, template.activity = client, activity
    # A copy books nothing (the demo's booked first visit may be the one copied).
    template.booking = None
    template.save()
    Connection.objects.filter(pk=template.pk).update(created_at=made)
    facts.refresh([client.pk])  # an UPDATE sends no signal


def shown_period(page: Any) -> tuple[str, str]:
    """The period the page says it shows (its lede) and the one its list has chosen."""
    lede = page.locator(".nhsuk-lede-text").inner_text()
    chosen = page.locator("#period").evaluate("select => select.value")
    return lede, chosen


def test_the_coordinator_monitors_records_a_grant_and_the_population(
    page: Any, demo: None, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, COORDINATOR)
    page.get_by_role("link", name="Monitoring", exact=True).click()
    page.wait_for_url(at("/staff/monitoring/"))
    fits_a_phone(page, "dashboard-coordinator")
    shot(page, "dashboard-coordinator-desktop")

    # Another period: the page and its list say so, and Back and Forward agree.
    today = timezone.localdate()
    now = periods.parse({}, today)
    before = next(c for c in periods.choices(today) if c.code != now.code)
    assert periods.describe(now.period) in shown_period(page)[0]
    page.get_by_label("Period", exact=True).select_option(before.code)
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url(at(f"/staff/monitoring/?period={before.code}"))
    lede, chosen = shown_period(page)
    assert periods.describe(before.period) in lede and chosen == before.code
    fits_a_phone(page)
    # Back and Forward: the figures of the period of each address (the list is
    # test_back_and_forward_keep_the_period_list_right's).
    page.go_back()
    page.wait_for_url(at("/staff/monitoring/"))
    assert periods.describe(now.period) in shown_period(page)[0]
    page.go_forward()
    page.wait_for_url(at(f"/staff/monitoring/?period={before.code}"))
    assert periods.describe(before.period) in shown_period(page)[0]

    # Small numbers shown, with the warning.
    warning = page.locator(".nhsuk-warning-callout", has_text="Small numbers are shown")
    assert warning.is_visible()
    assert SMALL & set(numeric_cells(page)), "no count under 5 on the coordinator's dashboard"
    assert "<5" not in numeric_cells(page)

    # The CSV: referrals by source as on the page.
    body = download(page, "All these figures as CSV", tmp_path)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Table", "Row", "Column", "Figure"]
    on_page = table_figures(page, "referrals-by-source")
    in_file = {(r[2], r[3]): r[4] for r in rows[1:] if r[1] == "Referrals by source"}
    assert on_page and in_file == on_page

    # Funding: a grant with a bad amount, then fixed.
    page.get_by_role("link", name="Back to your home page").click()
    page.get_by_role("link", name="Funding", exact=True).click()
    page.wait_for_url("**/staff/monitoring/funding/")
    fits_a_phone(page)
    page.get_by_role("link", name="Add a grant").click()
    page.get_by_label("Funder").fill("National Lottery Community Fund")
    page.get_by_label("Name or reference (optional)").fill("Awards for All 2025")
    page.get_by_label("Amount (£)").fill("twelve thousand")
    start = today.replace(year=today.year - 1, day=1)
    end = today.replace(year=today.year + 1, day=1)
    for name, day in (("Start date", start), ("End date", end)):
        group = page.get_by_role("group", name=name)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_label("The whole programme in the area").check()
    page.get_by_label("Notes (optional)").fill("Report to the funder each April.")
    page.get_by_role("button", name="Save the grant").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Enter the amount in pounds, like 12500 or 12500.50" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('nhsuk-error-summary')")
    fits_a_phone(page, "grant-error")
    # Nothing typed is lost.
    assert page.get_by_label("Funder").input_value() == "National Lottery Community Fund"
    assert page.get_by_label("Name or reference (optional)").input_value() == "Awards for All 2025"
    assert page.get_by_label("Amount (£)").input_value() == "twelve thousand"
    end_date = page.get_by_role("group", name="End date")
    assert end_date.get_by_label("Year").input_value() == str(end.year)
    assert page.get_by_label("The whole programme in the area").is_checked()
    assert page.get_by_label("Notes (optional)").input_value() == "Report to the funder each April."
    page.get_by_label("Amount (£)").fill("£12,000")
    page.get_by_role("button", name="Save the grant").click()
    page.get_by_text("The grant from National Lottery Community Fund is saved.").wait_for()
    grant = Grant.objects.get(funder="National Lottery Community Fund")
    assert str(grant.amount) == "12000.00"
    figures = table_figures(page, f"grant-{grant.public_id}")
    people = int(figures[("People supported", "Number")].replace(",", ""))
    cost = figures[("People supported", "Cost of each (£)")]
    assert people >= 5 and re.fullmatch(r"[\d,]+\.\d\d", cost), figures
    assert abs(float(cost.replace(",", "")) - 12000 / people) < 0.01
    fits_a_phone(page, "grant")

    # The area's population figures.
    page.get_by_role("link", name="Back to funding").click()
    page.get_by_role("link", name="Population figures").click()
    page.wait_for_url("**/staff/monitoring/population/")
    fits_a_phone(page)
    page.get_by_label("Where the figures come from").fill("Census 2021, tables TS008 and TS021")
    sex = page.get_by_role("group", name=re.compile("^Sex"))
    boxes = sex.get_by_role("textbox")
    assert boxes.count() >= 2
    for n in range(boxes.count()):
        boxes.nth(n).fill(f"{60_000 + n:,}")
    page.get_by_role("button", name="Save the population figures").click()
    page.get_by_text("The population figures are saved.").wait_for()
    accessible(page)
    saved = PopulationFigure.objects.filter(area__slug="ashfield", dimension="sex")
    assert saved.count() == boxes.count()
    assert {figure.count for figure in saved} == {60_000 + n for n in range(boxes.count())}


def test_back_and_forward_keep_the_period_list_right(page: Any, demo_ashfield: Any) -> None:
    """After changing the period, Back and Forward show each address's period in the
    figures and in the list alike."""
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, COORDINATOR)
    page.goto("/staff/monitoring/")
    today = timezone.localdate()
    now = periods.parse({}, today)
    before = next(c for c in periods.choices(today) if c.code != now.code)
    page.get_by_label("Period", exact=True).select_option(before.code)
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url(at(f"/staff/monitoring/?period={before.code}"))
    assert shown_period(page)[1] == before.code
    page.go_back()
    page.wait_for_url(at("/staff/monitoring/"))
    lede, chosen = shown_period(page)
    assert periods.describe(now.period) in lede
    assert chosen == now.code, f"Back: the page shows {lede!r} with {chosen!r} chosen"
    page.go_forward()
    page.wait_for_url(at(f"/staff/monitoring/?period={before.code}"))
    lede, chosen = shown_period(page)
    assert periods.describe(before.period) in lede
    assert chosen == before.code, f"Forward: the page shows {lede!r} with {chosen!r} chosen"


def test_the_partner_lead_sees_their_organisations_impact(
    page: Any, demo: None, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, PARTNER_LEAD)
    page.get_by_role("link", name="Your organisation's impact").click()
    page.wait_for_url(re.compile(r"/staff/monitoring/partners/[0-9a-f-]{36}/"))
    fits_a_phone(page, "partner-report")
    shot(page, "partner-report-desktop")
    assert "Counts under 5 are always hidden in this report" in page.locator("main").inner_text()
    shown = numeric_cells(page)
    assert shown and not SMALL & set(shown), shown
    if "<5" not in shown:
        # The demo's year has no count under 5 (see the report): one connection to the
        # organisation's least-connected activity in the year makes one.
        year = periods.parse(
            {"period": page.locator("#period").input_value()}, local_today()
        ).period
        connect_one_more(page.url.rstrip("/").split("/")[-1], year)
        page.reload()
        shown = numeric_cells(page)
        assert not SMALL & set(shown), shown
    assert "<5" in shown, shown
    accessible(page)
    body = download(page, "This report for a funding bid (PDF)", tmp_path)
    assert body.startswith(b"%PDF")
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages)
    heading = page.get_by_role("heading", level=1).inner_text()
    organisation = heading.split("\n")[-1].removesuffix(": impact")
    assert organisation in text
    # A count hidden in the table, not only the sentence saying what "<5" means.
    assert "<5" in text.replace('"<5"', "")


def test_the_commissioner_compares_the_areas_and_sees_the_return(page: Any, demo: None) -> None:
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, COMMISSIONER)
    page.get_by_role("link", name="Compare areas and quarterly return").click()
    page.wait_for_url("**/staff/monitoring/compare/")
    chart = page.locator("svg.app-monitoring-lines").first
    assert chart.is_visible()
    title = chart.get_attribute("aria-labelledby")
    assert "Ashfield" in page.locator(f"#{title}").text_content()
    trend = page.locator(".app-monitoring-table[id^='trend-']").first
    assert trend.locator("table tbody tr").count() >= 8  # two years of quarters
    fits_a_phone(page, "compare")
    shot(page, "compare-desktop")

    page.get_by_role("link", name="the quarterly return").click()
    page.wait_for_url(re.compile(r"/staff/monitoring/quarterly-return/"))
    assert page.get_by_role("heading", level=1, name="Quarterly return").is_visible()
    assert "SNOMED CT" in page.locator("main").inner_text()
    fits_a_phone(page, "quarterly-return")

    # The dashboard: each area of theirs, and all together (for the areas' coordinators
    # only: said in words, with one area's figures).
    page.goto("/staff/")
    page.get_by_role("link", name="Monitoring", exact=True).click()
    page.wait_for_url(at("/staff/monitoring/"))
    fits_a_phone(page)
    choices = page.get_by_role("group", name=re.compile("^Areas?$")).locator("input[name=area]")
    slugs = sorted(choices.evaluate_all("boxes => boxes.map(box => box.value)"))
    assert slugs == ["ashfield", "mansfield", "newark-and-sherwood"]
    page.get_by_label("Mansfield", exact=True).check()
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url(re.compile(r"area=mansfield"))
    assert "Mansfield" in page.get_by_role("heading", level=1).inner_text()
    fits_a_phone(page)
    # All together: the page answers 400, which Chromium reports as a console error (the
    # page fixture fails on those), so it is shown as the server sent it, with 200.
    together = "/staff/monitoring/?" + "&".join(f"area={slug}" for slug in slugs)
    answer = page.request.get(together)
    assert answer.status == 400
    page.route(
        f"**{together}",
        lambda route: route.fulfill(status=200, headers=dict(answer.headers), body=answer.body()),
    )
    page.goto(together)
    summary = page.locator(".nhsuk-error-summary")
    assert "several areas" in summary.inner_text()
    assert "Newark" not in page.get_by_role("heading", level=1).inner_text()
    fits_a_phone(page, "dashboard-all-areas-commissioner")


def test_the_researcher_starts_from_the_research_home(page: Any, demo: None) -> None:
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, RESEARCHER)
    page.get_by_role("link", name="Research", exact=True).click()
    page.wait_for_url("**/staff/research/")
    assert page.get_by_role("heading", level=1, name="Your areas").is_visible()
    fits_a_phone(page, "research-home")

    page.get_by_role("link", name="Your analyses, and a new one").click()
    page.wait_for_url("**/staff/evaluation/")
    accessible(page)
    page.go_back()
    page.wait_for_url("**/staff/research/")
    page.get_by_role("link", name="Ashfield's dashboard").click()
    page.wait_for_url(at("/staff/monitoring/?area=ashfield"))
    assert "Counts under 5 are hidden" in page.locator("main").inner_text()
    assert not SMALL & set(numeric_cells(page))
    fits_a_phone(page)
