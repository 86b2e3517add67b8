"""The scale-up report: how far each area is through its playbook, beside its first
figures from monitoring, an area a column (what an area's steering group and funders
read).

Built as a monitoring `Report` (monitoring.exports), so the page, its CSV and XLSX and
the PDF all render the same tables, through `monitoring.tables` (the one place small
numbers are hidden, ADR 0014):

- *Progress*: each stage's tasks done of its tasks, all stages together, and the stage
  the area is at (`progress.progress`). Tasks are not people: nothing is hidden
  (`people=False`). An area with no stages says so.
- *First figures*: referrals received, people contacted within the promise, connections
  made, first visits, and still going 6 weeks after a first visit, from casework's named
  aggregates for the period chosen. Each area's figure is the very cell its own
  monitoring dashboard shows for the same period: built by the same builder with the
  same arguments (each column of a table is protected on its own), so a figure hidden
  there is hidden here alike and nothing can be worked out from the two pages together.
  Areas are never added together: no "All areas" total beside hidden figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from inspiring.areas.models import Area
from inspiring.casework import figures as case
from inspiring.monitoring import periods, tables
from inspiring.monitoring.exports import Report
from inspiring.monitoring.tables import Cell, Row, Section, Table
from lib.tallies import Period

from .models import Stage
from .progress import Progress, progress

NO_STAGES = "No playbook stages yet"
ALL_DONE = "Every stage done"
NOT_IN_PLAYBOOK = "Not in its playbook"
WEEKS = 6

# The rows of the first figures, in the order shown.
REFERRALS = "Referrals received"
CONNECTIONS = "Connections made"
FIRST_VISITS = "First visits"
STILL_GOING = f"Still going {WEEKS} weeks after their first visit"


def _names(areas: Sequence[Area]) -> str:
    names = [area.name for area in areas]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _words(text: str) -> Cell:
    return Cell(text)


# --- Progress -----------------------------------------------------------------------


def progress_table(progresses: Sequence[Progress]) -> Table:
    """Stages down the side (in the playbook's order), an area a column: "3 of 5 tasks
    done"; then all stages together and the current stage."""
    codes = [code for code, _ in Stage.Code.choices]
    labels = dict(Stage.Code.choices)
    rows = []
    for code in codes:
        cells = []
        for found in progresses:
            stage = next((s for s in found.stages if s.stage.code == code), None)
            if not found.stages:
                cells.append(_words(tables.NOT_SHOWN))
            elif stage is None:
                cells.append(_words(NOT_IN_PLAYBOOK))
            else:
                cells.append(_words(f"{stage.done} of {stage.total} tasks done"))
        rows.append(Row(labels[code], cells, code=code))
    rows.append(
        Row(
            "All stages",
            [
                _words(f"{p.done} of {p.total} tasks done ({p.percent}%)")
                if p.stages
                else _words(tables.NOT_SHOWN)
                for p in progresses
            ],
            is_total=True,
        )
    )
    rows.append(
        Row(
            "Current stage",
            [
                _words(
                    NO_STAGES
                    if not p.stages
                    else (p.current.stage.title if p.current is not None else ALL_DONE)
                )
                for p in progresses
            ],
        )
    )
    return tables.finish(
        Table(
            key="progress",
            title="How far each area is through the playbook",
            row_heading="Stage",
            columns=[p.area.name for p in progresses],
            rows=rows,
            note=(
                "A task is done when someone marked it done, or when the platform's own "
                "data says so (a survey published, partners listed, a first referral). "
                "The current stage is the first with something left to do. Tasks are not "
                "people: these are shown as they are."
            ),
            chart=None,
            people=False,
        )
    )


# --- First figures ------------------------------------------------------------------


def _row(table: Table, label: str) -> Row:
    return next(row for row in table.rows if row.label == label)


def _figure_columns(
    areas: Sequence[Area], period: Period, *, reveal: bool
) -> tuple[list[tuple[str, list[Cell]]], int]:
    """The rows of first figures, each a cell an area, protected as each area's own
    dashboard protects them for the period (monitoring.dashboard: the same builders,
    the same arguments)."""
    names = [area.name for area in areas]
    ids = [[area.pk] for area in areas]
    # Referrals: the total of referrals by source (its total kept, as on the dashboard).
    by_source = tables.counts(
        "referrals",
        "",
        "",
        [(name, case.referrals_by_source(i, period)) for name, i in zip(names, ids, strict=True)],
        reveal=reveal,
        total_label="All referrals",
        percent=False,
    )
    referrals = _row(by_source, "All referrals").cells
    # First contact against the promise: the timeliness of each area's referrals.
    contacts = [case.first_contact(i, period) for i in ids]
    promise = contacts[0].promise_days
    timely = tables.counts(
        "first-contact",
        "",
        "",
        [(name, found.timeliness) for name, found in zip(names, contacts, strict=True)],
        reveal=reveal,
        total_label="Referrals received",
        percent=False,
    )
    within = _row(timely, contacts[0].timeliness.labels["within"]).cells
    # Connections made and first visits (counted under several headings: each on its own).
    made = tables.counts(
        "connections",
        "",
        "",
        [(name, case.connections_made(i, period)) for name, i in zip(names, ids, strict=True)],
        reveal=reveal,
        total_label=None,
        percent=False,
    )
    # Still going after 6 weeks: the dashboard's partition of each area's first visits.
    still: list[Cell] = []
    for i in ids:
        kept = case.retention(i, period)
        going = tables.partition(
            "still-going",
            "",
            "After",
            ["Still going", "Stopped", "Too late in the period to tell"],
            [
                (
                    "6 weeks",
                    [kept.still_6, kept.due_6 - kept.still_6, kept.first_visits - kept.due_6],
                ),
                (
                    "12 weeks",
                    [kept.still_12, kept.due_12 - kept.still_12, kept.first_visits - kept.due_12],
                ),
            ],
            reveal=reveal,
            total_heading="First visits in the period",
        )
        still.append(_row(going, f"{WEEKS} weeks").cells[0])
    rows = [
        (REFERRALS, referrals),
        (f"Contacted within {promise} days of referral (the promise)", within),
        (CONNECTIONS, _row(made, "Connections made").cells),
        (FIRST_VISITS, _row(made, "First visits").cells),
        (STILL_GOING, still),
    ]
    return rows, promise


def figures_table(areas: Sequence[Area], period: Period, *, reveal: bool) -> Table:
    rows, promise = _figure_columns(areas, period, reveal=reveal)
    return tables.finish(
        Table(
            key="first-figures",
            title="First figures from monitoring",
            row_heading="Measure",
            columns=[area.name for area in areas],
            rows=[Row(label, cells) for label, cells in rows],
            note=(
                "Referrals are counted by the day they were received, connections by the "
                f"day they were made, first visits by their day. Contacted within {promise} "
                "days: referrals of the period first contacted within the week the public "
                f"is promised. Still going: of the connections whose first visit was in the "
                f"period, those with an attendance {WEEKS} weeks or more after it, or marked "
                "as attending with no stop before then. Each area's figures are its own "
                "clients', as on its monitoring dashboard; areas are not added together."
            ),
            chart=None,
        )
    )


# --- The report ---------------------------------------------------------------------


def build(
    areas: Sequence[Area], choice: periods.Choice, *, reveal: bool, today: date | None = None
) -> Report:
    period = choice.period
    progresses = [progress(area, today=today) for area in areas]
    without = [p.area.name for p in progresses if not p.stages]
    intro = "Each area's stages and tasks, as they stand today."
    if without:
        intro += " {} {} no playbook stages yet.".format(
            _names([p.area for p in progresses if not p.stages]),
            "has" if len(without) == 1 else "have",
        )
    return Report(
        title="Scale-up report",
        covers=f"{_names(areas)}: the playbook today; figures for {periods.describe(period)}",
        sections=[
            Section("progress", "The playbook", [progress_table(progresses)], intro=intro),
            Section(
                "figures",
                "First figures",
                [figures_table(areas, period, reveal=reveal)],
                intro=f"For {periods.describe(period)}.",
            ),
        ],
        slug="scale-up-{}-{}-to-{}".format(
            "-".join(area.slug for area in areas), period.start, period.end
        ),
        revealed=reveal,
        notes=[
            "Progress is as it stands on the day the report is made; the figures are for "
            "the period chosen.",
        ],
    )
