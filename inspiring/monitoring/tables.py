"""Monitoring's tables: raw figures in, protected tables out, the one way every page,
chart, CSV, XLSX and PDF gets its numbers.

A builder takes what the apps below counted (lib.tallies) and `reveal` (the area's own
coordinators see every figure; anyone else sees counts from 1 to 4 as "<5", and what
would give them away as "[c]", by lib.disclosure). Everything downstream — the page's
tables and bars, the CSV, the spreadsheet, the PDF — reads only the `Table` built here,
so no output can show more than another to the same person.

Counts of people are protected; counts of sessions (the calendar's supply) are not
about anyone and are shown as they are (`people=False`). A rate or mean over fewer than
5 people is not shown (a dash, with the reason in the table's note), unless revealed.
Nested counts (people referred, of whom some were connected) are protected as the
partition they are (connected / not connected adding up to referred): a difference of
two shown counts is a count too. Totals are shown on several tables of a page (all
referrals, under each breakdown), so none is ever hidden to protect a part
(`keep_totals`): a "<5" becomes "[c]" instead. Each column is protected with its groups
in a fixed order, so the same figures are hidden alike wherever they appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lib.disclosure import SMALL, Figure, Hidden, figure, protect
from lib.tallies import Spread, Tally

NOT_SHOWN = "\N{EN DASH}"
FEWER_THAN_5 = "Rates and averages over fewer than 5 people are not shown (\N{EN DASH})."


@dataclass(frozen=True)
class Cell:
    """One figure as shown: `text` for people; `value` the number behind it when it may
    be shown (for bars and spreadsheet cells), None when hidden or not a number."""

    text: str
    value: float | None = None
    hidden: bool = False
    # "count" (of people, or of sessions in a table not about people), "percent",
    # "number" (an average, a rate, money) or "" (words): what tests check.
    kind: str = ""

    @classmethod
    def of(cls, fig: Figure) -> Cell:
        value = None if fig.is_hidden else float(fig.count)
        return cls(fig.text, value, fig.is_hidden, "count")

    @classmethod
    def number(cls, value: float | None, places: int = 1) -> Cell:
        if value is None:
            return cls(NOT_SHOWN, kind="number")
        return cls(f"{value:,.{places}f}", round(value, places), kind="number")

    @classmethod
    def blank(cls) -> Cell:
        return cls("")

    @property
    def is_number(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]
    is_total: bool = False
    # The group's code, where a builder knows it (for callers that add columns by it).
    code: str = ""


@dataclass
class Table:
    """A table as everyone downstream shows it. `key` is unique within a report (anchor
    and `?table=` for its own export). `chart` names the column whose numbers are drawn
    as bars (None: no chart; a table of averages, say)."""

    key: str
    title: str
    row_heading: str
    columns: list[str]
    rows: list[Row]
    note: str = ""
    chart: int | None = 0
    people: bool = True
    # Set by the builders: some figure is hidden.
    has_hidden: bool = False

    @property
    def chart_rows(self) -> list[tuple[str, Cell]]:
        """Label and cell of the charted column, totals left out."""
        if self.chart is None:
            return []
        return [(row.label, row.cells[self.chart]) for row in self.rows if not row.is_total]

    @property
    def chart_max(self) -> float:
        """The longest bar's size (bars are drawn by size; a change below nought is a bar
        as long as its size, its figure printed with its minus sign)."""
        values = [abs(cell.value) for _, cell in self.chart_rows if cell.value is not None]
        return max(values, default=0.0)


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    intro: str = ""

    @property
    def has_hidden(self) -> bool:
        return any(table.has_hidden for table in self.tables)


def _percent(part: Figure, whole: Figure, *, reveal: bool) -> Cell:
    """`part` as a percentage of `whole`: hidden with either, not shown over fewer than 5."""
    if part.is_hidden or (whole.is_hidden and part.count):
        return Cell(part.percent_of(whole), None, True, "percent")
    if whole.is_hidden:
        return percent_cell(0.0)  # nought of anything: says nothing of the whole
    if whole.count == 0 or (whole.count < SMALL and not reveal):
        return Cell(NOT_SHOWN, kind="percent")
    share = 100 * part.count / whole.count
    return percent_cell(share)


def percent_cell(share: float | None) -> Cell:
    """A percentage worked out elsewhere (of published figures), shown to the nearest one."""
    if share is None:
        return Cell(NOT_SHOWN, kind="percent")
    return Cell(f"{share:.0f}%", round(share, 1), kind="percent")


def counts(
    key: str,
    title: str,
    row_heading: str,
    series: Sequence[tuple[str, Tally]],
    *,
    reveal: bool,
    total_label: str | None = "Total",
    note: str = "",
    percent: bool = True,
    people: bool = True,
    drop_empty: bool = False,
) -> Table:
    """Groups down the side, one column per tally (this period, the previous one...),
    each with its percentage of the tally's total.

    Exclusive tallies add up to their total, which is shown as the last row: the columns
    are protected as adding up (a hidden group hides another). Tallies that do not add
    up (several reasons each) get primary suppression, with the total of things counted
    as the last row unless `total_label` is None (the total is one of the rows).
    `drop_empty`: a long list (referral sources, kinds of activity) leaves out the groups
    with nought in every column, and says so (a nought hides nothing, so neither does
    leaving it out)."""
    if not series:
        raise ValueError("A table needs at least one column")
    codes: list[str] = []
    labels: dict[str, str] = {}
    for _, tally in series:
        for code in tally.counts:
            if code not in labels:
                codes.append(code)
                labels[code] = tally.labels[code]
    grid = [[tally.get(code) for _, tally in series] for code in codes]
    totals = [tally.total for _, tally in series]
    exclusive = all(tally.exclusive for _, tally in series)
    hide = reveal or not people
    if exclusive and grid:
        cells = [[Figure(0)] * len(series) for _ in codes]
        total_figures = []
        for c in range(len(series)):
            # Each column on its own, its groups in the order of their codes: the same
            # tally (a quarter) is hidden the same way whichever page or column shows it
            # (a tie between equal counts is settled by position).
            order = sorted(range(len(codes)), key=lambda r: codes[r])
            column = protect(
                [[grid[r][c]] for r in order],
                rows_add_up=False,
                columns_add_up=True,
                keep_totals=True,
                reveal=hide,
            )
            for r, protected in zip(order, column.cells, strict=True):
                cells[r][c] = protected[0]
            total_figures.append(column.column_totals[0])
    else:
        cells = [[figure(n, reveal=hide) for n in row] for row in grid]
        total_figures = [figure(n, reveal=hide) for n in totals]
    columns: list[str] = []
    for name, _ in series:
        columns.append(name)
        if percent:
            columns.append(f"{name}: %")
    rows = []
    dropped = 0
    for code, row, values in zip(codes, cells, grid, strict=True):
        if drop_empty and not any(values):
            dropped += 1
            continue
        out: list[Cell] = []
        for fig, whole in zip(row, total_figures, strict=True):
            out.append(Cell.of(fig))
            if percent:
                out.append(_percent(fig, whole, reveal=hide))
        rows.append(Row(labels[code], out))
    total_cells: list[Cell] = []
    for whole in total_figures:
        total_cells.append(Cell.of(whole))
        if percent:
            total_cells.append(Cell.blank())
    if total_label is not None or exclusive:
        rows.append(Row(total_label or "Total", total_cells, is_total=True))
    notes = [note] if note else []
    if not exclusive:
        notes.append("Each can be counted under several headings, so these do not add up.")
    if dropped:
        notes.append("Those with none are left out.")
    return finish(
        Table(
            key=key,
            title=title,
            row_heading=row_heading,
            columns=columns,
            rows=rows,
            note=" ".join(notes),
            people=people,
        )
    )


def hierarchy(
    series: Sequence[tuple[str, Tally]],
    parent_of: dict[str, tuple[str, str]],
    *,
    reveal: bool,
    parts: tuple[str, str, str],
    groups: tuple[str, str, str],
    total_label: str,
    note: str = "",
    drop_empty: bool = True,
) -> tuple[Table, Table]:
    """Two tables of the same things counted at two levels (referrals by GP practice,
    and by primary care network: a network's figure is the sum of its practices'),
    protected together, a column (a period) at a time: each group is a line adding up to
    the group's figure, the groups add up to the total (shown elsewhere, kept), so no
    hidden practice is a network's figure less its others. `parent_of` gives each part's
    group (code, label); a part with none is in group "". `parts` and `groups` are each
    table's (key, title, row heading)."""
    codes: list[str] = []
    labels: dict[str, str] = {}
    for _, tally in series:
        for code in tally.counts:
            if code not in labels:
                codes.append(code)
                labels[code] = tally.labels[code]
    group_of = {code: parent_of.get(code, ("", "")) for code in codes}
    group_codes = sorted({group for group, _ in group_of.values()}, key=lambda g: (g == "", g))
    group_labels = {group: label for group, label in group_of.values() if group}
    group_labels[""] = "No network recorded"
    members = {g: sorted(c for c in codes if group_of[c][0] == g) for g in group_codes}
    width = max((len(m) for m in members.values()), default=0)
    part_cells: dict[str, list[Figure]] = {code: [] for code in codes}
    group_cells: dict[str, list[Figure]] = {g: [] for g in group_codes}
    totals: list[Figure] = []
    for _, tally in series:
        grid = [
            [tally.get(c) for c in members[g]] + [0] * (width - len(members[g]))
            for g in group_codes
        ]
        table = protect(
            grid, rows_add_up=True, columns_add_up=True, keep_totals=True, reveal=reveal
        )
        for g, row, group_total in zip(group_codes, table.cells, table.row_totals, strict=True):
            for c, cell in zip(members[g], row, strict=False):
                part_cells[c].append(cell)
            group_cells[g].append(group_total)
        totals.append(table.total if table.total is not None else Figure(tally.total))

    def build(
        key: str,
        title: str,
        heading: str,
        order: list[str],
        names: dict[str, str],
        cells: dict[str, list[Figure]],
    ) -> Table:
        columns: list[str] = []
        for name, _ in series:
            columns += [name, f"{name}: %"]
        rows = []
        for code in order:
            if drop_empty and not any(f.count for f in cells[code]):
                continue
            out: list[Cell] = []
            for fig, whole in zip(cells[code], totals, strict=True):
                out += [Cell.of(fig), _percent(fig, whole, reveal=reveal)]
            rows.append(Row(names[code], out, code=code))
        total_row: list[Cell] = []
        for whole in totals:
            total_row += [Cell.of(whole), Cell.blank()]
        rows.append(Row(total_label, total_row, is_total=True))
        return finish(
            Table(key=key, title=title, row_heading=heading, columns=columns, rows=rows, note=note)
        )

    ordered_parts = [c for c in codes]
    return (
        build(*parts, ordered_parts, labels, part_cells),
        build(*groups, group_codes, group_labels, group_cells),
    )


def partition(
    key: str,
    title: str,
    row_heading: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    reveal: bool,
    total_heading: str = "Total",
    columns_add_up: bool = False,
    note: str = "",
    chart: int | None = 0,
) -> Table:
    """Rows whose cells split a whole (of 20 first visits: still going, stopped, not yet
    due), the row's total shown last; protected as adding up along each row (and down
    the columns too, with a totals row, when `columns_add_up`)."""
    grid = [list(values) for _, values in rows]
    table = protect(
        grid, rows_add_up=True, columns_add_up=columns_add_up, keep_totals=True, reveal=reveal
    )
    out = [
        Row(label, [*(Cell.of(f) for f in cells), Cell.of(total)])
        for (label, _), cells, total in zip(rows, table.cells, table.row_totals, strict=True)
    ]
    if columns_add_up and table.total is not None:
        out.append(
            Row(
                "Total",
                [*(Cell.of(f) for f in table.column_totals), Cell.of(table.total)],
                is_total=True,
            )
        )
    return finish(
        Table(
            key=key,
            title=title,
            row_heading=row_heading,
            columns=[*columns, total_heading],
            rows=out,
            note=note,
            chart=chart,
        )
    )


def nested(
    key: str,
    title: str,
    row_heading: str,
    groups: Sequence[tuple[str, str]],
    whole: Tally,
    part: Tally,
    *,
    reveal: bool,
    whole_heading: str,
    part_heading: str,
    extra: Sequence[tuple[str, dict[str, Cell]]] = (),
    reach_heading: str | None = None,
    beside_reach: tuple[str, dict[str, Cell]] | None = None,
    unknown_code: str = "",
    note: str = "",
) -> Table:
    """Groups down the side with a whole (people referred) and the part of it (of whom
    connected), protected as the partition part / rest adding up to the whole both ways,
    then the part as a percentage of the whole. `extra` columns (population share,
    average change) are added as given, keyed by group code (not protected here: the
    caller builds them with `average` or from published figures). `reach_heading`: a
    column of each group's share of the whole among those whose group is known (to set
    beside the population's shares, `beside_reach`), hidden with the figures it is made
    of."""
    grid = []
    for code, _ in groups:
        whole_count, some = whole.get(code), part.get(code)
        if some > whole_count:
            raise ValueError(
                f"{part_heading} ({some}) is more than {whole_heading} ({whole_count})"
            )
        grid.append([some, whole_count - some])
    table = protect(grid, rows_add_up=True, columns_add_up=True, keep_totals=True, reveal=reveal)
    known = _known(groups, table.row_totals, table.total, unknown_code)
    rows = []
    for (code, label), cells, total in zip(groups, table.cells, table.row_totals, strict=True):
        reach: list[Cell] = []
        if reach_heading is not None:
            reach = [
                Cell(NOT_SHOWN) if code == unknown_code else _percent(total, known, reveal=reveal)
            ]
            if beside_reach is not None:
                reach.append(beside_reach[1].get(code, Cell(NOT_SHOWN, kind="percent")))
        rows.append(
            Row(
                label,
                [
                    Cell.of(total),
                    *reach,
                    Cell.of(cells[0]),
                    _percent(cells[0], total, reveal=reveal),
                    *(column.get(code, Cell(NOT_SHOWN)) for _, column in extra),
                ],
            )
        )
    if table.total is not None:
        rows.append(
            Row(
                "Total",
                [
                    Cell.of(table.total),
                    *([Cell.blank()] if reach_heading is not None else []),
                    *([Cell.blank()] if reach_heading and beside_reach is not None else []),
                    Cell.of(table.column_totals[0]),
                    _percent(table.column_totals[0], table.total, reveal=reveal),
                    *(column.get("*", Cell.blank()) for _, column in extra),
                ],
                is_total=True,
            )
        )
    return finish(
        Table(
            key=key,
            title=title,
            row_heading=row_heading,
            columns=[
                whole_heading,
                *([reach_heading] if reach_heading is not None else []),
                *([beside_reach[0]] if reach_heading and beside_reach is not None else []),
                part_heading,
                f"{part_heading}: %",
                *(h for h, _ in extra),
            ],
            rows=rows,
            note=note,
        )
    )


def _known(
    groups: Sequence[tuple[str, str]],
    totals: Sequence[Figure],
    grand: Figure | None,
    unknown_code: str,
) -> Figure:
    """The whole less its "not recorded" group: hidden when either is."""
    whole = grand if grand is not None else Figure(sum(f.count for f in totals))
    unknown = next(
        (f for (code, _), f in zip(groups, totals, strict=True) if code == unknown_code), None
    )
    if unknown is None:
        return whole
    count = whole.count - unknown.count
    if whole.is_hidden or unknown.is_hidden:
        return Figure(count, Hidden.SECONDARY)
    return Figure(count)


def average(spread: Spread, name: str, *, reveal: bool, places: int = 1) -> Cell:
    """One statistic of a spread, or a dash over fewer than 5 people (unless revealed)."""
    if spread.n == 0 or (spread.n < SMALL and not reveal):
        return Cell(NOT_SHOWN, kind="number")
    return Cell.number(spread.get(name), places)


def spreads(
    key: str,
    title: str,
    row_heading: str,
    rows: Sequence[tuple[str, Spread]],
    stats: Sequence[tuple[str, str]],
    *,
    reveal: bool,
    n_heading: str = "People",
    show_n: bool = True,
    note: str = "",
    places: int = 1,
) -> Table:
    """Rows of averages (median days, mean change), each with how many people it is
    over (a count, protected on its own: these rows do not add up), unless `show_n` is
    False: where that count is a sum of figures in another table (referrals contacted
    within a week and later), it would give them away, so it is left out."""
    out = []
    for label, spread in rows:
        out.append(
            Row(
                label,
                [
                    *([Cell.of(figure(spread.n, reveal=reveal))] if show_n else []),
                    *(average(spread, stat, reveal=reveal, places=places) for stat, _ in stats),
                ],
            )
        )
    hidden_stats = any(0 < spread.n < SMALL for _, spread in rows) and not reveal
    notes = [note] if note else []
    if hidden_stats:
        notes.append(FEWER_THAN_5)
    return finish(
        Table(
            key=key,
            title=title,
            row_heading=row_heading,
            columns=[*([n_heading] if show_n else []), *(heading for _, heading in stats)],
            rows=out,
            note=" ".join(notes),
            chart=(1 if show_n else 0) if stats else None,
        ),
        hidden=hidden_stats,
    )


def finish(table: Table, *, hidden: bool = False) -> Table:
    table.has_hidden = hidden or any(cell.hidden for row in table.rows for cell in row.cells)
    return table
