"""What commissioners and researchers see across areas: the areas side by side, and the
quarterly return.

`compare` and `quarterly_return` ask casework.figures and areas.figures for their named
aggregates, one area at a time, and build Reports through `tables` (the one place small
numbers are hidden): the page, its CSV and XLSX, and the PDF all render the Report.

Counts in a row across areas are protected as adding up to their "All areas" total (a
hidden area would otherwise be the total less the others), and that total is shown only
to someone who sees every figure anyway: each area's figures are on its own pages too.
Averages are shown only over 5 people or more unless revealed, and have no total beside
them to subtract from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from inspiring.areas import figures as area_figures
from inspiring.areas.models import Area
from inspiring.casework import figures as case
from inspiring.casework.choices import SNOMED_DECLINED, SNOMED_REFERRAL, SNOMED_TERMS
from lib.disclosure import Figure, figure
from lib.tallies import Period, Spread, Tally

from . import periods, tables
from .exports import Report
from .tables import Cell, Row, Section, Table

ALL_AREAS = "All areas"
TREND_QUARTERS = 8

# The scales compared across areas, in words short enough for a row: loneliness first
# (the programme's aim), then wellbeing. An instrument not in use anywhere is left out.
HEADLINE_SCALES: tuple[tuple[str, str, str], ...] = (
    ("ons-loneliness", "ucla3", "loneliness (UCLA, three items)"),
    ("swemwbs", "metric", "mental wellbeing (SWEMWBS)"),
    ("ons4", "life_satisfaction", "life satisfaction (ONS4)"),
)

# The codes the quarterly return reports, with their terms (casework.choices).
CODES: tuple[tuple[str, str], ...] = tuple(
    (code, SNOMED_TERMS[code]) for code in (SNOMED_REFERRAL, SNOMED_DECLINED)
)

# NHS England's expectation of a full-time link worker over a year.
GUIDANCE_PEOPLE = (200, 250)
GUIDANCE_CONTACTS = (6, 12)
GUIDANCE_SOURCE = (
    "NHS England, Social prescribing: reference guide and technical annex for primary "
    "care networks, 2023"
)
# A rate per 1,000 patients over fewer referrals than this is not shown: it would say
# more about chance than about the practice (and under 5 it is a small number).
RATE_MIN = 5


def _names(areas: Sequence[Area]) -> str:
    names = [area.name for area in areas]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _slug(prefix: str, areas: Sequence[Area], period: Period) -> str:
    return "{}-{}-{}-to-{}".format(
        prefix, "-".join(area.slug for area in areas), period.start, period.end
    )


def _by_area(
    key: str,
    title: str,
    areas: Sequence[Area],
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    reveal: bool,
    row_heading: str = "Measure",
    note: str = "",
) -> Table:
    """Counts of people, a column per area, each row protected as adding up to its
    "All areas" total (shown only beside two areas or more, and only to someone who
    sees every figure: each area's figure is on its own dashboard too, so a total beside
    a hidden one would let it be worked out from the pages together)."""
    if not reveal and len(areas) > 1:
        return tables.finish(
            Table(
                key=key,
                title=title,
                row_heading=row_heading,
                columns=[area.name for area in areas],
                rows=[Row(label, [Cell.of(figure(n)) for n in values]) for label, values in rows],
                note=note,
                chart=None,
            )
        )
    table = tables.partition(
        key,
        title,
        row_heading,
        [area.name for area in areas],
        rows,
        reveal=reveal,
        total_heading=ALL_AREAS,
        note=note,
        chart=None,
    )
    if len(areas) == 1:
        # The total of one area is that area again.
        table.columns = table.columns[:-1]
        table.rows = [Row(row.label, row.cells[:-1], row.is_total) for row in table.rows]
    return table


def _side_by_side(
    key: str, title: str, areas: Sequence[Area], parts: Sequence[Table], note: str = ""
) -> Table:
    """Tables of averages with an area a row (`tables.spreads`), turned to a column per
    area: each of their columns becomes a row. The cells are the builders' own."""
    rows = [
        Row(heading, [row.cells[index] for row in part.rows])
        for part in parts
        for index, heading in enumerate(part.columns)
    ]
    notes = [note] if note else []
    if any(tables.FEWER_THAN_5 in part.note for part in parts):
        notes.append(tables.FEWER_THAN_5)
    return tables.finish(
        Table(
            key=key,
            title=title,
            row_heading="Measure",
            columns=[area.name for area in areas],
            rows=rows,
            note=" ".join(notes),
            chart=None,
        ),
        hidden=any(part.has_hidden for part in parts),
    )


def _better(change: case.ScaleChange) -> str:
    return "higher is better" if change.higher_is_better else "lower is better"


def _scale_label(change: case.ScaleChange) -> str:
    return f"{change.instrument_title}: {change.label}"


# --- The areas side by side ----------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One area's headline figures for a period, as casework counted them."""

    referrals: int
    returned: Tally
    connections: Tally
    first_contact: case.FirstContact
    changes: dict[tuple[str, str], case.ScaleChange]


def headline(area: Area, period: Period) -> Headline:
    ids = [area.pk]
    return Headline(
        referrals=case.referrals_by_source(ids, period).total,
        returned=case.quarterly_return(ids, period),
        connections=case.connections_made(ids, period),
        first_contact=case.first_contact(ids, period),
        changes={(c.instrument_code, c.scale_id): c for c in case.outcome_changes(ids, period)},
    )


def headline_tables(
    areas: Sequence[Area], period: Period, *, reveal: bool, prefix: str = ""
) -> list[Table]:
    """The headline counts and averages, a column per area."""
    figures = [headline(area, period) for area in areas]
    counted = _by_area(
        f"{prefix}headline-counts",
        "Headline counts",
        areas,
        [
            ("Referrals received", [f.referrals for f in figures]),
            (
                f"Referrals accepted (SNOMED CT {SNOMED_REFERRAL})",
                [f.returned.get("accepted") for f in figures],
            ),
            (
                "People supported (a contact in the period)",
                [f.returned.get("supported") for f in figures],
            ),
            ("Connections made", [f.connections.get("made") for f in figures]),
            ("First visits", [f.connections.get("first_visit") for f in figures]),
            (
                "Outcomes recorded (follow-ups)",
                [f.returned.get("outcomes_recorded") for f in figures],
            ),
        ],
        reveal=reveal,
        note=(
            "Referrals are counted by the day they were received, accepted by the day of "
            "their first contact, connections by the day they were made."
        ),
    )
    names = [area.name for area in areas]
    parts = [
        tables.spreads(
            "days",
            "",
            "Area",
            list(zip(names, (f.first_contact.days for f in figures), strict=True)),
            [("median", "Median days from referral to first contact")],
            reveal=reveal,
            n_heading="Referrals first contacted",
            # Received less contacted would be those not contacted: a count of its own.
            show_n=reveal,
            places=1,
        )
    ]
    for code, scale, label in HEADLINE_SCALES:
        found = [f.changes.get((code, scale)) for f in figures]
        example = next((change for change in found if change is not None), None)
        if example is None:
            continue
        parts.append(
            tables.spreads(
                f"{code}-{scale}",
                "",
                "Area",
                [
                    (name, change.change if change is not None else Spread(0))
                    for name, change in zip(names, found, strict=True)
                ],
                [("mean", f"Mean change in {label}: {_better(example)}")],
                reveal=reveal,
                n_heading=f"People with a baseline and follow-up of {label}",
                places=2,
            )
        )
    averaged = _side_by_side(
        f"{prefix}headline-averages",
        "Time to first contact and change in wellbeing",
        areas,
        parts,
        note=(
            "Change: the average of each person's follow-up score less their baseline, "
            "over the people whose follow-up was in the period."
        ),
    )
    return [counted, averaged]


def trend_quarters(today: date, *, reveal: bool) -> list[tuple[str, Period]]:
    """The last 8 quarters; with small numbers hidden, only quarters that have ended (one
    still in progress, downloaded twice, would give the difference away)."""
    last = (
        today if reveal else periods.quarter(*periods.quarter_of(today)).start - timedelta(days=1)
    )
    return periods.previous_quarters(last, TREND_QUARTERS)


def trend_tables(areas: Sequence[Area], today: date, *, reveal: bool) -> list[Table]:
    """Referrals and connections made in each of the last 8 quarters, a column per area."""
    quarters = trend_quarters(today, reveal=reveal)
    referrals: list[tuple[str, list[int]]] = []
    connections: list[tuple[str, list[int]]] = []
    for label, period in quarters:
        referrals.append((label, [case.referrals_by_source([a.pk], period).total for a in areas]))
        connections.append(
            (label, [case.connections_made([a.pk], period).get("made") for a in areas])
        )
    note = (
        f"The last quarter, {quarters[-1][0]}, is the current one: its figures are so far."
        if reveal
        else "Quarters that have ended."
    )
    return [
        _by_area(
            "trend-referrals",
            "Referrals received each quarter",
            areas,
            referrals,
            reveal=reveal,
            row_heading="Quarter",
            note=note,
        ),
        _by_area(
            "trend-connections",
            "Connections made each quarter",
            areas,
            connections,
            reveal=reveal,
            row_heading="Quarter",
            note=note,
        ),
    ]


def compare(areas: Sequence[Area], choice: periods.Choice, today: date, *, reveal: bool) -> Report:
    period = choice.period
    quarters = trend_quarters(today, reveal=reveal)
    return Report(
        title="Areas side by side",
        covers=(
            f"{_names(areas)}: {periods.describe(period)}; trends over the quarters "
            f"{quarters[0][0]} to {quarters[-1][0]}"
        ),
        sections=[
            Section(
                "headline",
                "Headline measures",
                headline_tables(areas, period, reveal=reveal),
                intro=f"For {periods.describe(period)}.",
            ),
            Section(
                "trends",
                "Trends over the last 8 quarters",
                trend_tables(areas, today, reveal=reveal),
                intro=(
                    "A hidden figure leaves a gap in its line: the figures either side "
                    "are not joined across it."
                ),
            ),
        ],
        slug=_slug("compare", areas, period),
        revealed=reveal,
        notes=[
            "Each area's figures are its own clients'; 'All areas' adds them together.",
        ],
    )


# --- The quarterly return ------------------------------------------------------------


def last_complete_quarter(today: date) -> str:
    """The code of the quarter before today's ("2026-q1" on 1 July 2026)."""
    return periods.last_complete_quarter(today)


def is_quarter(choice: periods.Choice) -> bool:
    return bool(re.fullmatch(r"\d{4}-q[1-4]", choice.code))


def _returned(areas: Sequence[Area], period: Period, *, reveal: bool) -> Table:
    tallies = [case.quarterly_return([area.pk], period) for area in areas]
    referral, declined = CODES

    def row(label: str, code: str) -> tuple[str, list[int]]:
        return label, [tally.get(code) for tally in tallies]

    return _by_area(
        "return-counts",
        "The return",
        areas,
        [
            row(f"People referred, at acceptance: {referral[0]} {referral[1]}", "accepted"),
            row(f"Declined: {declined[0]} {declined[1]}", "declined"),
            row("People supported (a contact in the quarter)", "supported"),
            row("Connections made", "connections"),
            row("Outcomes recorded (follow-up measures)", "outcomes_recorded"),
        ],
        reveal=reveal,
        note=(
            "A referral is counted once, in the quarter of its first contact (its "
            "acceptance); a decline in the quarter it was recorded."
        ),
    )


def _changes(area: Area, period: Period, *, reveal: bool) -> Table:
    changes = case.outcome_changes([area.pk], period)
    return tables.spreads(
        f"{area.slug}-outcomes",
        f"{area.name}: change from baseline to follow-up",
        "Scale",
        [(f"{_scale_label(c)} ({_better(c)})", c.change) for c in changes],
        [("mean", "Mean change"), ("median", "Median change")],
        reveal=reveal,
        n_heading="People with both",
        places=2,
        note=(
            "Over the people whose follow-up was in the quarter and who have a baseline."
            if changes
            else "Nobody had a follow-up with a baseline in the quarter."
        ),
    )


def _rate(count: Cell, patients: int) -> Cell:
    """Referrals per 1,000 registered patients: only where the count is shown and 5 or
    more."""
    if count.hidden or count.value is None or count.value < RATE_MIN or patients == 0:
        return Cell(tables.NOT_SHOWN)
    return Cell.number(1000 * count.value / patients, 2)


def _with_rates(
    table: Table, codes: Sequence[str], patients: dict[str, int], why_not: dict[str, str]
) -> Table:
    """`table` (one column of referrals by `codes`, a total row last) with the registered
    patients and the rate per 1,000 beside each row; a row with no list size to divide
    by says why (`why_not`, else a dash)."""
    rows = []
    for code, row in zip([*codes, None], table.rows, strict=True):
        if code is None:
            rows.append(Row(row.label, [*row.cells, Cell.blank(), Cell.blank()], row.is_total))
        elif code in patients:
            size = patients[code]
            rows.append(
                Row(
                    row.label,
                    [*row.cells, Cell(f"{size:,}", size, kind="number"), _rate(row.cells[0], size)],
                )
            )
        else:
            reason = Cell(why_not.get(code, tables.NOT_SHOWN))
            rows.append(Row(row.label, [*row.cells, reason, Cell(tables.NOT_SHOWN)]))
    table.columns = [*table.columns, "Registered patients", "Per 1,000 registered patients"]
    table.rows = rows
    return table


def _protected_by_practice(
    area: Area, period: Period, *, reveal: bool
) -> tuple[Tally, dict[str, Cell], dict[str, Cell], Cell]:
    """Referrals by practice and by network, protected together (a network's figure is
    its practices': tables.hierarchy), as cells by code, with the total."""
    found = case.referrals_by_practice([area.pk], period)
    by_practice, by_network = tables.hierarchy(
        [("Referrals", found)],
        area_figures.practice_networks(sorted(found.counts)),
        reveal=reveal,
        parts=("practices", "", ""),
        groups=("networks", "", ""),
        total_label="All referrals",
        drop_empty=False,
    )
    practices = {row.code: row.cells[0] for row in by_practice.rows if not row.is_total}
    networks = {row.code: row.cells[0] for row in by_network.rows if not row.is_total}
    return found, practices, networks, by_practice.rows[-1].cells[0]


def _counted(
    key: str,
    title: str,
    heading: str,
    labels: Sequence[tuple[str, str]],
    cells: dict[str, Cell],
    total: Cell,
    note: str,
) -> Table:
    zero = Cell.of(Figure(0))
    rows = [Row(label, [cells.get(code, zero)], code=code) for code, label in labels]
    rows.append(Row("All referrals", [total], is_total=True))
    return tables.finish(
        Table(
            key=key,
            title=title,
            row_heading=heading,
            columns=["Referrals"],
            rows=rows,
            note=note,
            chart=None,
        )
    )


def _practice_rates(
    area: Area,
    period: Period,
    practices: list[area_figures.Practice],
    *,
    reveal: bool,
) -> Table:
    found, cells, _, total = _protected_by_practice(area, period, reveal=reveal)
    listed = [(p.code, f"{p.name} ({p.code})") for p in practices]
    known = {code for code, _ in listed}
    others = [
        (code, f"{label} ({code}), not on the area's list")
        for code, label in found.labels.items()
        if code and code != case.TYPED and code not in known
    ]
    labels = [
        *listed,
        *others,
        (case.TYPED, "Typed, not in the list"),
        ("", "Not recorded"),
    ]
    table = _counted(
        f"{area.slug}-practices",
        f"{area.name}: referrals per 1,000 registered patients, by GP practice",
        "GP practice",
        labels,
        cells,
        total,
        note=(
            f"A rate over fewer than {RATE_MIN} referrals, or over a hidden count, is not "
            "shown (\N{EN DASH}). Referrals by the client's GP practice now; protected "
            "together with the networks' figures below (a network's is its practices')."
        ),
    )
    why_not = {p.code: "No list size" for p in practices if p.list_size is None}
    why_not.update({code: "Not on the area's list" for code, _ in others})
    sizes = {p.code: p.list_size for p in practices if p.list_size is not None}
    return _with_rates(table, [code for code, _ in labels], sizes, why_not)


def _pcn_rates(
    area: Area,
    period: Period,
    practices: list[area_figures.Practice],
    *,
    reveal: bool,
) -> Table:
    found, _, cells, total = _protected_by_practice(area, period, reveal=reveal)
    networks: dict[str, list[area_figures.Practice]] = {}
    names: dict[str, str] = {}
    for practice in practices:
        if practice.pcn_code:
            networks.setdefault(practice.pcn_code, []).append(practice)
            names[practice.pcn_code] = practice.pcn_name or practice.pcn_code
    for network, name in area_figures.practice_networks(sorted(found.counts)).values():
        if network:
            names.setdefault(network, name or network)
    labels = [
        *sorted(((code, f"{name} ({code})") for code, name in names.items()), key=lambda x: x[1]),
        ("", "No practice or no network recorded"),
    ]
    table = _counted(
        f"{area.slug}-pcns",
        f"{area.name}: referrals per 1,000 registered patients, by primary care network",
        "Primary care network",
        labels,
        cells,
        total,
        note=(
            "Registered patients: the list sizes of the network's practices on the area's "
            "list; where one of them has no list size, the network's rate is not worked out. "
            "Referrals: those of every practice of the network, on the area's list or not."
        ),
    )
    patients: dict[str, int] = {}
    why_not: dict[str, str] = {}
    for code in names:
        sizes = [p.list_size for p in networks.get(code, [])]
        if not sizes:
            why_not[code] = "Not on the area's list"
        elif None in sizes:
            why_not[code] = "A practice has no list size"
        else:
            patients[code] = sum(size for size in sizes if size is not None)
    return _with_rates(table, [code for code, _ in labels], patients, why_not)


def _against(value: float | None, low: int, high: int) -> str:
    if value is None:
        return tables.NOT_SHOWN
    if value < low:
        return "Below"
    if value > high:
        return "Above"
    return "Within"


def _workers(area: Area, period: Period, *, reveal: bool) -> Table:
    """Each link worker's year to the quarter's end beside the national guidance: named
    for the area's coordinators, numbered for anyone else."""
    loads = case.worker_loads([area.pk], period)
    if reveal:
        ordered = sorted(loads, key=lambda load: load.label.casefold())
        labels = [load.label for load in ordered]
    else:
        # Numbered by how many people they supported, most first (names broken ties
        # only): the order the table shows anyway, so the number says nothing of who.
        ordered = sorted(
            loads, key=lambda load: (-load.people_supported, -load.contacts, load.label)
        )
        labels = [f"Link worker {n}" for n in range(1, len(ordered) + 1)]
    rows = [
        (
            label,
            Spread(
                load.people_supported,
                {"mean": load.contacts / load.people_supported if load.people_supported else None},
            ),
        )
        for label, load in zip(labels, ordered, strict=True)
    ]
    table = tables.spreads(
        f"{area.slug}-link-workers",
        f"{area.name}: link workers' year to {period.end:%-d %B %Y}",
        "Link worker",
        rows,
        [("mean", "Contacts per person")],
        reveal=reveal,
        n_heading="People supported in the 12 months",
        note=(
            f"The national guidance: {GUIDANCE_PEOPLE[0]} to {GUIDANCE_PEOPLE[1]} people "
            f"a year for a full-time link worker, over {GUIDANCE_CONTACTS[0]} to "
            f"{GUIDANCE_CONTACTS[1]} contacts each ({GUIDANCE_SOURCE}). Part-time workers "
            "and those who joined in the year will be below it."
            + ("" if reveal else " Link workers are numbered by people supported, most first.")
        ),
    )
    table.chart = None
    table.columns = [
        *table.columns,
        "Against {} to {} people".format(*GUIDANCE_PEOPLE),
        "Against {} to {} contacts each".format(*GUIDANCE_CONTACTS),
    ]
    out = []
    for row in table.rows:
        people, per_person = row.cells
        # A hidden count is under 5: below the guidance, which says no more than "<5".
        people_text = _against(people.value or 0, *GUIDANCE_PEOPLE)
        out.append(
            Row(
                row.label,
                [
                    *row.cells,
                    Cell(people_text),
                    Cell(_against(per_person.value, *GUIDANCE_CONTACTS)),
                ],
            )
        )
    table.rows = out
    return table


def quarterly_return(areas: Sequence[Area], choice: periods.Choice, *, reveal: bool) -> Report:
    period = choice.period
    sections = [
        Section(
            "return",
            "The return",
            [_returned(areas, period, reveal=reveal)],
            intro=(
                f"{choice.label}. Coded as the NHS records social prescribing: SNOMED CT "
                + " and ".join(f"{code} ({term})" for code, term in CODES)
                + "."
            ),
        )
    ]
    for area in areas:
        practices = area_figures.practices([area.pk])
        sections.append(
            Section(
                f"area-{area.slug}",
                area.name,
                [
                    _changes(area, period, reveal=reveal),
                    _practice_rates(area, period, practices, reveal=reveal),
                    _pcn_rates(area, period, practices, reveal=reveal),
                    _workers(area, period, reveal=reveal),
                ],
            )
        )
    return Report(
        title="Quarterly return",
        covers=f"{_names(areas)}: {periods.describe(period)}",
        sections=sections,
        slug=_slug("quarterly-return", areas, period),
        revealed=reveal,
        notes=[
            "Referral rates divide referrals by the practices' registered patients (NHS "
            "Digital, Patients Registered at a GP Practice) as loaded into Inspiring.",
            f"Link workers' caseloads beside: {GUIDANCE_SOURCE}.",
        ],
    )
