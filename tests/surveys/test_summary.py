"""The survey summary: exact figures on a small data set (tests/surveys/summary_data.py),
by deprivation quintile and age band, beside the calendar; suppression for everyone but
the area's coordinators; the pages, their access and their query count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from unittest import mock

import pytest

from inspiring.directory.materialise import materialise_all
from inspiring.directory.recurrence import LONDON
from inspiring.surveys.models import Survey
from inspiring.surveys.summary import Summary, summarise
from tests.directory.builders import Directory, build_directory
from tests.directory.conftest import TODAY
from tests.personas import Personas

from . import summary_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(ashfield_survey: Survey, personas: Personas) -> Survey:
    summary_data.build(ashfield_survey, entered_by=personas.coordinator)
    return ashfield_survey


@pytest.fixture
def calendar(personas: Personas) -> Iterator[Directory]:
    """The directory tests' small calendar, with the clock at 08:00 on their TODAY."""
    now = datetime.combine(TODAY, time(8), tzinfo=LONDON)
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        mock.patch("django.utils.timezone.localdate", return_value=TODAY),
    ):
        built = build_directory(personas, today=TODAY)
        materialise_all(today=TODAY)
        yield built


def aspects(summary: Summary) -> dict[str, tuple[str, str, str]]:
    return {
        row.label: (row.knows.figure.text, row.uses.figure.text, row.wants.figure.text)
        for row in summary.categories
    }


def labels(survey: Survey) -> dict[str, str]:
    return dict(survey.categories.values_list("category__slug", "label"))


def test_the_coordinators_summary_counts_every_response(survey: Survey) -> None:
    summary = summarise(survey, small_numbers_visible=True)
    name = labels(survey)
    assert summary.responses.text == "27"
    assert [(r.label, r.cell.figure.text) for r in summary.by_mode] == [
        ("Online", "16"),
        ("Paper return, entered by staff", "8"),
        ("Imported from a spreadsheet", "3"),
    ]
    rows = aspects(summary)
    assert rows[name["arts-and-crafts"]] == ("18", "10", "8")
    assert rows[name["walking"]] == ("8", "0", "16")
    assert rows[name["music"]] == ("0", "0", "11")
    arts = next(r for r in summary.categories if r.label == name["arts-and-crafts"])
    assert arts.knows.percent == "67%"  # 18 of 27
    barriers = {r.label: r.cell.figure.text for r in summary.barriers}
    assert barriers["I don't know what's on"] == "13"
    assert barriers["Cost"] == "10"
    assert barriers["I don't have time"] == "8"
    assert barriers["My health"] == "0"
    assert summary.synthetic.text == "0"


def test_figures_by_deprivation_quintile_and_age_band(survey: Survey) -> None:
    summary = summarise(survey, small_numbers_visible=True)
    name = labels(survey)
    quintiles, ages = summary.breakdowns
    assert quintiles.groups == [
        "1 (most deprived)",
        "2",
        "3",
        "4",
        "5 (least deprived)",
        "Not known",
    ]
    assert [f.text for f in quintiles.responses] == ["16", "0", "0", "0", "8", "3"]
    _knows, _uses, wants, hard = quintiles.tables
    walking = next(r for r in wants.rows if r.label == name["walking"])
    assert [c.figure.text for c in walking.cells] == ["16", "0", "0", "0", "0", "0"]
    assert walking.cells[0].percent == "100%"
    assert walking.total.text == "16"
    awareness = next(r for r in hard.rows if r.label == "I don't know what's on")
    assert [c.figure.text for c in awareness.cells] == ["10", "0", "0", "0", "0", "3"]
    assert awareness.cells[0].percent == "62%"  # 10 of quintile 1's 16

    assert ages.groups[1] == "25 to 34" and ages.groups[5] == "65 to 74"
    assert ages.groups[-1] == "Not given"
    assert [f.text for f in ages.responses] == ["0", "10", "0", "0", "0", "14", "0", "0", "3"]
    arts_known = next(r for r in ages.tables[0].rows if r.label == name["arts-and-crafts"])
    assert [c.figure.text for c in arts_known.cells] == [
        "0",
        "10",
        "0",
        "0",
        "0",
        "8",
        "0",
        "0",
        "0",
    ]


def test_others_see_small_counts_hidden_with_secondary_suppression(survey: Survey) -> None:
    summary = summarise(survey, small_numbers_visible=False)
    name = labels(survey)
    # 3 imported alone in a row adding up to 27: the next smallest (8 on paper) goes too.
    assert [r.cell.figure.text for r in summary.by_mode] == ["16", "[c]", "<5"]
    assert [r.cell.percent for r in summary.by_mode] == ["59%", "[c]", "<5"]
    quintiles = summary.breakdowns[0]
    assert [f.text for f in quintiles.responses] == ["16", "0", "0", "0", "[c]", "<5"]
    assert quintiles.responses_total.text == "27"
    music = next(r for r in quintiles.tables[2].rows if r.label == name["music"])
    assert [c.figure.text for c in music.cells] == ["0", "0", "0", "0", "[c]", "<5"]
    assert [c.percent for c in music.cells][4:] == ["[c]", "<5"]
    assert music.total.text == "11"
    # A share of a hidden group's responses is hidden even where the count is not
    # (8 of quintile 5's 8 would show them as 8).
    time = next(r for r in quintiles.tables[3].rows if r.label == "I don't have time")
    assert (time.cells[4].figure.text, time.cells[4].percent) == ("8", "[c]")


def test_wishes_beside_the_calendar_least_offered_first(
    survey: Survey, calendar: Directory
) -> None:
    # Ashfield sees its knitting (arts and crafts; social) and Mansfield's walk, each
    # weekly; nothing musical (Newark's choir is not shared with Ashfield).
    summary = summarise(survey, small_numbers_visible=True)
    name = labels(survey)
    rows = [(r.label, r.wants.text, r.nothing_on) for r in summary.calendar]
    assert rows == [
        (name["music"], "11", True),
        (name["walking"], "16", False),
        (name["arts-and-crafts"], "8", False),
    ]
    walking = summary.calendar[1]
    assert walking.per_week == 1.0
    assert walking.wanting_per_session == f"{16 / (walking.sessions / walking.weeks):.1f}"
    assert summary.calendar[0].wanting_per_session == "nothing on"
