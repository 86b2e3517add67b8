"""A partner organisation's impact report: what a partner group attaches to a funding bid.

For one organisation and a period: how many people were connected to its activities,
how many came and how many kept coming (6 weeks on), connections per activity, and the
outcome change of those connected who agreed to their answers being used for evaluation
(casework.figures.partner_impact). Small numbers are always hidden, whoever looks (the
area's coordinators too): the report is made to be shared with funders.

Those who came are shown as one partition (kept coming / not still going at 6 weeks /
not counted at 6 weeks yet), protected as adding up to the number who came, so no
hidden count can be worked out by subtraction. The number connected stands on its own:
by casework's definitions those who came in the period include people connected before
it (still coming), so the two do not nest and "connected, not come yet" is not a
difference of them.
"""

from __future__ import annotations

from django.utils.text import slugify

from inspiring.casework.figures import PartnerImpact, ScaleChange
from inspiring.directory.models import Organisation
from lib.tallies import Spread, Tally

from . import periods, tables
from .exports import Report
from .tables import Section

# The periods a bid is best served by: financial years, whole and ended (quarters or
# rolling months beside them, or a year still in progress downloaded twice, would let a
# hidden count be worked out from the difference: the report always hides small
# numbers). The last year that has ended unless another is chosen.
POLICY = periods.Policy.hidden(periods.YEAR)


WEEKS = 6

CAME_GROUPS: tuple[tuple[str, str], ...] = (
    ("kept_coming", f"Kept coming: still going {WEEKS} weeks after their first visit"),
    ("stopped", f"Not still going {WEEKS} weeks after their first visit"),
    (
        "not_counted",
        f"Not counted at {WEEKS} weeks yet: their first visit was less than {WEEKS} weeks "
        "ago, or before the period",
    ),
)


def is_empty(impact: PartnerImpact) -> bool:
    return impact.connected == 0 and impact.came == 0


def came(impact: PartnerImpact) -> Tally:
    """Those who came in the period, each in exactly one group (adding up to `came`).

    The groups nest by casework's definitions (kept coming, within those whose first
    visit in the period was 6 weeks ago or more, within those who came); `min` only
    keeps a figure that did not from showing as a negative number."""
    due = min(impact.kept_coming_due, impact.came)
    kept = min(impact.kept_coming, due)
    counts = {"kept_coming": kept, "stopped": due - kept, "not_counted": impact.came - due}
    return Tally(counts=counts, labels=dict(CAME_GROUPS), total=impact.came)


def _scale_label(change: ScaleChange) -> str:
    better = "higher is better" if change.higher_is_better else "lower is better"
    return f"{change.instrument_title}: {change.label} ({better})"


def _outcome_rows(changes: list[ScaleChange]) -> list[tuple[str, Spread]]:
    """One row a scale: its means at baseline, at follow-up and of the change, over the
    same people (those with both), as one spread for `tables.spreads`."""
    return [
        (
            _scale_label(change),
            Spread(
                n=change.change.n,
                values={
                    "baseline": change.baseline.get("mean"),
                    "follow_up": change.follow_up.get("mean"),
                    "change": change.change.get("mean"),
                },
            ),
        )
        for change in changes
    ]


def build(organisation: Organisation, choice: periods.Choice, impact: PartnerImpact) -> Report:
    """The report for the page and every file, small numbers hidden."""
    period = choice.period
    area = organisation.home_area
    sections = [
        Section(
            "people",
            "People connected, and who came",
            [
                tables.spreads(
                    "connected",
                    "People connected",
                    "Who",
                    [("People connected in the period", Spread(n=impact.connected))],
                    [],
                    reveal=False,
                ),
                tables.counts(
                    "came",
                    "People who came, and who kept coming",
                    "People",
                    [("People", came(impact))],
                    reveal=False,
                    total_label="Came in the period",
                    note=(
                        "Everyone who came in the period (a first visit, or an attendance "
                        "recorded), whenever they were connected. Each person is counted "
                        "once: the rows add up to the number who came."
                    ),
                ),
                tables.counts(
                    "activities",
                    "Connections made to each activity",
                    "Activity",
                    [("Connections", impact.by_activity)],
                    reveal=False,
                    total_label="Connections made",
                    note="Someone connected to two activities is counted under each.",
                ),
            ],
            intro=(
                f"People a link worker connected to {organisation.name}'s activities in the "
                f"period, and the people who came to them: whether they kept coming."
            ),
        )
    ]
    outcomes = Section(
        "outcomes",
        "How people's wellbeing changed",
        intro=(
            "Of the people connected to its activities who agreed to their answers being "
            "used, without their names, to evaluate the programme, and whose follow-up "
            "was in the period: their average score when they started and at follow-up, "
            "and the average change. Anonymised: no one can be told apart."
        ),
    )
    if impact.outcomes:
        outcomes.tables.append(
            tables.spreads(
                "outcomes",
                "Average scores at the start and at follow-up",
                "Scale",
                _outcome_rows(impact.outcomes),
                [
                    ("baseline", "Average at the start"),
                    ("follow_up", "Average at follow-up"),
                    ("change", "Average change"),
                ],
                reveal=False,
                n_heading="People with both",
            )
        )
        # Averages are not bars: a change can be negative.
        outcomes.tables[-1].chart = None
        for change in impact.outcomes:
            if change.reliable is None:
                continue
            outcomes.tables.append(
                tables.counts(
                    f"reliable-{slugify(change.instrument_code)}-{slugify(change.scale_id)}",
                    f"Reliable change: {change.instrument_title}, {change.label}",
                    "Change",
                    [("People", change.reliable)],
                    reveal=False,
                    total_label="People with both",
                    note="A reliable change is bigger than the scale's measurement error.",
                )
            )
    sections.append(outcomes)
    return Report(
        title=f"{organisation.name}: impact",
        covers=f"{area.programme_name}: {periods.describe(period)}",
        sections=sections,
        slug=f"impact-{slugify(organisation.name)[:60]}-{period.start}-to-{period.end}",
        revealed=False,
        notes=[
            "Connected: a link worker connected them to one of its activities in the "
            "period (connections withdrawn as mistakes are left out).",
            f"Came: their first visit was recorded. Kept coming: an attendance recorded "
            f"{WEEKS} weeks or more after their first visit, or still marked as going with "
            f"no stop before then.",
            "Counts under 5 are hidden in this report whoever downloads it, so that it can "
            "be shared with funders.",
        ],
    )
