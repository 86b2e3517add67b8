"""The area dashboard: what a coordinator reports to funders, the ICB and the council.

`build` asks the apps below for their named aggregates (casework.figures,
directory.figures, surveys.figures, areas.figures) for the period and the one before,
and turns them into sections of tables through `tables` (the one place small numbers
are hidden). The page, its CSV and XLSX, and the PDF for a steering group all render the
Report it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inspiring.areas import figures as area_figures
from inspiring.areas.models import Area
from inspiring.casework import figures as case
from inspiring.directory import figures as supply
from inspiring.surveys import figures as survey_figures
from lib.disclosure import SMALL, figure
from lib.tallies import Period, Spread, Tally

from . import periods, tables
from .exports import Report
from .population import population_shares
from .tables import Cell, Section

THIS = "This period"
BEFORE = "Previous period"


def _both(
    counter: Callable[..., Tally], area_ids: Sequence[int], period: Compared, *args: object
) -> list[tuple[str, Tally]]:
    return [
        (THIS, counter(area_ids, period.now, *args)),
        (BEFORE, counter(area_ids, period.before, *args)),
    ]


@dataclass(frozen=True)
class Compared:
    """The period chosen and the one it is compared with."""

    now: Period
    before: Period


def build(areas: Sequence[Area], choice: periods.Choice, *, reveal: bool) -> Report:
    area_ids = [area.pk for area in areas]
    period = Compared(choice.period, choice.previous)
    names = ", ".join(area.name for area in areas)
    covers = (
        f"{names}: {periods.describe(period.now)}, compared with {periods.describe(period.before)}"
    )
    slug = "monitoring-{}-{}-to-{}".format(
        "-".join(area.slug for area in areas), period.now.start, period.now.end
    )
    sections = [
        _referrals(area_ids, period, reveal),
        _first_contact(area_ids, period, reveal),
        _connections(area_ids, period, reveal),
        _outcomes(area_ids, period, reveal),
        _supply_and_demand(area_ids, period, reveal),
        _equity(area_ids, period, reveal),
    ]
    notes = [
        "Referrals are counted by the day they were received; connections by the day they "
        "were made; first visits, stops and outcomes by the day they happened.",
        "Figures are for the period chosen, beside the period of the same length before it.",
    ]
    return Report(
        title="Monitoring: " + (areas[0].programme_name if len(areas) == 1 else names),
        covers=covers,
        sections=sections,
        slug=slug,
        revealed=reveal,
        notes=notes,
    )


def _referrals(area_ids: Sequence[int], period: Compared, reveal: bool) -> Section:
    return Section(
        "referrals",
        "Referrals in",
        [
            tables.counts(
                "referrals-by-source",
                "Referrals by source",
                "Referred by",
                _both(case.referrals_by_source, area_ids, period),
                reveal=reveal,
                drop_empty=True,
                total_label="All referrals",
            ),
            *_practices_and_networks(area_ids, period, reveal),
            tables.counts(
                "referrals-by-reason",
                "Reasons for referral",
                "Reason",
                _both(case.referrals_by_reason, area_ids, period),
                reveal=reveal,
                drop_empty=True,
                total_label="Referrals (each may give several reasons)",
            ),
        ],
    )


def _practices_and_networks(
    area_ids: Sequence[int], period: Compared, reveal: bool
) -> tuple[tables.Table, tables.Table]:
    """By practice and by network, protected together: a network is its practices."""
    series = _both(case.referrals_by_practice, area_ids, period)
    codes = {code for _, tally in series for code in tally.counts}
    return tables.hierarchy(
        series,
        area_figures.practice_networks(sorted(codes)),
        reveal=reveal,
        parts=("referrals-by-practice", "Referrals by GP practice", "GP practice"),
        groups=("referrals-by-pcn", "Referrals by primary care network", "Primary care network"),
        total_label="All referrals",
        note=(
            "By the practice the person is registered with now. A practice typed by hand, "
            "or none, is under no network."
        ),
    )


def _first_contact(area_ids: Sequence[int], period: Compared, reveal: bool) -> Section:
    now = case.first_contact(area_ids, period.now)
    before = case.first_contact(area_ids, period.before)
    promise = now.promise_days
    return Section(
        "first-contact",
        "Time from referral to first contact",
        [
            tables.spreads(
                "first-contact-days",
                "Days from referral to first contact",
                "Period",
                [(THIS, now.days), (BEFORE, before.days)],
                [("median", "Median days"), ("p90", "90th percentile, days")],
                reveal=reveal,
                n_heading="Referrals contacted",
                # Referrals contacted are those within and after the promise in the next
                # table: beside it, their number would give a hidden one away.
                show_n=reveal,
                note="The 90th percentile: nine in ten were contacted within this many days.",
            ),
            tables.counts(
                "first-contact-promise",
                f"First contact against the promise (within {promise} days)",
                "First contact",
                [(THIS, now.timeliness), (BEFORE, before.timeliness)],
                reveal=reveal,
                total_label="Referrals received",
                note=(
                    "The public is told a link worker will contact them usually within a "
                    f"week: within {promise} days counts as on time."
                ),
            ),
        ],
    )


def _connections(area_ids: Sequence[int], period: Compared, reveal: bool) -> Section:
    kept = case.retention(area_ids, period.now)
    return Section(
        "connections",
        "Connections to activities",
        [
            tables.counts(
                "connections",
                "Connections made, first visits, stopped and declined",
                "What happened",
                _both(case.connections_made, area_ids, period),
                reveal=reveal,
                total_label=None,
                percent=False,
            ),
            tables.partition(
                "still-going",
                "Still going after their first visit",
                "After",
                ["Still going", "Stopped", "Too late in the period to tell"],
                [
                    (
                        "6 weeks",
                        [
                            kept.still_6,
                            kept.due_6 - kept.still_6,
                            kept.first_visits - kept.due_6,
                        ],
                    ),
                    (
                        "12 weeks",
                        [
                            kept.still_12,
                            kept.due_12 - kept.still_12,
                            kept.first_visits - kept.due_12,
                        ],
                    ),
                ],
                reveal=reveal,
                total_heading="First visits in the period",
                note=(
                    "Of the connections whose first visit was in the period: still going "
                    "means an attendance recorded that many weeks after the first visit, "
                    "or marked as attending with no stop before then, as recorded by the "
                    "period's end (or today, for a period not yet over). A first visit "
                    "less than that many weeks before then is too late to tell."
                ),
            ),
            tables.counts(
                "stopped-reasons",
                "Why people stopped going",
                "Main reason",
                _both(case.stop_reasons, area_ids, period, "stopped"),
                reveal=reveal,
                drop_empty=True,
                total_label="Stopped",
            ),
            tables.counts(
                "declined-reasons",
                "Why people declined a connection",
                "Main reason",
                _both(case.stop_reasons, area_ids, period, "declined"),
                reveal=reveal,
                drop_empty=True,
                total_label="Declined",
            ),
        ],
    )


def _outcomes(area_ids: Sequence[int], period: Compared, reveal: bool) -> Section:
    changes = case.outcome_changes(area_ids, period.now)
    section = Section(
        "outcomes",
        "Wellbeing and loneliness: change from baseline to follow-up",
        intro=(
            "Of the people whose follow-up was in the period and who have a baseline: the "
            "average score at each, and the average change."
        ),
    )
    if changes:
        rows = []
        for change in changes:
            rows.append(
                tables.Row(
                    f"{change.instrument_title}: {change.label}",
                    [
                        Cell.of(figure(change.change.n, reveal=reveal)),
                        tables.average(change.baseline, "mean", reveal=reveal),
                        tables.average(change.follow_up, "mean", reveal=reveal),
                        tables.average(change.change, "mean", reveal=reveal),
                        Cell("Higher" if change.higher_is_better else "Lower"),
                    ],
                )
            )
        few = any(0 < c.change.n < SMALL for c in changes) and not reveal
        section.tables.append(
            tables.finish(
                tables.Table(
                    key="outcome-change",
                    title="Average scores at baseline and follow-up, and the change",
                    row_heading="Scale",
                    columns=["People with both", "Baseline", "Follow-up", "Change", "Better is"],
                    rows=rows,
                    chart=3,
                    note=tables.FEWER_THAN_5 if few else "",
                ),
                hidden=few,
            )
        )
        for change in changes:
            if change.reliable is None:
                continue
            section.tables.append(
                tables.counts(
                    f"reliable-{change.instrument_code}-{change.scale_id}",
                    f"Reliable change: {change.instrument_title}, {change.label}",
                    "Change",
                    [(THIS, change.reliable)],
                    reveal=reveal,
                    total_label="People with both",
                    note="A change bigger than the scale's measurement error.",
                )
            )
    section.tables.append(
        tables.counts(
            "groups-gained",
            "Groups joined",
            "",
            _both(case.groups_gained, area_ids, period),
            reveal=reveal,
            total_label=None,
            percent=False,
        )
    )
    return section


def _supply_and_demand(area_ids: Sequence[int], period: Compared, reveal: bool) -> Section:
    section = Section(
        "supply-and-demand",
        "What is on beside what people need and want",
        intro=(
            "The calendar's sessions in the period (not people: shown as they are) beside "
            "what people referred need and would like, and what residents said in the "
            "community survey."
        ),
    )
    for key, title, heading, counter in (
        (
            "sessions-by-category",
            "Sessions by kind of activity",
            "Kind",
            supply.sessions_by_category,
        ),
        ("sessions-by-month", "Sessions by month", "Month", supply.sessions_by_month),
        ("sessions-by-day", "Sessions by day of the week", "Day", supply.sessions_by_weekday),
        (
            "sessions-by-time",
            "Sessions by time of day",
            "Time of day",
            supply.sessions_by_time_of_day,
        ),
    ):
        section.tables.append(
            tables.counts(
                key,
                title,
                heading,
                [(THIS, counter(area_ids, period.now))],
                reveal=reveal,
                total_label="Sessions",
                people=False,
                drop_empty=key == "sessions-by-category",
            )
        )
    section.tables.append(
        tables.counts(
            "interests",
            "What people assessed are interested in",
            "Kind of activity",
            [(THIS, case.interests(area_ids, period.now))],
            reveal=reveal,
            drop_empty=True,
            total_label="People assessed",
        )
    )
    section.tables.append(
        tables.counts(
            "barriers",
            "What makes it hard for people assessed to go",
            "Barrier",
            [(THIS, case.barriers(area_ids, period.now))],
            reveal=reveal,
            drop_empty=True,
            total_label="People assessed",
        )
    )
    for wishes in survey_figures.wishes(area_ids):
        # Not how many: with the responses shown, the real ones would be the difference.
        note = "Some of these responses are made-up demo data." if wishes.synthetic else ""
        section.tables.append(
            tables.counts(
                f"survey-wishes-{len(section.tables)}",
                f"What residents would like to do: {wishes.survey_title}",
                "Kind of activity",
                [("Residents", wishes.want)],
                reveal=reveal,
                drop_empty=True,
                total_label="Responses",
                note=note,
            )
        )
    return section


def _population(area_ids: Sequence[int], dimension: str) -> Tally | None:
    if dimension == "imd_quintile":
        found = area_figures.population_by_imd_quintile(area_ids)
    elif dimension == "age_band":
        found = area_figures.population_by_age_band(area_ids)
    else:
        return population_shares(area_ids, dimension)
    return found if found.total else None


def _equity(area_ids: Sequence[int], period: Compared, reveal: bool) -> Section:
    section = Section(
        "equity",
        "Equity: who is reached, who takes part, whose wellbeing changes",
        intro=(
            "People referred in the period by group, beside the group's share of the "
            "area's residents; how many of them went to an activity after that referral; "
            "and the average change in loneliness of those followed up — each as recorded "
            "by the period's end (or today, for a period not yet over)."
        ),
    )
    labels = dict(case.EQUITY_DIMENSIONS)
    found = case.equities(area_ids, period.now)
    for dimension, title in case.EQUITY_DIMENSIONS:
        figures = found[dimension]
        groups = list(figures.referred.labels.items())
        population = _population(area_ids, dimension)
        share: dict[str, Cell] = {}
        if population is not None:
            for code, _ in groups:
                if code in population.counts and population.total:
                    share[code] = tables.percent_cell(100 * population.get(code) / population.total)
        outcome = {
            code: tables.average(figures.outcome.get(code, Spread(0)), "mean", reveal=reveal)
            for code, _ in groups
        }
        note = (
            "No population figures for this: a coordinator can record them under "
            "Funding and population."
            if population is None
            else ""
        )
        section.tables.append(
            tables.nested(
                f"equity-{dimension}",
                title,
                labels[dimension].split(" (")[0],
                groups,
                figures.referred,
                figures.connected,
                reveal=reveal,
                whole_heading="Referred",
                part_heading="Been to an activity",
                reach_heading="Share of those referred",
                beside_reach=("Share of residents", share),
                extra=[(f"Average change: {figures.outcome_label}", outcome)],
                note=note,
            )
        )
    return section
