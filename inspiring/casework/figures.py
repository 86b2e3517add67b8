"""Casework's named aggregates for monitoring: counts and spreads, never rows.

Every function takes the areas (`area_ids`) and usually a `Period` (lib.tallies), counts
with the database's GROUP BY where it can, and returns plain `Tally`/`Spread` values
(or the small dataclasses below built of them). Nothing is hidden here: monitoring
applies disclosure control. Nothing personal leaves: no names, no ids, no free text
(a connection's reason is counted by its code, `ConnectionStep.reason_code`).

Erased clients (`Client.erased_at`) are counted like any other: their rows stay as
tombstones so that past figures do not change when someone asks to be forgotten.
Withdrawn connections (made by mistake) are never counted.

Definitions (the monitoring pages say them in words):
- A referral is *in the period* when `received_on` is in it.
- *First contact*: the first `ReferralStatusChange` to CONTACTED (or straight to
  ASSESSED) for the referral; days from `received_on` to its `on`.
- A connection is *made* on `created_at`'s local date, if it was not withdrawn; its
  *first visit* is its first ATTENDED_FIRST step's `on`.
- *Still attending at N weeks*: of the connections whose first visit was in the period
  and at least N weeks before today ("due"), those with an attendance recorded as
  attended N weeks or more after the first visit, or whose status is ATTENDING with no
  STOPPED step dated before first visit + N weeks.
- *Accepted* (the quarterly return's SNOMED CT 871731000000106, once per episode):
  a referral whose first step out of RECEIVED (to CONTACTED or ASSESSED) is in the
  period. *Declined* (871711000000103): a referral's DECLINED step in the period.
- *People supported*: distinct clients with a contact (`Contact.on`) in the period.
- *Age band* (to compare with the population in the LSOA data): on the referral's
  `received_on`: "0-15", "16-59", "60+", "" (no date of birth).
- *IMD quintile*: from `Client.imd_decile` ((decile + 1) // 2), "" where unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lib.tallies import Period, Spread, Tally

# The public is told a link worker will contact them "usually within a week".
FIRST_CONTACT_PROMISE_DAYS = 7

AGE_BANDS: tuple[tuple[str, str], ...] = (
    ("0-15", "Aged 0 to 15"),
    ("16-59", "Aged 16 to 59"),
    ("60+", "Aged 60 and over"),
)
IMD_QUINTILES: tuple[tuple[str, str], ...] = (
    ("1", "1 (most deprived fifth)"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 (least deprived fifth)"),
)
# What equity breaks down by: the code monitoring passes, and its words.
EQUITY_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("imd_quintile", "Deprivation (IMD 2019 quintile of where they live)"),
    ("age_band", "Age"),
    ("sex", "Sex"),
    ("ethnic_group", "Ethnic group"),
)


@dataclass(frozen=True)
class FirstContact:
    """Referrals in the period by how soon they were first contacted."""

    days: Spread  # over referrals contacted: "median", "p90"
    # exclusive, total = referrals in the period: "within" (≤ promise days), "later",
    # "waiting" (open, not contacted yet), "never" (declined/closed/unable before contact)
    timeliness: Tally
    promise_days: int


@dataclass(frozen=True)
class Retention:
    first_visits: int  # connections with their first visit in the period
    due_6: int  # ...of those, first visit at least 6 weeks before today
    still_6: int
    due_12: int
    still_12: int


@dataclass(frozen=True)
class ScaleChange:
    """Change on one scale of one instrument, baseline to follow-up, over the clients
    whose follow-up (last complete) was in the period and who have a complete baseline."""

    instrument_code: str
    instrument_title: str
    scale_id: str
    label: str
    higher_is_better: bool
    baseline: Spread  # "mean"
    follow_up: Spread  # "mean"
    change: Spread  # "mean", "median"
    # exclusive over the same people, when the scale has a reliability for reliable
    # change: "better", "same", "worse" (reliably); None when it cannot be judged.
    reliable: Tally | None


@dataclass(frozen=True)
class Equity:
    """One dimension (`EQUITY_DIMENSIONS`): reach, uptake and outcome by group."""

    dimension: str
    referred: Tally  # people referred in the period, exclusive by group ("" not recorded)
    connected: Tally  # of them, people with a first visit to any activity (ever so far)
    # per group code: change on the headline scale (ons-loneliness UCLA-3 by default)
    outcome: dict[str, Spread]
    outcome_label: str


@dataclass(frozen=True)
class WorkerLoad:
    """One link worker's year to the period's end: `label` is their name."""

    label: str
    people_supported: int  # distinct clients with a contact by them in the 12 months
    contacts: int  # their contacts in the 12 months


@dataclass(frozen=True)
class PartnerImpact:
    """For one partner organisation's activities in the period."""

    connected: int  # distinct people connected (connections made) to its activities
    came: int  # distinct people with a first visit, or an attendance, in the period
    kept_coming: int  # distinct people still attending at 6 weeks (as Retention)
    kept_coming_due: int
    by_activity: Tally  # connections made in the period, per activity (exclusive)
    # outcome change of those connected to its activities who consented to research
    outcomes: list[ScaleChange]


@dataclass(frozen=True)
class Supported:
    """What a grant's money bought in its period (cost per ... = amount / these)."""

    people: int
    connections: int
    attendances: int


def referrals_by_source(area_ids: Sequence[int], period: Period) -> Tally:
    raise NotImplementedError


def referrals_by_practice(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: practice ODS code -> count (labels: the practice's name), "typed" for a
    practice typed by hand (not in the list), "" for none recorded."""
    raise NotImplementedError


def referrals_by_pcn(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: PCN code -> count (labels: PCN name), "" for no practice or no PCN."""
    raise NotImplementedError


def referrals_by_reason(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive (a referral gives several reasons); total = referrals."""
    raise NotImplementedError


def first_contact(area_ids: Sequence[int], period: Period) -> FirstContact:
    raise NotImplementedError


def connections_made(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive, total = connections made in the period: "made", "first_visit"
    (first visits in the period), "stopped", "declined" (steps in the period)."""
    raise NotImplementedError


def retention(area_ids: Sequence[int], period: Period) -> Retention:
    raise NotImplementedError


def stop_reasons(area_ids: Sequence[int], period: Period, status: str) -> Tally:
    """Exclusive by `ConnectionStep.reason_code` ("" not coded) over the steps to
    `status` ("stopped" or "declined") dated in the period."""
    raise NotImplementedError


def outcome_changes(area_ids: Sequence[int], period: Period) -> list[ScaleChange]:
    """Every scale of every instrument in use with at least one pair."""
    raise NotImplementedError


def groups_gained(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive: "memberships" (group memberships joined in the period), "people"
    (distinct clients who joined at least one)."""
    raise NotImplementedError


def interests(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive: category slug -> people whose latest assessment in the period names
    it; total = people assessed in the period."""
    raise NotImplementedError


def barriers(area_ids: Sequence[int], period: Period) -> Tally:
    """As `interests`, over the assessment's barriers (choices.Barrier)."""
    raise NotImplementedError


def equity(area_ids: Sequence[int], period: Period, dimension: str) -> Equity:
    raise NotImplementedError


def quarterly_return(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive: "accepted" (SNOMED 871731000000106), "declined" (871711000000103),
    "supported", "connections", "outcomes_recorded" (follow-ups in the period)."""
    raise NotImplementedError


def worker_loads(area_ids: Sequence[int], period: Period) -> list[WorkerLoad]:
    raise NotImplementedError


def partner_impact(organisation_id: int, period: Period) -> PartnerImpact:
    raise NotImplementedError


def supported(
    area_id: int,
    period: Period,
    *,
    organisation_ids: Sequence[int] = (),
    activity_ids: Sequence[int] = (),
) -> Supported:
    """The whole programme when neither is given (people: supported; connections made;
    attendances at any activity), else those partners' or activities' (people: distinct
    clients connected to them, connections to them, attendances at them)."""
    raise NotImplementedError
