"""Casework's named aggregates for monitoring: counts and spreads, never rows.

Every function takes the areas (`area_ids`) and usually a `Period` (lib.tallies), counts
with the database's GROUP BY where it can, and returns plain `Tally`/`Spread` values
(or the small dataclasses below built of them). The period's figures are read from
monitoring's summary rows (`models.facts`, kept exact by `casework.facts` in the same
transaction as every change to the records): one narrow, indexed row per referral,
connection, stop or decline, assessment, follow-up scale and group membership, with
what would otherwise be worked out from the history at every request (the first
contact, the first visit, the evidence of still going at 6 and 12 weeks, the client's
next assessment or follow-up) already in it. Nothing is hidden here: monitoring
applies disclosure control. Nothing personal leaves: no names, no ids, no free text
(a connection's reason is counted by its code, `ConnectionStep.reason_code`).

Erased clients (`Client.erased_at`) are counted like any other: their rows stay as
tombstones so that past figures do not change when someone asks to be forgotten.
Withdrawn connections (made by mistake) are never counted.

Definitions (the monitoring pages say them in words):
- A referral is *in the period* when `received_on` is in it.
- *First contact*: the first `ReferralStatusChange` to CONTACTED (or straight to
  ASSESSED) for the referral; days from `received_on` to its `on`. As at the period's
  last day counted (below): a referral not contacted by then is "waiting" unless it had
  been declined, found unable to contact or closed by then ("never").
- A connection is *made* on `created_at`'s local date, if it was not withdrawn; its
  *first visit* is its first ATTENDED_FIRST step's `on`.
- *Still attending at N weeks*: of the connections whose first visit was in the period
  and at least N weeks before the period's *last day counted* (its end, or today while
  it runs: min(period.end, today)) ("due"), those with an attendance recorded as
  attended N weeks or more after the first visit, or that reached ATTENDING (a step to
  it) with no STOPPED step dated before first visit + N weeks; the attendance and the
  step count only if dated on or before that last day counted. By the steps rather than
  the status now, so that someone who stopped in week 20 still counts as attending at
  12 weeks; and by what was dated within the period, so that a past period's figures
  stay as they were when it ended (two downloads months apart cannot be differenced to
  a small count of people who came back, or became due, since).
- *Accepted* (the quarterly return's SNOMED CT 871731000000106, once per episode):
  a referral whose first step out of RECEIVED (to CONTACTED or ASSESSED) is in the
  period. *Declined* (871711000000103): a referral's DECLINED step in the period.
- *People supported*: distinct clients with a contact (`Contact.on`) in the period.
- *Outcome change*: per client and instrument, their latest complete follow-up in the
  period against their first complete baseline on or before it; each scale with a
  score at both. Reliable change by casework.outcomes' rule (Jacobson and Truax, the
  scale's own reliability), the same a client's page shows.
- *Equity* is over the people referred in the period, each once (by their first
  referral in it): *connected*, those with a first visit (a FIRST_VISIT step) to any
  activity dated on or after that referral's `received_on` (not a visit from an
  earlier episode) and on or before the period's last day counted (as above);
  *outcome*, the change on the headline scale (ONS loneliness, UCLA three items) from
  their first complete baseline to their latest complete follow-up administered on or
  before that same day (the baseline on or before the follow-up, as in *Outcome
  change*). So a past period's equity figures do not change later.
- *Age band* (to compare with the population in the LSOA data): on the referral's
  `received_on`: "0-15", "16-59", "60+", "" (no date of birth).
- *IMD quintile*: from `Client.imd_decile` ((decile + 1) // 2), "" where unknown.
- Dates of moments (`Connection.created_at`, `Contact.on`) are local dates in
  settings.TIME_ZONE, compared as moments with the period's local midnights.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from inspiring.areas.models import GPPractice
from inspiring.directory.models import Activity, Category
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, Scale
from lib.tallies import Period, Spread, Tally

from . import choices
from .models import (
    Administration,
    Attendance,
    Connection,
    ConnectionFact,
    ConnectionStep,
    Contact,
    Referral,
    ReferralFact,
    ReferralStatusChange,
    StepFact,
)
from .models.facts import AssessmentFact, MembershipFact, OutcomeFact
from .models.outcomes import Timepoint
from .outcomes import _reliable

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
    due_6: int  # ...of those, first visit at least 6 weeks before the last day counted
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
    # of them, people with a first visit to any activity from their referral to the
    # period's last day counted (min(end, today))
    connected: Tally
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
    # connections made in the period, per activity (exclusive): its listings, never a
    # partner's proposed revision of one (Activity.objects.live())
    by_activity: Tally
    # outcome change of those connected to its activities who consented to research
    outcomes: list[ScaleChange]


@dataclass(frozen=True)
class Supported:
    """What a grant's money bought in its period (cost per ... = amount / these)."""

    people: int
    connections: int
    attendances: int


# ---- implementation -------------------------------------------------------------

STATUS = Connection.Status
FIRST_VISIT = STATUS.ATTENDED_FIRST
# A referral's first contact: a step to contacted, or straight to assessed.
CONTACTED = (Referral.Status.CONTACTED, Referral.Status.ASSESSED)
TYPED = "typed"
RETENTION_WEEKS = (6, 12)
# The headline scale for equity: the UCLA three items of the ONS loneliness measure
# (inspiring/measures/instruments/ons_loneliness.py), lower is better.
HEADLINE_INSTRUMENT = "ons-loneliness"
HEADLINE_SCALE = "ucla3"
RELIABLE: tuple[tuple[str, str], ...] = (
    ("better", "Reliably better"),
    ("same", "No reliable change"),
    ("worse", "Reliably worse"),
)
# casework.outcomes' words for a reliable change, as codes: one rule for a client's page
# and for the counts here.
_RELIABLE_CODES = {
    "Reliable change (better)": "better",
    "No reliable change": "same",
    "Reliable change (worse)": "worse",
}
# Administrations in the order they were answered (Administration.Meta.ordering).
ANSWERED = ("administered_on", "created_at", "pk")


def _counted_to(period: Period) -> date:
    """The last day whose records a period's figures count: its end, or today while it
    runs. Evidence dated after it (a later attendance, a step, a follow-up) is left out,
    so the figures of a period that has ended never change."""
    return min(period.end, timezone.localdate())


def _days(field: str, period: Period) -> Q:
    """A DateField in the period, both days included."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _moments(field: str, period: Period) -> Q:
    """A DateTimeField whose local date (settings.TIME_ZONE) is in the period: compared
    with the period's bounds as moments, so an index on the field can serve it."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(period.start, time.min, zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, zone)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _count_by(
    queryset: QuerySet[Any], key: str, count: str = "pk", *, distinct: bool = False
) -> dict[str, int]:
    """{group: count} by one GROUP BY; an empty or missing group is ""."""
    found: dict[str, int] = defaultdict(int)
    rows = (
        queryset.order_by()
        .values(key)
        .annotate(n=Count(count, distinct=distinct))
        .values_list(key, "n")
    )
    for code, n in rows:
        found["" if code is None else str(code)] += n
    return found


def _listed(queryset: QuerySet[Any], field: str, codes: Sequence[str | int]) -> dict[Any, int]:
    """How many rows name each code in the JSON list `field`, and the rows ("" key), in one
    query: the rows grouped by their list (there are few different lists: a few codes
    each, from a short choice), the codes counted here, once a row however often a list
    names one. (Looking each code up at each place of the list in SQL took 2 to 4 times
    as long over a quarter of 1,000,000 referrals: bench/monitoring.py.)"""
    found = dict.fromkeys(codes, 0)
    rows = 0
    grouped = queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n")
    for listed, n in grouped:
        rows += n
        items = listed if isinstance(listed, list) else ()
        named = {c for c in items if isinstance(c, str | int)}
        for code in named & found.keys():
            found[code] += n
    found[""] = rows
    return found


# Referrals ----------------------------------------------------------------------


def _referrals(area_ids: Sequence[int], period: Period) -> QuerySet[ReferralFact]:
    """The period's referrals, as their summary rows (casework.facts)."""
    return ReferralFact.objects.filter(_days("received_on", period), area_id__in=area_ids)


def referrals_by_source(area_ids: Sequence[int], period: Period) -> Tally:
    found = _count_by(_referrals(area_ids, period), "source")
    return Tally.of(found, choices.ReferralSource.choices)


def referrals_by_practice(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: practice ODS code -> count (labels: the practice's name), "typed" for a
    practice typed by hand (not in the list), "" for none recorded. By the client's
    practice now; practices by name, then "typed"."""
    rows = (
        _referrals(area_ids, period)
        .order_by()
        .values("practice_id", "typed_practice")
        .annotate(n=Count("pk"))
        .values_list("practice_id", "typed_practice", "n")
    )
    found: dict[str, int] = defaultdict(int)
    by_pk: dict[int, int] = {}
    for practice_id, typed, n in rows:
        if practice_id is not None:
            by_pk[practice_id] = by_pk.get(practice_id, 0) + n
        else:
            found[TYPED if typed else ""] += n
    names: dict[str, str] = {}
    for pk, code, name in GPPractice.objects.filter(pk__in=by_pk).values_list("pk", "code", "name"):
        found[code] += by_pk[pk]
        if name:
            names[code] = name
    labels = sorted(names.items(), key=lambda item: (item[1], item[0]))
    return Tally.of(found, [*labels, (TYPED, "Typed by hand (not in the list)")])


def referrals_by_pcn(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: PCN code -> count (labels: PCN name), "" for no practice or no PCN."""
    by_pk: dict[int | None, int] = dict(
        _referrals(area_ids, period)
        .order_by()
        .values("practice_id")
        .annotate(n=Count("pk"))
        .values_list("practice_id", "n")
    )
    found: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    found[""] = by_pk.pop(None, 0)
    for pk, code, name in GPPractice.objects.filter(pk__in=by_pk).values_list(
        "pk", "pcn_code", "pcn_name"
    ):
        found[code or ""] += by_pk[pk]
        if code:
            names[code] = max(names.get(code, ""), name or "")
    labels = sorted(((code, name or code) for code, name in names.items()), key=lambda i: i[1])
    return Tally.of(found, labels)


def referrals_by_reason(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive (a referral gives several reasons); total = referrals."""
    found = _listed(_referrals(area_ids, period), "reasons", choices.ReferralReason.values)
    total = found.pop("")
    return Tally.of(
        found, choices.ReferralReason.choices, total=total, exclusive=False, unknown=None
    )


def first_contact(area_ids: Sequence[int], period: Period) -> FirstContact:
    # As at the period's last day counted (so a past period's figures stay as they
    # were): one query, the referrals grouped by their wait (whole days, None when not
    # contacted by then) and whether they were still waiting then; the spread and the
    # counts are worked out from those few groups here.
    last_day = _counted_to(period)
    rows = (
        _referrals(area_ids, period)
        .order_by()
        .annotate(
            wait=Case(
                When(contacted_on__lte=last_day, then=F("contact_days")),
                default=None,
                output_field=IntegerField(),
            ),
            still_open=Case(
                When(Q(ended_on__isnull=True) | Q(ended_on__gt=last_day), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values("wait", "still_open")
        .annotate(n=Count("pk"))
        .values_list("wait", "still_open", "n")
    )
    days: list[int] = []
    total = waiting = 0
    for wait, still_open, n in rows:
        total += n
        if wait is not None:
            days.extend([wait] * n)
        elif still_open:
            waiting += n
    within = sum(1 for d in days if d <= FIRST_CONTACT_PROMISE_DAYS)
    found = {
        "within": within,
        "later": len(days) - within,
        "waiting": waiting,
        "never": total - len(days) - waiting,
    }
    timeliness = Tally.of(
        found,
        (
            ("within", f"Within {FIRST_CONTACT_PROMISE_DAYS} days"),
            ("later", f"After more than {FIRST_CONTACT_PROMISE_DAYS} days"),
            ("waiting", "Not contacted yet"),
            ("never", "Not contacted: declined, closed or unable to contact"),
        ),
        total=total,
        unknown=None,
    )
    return FirstContact(
        days=Spread.of(days), timeliness=timeliness, promise_days=FIRST_CONTACT_PROMISE_DAYS
    )


# Connections --------------------------------------------------------------------


def _made(area_ids: Sequence[int], period: Period) -> QuerySet[ConnectionFact]:
    """Connections (not withdrawn) made in the period, as their summary rows."""
    return ConnectionFact.objects.filter(_days("made_on", period), area_id__in=area_ids).order_by()


def _steps(period: Period, *statuses: str) -> QuerySet[ConnectionStep]:
    """Steps to `statuses` dated in the period, of connections not withdrawn."""
    return (
        ConnectionStep.objects.filter(_days("on", period), status__in=statuses)
        .exclude(connection__status=STATUS.WITHDRAWN)
        .order_by()
    )


def _first_visit_before(period: Period) -> Exists:
    """For a step's connection: a first visit dated before the period (so any in it is
    not its first)."""
    return Exists(
        ConnectionStep.objects.filter(
            connection=OuterRef("connection"), status=FIRST_VISIT, on__lt=period.start
        )
    )


def _first_visits(period: Period) -> QuerySet[ConnectionStep]:
    """The steps that are a connection's first visit, in the period."""
    return _steps(period, FIRST_VISIT).filter(~_first_visit_before(period))


def _stops(area_ids: Sequence[int], period: Period) -> dict[tuple[str, str], int]:
    """{(status, reason code): steps} of the steps to stopped or declined in the period."""
    rows = (
        StepFact.objects.filter(_days("on", period), area_id__in=area_ids)
        .order_by()
        .values("status", "reason_code")
        .annotate(n=Count("pk"))
        .values_list("status", "reason_code", "n")
    )
    return {(status, reason or ""): n for status, reason, n in rows}


def connections_made(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive, total = connections made in the period: "made", "first_visit"
    (first visits in the period), "stopped", "declined" (steps in the period)."""
    made = _made(area_ids, period).count()
    first_visits = ConnectionFact.objects.filter(
        _days("first_visit_on", period), area_id__in=area_ids
    ).count()
    stops = _stops(area_ids, period)
    counts: dict[str, int] = {
        "first_visit": first_visits,
        **{
            status: sum(n for (s, _), n in stops.items() if s == status)
            for status in (STATUS.STOPPED, STATUS.DECLINED)
        },
    }
    return Tally.of(
        {"made": made, **counts},
        (
            ("made", "Connections made"),
            ("first_visit", "First visits"),
            ("stopped", "Stopped going"),
            ("declined", "Declined"),
        ),
        total=made,
        exclusive=False,
        unknown=None,
    )


def _retention(
    connections: QuerySet[ConnectionFact], period: Period, count: str = "pk"
) -> dict[str, int]:
    """Retention's counts over `connections` (summary rows; of connections, or with
    count="client" of distinct people) whose first visit is in the period, in one query:
    the evidence of still going at N weeks is a day in each row (casework.facts), so
    "as at the period's last day counted" is a comparison with that day."""
    last_day = _counted_to(period)
    cohort = connections.filter(_days("first_visit_on", period)).order_by()
    distinct = count != "pk"
    counts = {"first_visits": Count(count, distinct=distinct)}
    for weeks in RETENTION_WEEKS:
        due = Q(first_visit_on__lte=last_day - timedelta(weeks=weeks))
        still = Q(**{f"came_{weeks}_on__lte": last_day}) | Q(
            Q(**{f"stop_{weeks}_on__isnull": True}) | Q(**{f"stop_{weeks}_on__gt": last_day}),
            attending_on__lte=last_day,
        )
        counts[f"due_{weeks}"] = Count(count, distinct=distinct, filter=due)
        counts[f"still_{weeks}"] = Count(count, distinct=distinct, filter=due & still)
    return cohort.aggregate(**counts)


def retention(area_ids: Sequence[int], period: Period) -> Retention:
    counts = _retention(ConnectionFact.objects.filter(area_id__in=area_ids), period)
    return Retention(**counts)


def stop_reasons(area_ids: Sequence[int], period: Period, status: str) -> Tally:
    """Exclusive by `ConnectionStep.reason_code` ("" not coded) over the steps to
    `status` ("stopped" or "declined") dated in the period."""
    if status not in Connection.NEEDS_REASON:
        raise ValueError(f"Reasons are coded for stopping and declining, not {status!r}")
    found = {reason: n for (s, reason), n in _stops(area_ids, period).items() if s == status}
    return Tally.of(found, choices.StopReason.choices, unknown=("", "No reason chosen"))


# Outcomes -----------------------------------------------------------------------


def _changes(outcomes: QuerySet[OutcomeFact], period: Period) -> list[ScaleChange]:
    """Baseline to follow-up on every scale, over the clients of `outcomes` (summary
    rows: a scale of a complete follow-up with the client's first complete baseline on
    or before it) by their latest such follow-up in the period. One query: the pairs of
    scores grouped (scores are few different numbers), counted here."""
    rows = (
        outcomes.filter(_days("administered_on", period))
        .filter(Q(next_on__isnull=True) | Q(next_on__gt=period.end))
        .order_by()
        .values("instrument_code", "instrument_version", "scale", "before", "after")
        .annotate(n=Count("pk"))
        .values_list("instrument_code", "instrument_version", "scale", "before", "after", "n")
    )
    pairs: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    versions: dict[str, str] = {}
    for code, version, name, before, after, n in sorted(rows):
        versions.setdefault(code, version)
        pairs[code][name].extend([(before, after)] * n)
    found = []
    for code, scales in pairs.items():
        # The words from the current version (a scale's label and direction do not change
        # between versions), else the version answered.
        instrument = library.get(code) or library.get(code, versions[code])
        if instrument is None:
            continue  # no words to give its scales
        for scale in instrument.scales:
            if scale.name in scales:
                found.append(_scale_change(instrument, scale, scales[scale.name]))
    return sorted(found, key=lambda c: (c.instrument_title, c.instrument_code))


def _scale_change(
    instrument: Instrument, scale: Scale, pairs: list[tuple[float, float]]
) -> ScaleChange:
    changes = [after - before for before, after in pairs]
    reliable = None
    if scale.reliability is not None:
        judged: dict[str, int] = defaultdict(int)
        for change in changes:
            # The rule and rounding of a client's own outcomes page.
            words, _ = _reliable(scale, round(change, 2))
            judged[_RELIABLE_CODES[words]] += 1
        reliable = Tally.of(judged, RELIABLE, unknown=None)
    return ScaleChange(
        instrument_code=instrument.code,
        instrument_title=instrument.title,
        scale_id=scale.name,
        label=scale.label,
        higher_is_better=scale.higher_is_better,
        baseline=Spread.of((b for b, _ in pairs), stats=("mean",)),
        follow_up=Spread.of((a for _, a in pairs), stats=("mean",)),
        change=Spread.of(changes, stats=("mean", "median")),
        reliable=reliable,
    )


def outcome_changes(area_ids: Sequence[int], period: Period) -> list[ScaleChange]:
    """Every scale of every instrument in use with at least one pair (by instrument
    title): the clients' latest complete follow-up in the period against their first
    complete baseline on or before it."""
    return _changes(OutcomeFact.objects.filter(area_id__in=area_ids), period)


# Groups and assessments -----------------------------------------------------------


def groups_gained(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive: "memberships" (group memberships joined in the period), "people"
    (distinct clients who joined at least one); total = people."""
    counts = MembershipFact.objects.filter(
        _days("joined_on", period), area_id__in=area_ids
    ).aggregate(memberships=Count("pk"), people=Count("client", distinct=True))
    return Tally.of(
        counts,
        (("memberships", "Groups joined"), ("people", "People who joined a group")),
        total=counts["people"],
        exclusive=False,
        unknown=None,
    )


def _latest_assessments(area_ids: Sequence[int], period: Period) -> QuerySet[AssessmentFact]:
    """Each client's latest assessment in the period (the later one of a day: the one
    recorded last), as summary rows: those whose client's next is after the period."""
    return (
        AssessmentFact.objects.filter(_days("assessed_on", period), area_id__in=area_ids)
        .filter(Q(next_on__isnull=True) | Q(next_on__gt=period.end))
        .order_by()
    )


def interests(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive: category slug -> people whose latest assessment in the period names
    it; total = people assessed in the period."""
    labels = list(Category.objects.order_by("order", "name").values_list("pk", "slug", "name"))
    by_pk = _listed(_latest_assessments(area_ids, period), "interests", [pk for pk, _, _ in labels])
    people = by_pk.pop("")
    found = {slug: by_pk[pk] for pk, slug, _ in labels}
    return Tally.of(
        found,
        [(slug, name) for _, slug, name in labels],
        total=people,
        exclusive=False,
        unknown=None,
    )


def barriers(area_ids: Sequence[int], period: Period) -> Tally:
    """As `interests`, over the assessment's barriers (choices.Barrier)."""
    found = _listed(_latest_assessments(area_ids, period), "barriers", choices.Barrier.values)
    people = found.pop("")
    return Tally.of(found, choices.Barrier.choices, total=people, exclusive=False, unknown=None)


# Equity -------------------------------------------------------------------------


def _referred_once(area_ids: Sequence[int], period: Period) -> QuerySet[ReferralFact]:
    """Each client referred in the period once: by their first referral in it (the one
    whose client's referral before it, if any, was before the period)."""
    return (
        _referrals(area_ids, period)
        .filter(Q(previous_on__isnull=True) | Q(previous_on__lt=period.start))
        .order_by()
    )


def _groups(dimension: str) -> Sequence[tuple[str, str]]:
    groups = {
        "imd_quintile": IMD_QUINTILES,
        "age_band": AGE_BANDS,
        "sex": choices.Sex.choices,
        "ethnic_group": choices.EthnicGroup.choices,
    }
    if dimension not in groups:
        raise ValueError(f"Unknown equity dimension {dimension!r}")
    return groups[dimension]


def equity(area_ids: Sequence[int], period: Period, dimension: str) -> Equity:
    """One dimension of `equities`."""
    _groups(dimension)
    return equities(area_ids, period)[dimension]


def equities(area_ids: Sequence[int], period: Period) -> dict[str, Equity]:
    """Reach, uptake and outcome by group on every dimension (`EQUITY_DIMENSIONS`) over
    the people referred in the period (each once, by their first referral in it):
    `connected` counts those with a first visit to any activity dated from that
    referral's `received_on` to the period's last day counted (its end, or today while
    it runs); `outcome` is the change on the headline scale from their first complete
    baseline to their latest complete follow-up, both administered on or before that
    day (people with both). Nothing dated after the period's end counts, so a past
    period's figures stay as they were. Two queries for all four dimensions: the
    people by their four groups, and the headline scores of those followed up."""
    last_day = _counted_to(period)
    cohort = _referred_once(area_ids, period)
    dimensions = [code for code, _ in EQUITY_DIMENSIONS]
    rows = (
        cohort.values(*dimensions)
        .annotate(referred=Count("pk"), connected=Count("pk", filter=Q(visited_on__lte=last_day)))
        .values_list(*dimensions, "referred", "connected")
    )
    referred: dict[str, dict[str, int]] = {d: defaultdict(int) for d in dimensions}
    connected: dict[str, dict[str, int]] = {d: defaultdict(int) for d in dimensions}
    for row in rows:
        n, went = row[-2:]
        for dimension, code in zip(dimensions, row, strict=False):
            referred[dimension][code or ""] += n
            connected[dimension][code or ""] += went
    # Their latest headline follow-up by then with its baseline (a summary row).
    latest = OutcomeFact.objects.filter(
        Q(next_on__isnull=True) | Q(next_on__gt=last_day),
        client=OuterRef("client"),
        instrument_code=HEADLINE_INSTRUMENT,
        scale=HEADLINE_SCALE,
        administered_on__lte=last_day,
    )
    scores = (
        cohort.filter(Exists(latest))
        .annotate(
            before=Subquery(latest.values("before")[:1], output_field=FloatField()),
            after=Subquery(latest.values("after")[:1], output_field=FloatField()),
        )
        .values_list(*dimensions, "before", "after")
    )
    changes: dict[str, dict[str, list[float]]] = {d: defaultdict(list) for d in dimensions}
    known = {d: {code for code, _ in _groups(d)} for d in dimensions}
    for row in scores:
        before, after = row[-2:]
        for dimension, code in zip(dimensions, row, strict=False):
            changes[dimension][code if code in known[dimension] else ""].append(after - before)
    instrument = library.get(HEADLINE_INSTRUMENT)
    scale = instrument.scale(HEADLINE_SCALE) if instrument else None
    found = {}
    for dimension in dimensions:
        groups = _groups(dimension)
        found[dimension] = Equity(
            dimension=dimension,
            referred=Tally.of(referred[dimension], groups),
            connected=Tally.of(connected[dimension], groups),
            outcome={
                code: Spread.of(changes[dimension].get(code, ()), stats=("mean", "median"))
                for code in [*(c for c, _ in groups), ""]
            },
            outcome_label=scale.label if scale else HEADLINE_SCALE,
        )
    return found


# The quarterly return, people and workers ---------------------------------------


def _supported(area_ids: Sequence[int], period: Period) -> int:
    return Contact.objects.filter(_moments("on", period), client__area_id__in=area_ids).aggregate(
        n=Count("client", distinct=True)
    )["n"]


def quarterly_return(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive: "accepted" (SNOMED 871731000000106), "declined" (871711000000103),
    "supported", "connections", "outcomes_recorded" (complete follow-ups in the period);
    total = accepted. A referral is accepted once: in the period of its first step to
    contacted or assessed."""
    steps = {
        "accepted": ReferralFact.objects.filter(
            _days("contacted_on", period), area_id__in=area_ids
        ).count(),
        "declined": ReferralStatusChange.objects.filter(
            _days("on", period),
            status=Referral.Status.DECLINED,
            referral__client__area_id__in=area_ids,
        )
        .order_by()
        .aggregate(n=Count("referral", distinct=True))["n"],
    }
    found = {
        **steps,
        "supported": _supported(area_ids, period),
        "connections": _made(area_ids, period).count(),
        "outcomes_recorded": Administration.objects.filter(
            _days("administered_on", period),
            timepoint=Timepoint.FOLLOW_UP,
            complete=True,
            client__area_id__in=area_ids,
        ).count(),
    }
    return Tally.of(
        found,
        (
            ("accepted", "Referrals accepted (SNOMED CT 871731000000106)"),
            ("declined", "Declined (SNOMED CT 871711000000103)"),
            ("supported", "People supported"),
            ("connections", "Connections made"),
            ("outcomes_recorded", "Follow-up measures recorded"),
        ),
        total=steps["accepted"],
        exclusive=False,
        unknown=None,
    )


def _year_to(end: date) -> Period:
    """The 12 months to `end`, both days included (to 28 February from 1 March)."""
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return Period(year_before + timedelta(days=1), end)


def worker_loads(area_ids: Sequence[int], period: Period) -> list[WorkerLoad]:
    """Everyone who recorded contacts with the areas' clients in the 12 months to the
    period's end, by name."""
    rows = (
        Contact.objects.filter(
            _moments("on", _year_to(period.end)),
            client__area_id__in=area_ids,
            by__isnull=False,
        )
        .order_by()
        .values("by", "by__full_name", "by__email")
        .annotate(people=Count("client", distinct=True), contacts=Count("pk"))
        .values_list("by__full_name", "by__email", "people", "contacts")
    )
    loads = [
        WorkerLoad(label=name or email, people_supported=people, contacts=contacts)
        for name, email, people, contacts in rows
    ]
    return sorted(loads, key=lambda load: load.label.casefold())


# Partners and grants ------------------------------------------------------------


def partner_impact(organisation_id: int, period: Period) -> PartnerImpact:
    """Over the organisation's activities, whichever area the people are in. Outcomes:
    of the people ever connected to them (not withdrawn) who consented to research."""
    connections = Connection.objects.filter(activity__organisation_id=organisation_id).exclude(
        status=STATUS.WITHDRAWN
    )
    theirs = ConnectionFact.objects.filter(activity__organisation_id=organisation_id)
    made = theirs.filter(_days("made_on", period)).order_by()
    connected = made.aggregate(n=Count("client", distinct=True))["n"]
    came = connections.filter(
        Q(pk__in=_first_visits(period).values("connection_id"))
        | Q(
            pk__in=Attendance.objects.filter(
                _days("session__local_date", period), attended=True
            ).values("connection_id")
        )
    ).aggregate(n=Count("client", distinct=True))["n"]
    kept = _retention(theirs, period, count="client")
    # The listings themselves, as the directory lists them (a withdrawn one too: it has
    # connections in past periods), never a partner's proposed revision of one.
    activities = list(
        Activity.objects.live()
        .filter(organisation_id=organisation_id)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    by_activity = Tally.of(
        _count_by(made, "activity_id"),
        [(str(pk), title) for pk, title in activities],
        unknown=None,
    )
    outcomes = _changes(
        OutcomeFact.objects.filter(
            client__consent_to_research=True, client__in=connections.values("client_id")
        ),
        period,
    )
    return PartnerImpact(
        connected=connected,
        came=came,
        kept_coming=kept["still_6"],
        kept_coming_due=kept["due_6"],
        by_activity=by_activity,
        outcomes=outcomes,
    )


def supported(
    area_id: int,
    period: Period,
    *,
    organisation_ids: Sequence[int] | None = None,
    activity_ids: Sequence[int] | None = None,
) -> Supported:
    """The whole programme when neither is given (None: people: supported; connections
    made; attendances at any activity), else those partners' or activities' (people:
    distinct clients connected to them, connections to them, attendances at them), so
    empty lists (every partner chosen since deleted) count nothing, never the whole
    programme. Always the area's clients (the grant is the area's), connections made in
    the period and attendances at sessions in it, withdrawn connections left out."""
    made = _made([area_id], period)
    attendances = Attendance.objects.filter(
        _days("session__local_date", period),
        attended=True,
        connection__client__area_id=area_id,
    ).exclude(connection__status=STATUS.WITHDRAWN)
    if organisation_ids is None and activity_ids is None:
        return Supported(
            people=_supported([area_id], period),
            connections=made.count(),
            attendances=attendances.count(),
        )
    partners, chosen = list(organisation_ids or ()), list(activity_ids or ())
    theirs = Q(activity__organisation_id__in=partners) | Q(activity_id__in=chosen)
    counts = made.filter(theirs).aggregate(
        people=Count("client", distinct=True), connections=Count("pk")
    )
    attended = attendances.filter(
        Q(connection__activity__organisation_id__in=partners)
        | Q(connection__activity_id__in=chosen)
    ).count()
    return Supported(attendances=attended, **counts)
