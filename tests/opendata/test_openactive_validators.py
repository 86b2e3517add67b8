"""The demo's OpenActive feeds, as OpenActive's own validators see them: no failures.

Runs tests/opendata/openactive_validators.js (npm @openactive/rpde-validator and
@openactive/data-model-validator) over a live server holding the demo, every page of
both feeds. Warnings may remain (the validators' "recommended" fields the directory
does not hold, such as images and leaders); their count is printed.

Besides the demo (which has a festival weekend, all day Friday to Sunday), the feeds
hold what the demo lacks: a weekly dance ending past midnight, a monthly walking
weekend from Friday evening to Sunday afternoon, and chair yoga online only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from inspiring.areas.models import Postcode
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Schedule
from inspiring.opendata.activity_list import DATA as ACTIVITY_LIST
from inspiring.opendata.openactive import series_for
from tests.geography import ensure_geography

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "openactive_validators.js"
VALIDATORS = [
    ROOT / "node_modules" / "@openactive" / "data-model-validator",
    ROOT / "node_modules" / "@openactive" / "rpde-validator",
]


def _validators_or_skip() -> str:
    missing = [str(path.relative_to(ROOT)) for path in VALIDATORS if not path.exists()]
    if missing:
        reason = f"OpenActive validators not installed ({', '.join(missing)}): run `npm ci`"
        print(reason)
        pytest.skip(reason)
    node = shutil.which("node")
    if node is None:
        reason = "Node.js is not installed, so OpenActive's validators cannot run"
        print(reason)
        pytest.skip(reason)
    return node


def _add_what_the_demo_lacks() -> None:
    festival = Activity.objects.get(title="Ashfield Walking Festival")
    assert festival.schedules.get().duration_days == 2
    organisation, venue = festival.organisation, festival.venue
    friday = timezone.localdate() + timedelta(days=(4 - timezone.localdate().weekday()) % 7)
    made = []
    for title, at, online, times in (
        ("Friday Night Dance", venue, False, (time(20), time(1, 30), 1, "FREQ=WEEKLY;BYDAY=FR")),
        ("Walking Weekend", venue, False, (time(18), time(16), 2, "FREQ=MONTHLY;BYDAY=2FR")),
        ("Chair Yoga at Home", None, True, (time(10), time(11), 0, "FREQ=WEEKLY;BYDAY=WE")),
    ):
        item = Activity.objects.create(
            organisation=organisation,
            home_area=festival.home_area,
            venue=at,
            online=online,
            title=title,
            summary=f"{title}: come and join us.",
            status=Activity.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        item.categories.set(festival.categories.all())
        start, end, days, rule = times
        Schedule.objects.create(
            activity=item,
            start_date=friday,
            start_time=start,
            end_time=end,
            duration_days=days,
            rrule=rule,
        )
        made.append(item)
    for item in made:
        materialise_activity(item)
    # What the validators are to see: each is an opportunity, shaped as a session lasting
    # days, or online.
    series: dict[str, dict[str, Any]] = {}
    for item in [festival, *made]:
        data = series_for(item)
        assert data is not None, f"{item.title} is no OpenActive opportunity"
        series[item.title] = data
    assert series["Ashfield Walking Festival"]["subEvent"][0]["duration"] == "P3D"
    for title in ("Friday Night Dance", "Walking Weekend"):
        [schedule] = series[title]["eventSchedule"]
        assert schedule["@type"] == "PartialSchedule" and "endTime" not in schedule
    yoga = series["Chair Yoga at Home"]
    assert "location" not in yoga
    assert yoga["beta:virtualLocation"]["@type"] == "VirtualLocation"


@pytest.mark.django_db(transaction=True)
def test_the_demo_feeds_pass_the_openactive_validators(live_server: Any, settings: Any) -> None:
    node = _validators_or_skip()
    settings.DEMO_MODE = True
    # Feed pages link to each other through SITE_URL: here, the live server.
    settings.SITE_URL = live_server.url
    if not Postcode.objects.exists():
        ensure_geography()
    load_demo()
    _add_what_the_demo_lacks()
    feeds = [
        f"{live_server.url}/api/openactive/session-series",
        f"{live_server.url}/api/openactive/scheduled-sessions",
    ]
    run = subprocess.run(
        [node, str(SCRIPT), str(ACTIVITY_LIST), *feeds],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)["feeds"]
    problems: list[str] = []
    for url, feed in report.items():
        name = url.rsplit("/", 1)[-1]
        print(
            f"{name}: {feed['pages']} pages, {feed['items']} items ({feed['updated']} with data),"
            f" {len(feed['failures'])} failures, {feed['warnings']} warnings"
        )
        for rule, count in sorted(feed["byRule"].items()):
            print(f"    {count:6d}  {rule}")
        assert feed["pages"] >= 2 and feed["updated"] > 0, f"{name} was not walked"
        kinds = Counter(
            f"{f['rule']} at {f.get('path') or f.get('page')}: {f['message']}"
            for f in feed["failures"]
        )
        problems += [f"{name}: {count} x {what}" for what, count in kinds.most_common(10)]
    assert not problems, "\n".join(problems)
