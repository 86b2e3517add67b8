"""Issue 18's scale-up report in a real browser: the demo commissioner opens it, at a
phone's 390 px and on a desktop (axe, WCAG 2.2 AA, at both; nothing wider than the
phone's screen), changes the period, downloads the CSV the page links, and Back and
Forward keep the period of each address.

Screenshots go to /tmp/monitoring-shots/ (not the repository), for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.monitoring import periods
from inspiring.playbook.models import Stage, Task

from .test_monitoring_journey import (
    COMMISSIONER,
    DESKTOP,
    SMALL,
    accessible,
    fits_a_phone,
    shot,
    shown_period,
    staff_sign_in,
)

pytestmark = pytest.mark.browser

REPORT = "/staff/playbook/report/"


def add_a_playbook(area: Area) -> None:
    """Scoping begun (one task of two done), informing not yet, in place of whatever the
    demo gave the area; Newark and Sherwood has none (yet)."""
    today = timezone.localdate()
    Stage.objects.filter(area__slug__in=[area.slug, "newark-and-sherwood"]).delete()
    scoping = Stage.objects.create(area=area, code="scoping", title="Scoping", order=0)
    Task.objects.create(stage=scoping, title="Map the groups", order=0, done_on=today)
    Task.objects.create(stage=scoping, title="Run the community survey", order=1)
    informing = Stage.objects.create(area=area, code="informing", title="Informing", order=1)
    Task.objects.create(stage=informing, title="Train the link workers", order=0)


def test_the_commissioner_reads_the_scale_up_report(
    page: Any, demo_ashfield: Area, tmp_path: Path
) -> None:
    add_a_playbook(demo_ashfield)
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, COMMISSIONER)
    page.goto(REPORT)
    assert page.get_by_role("heading", level=1).inner_text().endswith("Scale-up report")
    progress = page.locator("#progress table")
    assert "1 of 2 tasks done" in progress.inner_text()
    assert "No playbook stages yet" in progress.inner_text()
    assert "Counts under 5 are hidden" in page.locator("main").inner_text()
    figures = page.locator("#first-figures td.nhsuk-table__cell--numeric").all_inner_texts()
    assert figures and not SMALL & {text.strip() for text in figures}
    fits_a_phone(page, "scale-up-report")
    shot(page, "scale-up-report-desktop")

    # The last quarter that has ended by default; another from the list.
    today = timezone.localdate()
    first = periods.Policy.hidden().choose({}, today)
    assert periods.describe(first.period) in shown_period(page)[0]
    offered = page.locator("#period option").evaluate_all("options => options.map(o => o.value)")
    other = next(code for code in offered if code != first.code)
    chosen = periods.parse({"period": other}, today)
    page.get_by_label("Period", exact=True).select_option(other)
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url(re.compile(rf"{re.escape(REPORT)}\?.*period={other}"))
    lede, selected = shown_period(page)
    assert periods.describe(chosen.period) in lede and selected == other
    fits_a_phone(page)

    # The page's CSV: its address asks for CSV, for the period shown.
    link = page.get_by_role("link", name="All these figures as CSV")
    href = link.get_attribute("href") or ""
    query = dict(parse_qsl(urlsplit(href).query))
    assert query.get("format") == "csv" and query.get("period") == other
    with page.expect_download() as caught:
        link.click()
    target = tmp_path / caught.value.suggested_filename
    caught.value.save_as(target)
    assert target.name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Section", "Table", "Row", "Column", "Figure"]
    tables = {row[1] for row in rows[1:]}
    assert {"How far each area is through the playbook", "First figures from monitoring"} <= tables
    assert not SMALL & {row[4] for row in rows[1:] if row[1] == "First figures from monitoring"}

    # Back and Forward: each address's period, in the lede and the list.
    page.go_back()
    page.wait_for_url(re.compile(rf"{re.escape(REPORT)}$"))
    lede, selected = shown_period(page)
    assert periods.describe(first.period) in lede and selected == first.code
    page.go_forward()
    page.wait_for_url(re.compile(rf"{re.escape(REPORT)}\?.*period={other}"))
    lede, selected = shown_period(page)
    assert periods.describe(chosen.period) in lede and selected == other
    accessible(page)
