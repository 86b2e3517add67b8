"""Disclosure control: the one place small numbers are hidden.

Every count shown beyond an area's own coordinators (pages, charts, CSV files) goes
through here, so a countable few people are never singled out:

- Primary suppression: a count of 1 to 4 is shown as "<5". Nought stays 0 (nobody
  is described by it).
- Secondary suppression: in a table whose rows (or columns) add up to a total that
  is shown, a line with exactly one hidden figure would give it away (total minus the
  others). So the next smallest non-zero figure in that line is hidden too, shown as
  "[c]" (the Government Statistical Service's mark for "confidential": it is often 5 or
  more, so "<5" would be untrue); when the line has no other non-zero figure, its total
  is hidden instead. Hiding one figure can leave another line with one hidden, so
  this repeats until nothing changes.
- A percentage of a hidden count, or of a hidden denominator, is hidden too: with the
  denominator shown it is the count in other words.
- A column whose group has its own size hidden (a deprivation quintile with "[c]"
  responses) is hidden whole (`hidden_columns`): a count within it would set a floor
  on the group's size, and with the other groups and the total shown give it away.

Pure Python, no Django: the callers decide who sees what (`reveal=True` for the
area's own coordinators, who see everything as it is).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# Counts from 1 to SMALL - 1 are hidden.
SMALL = 5
SMALL_TEXT = "<5"
SECONDARY_TEXT = "[c]"
# A percentage of nothing (nobody in the group): a dash, as published tables have it.
NO_PERCENT = "\N{EN DASH}"


class Hidden(StrEnum):
    NO = ""
    SMALL = "small"  # primary: the count itself is 1-4
    SECONDARY = "secondary"  # would let a hidden count be worked out from a total


def is_small(count: int) -> bool:
    return 0 < count < SMALL


@dataclass(frozen=True)
class Figure:
    """A count as it may be shown: `text` for people, `count` only for ordering and bars
    of figures that are not hidden."""

    count: int
    hidden: Hidden = Hidden.NO

    @property
    def is_hidden(self) -> bool:
        return self.hidden is not Hidden.NO

    @property
    def text(self) -> str:
        if self.hidden is Hidden.SMALL:
            return SMALL_TEXT
        if self.hidden is Hidden.SECONDARY:
            return SECONDARY_TEXT
        return str(self.count)

    @property
    def shown_count(self) -> int | None:
        """The count, or None when it is hidden (for charts: no bar of a hidden length)."""
        return None if self.is_hidden else self.count

    def percent_of(self, denominator: Figure | int, places: int = 0) -> str:
        """The figure as a percentage of `denominator`, hidden ("[c]" or "<5" as the count
        is) where the count or the denominator is hidden; a dash when there is nothing
        to divide by."""
        base = denominator if isinstance(denominator, Figure) else Figure(denominator)
        if self.is_hidden:
            return self.text
        if base.is_hidden:
            return SECONDARY_TEXT
        if base.count == 0:
            return NO_PERCENT
        return f"{100 * self.count / base.count:.{places}f}%"

    def share_of(self, denominator: Figure | int) -> float | None:
        """The proportion (0 to 1) for a bar's length, None when hidden or undefined."""
        base = denominator if isinstance(denominator, Figure) else Figure(denominator)
        if self.is_hidden or base.is_hidden or base.count == 0:
            return None
        return self.count / base.count


def figure(count: int, *, reveal: bool = False) -> Figure:
    """One count on its own (no total beside it that others add up to)."""
    return Figure(count, Hidden.SMALL if is_small(count) and not reveal else Hidden.NO)


def shown(count: int, *, reveal: bool = False) -> str:
    """One count as text: "<5" for 1 to 4."""
    return figure(count, reveal=reveal).text


@dataclass
class Table:
    """A protected table: `cells[r][c]`, with each row's total (when rows add up) and
    each column's total (when columns add up), and the grand total when both do."""

    cells: list[list[Figure]]
    row_totals: list[Figure] = field(default_factory=list)
    column_totals: list[Figure] = field(default_factory=list)
    total: Figure | None = None


def protect(
    counts: Sequence[Sequence[int]],
    *,
    rows_add_up: bool = True,
    columns_add_up: bool = False,
    hidden_columns: Collection[int] = (),
    reveal: bool = False,
) -> Table:
    """Hide small counts and whatever would reveal them through the totals.

    `rows_add_up`: each row's cells add up to a total that is shown (a count split by
    deprivation quintile, with "all" beside it). `columns_add_up`: likewise down the
    columns. Lines that do not add up (people may tick several categories) need only
    primary suppression, which every cell gets.

    `hidden_columns`: columns hidden whole, noughts too ("<5" where the count is 1 to 4,
    else "[c]"), before secondary suppression protects them like any other hidden
    figure: the columns of groups whose own size is hidden elsewhere.
    """
    grid = [list(row) for row in counts]
    width = max((len(row) for row in grid), default=0)
    if any(len(row) != width for row in grid):
        raise ValueError("Every row of a table needs the same number of cells")
    row_sums = [sum(row) for row in grid]
    column_sums = [sum(row[c] for row in grid) for c in range(width)]
    grand = sum(row_sums)
    if reveal:
        return Table(
            cells=[[Figure(n) for n in row] for row in grid],
            row_totals=[Figure(n) for n in row_sums] if rows_add_up else [],
            column_totals=[Figure(n) for n in column_sums] if columns_add_up else [],
            total=Figure(grand) if rows_add_up and columns_add_up else None,
        )

    # The whole table as one grid of (count, hidden): the totals are an extra column
    # and row, so a hidden total is itself a figure its own line must protect.
    height = len(grid)
    full: list[list[int]] = [
        [*row, row_sums[r]] if rows_add_up else list(row) for r, row in enumerate(grid)
    ]
    if columns_add_up:
        full.append([*column_sums, grand] if rows_add_up else list(column_sums))
    hidden: list[list[Hidden]] = [
        [Hidden.SMALL if is_small(n) else Hidden.NO for n in row] for row in full
    ]
    for c in hidden_columns:
        if not 0 <= c < width:
            raise ValueError(f"No column {c} to hide in a table {width} wide")
        for row in hidden:
            if row[c] is Hidden.NO:
                row[c] = Hidden.SECONDARY

    # Each additive line: its cells' positions, the total's position last.
    lines: list[list[tuple[int, int]]] = []
    if rows_add_up:
        for r in range(len(full)):
            lines.append([(r, c) for c in range(width + 1)])
    if columns_add_up:
        for c in range(len(full[0]) if full else 0):
            lines.append([(r, c) for r in range(height + 1)])

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[r][c] is not Hidden.NO for r, c in line) != 1:
                continue
            *parts, total = line
            # The smallest non-zero figure shown among the parts; failing that, the total
            # (nought is never hidden: it would say nothing, and "[c]" for it would mislead).
            candidates = [
                (full[r][c], r, c) for r, c in parts if hidden[r][c] is Hidden.NO and full[r][c] > 0
            ]
            if candidates:
                _, r, c = min(candidates)
            else:
                r, c = total
                if hidden[r][c] is not Hidden.NO or full[r][c] == 0:
                    continue  # the one hidden figure is the total: nothing reveals it
            hidden[r][c] = Hidden.SECONDARY
            changed = True

    def at(r: int, c: int) -> Figure:
        return Figure(full[r][c], hidden[r][c])

    return Table(
        cells=[[at(r, c) for c in range(width)] for r in range(height)],
        row_totals=[at(r, width) for r in range(height)] if rows_add_up else [],
        column_totals=([at(height, c) for c in range(width)] if columns_add_up else []),
        total=at(height, width) if rows_add_up and columns_add_up else None,
    )
