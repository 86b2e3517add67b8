"""The survey summary: exact figures on a small data set (tests/surveys/summary_data.py),
by deprivation quintile and age band, beside the calendar; suppression for everyone but
the area's coordinators; the pages, their access and their query count."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from inspiring.accounts.models import AuditEntry
from inspiring.directory.materialise import materialise_all
from inspiring.directory.recurrence import LONDON
from inspiring.surveys.models import Survey
from inspiring.surveys.summary import CalendarRow, Summary, summarise
from lib.disclosure import Figure, Hidden, figure
from tests.conftest import sign_in
from tests.directory.builders import Directory, build_directory
from tests.directory.conftest import TODAY
from tests.personas import Personas

from . import summary_data

QUERIES = 11

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
    # A hidden group is hidden whole, counts and shares, noughts too: 8 of quintile 5
    # with no time would say it has at least 8 people.
    time = next(r for r in quintiles.tables[3].rows if r.label == "I don't have time")
    assert (time.cells[4].figure.text, time.cells[4].percent) == ("[c]", "[c]")
    health = next(r for r in quintiles.tables[3].rows if r.label == "My health")
    assert [c.figure.text for c in health.cells] == ["0", "0", "0", "0", "[c]", "[c]"]


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


def test_a_hidden_group_cannot_be_worked_out_from_a_count_in_its_column(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    # 16 in quintile 1, 10 in quintile 5 (all wanting walking), 1 not known: quintile 5
    # is "[c]" and not known "<5". Were walking's 10 in quintile 5 shown, quintile 5
    # would be at least 10, and 27 - 16 = 11 leaves exactly 1 not known.
    s = ashfield_survey
    walk = summary_data.mask(s, summary_data.WALKING)
    summary_data.responses(s, 16, imd_decile=1, imd_quintile=1, age_band="25_34")
    summary_data.responses(s, 10, imd_decile=10, imd_quintile=5, age_band="25_34", wants_mask=walk)
    summary_data.responses(s, 1, age_band="25_34")
    quintiles = summarise(s, small_numbers_visible=False).breakdowns[0]
    assert [f.text for f in quintiles.responses] == ["16", "0", "0", "0", "[c]", "<5"]
    assert quintiles.responses_total.text == "27"
    walking = next(r for r in quintiles.tables[2].rows if r.label == labels(s)["walking"])
    assert [c.figure.text for c in walking.cells] == ["0", "0", "0", "0", "[c]", "[c]"]
    assert [c.percent for c in walking.cells][4:] == ["[c]", "[c]"]
    for table in quintiles.tables:
        for row in table.rows:
            assert row.cells[4].figure.is_hidden and row.cells[5].figure.is_hidden
            # And no line is left with one hidden figure beside a shown total.
            assert sum(c.figure.is_hidden for c in row.cells) + row.total.is_hidden != 1
    # The age bands show everyone in one band: nothing hidden there.
    assert summarise(s, small_numbers_visible=False).breakdowns[1].responses[1].text == "27"

    # The CSV has the same figures.
    sign_in(client, personas.commissioner)
    export = client.get(summary_url(s, "csv/"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    walking_csv = [
        r[3]
        for r in rows
        if r[0].startswith("Would like") and "deprivation" in r[0] and r[1] == walking.label
    ]
    assert walking_csv == ["0", "0", "0", "0", "[c]", "[c]", walking.total.text]
    # The area's own coordinator sees every count.
    shown = summarise(s, small_numbers_visible=True).breakdowns[0]
    walking_shown = next(r for r in shown.tables[2].rows if r.label == walking.label)
    assert [c.figure.text for c in walking_shown.cells] == ["0", "0", "0", "0", "10", "0"]


def test_the_real_responses_are_not_given_away_by_the_synthetic_ones(
    ashfield_survey: Survey,
) -> None:
    # 400 made-up and 3 real: showing 403 and 400 would show the 3.
    summary_data.responses(ashfield_survey, 400, synthetic=True)
    summary_data.responses(ashfield_survey, 3)
    summary = summarise(ashfield_survey, small_numbers_visible=False)
    assert (summary.responses.text, summary.synthetic.text) == ("403", "[c]")
    shown = summarise(ashfield_survey, small_numbers_visible=True)
    assert (shown.responses.text, shown.synthetic.text) == ("403", "400")


def test_a_hidden_wish_beside_the_calendar_comes_last_whatever_its_size() -> None:
    def row(label: str, wants: Figure, sessions: int) -> CalendarRow:
        return CalendarRow(label, wants, sessions, 52.0, round(sessions / 52, 1))

    rows = [
        row("Walking", Figure(4, Hidden.SMALL), 0),  # nothing on: would lead if shown
        row("Music", figure(30), 52),
        row("Bowls", Figure(9, Hidden.SECONDARY), 1),
        row("Arts", Figure(1, Hidden.SMALL), 520),
        row("Choir", figure(6), 0),
    ]
    rows.sort(key=CalendarRow.rank)
    assert [r.label for r in rows] == ["Choir", "Music", "Arts", "Bowls", "Walking"]


# --- The pages ------------------------------------------------------------------------


def summary_url(survey: Survey, suffix: str = "") -> str:
    return f"/staff/surveys/{survey.public_id}/summary/{suffix}"


def test_the_coordinator_sees_every_figure_on_the_page(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.coordinator)
    page = client.get(summary_url(survey))
    assert page.status_code == 200
    text = page.text
    assert "Small numbers are shown" in text
    assert "Counts under 5 are hidden" not in text
    assert "imported from a spreadsheet 3" in text
    assert 'role="img"' in text and "<caption" in text and 'scope="row"' in text
    assert "Nothing on" in text
    assert "@media print" in text


def test_a_commissioner_sees_small_counts_hidden_on_the_page_and_in_the_csv(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.commissioner)
    page = client.get(summary_url(survey))
    assert page.status_code == 200
    assert "Counts under 5 are hidden" in page.text
    # Secondary suppression: paper (8) hidden beside the imported 3.
    assert "paper return, entered by staff [c], imported from a spreadsheet &lt;5" in page.text
    assert "Download the responses" not in page.text
    export = client.get(summary_url(survey, "csv/"))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["Table", "Row", "Column", "Count", "Percent"]
    by_mode = {r[1]: (r[3], r[4]) for r in rows if r[0] == "Responses by how they arrived"}
    assert by_mode == {
        "Online": ("16", "59%"),
        "Paper return, entered by staff": ("[c]", "[c]"),
        "Imported from a spreadsheet": ("<5", "<5"),
    }
    # Nothing in the file shows a count of 1 to 4.
    assert not any(r[3] in {"1", "2", "3", "4"} for r in rows[1:])
    entry = AuditEntry.objects.get(action="survey.exported")
    assert entry.detail["kind"] == "summary" and entry.detail["suppressed"] is True


def test_the_page_and_the_csv_show_the_same_figures(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.researcher)
    page = client.get(summary_url(survey))
    export = client.get(summary_url(survey, "csv/"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    summary = page.context["summary"]
    quintile_music = [
        r[3]
        for r in rows
        if r[0].startswith("Would like")
        and "deprivation" in r[0]
        and r[1] == labels(survey)["music"]
    ]
    assert quintile_music == ["0", "0", "0", "0", "[c]", "<5", "11"]
    table = summary.breakdowns[0].tables[2]
    music = next(r for r in table.rows if r.label == labels(survey)["music"])
    assert [c.figure.text for c in music.cells] + [music.total.text] == quintile_music


def test_the_summary_page_runs_a_fixed_number_of_queries(
    client: Client, personas: Personas, survey: Survey, django_assert_num_queries: Any
) -> None:
    sign_in(client, personas.commissioner)
    client.get(summary_url(survey))  # sessions, two-factor device: warm
    # Session, user, two-factor device, memberships (with their areas), the survey; its
    # categories, the one aggregate of the responses, the calendar's sessions; the
    # session's save (3).
    with django_assert_num_queries(QUERIES):
        client.get(summary_url(survey))
    summary_data.responses(survey, 40, mode="online", wants_mask=7, barriers_mask=3)
    with django_assert_num_queries(QUERIES):
        client.get(summary_url(survey))


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "no_role"])
def test_people_who_do_not_follow_results_are_refused(
    client: Client, personas: Personas, survey: Survey, who: str
) -> None:
    sign_in(client, getattr(personas, who))
    assert client.get(summary_url(survey)).status_code in (403, 404)
    assert client.get(summary_url(survey, "csv/")).status_code in (403, 404)
    assert client.get("/staff/surveys/results/").status_code in (403, 404)


def test_another_areas_coordinator_gets_404(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.mansfield_coordinator)
    assert client.get(summary_url(survey)).status_code == 404
    assert client.get(summary_url(survey, "csv/")).status_code == 404
    assert client.get(f"/staff/surveys/{survey.public_id}/responses/csv/").status_code == 404


def test_drafts_are_not_in_the_results(
    client: Client, personas: Personas, draft_survey: Survey
) -> None:
    sign_in(client, personas.commissioner)
    assert client.get(summary_url(draft_survey)).status_code == 404
    page = client.get("/staff/surveys/results/")
    assert page.status_code == 200 and draft_survey.title not in page.text


def test_the_results_list_shows_the_surveys_of_every_area_in_scope(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.commissioner)
    page = client.get("/staff/surveys/results/")
    assert page.status_code == 200
    assert summary_url(survey) in page.text


def test_a_synthetic_survey_says_so(client: Client, personas: Personas, survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(synthetic=True)
    sign_in(client, personas.coordinator)
    assert "Synthetic demo data" in client.get(summary_url(survey)).text


def test_a_survey_without_responses_has_a_summary(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    sign_in(client, personas.commissioner)
    page = client.get(summary_url(ashfield_survey))
    assert page.status_code == 200
    summary = page.context["summary"]
    assert summary.responses.text == "0"
    assert summary.categories[0].knows.percent == "\N{EN DASH}"
    assert summary.calendar == []


def test_the_areas_coordinator_gets_every_count_in_the_csv(
    client: Client, personas: Personas, survey: Survey
) -> None:
    sign_in(client, personas.coordinator)
    export = client.get(summary_url(survey, "csv/"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_mode = {r[1]: r[3] for r in rows if r[0] == "Responses by how they arrived"}
    assert by_mode["Imported from a spreadsheet"] == "3"
    assert by_mode["Paper return, entered by staff"] == "8"
    entry = AuditEntry.objects.get(action="survey.exported")
    assert entry.detail["suppressed"] is False
