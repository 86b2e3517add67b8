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
- Two or more hidden figures in a line can still give each other away: 1 + 1 + 10 = 12
  shown as "<5", "<5", 10, 12 says the two add up to 2, so both are 1 (and 4, 4, 10,
  18 says both are 4). So every hidden count of 1 to 4 is checked against a reader who
  knows what the table shows: a number is that number, "<5" is 1 to 4, "[c]" is at
  least 1 (at least 0 in a column hidden whole, whose noughts are hidden too, and as a
  part of a line whose parts are all hidden, where noughts may be hidden too), and
  each line that adds up sums to its total, rows and columns together where both do.
  While such a reader could pin a count to one value, one more figure near it is
  hidden (the smallest non-zero one shown in its lines first); when none is left, a
  total of 1 to 4 is shown as "[c]" rather than "<5" (four 1s in a row with "<5" for
  their total would each be 1); and when even that leaves it pinned (five 1s under a
  total of 5 shown in another table), its lines are hidden whole, noughts too.
  tests/test_disclosure_attack.py is that reader,
  written separately (interval arithmetic per line, a linear programme for rows and
  columns together), trying it on generated tables. The reader is not assumed to
  reason from which figure the rule chose to hide (that a "[c]" is no larger than the
  figures shown beside it).
- A percentage of a hidden count, or of a hidden denominator, is hidden too: with the
  denominator shown it is the count in other words.
- A column whose group has its own size hidden (a deprivation quintile with "[c]"
  responses) is hidden whole (`hidden_columns`): a count within it would set a floor
  on the group's size, and with the other groups and the total shown give it away.

Pure Python, no Django: the callers decide who sees what (`reveal=True` for the
area's own coordinators, who see everything as it is).
"""

from __future__ import annotations

import math
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
    keep_totals: bool = False,
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

    `keep_totals`: the totals are shown elsewhere too (monitoring's pages show the same
    number of referrals in several tables), so hiding one here would hide nothing: a
    total of 5 or more is never hidden (every line's total when one direction adds up;
    the grand total when both do), and where one would have been, a "<5" among the
    parts is shown as "[c]" instead, which lifts the ceiling of 4 that pinned it (4 and 4
    under a total of 8 are each 4; "[c]" and "<5" are not).
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

    _Suppression(
        full, hidden, rows_add_up, columns_add_up, frozenset(hidden_columns), keep_totals
    ).run()

    def at(r: int, c: int) -> Figure:
        return Figure(full[r][c], hidden[r][c])

    return Table(
        cells=[[at(r, c) for c in range(width)] for r in range(height)],
        row_totals=[at(r, width) for r in range(height)] if rows_add_up else [],
        column_totals=([at(height, c) for c in range(width)] if columns_add_up else []),
        total=at(height, width) if rows_add_up and columns_add_up else None,
    )


Position = tuple[int, int]
# The graph below joins the lines a figure lies in. When only one direction adds up,
# a figure lies in one line; its other end is one of these, which add up to nothing.
_NO_ROW_LINE = -1
_NO_COLUMN_LINE = -2


class _Suppression:
    """Secondary suppression over one grid of figures (cells, totals as a last column
    and row), marking `hidden` in place.

    First the lone-figure rule (a line with one hidden figure gives it away). Then each
    hidden count of 1 to 4 is checked against the attacker of the module docstring:
    could it take another value with every sum and every bound kept? Shown figures are
    fixed, "<5" is 1 to 4, "[c]" at least 1 (at least 0 in a column hidden whole, or
    as a part of a line whose parts are all hidden).

    A change to one hidden figure must be undone by others: along its row, and (when
    columns add up too) along its column, and so on around a cycle that closes. Each
    line is a node; each hidden figure an edge between its row's line and its column's
    line, directed the ways it can move from its true value without passing a bound.
    A figure can take another value exactly when one of its edges lies on a directed
    cycle (a change that keeps every sum and bound is a sum of such cycles, each keeping
    them too), so a search for a way back answers exactly what a linear programme
    would, without scipy and fast: about a millisecond for a 20 by 6 table. For one
    direction adding up it is the interval arithmetic of one sum; for rows and columns
    it is the whole table's.

    While a small count is pinned, one more figure near it is hidden: the smallest
    non-zero figure shown in its lines (parts before totals), else in the lines beyond
    them, preferring the first that frees it; when nothing non-zero is left to hide, a
    total of 1 to 4 is shown as "[c]" rather than "<5", which lifts the ceiling that
    pinned it (four 1s in a row with "<5" as their total are each 1); last, its lines'
    noughts are hidden (hide_noughts).
    """

    def __init__(
        self,
        full: list[list[int]],
        hidden: list[list[Hidden]],
        rows_add_up: bool,
        columns_add_up: bool,
        hidden_columns: frozenset[int],
        keep_totals: bool = False,
    ) -> None:
        self.full = full
        self.hidden = hidden
        self.hidden_columns = hidden_columns
        self.keep_totals = keep_totals
        self.last_row = len(full) - 1 if columns_add_up else None
        self.last_column = len(full[0]) - 1 if rows_add_up and full else None
        # Each additive line: its figures' positions, the total's position last.
        self.lines: list[list[Position]] = []
        self.row_line: dict[int, int] = {}
        self.column_line: dict[int, int] = {}
        if rows_add_up:
            for r, row in enumerate(full):
                self.row_line[r] = len(self.lines)
                self.lines.append([(r, c) for c in range(len(row))])
        if columns_add_up and full:
            for c in range(len(full[0])):
                self.column_line[c] = len(self.lines)
                self.lines.append([(r, c) for r in range(len(full))])
        # Kept up to date by `set_hidden`, which every trial below goes through and is
        # undone by: how many figures each line hides, and the graph's edges, from each
        # node to the next by way of a figure.
        self.hidden_in_line = [sum(self.is_hidden(p) for p in line) for line in self.lines]
        self.arcs: dict[int, dict[Position, int]] = {}
        for r, marks in enumerate(hidden):
            for c in range(len(marks)):
                self.add_arcs((r, c))
        self.journal: list[tuple[Position, Hidden]] = []

    # What is shown -------------------------------------------------------------------

    def count(self, p: Position) -> int:
        return self.full[p[0]][p[1]]

    def is_hidden(self, p: Position) -> bool:
        return self.hidden[p[0]][p[1]] is not Hidden.NO

    def kept(self, p: Position) -> bool:
        """A total that `keep_totals` says is shown elsewhere: every line's total when
        only one direction adds up; the grand total when both do (the rows' and
        columns' own totals, a group's size, may be hidden here)."""
        if not self.keep_totals:
            return False
        if self.last_row is not None and self.last_column is not None:
            return p == (self.last_row, self.last_column)
        return p[0] == self.last_row or p[1] == self.last_column

    def set_hidden(self, p: Position, hidden: Hidden) -> None:
        was = self.hidden[p[0]][p[1]]
        self.journal.append((p, was))
        self.remove_arcs(p)
        self.hidden[p[0]][p[1]] = hidden
        self.add_arcs(p)
        change = (hidden is not Hidden.NO) - (was is not Hidden.NO)
        for line in self.ends(p):
            if line >= 0:
                self.hidden_in_line[line] += change
                # Its figures' bounds may have changed with it (in_hidden_line).
                for q in self.lines[line]:
                    if q != p:
                        self.remove_arcs(q)
                        self.add_arcs(q)

    def undo(self, mark: int) -> None:
        while len(self.journal) > mark:
            p, was = self.journal.pop()
            self.set_hidden(p, was)
            self.journal.pop()

    def bounds(self, p: Position) -> tuple[int, float]:
        """What a reader knows of the figure: at least, at most."""
        match self.hidden[p[0]][p[1]]:
            case Hidden.NO:
                return self.count(p), self.count(p)
            case Hidden.SMALL:
                return 1, SMALL - 1
            case _:
                nought = p[1] in self.hidden_columns or self.in_hidden_line(p)
                return (0 if nought else 1), math.inf

    def in_hidden_line(self, p: Position) -> bool:
        """Whether `p` is a part of a line whose parts are all hidden: there a "[c]" may
        be nought (see widen), as in a column hidden whole."""
        return any(
            line >= 0
            and p != self.lines[line][-1]
            and all(self.is_hidden(q) for q in self.lines[line][:-1])
            for line in self.ends(p)
        )

    # The lone-figure rule ------------------------------------------------------------

    def hide_lone(self) -> None:
        changed = True
        while changed:
            changed = False
            for number, line in enumerate(self.lines):
                if self.hidden_in_line[number] != 1:
                    continue
                *parts, total = line
                # The smallest non-zero figure shown among the parts; failing that, the
                # total (nought is never hidden: it would say nothing, and "[c]" for it
                # would mislead).
                candidates = [
                    (self.count(p), p)
                    for p in parts
                    if not self.is_hidden(p) and self.count(p) and not self.kept(p)
                ]
                if candidates:
                    _, p = min(candidates)
                elif self.is_hidden(total) or not self.count(total) or self.kept(total):
                    # The one hidden figure is the total (nothing reveals it), or the
                    # total is shown elsewhere anyway: hiding it here would hide nothing.
                    continue
                else:
                    p = total
                self.set_hidden(p, Hidden.SECONDARY)
                changed = True

    # Could a hidden figure be anything else? -----------------------------------------

    def ends(self, p: Position) -> tuple[int, int]:
        return self.row_line.get(p[0], _NO_ROW_LINE), self.column_line.get(p[1], _NO_COLUMN_LINE)

    def moves(self, p: Position) -> tuple[bool, bool]:
        """Whether the figure can go (up, down) from its true value, as a part of its
        lines: a total counts negatively in its line (parts minus total is nought), so
        a row total moves the other way; the grand total, a total in both, does not."""
        low, high = self.bounds(p)
        up, down = self.count(p) < high, self.count(p) > low
        total_of_row = p[1] == self.last_column
        total_of_column = p[0] == self.last_row
        return (down, up) if total_of_row != total_of_column else (up, down)

    def add_arcs(self, p: Position) -> None:
        if not self.is_hidden(p):
            return
        row_end, column_end = self.ends(p)
        up, down = self.moves(p)
        if up:
            self.arcs.setdefault(row_end, {})[p] = column_end
        if down:
            self.arcs.setdefault(column_end, {})[p] = row_end

    def remove_arcs(self, p: Position) -> None:
        for end in self.ends(p):
            self.arcs.get(end, {}).pop(p, None)

    def movable(self, p: Position) -> bool:
        row_end, column_end = self.ends(p)
        up, down = self.moves(p)
        ways = ([(column_end, row_end)] if up else []) + ([(row_end, column_end)] if down else [])
        for start, goal in ways:
            seen = {start}
            todo = [start]
            while todo:
                for via, node in self.arcs.get(todo.pop(), {}).items():
                    if via == p or node in seen:
                        continue
                    if node == goal:
                        return True
                    seen.add(node)
                    todo.append(node)
        return False

    # Hiding more ---------------------------------------------------------------------

    def widen(self, p: Position) -> bool:
        """Hide one more figure near `p`, the first of the candidates that frees it (with
        the lone-figure rule after it), else the first; False when there is none."""
        hides: list[Position] = []
        upgrades: list[Position] = []
        for layer in self.layers(p):
            found: dict[Position, tuple[int, int]] = {}
            for line in layer:
                *parts, total = self.lines[line]
                for q in parts:
                    if not self.is_hidden(q) and self.count(q) and not self.kept(q):
                        found[q] = min(found.get(q, (1, 0)), (0, self.count(q)))
                if not self.is_hidden(total) and self.count(total) and not self.kept(total):
                    found.setdefault(total, (1, self.count(total)))
                if self.hidden[total[0]][total[1]] is Hidden.SMALL and total not in upgrades:
                    upgrades.append(total)
                if self.keep_totals:
                    # A "<5" shown as "[c]" instead: no ceiling of 4 to pin it against.
                    upgrades += [
                        q
                        for q in parts
                        if self.hidden[q[0]][q[1]] is Hidden.SMALL and q not in upgrades
                    ]
            hides += sorted(found, key=lambda q: (*found[q], q))
        candidates = hides + upgrades
        if not candidates:
            return self.hide_noughts(p)
        for q in candidates:
            mark = len(self.journal)
            self.set_hidden(q, Hidden.SECONDARY)
            self.hide_lone()
            if self.movable(p):
                return True
            self.undo(mark)
        self.set_hidden(candidates[0], Hidden.SECONDARY)
        return True

    def hide_noughts(self, p: Position) -> bool:
        """The last resort, when nothing non-zero is left to hide near `p` and it is
        still pinned (five 1s under a total of 5 shown elsewhere are each 1, "[c]" or
        not): its lines are hidden whole, noughts too, so that a "[c]" there may be
        nought and the parts may be anything that adds up to the total. False when its
        lines have no nought to hide."""
        noughts = [
            q
            for line in self.ends(p)
            if line >= 0
            for q in self.lines[line][:-1]
            if not self.is_hidden(q) and not self.count(q)
        ]
        for q in noughts:
            self.set_hidden(q, Hidden.SECONDARY)
        return bool(noughts)

    def layers(self, p: Position) -> list[list[int]]:
        """The lines `p` lies in, then the lines of the hidden figures in those, and on."""
        layer = [line for line in self.ends(p) if line >= 0]
        seen = set(layer)
        found = []
        while layer:
            found.append(layer)
            beyond = []
            for line in layer:
                for q in self.lines[line]:
                    if self.is_hidden(q):
                        for other in self.ends(q):
                            if other >= 0 and other not in seen:
                                seen.add(other)
                                beyond.append(other)
            layer = beyond
        return found

    def run(self) -> None:
        self.hide_lone()
        small = [
            (r, c)
            for r, row in enumerate(self.full)
            for c, n in enumerate(row)
            if is_small(n) and self.hidden[r][c] is not Hidden.NO
        ]
        # Hiding more only widens what a reader allows, so a figure once free stays free.
        for p in small:
            while not self.movable(p) and self.widen(p):
                self.hide_lone()
