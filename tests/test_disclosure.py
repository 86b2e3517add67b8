"""lib.disclosure: worked examples of primary and secondary suppression."""

from __future__ import annotations

import pytest

from lib.disclosure import NO_PERCENT, Figure, Hidden, figure, protect, shown


def texts(table_cells: list[list[Figure]]) -> list[list[str]]:
    return [[f.text for f in row] for row in table_cells]


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (388, "388")]
)
def test_counts_one_to_four_are_shown_as_under_five(count: int, text: str) -> None:
    assert shown(count) == text


def test_the_areas_coordinators_see_every_count() -> None:
    assert shown(3, reveal=True) == "3"
    table = protect([[3, 10]], reveal=True)
    assert texts(table.cells) == [["3", "10"]]
    assert table.row_totals[0].text == "13"


def test_a_row_with_one_hidden_count_hides_the_next_smallest() -> None:
    # 3 + 6 + 20 = 29: with 6 and 20 shown, the 3 would be 29 - 26.
    table = protect([[3, 20, 6]])
    assert texts(table.cells) == [["<5", "20", "[c]"]]
    assert table.cells[0][2].hidden is Hidden.SECONDARY
    assert table.row_totals[0].text == "29"


def test_noughts_are_never_chosen_and_a_lone_figure_hides_its_total() -> None:
    # 0 + 3 + 0 = 3: nothing else to hide, so the total goes (it is under 5 anyway).
    table = protect([[0, 3, 0]])
    assert texts(table.cells) == [["0", "<5", "0"]]
    assert table.row_totals[0].text == "<5"


def test_a_grand_total_makes_the_hiding_spread_to_the_other_corner() -> None:
    # 7 + 4 = 11, with rows and columns adding up. The 4 hides its row and column
    # totals (each is 4: nothing else in those lines is non-zero). The totals row would
    # then give 11 - 7 = 4, so 7's column total is hidden, then the 7 itself (its
    # column), then its row total (its row). Every line then hides two or none.
    table = protect([[7, 0], [0, 4]], columns_add_up=True)
    assert texts(table.cells) == [["[c]", "0"], ["0", "<5"]]
    assert [f.text for f in table.row_totals] == ["[c]", "<5"]
    assert [f.text for f in table.column_totals] == ["[c]", "<5"]
    assert table.total is not None and table.total.text == "11"


def test_two_hidden_figures_in_a_row_need_nothing_more() -> None:
    table = protect([[2, 3, 10]])
    assert texts(table.cells) == [["<5", "<5", "10"]]


def test_two_hidden_ones_that_add_up_to_what_is_missing_hide_one_more() -> None:
    # 1 + 1 + 10 = 12: with 10 and 12 shown the two "<5" add up to 2, and each is at
    # least 1, so both would be 1. Hiding the 10 leaves them anything from 1 to 4.
    table = protect([[1, 1, 10]])
    assert texts(table.cells) == [["<5", "<5", "[c]"]]
    assert table.row_totals[0].text == "12"
    # Likewise 4 + 4 + 10 = 18: the two add up to 8, and neither is over 4.
    assert texts(protect([[4, 4, 10]]).cells) == [["<5", "<5", "[c]"]]


def test_a_total_that_would_pin_every_part_is_shown_as_confidential() -> None:
    # Four 1s: four figures of at least 1 under a total of at most 4 are each 1. With
    # nothing else to hide, the total is "[c]" (no ceiling) rather than "<5".
    table = protect([[1, 1, 1, 1]])
    assert texts(table.cells) == [["<5", "<5", "<5", "<5"]]
    assert table.row_totals[0].text == "[c]"
    assert table.row_totals[0].hidden is Hidden.SECONDARY
    # Rows and columns: the grand total 4 over four 1s gives each away; hidden as "[c]".
    square = protect([[1, 1], [1, 1]], columns_add_up=True)
    assert texts(square.cells) == [["<5", "<5"], ["<5", "<5"]]
    assert square.total is not None and square.total.text == "[c]"


def test_a_block_of_small_counts_beside_a_large_one_hides_the_large_one() -> None:
    # The four 1s' totals are "<5", and the grand total 54 minus the 50 leaves 4 for
    # the two row totals, each at least 2: all pinned. Hiding the 50 (and, by the
    # lone-figure rule, its row and column totals) frees them.
    table = protect([[1, 1, 0], [1, 1, 0], [0, 0, 50]], columns_add_up=True)
    assert texts(table.cells) == [["<5", "<5", "0"], ["<5", "<5", "0"], ["0", "0", "[c]"]]
    assert [f.text for f in table.row_totals] == ["<5", "<5", "[c]"]
    assert [f.text for f in table.column_totals] == ["<5", "<5", "[c]"]
    assert table.total is not None and table.total.text == "54"


def test_hiding_cascades_through_rows_and_columns_until_stable() -> None:
    # Worked example, rows and columns both adding up:
    #        A   B   C | total
    #   r1   2  10  12 |  24
    #   r2   8   9  15 |  32
    #   total 10 19 27 |  56
    # r1 has the 2 alone -> hide 10 (B, the smallest other). Column A has the 2 alone ->
    # hide 8. Column B now has 10 hidden with the 2... no: column B has 10 alone -> hide 9.
    # Row r2 has 8 and 9 hidden: two, fine. Every line now holds 0 or at least 2.
    table = protect([[2, 10, 12], [8, 9, 15]], columns_add_up=True)
    assert texts(table.cells) == [["<5", "[c]", "12"], ["[c]", "[c]", "15"]]
    assert [f.text for f in table.row_totals] == ["24", "32"]
    assert [f.text for f in table.column_totals] == ["10", "19", "27"]
    for line in (
        table.cells[0] + [table.row_totals[0]],
        table.cells[1] + [table.row_totals[1]],
        [table.cells[0][0], table.cells[1][0], table.column_totals[0]],
        [table.cells[0][1], table.cells[1][1], table.column_totals[1]],
    ):
        assert sum(f.is_hidden for f in line) != 1


def test_lines_that_do_not_add_up_get_primary_suppression_only() -> None:
    # People tick several categories: nothing adds up to a shown total.
    table = protect([[3, 20, 6]], rows_add_up=False)
    assert texts(table.cells) == [["<5", "20", "6"]]
    assert table.row_totals == []


def test_percentages_of_hidden_counts_or_denominators_are_hidden() -> None:
    assert figure(3).percent_of(100) == "<5"
    assert figure(30).percent_of(120) == "25%"
    assert figure(7).percent_of(Figure(7, Hidden.SECONDARY)) == "[c]"
    assert figure(0).percent_of(0) == NO_PERCENT
    assert figure(3, reveal=True).percent_of(12, places=1) == "25.0%"
    assert figure(3).share_of(10) is None
    assert figure(30).share_of(120) == 0.25


def test_ragged_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="same number of cells"):
        protect([[1, 2], [3]])


def test_a_hidden_column_is_hidden_whole_and_its_lines_protected() -> None:
    # The columns of groups whose own sizes are hidden: every figure in them goes, a
    # nought as "[c]" and 1 to 4 as "<5"; then secondary suppression as ever: in the
    # first row the 10 would be its total minus noughts, so the total goes too.
    table = protect([[0, 0, 10], [6, 0, 2], [7, 9, 0]], hidden_columns=[2])
    assert texts(table.cells) == [["0", "0", "[c]"], ["[c]", "0", "<5"], ["[c]", "9", "[c]"]]
    assert [f.text for f in table.row_totals] == ["[c]", "8", "16"]
    for cells, total in zip(table.cells, table.row_totals, strict=True):
        assert sum(f.is_hidden for f in [*cells, total]) != 1
    assert table.cells[0][2].percent_of(20) == "[c]"
    # The area's own coordinators see them all.
    assert texts(protect([[0, 3]], hidden_columns=[1], reveal=True).cells) == [["0", "3"]]
    with pytest.raises(ValueError, match="No column 5"):
        protect([[1, 2]], hidden_columns=[5])
