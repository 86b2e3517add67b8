"""The survey summary: what residents know of, go to and would like, what stops them, by
deprivation and age, and what they want beside what the calendar offers.

Computed by three queries whatever the number of responses: the survey's categories;
ONE aggregate of the responses, grouped by every combination of the groupings shown (how
the response arrived, synthetic or not, deprivation quintile, age band: a few hundred
groups at most), summing each bit of the masks in the database ((mask >> position) & 1,
summed: the same SQL on SQLite and PostgreSQL); and one count of the calendar's sessions
by category. Each grouping's figures are then the sums of those few hundred rows, so the
responses are read once by the database and never by Python (bench/surveys.py: one
scan instead of three halved the time over 100,000 responses).

Every figure goes through lib.disclosure: counts under 5 are hidden, and whatever would
reveal them through a total, for everyone but the area's own coordinators
(`small_numbers_visible`, decided by access.sees_small_numbers). The CSV export
(exports.summary_rows) writes these same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from inspiring.directory.planning import sessions_going_ahead, window
from lib.disclosure import Figure, figure, protect

from .choices import BARRIER_BITS, AgeBand, Aspect, Mode, SurveyBarrier
from .models import Response, Survey, SurveyCategory

ASPECTS: tuple[str, ...] = tuple(Aspect.values)  # knows, uses, wants
ASPECT_TITLES = {
    Aspect.KNOWS: "Know of activities like this near them",
    Aspect.USES: "Go to activities like this",
    Aspect.WANTS: "Would like to go to (more) activities like this",
}
QUINTILE_LABELS: dict[int | None, str] = {
    1: "1 (most deprived)",
    2: "2",
    3: "3",
    4: "4",
    5: "5 (least deprived)",
    None: "Not known",
}
AGE_LABELS: dict[str, str] = {**dict(AgeBand.choices), "": "Not given"}


def _bit(column: str, position: int) -> Any:
    """1 when bit `position` of `column` is set, else 0: summed, a count of residents."""
    return F(column).bitrightshift(position).bitand(1)


def _sums(positions: Sequence[int]) -> dict[str, Any]:
    """The aggregate's columns: a count, and one sum per category bit and aspect, and
    per barrier (Coalesce: SUM over no rows is NULL)."""
    columns: dict[str, Any] = {"n": Count("pk")}
    for aspect in ASPECTS:
        for position in positions:
            columns[f"{aspect}_{position}"] = Coalesce(Sum(_bit(f"{aspect}_mask", position)), 0)
    for code, position in BARRIER_BITS.items():
        columns[f"barrier_{code}"] = Coalesce(Sum(_bit("barriers_mask", position)), 0)
    return columns


def aggregate(
    survey: Survey, by: str | tuple[str, ...], positions: Sequence[int]
) -> list[dict[str, Any]]:
    """One query: the survey's responses grouped by `by`, every figure summed per group."""
    fields = (by,) if isinstance(by, str) else by
    return list(
        Response.objects.filter(survey=survey)
        .values(*fields)
        .order_by(*fields)
        .annotate(**_sums(positions))
    )


@dataclass
class Cell:
    figure: Figure
    percent: str  # of the group's responses, hidden with the count
    share: float | None  # for a bar's length; None when hidden


def _cell(count: Figure, of: Figure) -> Cell:
    return Cell(count, count.percent_of(of), count.share_of(of))


@dataclass
class AspectRow:
    """One kind of activity: how many know of, go to and want it (of every response)."""

    label: str
    knows: Cell
    uses: Cell
    wants: Cell

    def cells(self) -> list[tuple[str, Cell]]:
        return [("Know of", self.knows), ("Go to", self.uses), ("Would like", self.wants)]


@dataclass
class CountRow:
    label: str
    cell: Cell


@dataclass
class GroupRow:
    label: str
    cells: list[Cell]  # one per group, as a percentage of that group's responses
    total: Figure  # every group together


@dataclass
class GroupTable:
    title: str
    rows: list[GroupRow]


@dataclass
class Breakdown:
    """The same figures split by one grouping (deprivation quintile, age band)."""

    slug: str
    title: str
    groups: list[str]  # column headings
    responses: list[Figure]  # per group; they add up to every response
    responses_total: Figure
    tables: list[GroupTable]

    @property
    def by(self) -> str:
        """The title inside a sentence: "by deprivation (IMD quintile …)"."""
        return self.title[0].lower() + self.title[1:]

    def group_responses(self) -> list[tuple[str, Figure]]:
        return list(zip(self.groups, self.responses, strict=True))


@dataclass
class CalendarRow:
    """What residents want beside what the calendar offers in one directory category."""

    label: str
    wants: Figure
    sessions: int  # going ahead over the window
    weeks: float  # the window's length in weeks
    per_week: float

    @property
    def per_week_shown(self) -> str:
        return "under 0.1" if self.sessions and not self.per_week else f"{self.per_week:g}"

    @property
    def nothing_on(self) -> bool:
        return self.sessions == 0

    @property
    def wanting_per_session(self) -> str:
        """Residents wanting it for each weekly session (hidden with a hidden count)."""
        if self.wants.is_hidden:
            return self.wants.text
        if self.nothing_on:
            return "nothing on"
        return f"{self.wants.count / (self.sessions / self.weeks):.1f}"

    def rank(self) -> tuple[int, float, str]:
        """Least offered for the wish first: nothing on at all, then most residents per
        weekly session (sessions over the window, not the rounded figure, so 0.04 and
        0.01 a week still order apart). A hidden count orders nothing (its place would
        tell its size): those rows come last, by label."""
        if self.wants.is_hidden:
            return (2, 0.0, self.label)
        if self.nothing_on:
            return (0, -self.wants.count, self.label)
        return (1, -self.wants.count / self.sessions, self.label)


@dataclass
class Summary:
    survey: Survey
    small_numbers_visible: bool
    responses: Figure
    by_mode: list[CountRow]
    synthetic: Figure
    categories: list[AspectRow]
    barriers: list[CountRow]
    breakdowns: list[Breakdown]
    calendar: list[CalendarRow]
    calendar_start: date
    calendar_end: date
    # Survey categories without a directory category: not in the calendar comparison.
    not_in_calendar: list[str] = field(default_factory=list)

    @property
    def has_hidden(self) -> bool:
        return not self.small_numbers_visible


def _total(rows: Iterable[Mapping[str, Any]], key: str) -> int:
    return sum(int(row[key]) for row in rows)


def _breakdown(
    slug: str,
    title: str,
    rows: list[dict[str, Any]],
    by: str,
    labels: Mapping[Any, str],
    categories: Sequence[SurveyCategory],
    reveal: bool,
) -> Breakdown:
    groups = list(labels)
    found: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row[by], []).append(row)

    def value(group: Any, key: str) -> int:
        return _total(found.get(group, ()), key)

    # One row: each group's responses, adding up to all of them.
    responses = protect([[value(g, "n") for g in groups]], reveal=reveal)
    denominators = responses.cells[0]
    # A group whose size is hidden is hidden whole in every table: one count shown in
    # its column (10 of it would like walking) would bound its size, and with the other
    # groups and the total shown, give the hidden sizes away.
    hidden_groups = [i for i, d in enumerate(denominators) if d.is_hidden]

    def table(title: str, lines: list[tuple[str, str]]) -> GroupTable:
        # Each line (a category's "would like", a barrier) is split across the groups and
        # adds up to its count over every response: secondary suppression along it.
        protected = protect(
            [[value(g, key) for g in groups] for _, key in lines],
            hidden_columns=hidden_groups,
            reveal=reveal,
        )
        return GroupTable(
            title,
            [
                GroupRow(
                    label,
                    [_cell(f, d) for f, d in zip(cells, denominators, strict=True)],
                    total,
                )
                for (label, _), cells, total in zip(
                    lines, protected.cells, protected.row_totals, strict=True
                )
            ],
        )

    tables = [
        table(
            ASPECT_TITLES[Aspect(aspect)],
            [(c.label, f"{aspect}_{c.position}") for c in categories],
        )
        for aspect in ASPECTS
    ]
    tables.append(
        table(
            "What makes it hard to go",
            [(label, f"barrier_{code}") for code, label in SurveyBarrier.choices],
        )
    )
    return Breakdown(
        slug=slug,
        title=title,
        groups=[labels[g] for g in groups],
        responses=denominators,
        responses_total=responses.row_totals[0],
        tables=tables,
    )


def _calendar(
    survey: Survey, categories: Sequence[SurveyCategory], wants: Mapping[int, Figure]
) -> tuple[list[CalendarRow], date, date]:
    """Wishes beside supply, supply counted as directory.planning counts it: sessions
    going ahead over the twelve months from the first of this month (one query)."""
    start, end = window()
    weeks = (end - start).days / 7
    sessions = dict(
        sessions_going_ahead(survey.area, start, end)
        .values("activity__categories__slug")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("activity__categories__slug", "n")
    )
    rows = [
        CalendarRow(
            label=c.label,
            wants=wants[c.position],
            sessions=sessions.get(c.category.slug, 0),
            weeks=weeks,
            per_week=round(sessions.get(c.category.slug, 0) / weeks, 1),
        )
        for c in categories
        # What residents want: a kind nobody asked for is no gap to show.
        if c.category is not None and wants[c.position].count > 0
    ]
    rows.sort(key=CalendarRow.rank)
    return rows, start, end


def summarise(survey: Survey, *, small_numbers_visible: bool) -> Summary:
    reveal = small_numbers_visible
    categories = list(survey.categories.select_related("category").order_by("position"))
    positions = [c.position for c in categories]

    groups = aggregate(survey, ("mode", "synthetic", "imd_quintile", "age_band"), positions)
    by_mode = groups
    # Overall figures: the sum of the few per-mode rows, not another pass over responses.
    overall: dict[str, int] = {key: _total(by_mode, key) for key in _sums(positions) if key != "n"}
    n = _total(by_mode, "n")
    # Synthetic and real responses add up to every response: protected as one line, so
    # 400 synthetic of 403 does not give away the 3 real ones.
    synthetic_count = _total((r for r in by_mode if r["synthetic"]), "n")
    real_and_synthetic = protect([[synthetic_count, n - synthetic_count]], reveal=reveal)
    responses = real_and_synthetic.row_totals[0]

    modes = {m: _total((r for r in by_mode if r["mode"] == m), "n") for m in Mode.values}
    mode_table = protect([[modes.get(m, 0) for m in Mode.values]], reveal=reveal)
    mode_rows = [
        CountRow(label, _cell(f, responses))
        for (_, label), f in zip(Mode.choices, mode_table.cells[0], strict=True)
    ]
    synthetic = real_and_synthetic.cells[0][0]

    def counted(key: str) -> Cell:
        return _cell(figure(overall[key], reveal=reveal), responses)

    aspect_rows = [
        AspectRow(
            c.label,
            knows=counted(f"knows_{c.position}"),
            uses=counted(f"uses_{c.position}"),
            wants=counted(f"wants_{c.position}"),
        )
        for c in categories
    ]
    barriers = [
        CountRow(label, counted(f"barrier_{code}")) for code, label in SurveyBarrier.choices
    ]
    breakdowns = [
        _breakdown(
            "deprivation",
            "By deprivation (IMD quintile of where they live; 1 is the most deprived)",
            groups,
            "imd_quintile",
            QUINTILE_LABELS,
            categories,
            reveal,
        ),
        _breakdown(
            "age",
            "By age band",
            groups,
            "age_band",
            AGE_LABELS,
            categories,
            reveal,
        ),
    ]
    wants = {
        row.position: figure(overall[f"wants_{row.position}"], reveal=reveal) for row in categories
    }
    calendar, start, end = _calendar(survey, categories, wants)
    return Summary(
        survey=survey,
        small_numbers_visible=reveal,
        responses=responses,
        by_mode=mode_rows,
        synthetic=synthetic,
        categories=aspect_rows,
        barriers=barriers,
        breakdowns=breakdowns,
        calendar=calendar,
        calendar_start=start,
        calendar_end=end,
        not_in_calendar=[c.label for c in categories if c.category is None],
    )
