"""monitoring.tables: every figure goes through disclosure control once."""

from __future__ import annotations

import pytest

from inspiring.monitoring import tables
from lib.tallies import Spread, Tally


def texts(table: tables.Table) -> list[list[str]]:
    return [[row.label, *(cell.text for cell in row.cells)] for row in table.rows]


SOURCES = [("gp", "GP"), ("self", "Self-referral"), ("pharmacy", "Pharmacy")]


def test_an_exclusive_tally_hides_small_groups_and_whatever_would_give_them_away() -> None:
    now = Tally.of({"gp": 20, "self": 3, "pharmacy": 9}, SOURCES)
    table = tables.counts("t", "By source", "Source", [("Now", now)], reveal=False)
    # 3 is hidden; with the total shown, the next smallest (9) must go too.
    assert texts(table) == [
        ["GP", "20", "62%"],
        ["Self-referral", "<5", "<5"],
        ["Pharmacy", "[c]", "[c]"],
        ["Not recorded", "0", "0%"],
        ["Total", "32", ""],
    ]
    assert table.has_hidden


def test_the_areas_coordinator_sees_every_figure() -> None:
    now = Tally.of({"gp": 20, "self": 3, "pharmacy": 9}, SOURCES)
    table = tables.counts("t", "By source", "Source", [("Now", now)], reveal=True)
    assert [row.cells[0].text for row in table.rows] == ["20", "3", "9", "0", "32"]
    assert not table.has_hidden


def test_sessions_are_not_people_and_are_shown_as_they_are() -> None:
    sessions = Tally.of({"gp": 2}, SOURCES)
    table = tables.counts("t", "Sessions", "Kind", [("Now", sessions)], reveal=False, people=False)
    assert table.rows[0].cells[0].text == "2"


def test_groups_that_do_not_add_up_get_primary_suppression_and_a_note() -> None:
    reasons = Tally.of({"gp": 2, "self": 7}, SOURCES, total=8, exclusive=False)
    table = tables.counts("t", "Reasons", "Reason", [("Now", reasons)], reveal=False)
    assert texts(table)[:2] == [["GP", "<5", "<5"], ["Self-referral", "7", "88%"]]
    assert "do not add up" in table.note


def test_two_periods_side_by_side_are_each_protected() -> None:
    now = Tally.of({"gp": 10, "self": 10}, SOURCES)
    before = Tally.of({"gp": 1, "self": 10}, SOURCES)
    table = tables.counts(
        "t", "By source", "Source", [("Now", now), ("Before", before)], reveal=False
    )
    before_column = [row.cells[2].text for row in table.rows]
    assert before_column == ["<5", "[c]", "0", "0", "11"]


def test_a_partition_hides_a_small_part_and_another_in_its_row() -> None:
    table = tables.partition(
        "t",
        "Still going",
        "After",
        ["Still going", "Stopped", "Not yet"],
        [("6 weeks", [12, 2, 6])],
        reveal=False,
    )
    assert texts(table) == [["6 weeks", "12", "<5", "[c]", "20"]]


def test_nested_counts_are_protected_as_the_partition_they_are() -> None:
    groups = [("1", "Most deprived"), ("2", "Less"), ("", "Not recorded")]
    referred = Tally.of({"1": 12, "2": 20, "": 0}, groups, unknown=None)
    connected = Tally.of({"1": 10, "2": 15, "": 0}, groups, unknown=None)
    table = tables.nested(
        "t",
        "Equity",
        "Group",
        groups,
        referred,
        connected,
        reveal=False,
        whole_heading="Referred",
        part_heading="Connected",
    )
    # 12 referred, 10 connected: the 2 not connected would be 12 - 10, so it is hidden
    # and so are figures enough that it cannot be worked out.
    first = texts(table)[0]
    assert first[1] == "12" or first[2] != "10"
    assert table.has_hidden


def test_a_part_bigger_than_its_whole_is_refused() -> None:
    groups = [("1", "One")]
    with pytest.raises(ValueError, match="more than"):
        tables.nested(
            "t",
            "Equity",
            "Group",
            groups,
            Tally.of({"1": 2}, groups, unknown=None),
            Tally.of({"1": 3}, groups, unknown=None),
            reveal=False,
            whole_heading="Referred",
            part_heading="Connected",
        )


def test_averages_over_fewer_than_five_people_are_not_shown() -> None:
    table = tables.spreads(
        "t",
        "Days",
        "Period",
        [("Now", Spread(4, {"median": 3.0})), ("Before", Spread(9, {"median": 5.5}))],
        [("median", "Median")],
        reveal=False,
    )
    assert texts(table) == [["Now", "<5", "\N{EN DASH}"], ["Before", "9", "5.5"]]
    assert "fewer than 5" in table.note
    revealed = tables.spreads(
        "t",
        "Days",
        "Period",
        [("Now", Spread(4, {"median": 3.0}))],
        [("median", "Median")],
        reveal=True,
    )
    assert texts(revealed) == [["Now", "4", "3.0"]]


def test_a_rate_over_a_small_denominator_is_not_shown() -> None:
    tally = Tally.of({"gp": 0, "self": 0, "pharmacy": 0}, SOURCES)
    table = tables.counts("t", "t", "t", [("Now", tally)], reveal=False)
    assert table.rows[0].cells[1].text == "\N{EN DASH}"
