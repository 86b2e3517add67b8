"""Two years of past, closed demo cases, so monitoring's quarters, trends, quarterly
return, partner impact and equity tables have something to show beside the live demo
caseload (casework.py: about 40 open cases per area, referred in the last four months).

About 300 fictional clients per area, referred over the eight financial quarters before
this one (and this one so far), more in recent quarters, fewer in August and over
Christmas, hardly any at weekends. Every case is CLOSED: its referral ended closed (with
an outcome), declined (coded SNOMED CT 871711000000103, as the actions code it) or unable
to contact, and the client's `closed_at` is the day it ended, before today. A case drawn
that could not have closed yet is still open, the live caseload's kind, so it is left
out and another drawn (a connected one is tried once as a brief intervention, closed
within weeks): the months just gone have fewer past cases, mostly the quicker ones.

Synthetic like the rest of the demo: the name lists of casework.py, NHS numbers in the
999 range the NHS keeps for testing (each client a different one), phone numbers in
Ofcom's drama range.
People as in a Nottinghamshire district: mostly White British, more women than men,
aged 18 to 90 (older more often), living at postcodes of the area (their LSOA and IMD
decile from it, the more deprived places more often); registered with one of the
area's open GP practices on the loaded list (by list size; 1 in 20 typed by hand, 1 in
20 none), or with none recorded when no practices are loaded.

Each case, as the actions would have recorded it, dated:

- received (coded SNOMED CT 871731000000106) -> contacted 1-20 days later (within the
  week promised for 60 % of referrals two years ago, 85 % lately) -> assessed -> active
  on the day the first connection is agreed -> closed with an outcome; or declined after
  the first call or after the assessment; or unable to contact after three calls and a
  letter; or assessed and referred on to another service;
- 3-10 contacts by the area's worker (first call, assessment, check-ins, follow-up,
  closing call);
- an assessment (what matters, interests including the kind of activity they went on
  to, barriers, their week) and the groups they held before (joined years before);
- 1-3 connections to the area's published activities: agreed -> first visit -> attending
  -> (stopped, with a coded reason), or declined with a coded reason. Connections are
  signposts or introductions WITHOUT the client's consent to share their details, so
  no partner's list or session register fills with two years of past people (partner
  pages show shared connections only); monitoring counts them all the same;
- attendance on the activity's sessions between the first visit and stopping (or the
  case closing), only where those sessions exist: sessions are materialised from today
  on, so a freshly loaded demo has none in the past, and no attendance;
- for about 60 % of clients, ONS4 and ONS loneliness at the assessment and about twelve
  weeks later, answered and scored as outcomes.py does (the same generators and the
  instruments' own scoring), with a modest average improvement, larger for those who
  joined more groups in between (joined on dated days, as outcomes.py dates them).

No one consented to research (`consent_to_research=False`): the evaluation's extracts and
built-in questions read the live caseload's consenting clients only, unchanged.

Deterministic (one seeded generator, dates counted from today), idempotent (the first
client's public id comes from the seed: loaded once) and fast (bulk inserts, a few
statements per table, no actions and no audit entries).
"""

from __future__ import annotations

import gc
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area, GPPractice, Postcode
from inspiring.casework import choices, facts
from inspiring.casework.models import (
    Administration,
    Assessment,
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    Contact,
    GroupMembership,
    Referral,
    ReferralStatusChange,
)
from inspiring.casework.models.outcomes import FOLLOW_UP_AFTER
from inspiring.directory.models import Activity, Category, Session
from inspiring.measures import library
from inspiring.monitoring import periods

from .casework import FIRST, LAST, STREETS, WHAT_MATTERS, _nhs_number
from .outcomes import JOINING, NEW_GROUPS, _administration, _between, _loneliness, _ons4

T = TypeVar("T")

# Clients per area, over the quarters below.
HISTORY_CLIENTS = 300
# Referrals from the start of this many financial quarters before the current one...
QUARTERS = 8
# ...to this long before today (the quickest cases close within two weeks).
NEWEST = timedelta(days=14)
BATCH = 500

FEMALE = frozenset(
    ("Margaret", "Susan", "Joan", "Linda", "Carol", "Aisha", "Grace", "Beverley", "Hannah", "Priti")
)
# The first names of casework.py, by the sex most people with them were registered at birth.
FEMALE_NAMES = tuple(name for name in FIRST if name in FEMALE)
MALE_NAMES = tuple(name for name in FIRST if name not in FEMALE)

# (value, weight) lists: drawn with _pick. Nottinghamshire's districts at the 2021
# census are about 93 % White British; people referred are more often women, and older.
SEX = (("female", 58), ("male", 40), ("prefer_not", 1), ("", 1))
ETHNIC_GROUP = (
    ("white_british", 900),
    ("white_other", 30),
    ("white_irish", 5),
    ("white_gypsy_traveller", 2),
    ("white_roma", 2),
    ("mixed_white_black_caribbean", 6),
    ("mixed_white_asian", 4),
    ("mixed_white_black_african", 2),
    ("mixed_other", 2),
    ("asian_indian", 8),
    ("asian_pakistani", 5),
    ("asian_bangladeshi", 1),
    ("asian_chinese", 2),
    ("asian_other", 3),
    ("black_african", 7),
    ("black_caribbean", 4),
    ("black_other", 1),
    ("other_arab", 1),
    ("other", 2),
    ("prefer_not", 8),
    ("", 10),
)
DISABILITY = (("a_lot", 25), ("a_little", 30), ("no", 40), ("prefer_not", 3), ("", 2))
CARER = (
    ("no", 72),
    ("up_to_9", 10),
    ("10_to_19", 5),
    ("20_to_34", 4),
    ("35_to_49", 3),
    ("50_or_more", 4),
    ("prefer_not", 2),
)
WORKING_AGE = (
    ("employee", 25),
    ("self_employed", 4),
    ("unemployed", 15),
    ("sick_or_disabled", 30),
    ("home", 10),
    ("student", 2),
    ("other", 4),
    ("prefer_not", 2),
)
SOURCE = (
    ("gp", 40),
    ("practice_staff", 16),
    ("self", 12),
    ("adult_social_care", 7),
    ("voluntary", 6),
    ("mental_health", 4),
    ("hospital", 3),
    ("pharmacy", 3),
    ("council", 3),
    ("housing", 3),
    ("job_centre", 1),
    ("police_fire", 1),
    ("other", 1),
)
REASON = (
    ("loneliness", 32),
    ("low_mood", 26),
    ("long_term_condition", 15),
    ("inactivity", 10),
    ("bereavement", 8),
    ("carer_stress", 5),
    ("money", 5),
    ("housing", 3),
    ("weight", 3),
    ("employment", 2),
    ("other", 2),
)
BARRIER = (
    ("anxiety", 25),
    ("not_knowing_anyone", 20),
    ("transport", 15),
    ("cost", 12),
    ("health", 12),
    ("mobility", 10),
    ("awareness", 10),
    ("time", 6),
    ("digital", 5),
    ("nothing_appealing", 3),
    ("infection", 2),
    ("language", 1),
)
# How a case went.
PATH = (
    ("connected", 74),
    ("brief", 3),
    ("declined", 8),
    ("unable", 6),
    ("declined_assessed", 4),
    ("referred_on", 5),
)
# Why someone stopped going, or declined an activity (choices.StopReason), with the words
# a link worker might have written beside the code.
STOPPED = (
    ("health", 20),
    ("not_for_them", 15),
    ("time", 15),
    ("transport", 12),
    ("anxiety", 10),
    ("cost", 8),
    ("found_elsewhere", 8),
    ("activity_ended", 6),
    ("moved", 3),
    ("other", 3),
)
DECLINED = (
    ("not_for_them", 25),
    ("anxiety", 20),
    ("transport", 15),
    ("time", 12),
    ("cost", 10),
    ("health", 10),
    ("found_elsewhere", 5),
    ("other", 3),
)
REASON_WORDS = {
    "cost": "Could not keep paying for it.",
    "transport": "The bus stopped running that way.",
    "time": "Looking after her husband again; no time in the week.",
    "health": "Knee operation, then a long recovery.",
    "anxiety": "Too nervous to go on their own.",
    "not_for_them": "Not what they hoped for.",
    "found_elsewhere": "Found a group nearer home through a neighbour.",
    "activity_ended": "The group stopped meeting.",
    "moved": "Moved to be near family.",
    "other": "Did not want to say why.",
}
DECLINE_WORDS = (
    "Feels able to manage now.",
    "Not the right time: caring for family.",
    "Already getting support from their church.",
    "Did not want to be referred; the GP suggested it.",
)
OUTCOME_WORDS = {
    "goals_met": "Connected and attending; goals met.",
    "partly_met": "Went for a while; more confident getting out.",
    "not_met": "Nothing suited for now; knows how to come back.",
    "disengaged": "Stopped answering calls after the first visits.",
    "moved_away": "Moved out of the area.",
    "other_service": "Referred on to a service that fits better.",
}
# A postcode and what it gives (LSOA, IMD decile, approximate or not, latitude, longitude),
# and no address at all (no postcodes loaded).
Place = tuple[str, str, int | None, bool, float | None, float | None]
NOWHERE: Place = ("", "", None, False, None, None)
# Typed by hand: a practice outside the area's list.
TYPED_PRACTICES = ("A practice in Nottingham (out of area)", "Practice in Derbyshire")
GROUPS_HELD = (
    ("My family", "family"),
    ("Church", "faith"),
    ("Old work friends", "friends"),
    ("Neighbours", "neighbours"),
)
# Referrals by month (the year's seasons: fewer in August and December), and weekday.
MONTH = (1.15, 1.1, 1.05, 0.95, 1.0, 0.95, 0.9, 0.7, 1.0, 1.05, 1.1, 0.8)
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 0.95, 0.12, 0.04)
# Measured at the assessment (and followed up) for this share of the connected cases;
# a baseline only for this share of those assessed who went no further.
MEASURED = 0.95
BASELINE_ONLY = 0.5


def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    return rng.choices([value for value, _ in weighted], [w for _, w in weighted])[0]


def _some(rng: random.Random, weighted: Sequence[tuple[str, float]], k: int) -> list[str]:
    """`k` different values, drawn by weight."""
    chosen: list[str] = []
    while len(chosen) < min(k, len(weighted)):
        value = _pick(rng, weighted)
        if value not in chosen:
            chosen.append(value)
    return chosen


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """That time of `day` in the site's zone (Europe/London)."""
    return datetime.combine(day, time(hour, minute), tzinfo=_zone())


@cache
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass
class _Step:
    status: str
    on: date
    reason: str = ""
    code: str = ""  # SNOMED CT for a referral's step, StopReason for a connection's


@dataclass
class _Link:
    """A planned connection: its activity, level and steps."""

    activity: Activity
    level: str
    support: list[str]
    steps: list[_Step]

    @property
    def status(self) -> str:
        return self.steps[-1].status

    def reached(self, status: str) -> _Step | None:
        return next((s for s in self.steps if s.status == status), None)


@dataclass
class _Case:
    """A planned case: what happened, on which days."""

    received: date
    path: str
    steps: list[_Step] = field(default_factory=list)
    contacts: list[tuple[datetime, str, int, str]] = field(default_factory=list)
    assessed: date | None = None
    links: list[_Link] = field(default_factory=list)
    baseline: date | None = None
    follow_up: date | None = None
    closed: date | None = None
    outcome: str = ""

    def step(self, status: str, on: date, reason: str = "") -> None:
        code = {
            "received": choices.SNOMED_REFERRAL,
            "declined": choices.SNOMED_DECLINED,
        }.get(status, "")
        self.steps.append(_Step(status, on, reason, code))

    def contact(self, rng: random.Random, on: date, kind: str, minutes: int, notes: str) -> None:
        self.contacts.append(
            (_at(on, rng.randint(9, 16), rng.choice((0, 15, 30, 45))), kind, minutes, notes)
        )

    def last_day(self) -> date:
        days = [s.on for s in self.steps] + [c[0].date() for c in self.contacts]
        days += [s.on for link in self.links for s in link.steps]
        days += [d for d in (self.follow_up, self.closed) if d is not None]
        return max(days)


def _contact_wait(rng: random.Random, progress: float) -> int:
    """Days to the first contact: within the week promised for 60 % two years ago, 85 %
    lately (the service got quicker), else up to 20 days."""
    if rng.random() < 0.6 + 0.25 * progress:
        return rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7))
    return rng.randint(8, 20)


def _link(rng: random.Random, activity: Activity, agreed: date, *, brief: bool) -> _Link:
    """A connection's steps from the day it was agreed (`brief`: within a few weeks)."""
    level = _pick(rng, (("signpost", 55), ("introduction", 45)))
    support = rng.sample(["accompany", "buddy", "transport", "cost"], k=rng.choice((0, 0, 1, 1, 2)))
    steps = [_Step("agreed", agreed)]
    if rng.random() < 0.12:
        code = _pick(rng, DECLINED)
        on = agreed + timedelta(rng.randint(1, 14))
        steps.append(_Step("declined", on, REASON_WORDS[code], code))
        return _Link(activity, level, support, steps)
    first = agreed + timedelta(rng.randint(2, 10 if brief else 14))
    steps.append(_Step("attended_first", first))
    if rng.random() < 0.12:
        code = _pick(rng, STOPPED)
        on = first + timedelta(rng.randint(7, 21))
        steps.append(_Step("stopped", on, REASON_WORDS[code], code))
        return _Link(activity, level, support, steps)
    going = first + timedelta(rng.randint(7, 14))
    steps.append(_Step("attending", going))
    if rng.random() < (0.2 if brief else 0.35):
        code = _pick(rng, STOPPED)
        on = going + timedelta(rng.randint(7, 21) if brief else rng.randint(14, 150))
        steps.append(_Step("stopped", on, REASON_WORDS[code], code))
    return _Link(activity, level, support, steps)


def _journey(
    rng: random.Random, received: date, progress: float, activities: list[Activity], path: str
) -> _Case:
    """One case along `path` (PATH, or "brief": connected, and closed within weeks)."""
    case = _Case(received=received, path=path)
    case.step("received", received)
    day = received + timedelta(_contact_wait(rng, progress))
    if path == "unable":
        for gap in (0, rng.randint(2, 5), rng.randint(3, 7)):
            day += timedelta(gap)
            case.contact(rng, day, "phone", 5, "Called: no answer; left a message to ring back.")
        day += timedelta(rng.randint(1, 3))
        case.contact(rng, day, "message", 10, "Letter: we tried to call; ring us for support.")
        day += timedelta(rng.randint(10, 21))
        case.step("unable_to_contact", day, "No reply to three calls and a letter.")
        case.closed = day
        return case
    case.step("contacted", day)
    case.contact(rng, day, "phone", rng.choice((10, 15, 20, 30)), "First call: the programme.")
    if path == "declined":
        day += timedelta(rng.randint(0, 10))
        case.contact(rng, day, "phone", rng.choice((5, 10, 15)), "They would rather not, for now.")
        case.contact(rng, day, "message", 5, "Letter: ring us if you change your mind.")
        case.step("declined", day, rng.choice(DECLINE_WORDS))
        case.closed = day
        return case
    brief = path == "brief"
    day += timedelta(0 if rng.random() < 0.2 else rng.randint(3, 7 if brief else 14))
    case.assessed = day
    case.step("assessed", day)
    case.contact(
        rng,
        day,
        rng.choice(("face_to_face", "face_to_face", "home_visit", "phone")),
        rng.choice((45, 60, 60, 75, 90)),
        "Assessment: what matters to them, their interests, their groups and their week.",
    )
    if path in ("declined_assessed", "referred_on") or not activities:
        if rng.random() < BASELINE_ONLY:
            case.baseline = day
        day += timedelta(rng.randint(5, 30))
        if path == "declined_assessed":
            case.contact(rng, day, "phone", 15, "Went through the ideas; they decided against.")
            case.step("declined", day, rng.choice(DECLINE_WORDS))
        else:
            case.contact(rng, day, "phone", 20, "Another service would help more: referred on.")
            case.outcome = "other_service"
            case.step("closed", day, OUTCOME_WORDS["other_service"])
        case.closed = day
        return case
    # Connected: active from the day the first connection is agreed.
    agreed = day + timedelta(rng.randint(0, 7 if brief else 14))
    case.step("active", agreed)
    count = 1 if brief else _pick(rng, ((1, 55), (2, 35), (3, 10)))
    chosen: list[Activity] = []
    while len(chosen) < min(count, len({a.pk for a in activities})):
        activity = rng.choice(activities)
        if activity not in chosen:
            chosen.append(activity)
    for n, activity in enumerate(chosen):
        start = agreed if n == 0 else agreed + timedelta(rng.randint(7, 60))
        link = _link(rng, activity, start, brief=brief)
        case.links.append(link)
        first = link.reached("attended_first")
        if first is not None:
            on = first.on + timedelta(rng.randint(1, 10))
            case.contact(rng, on, "phone", 15, "Asked how the first visit went.")
        if link.status in ("stopped", "declined"):
            words = "stopping going to" if link.status == "stopped" else "not going to"
            case.contact(
                rng, link.steps[-1].on, "phone", 15, f"Talked about {words} {activity.title}."
            )
    if brief:
        # Closed within weeks: measured at the assessment at most.
        if rng.random() < BASELINE_ONLY:
            case.baseline = case.assessed
    elif rng.random() < MEASURED:
        case.baseline = case.assessed
        case.follow_up = case.assessed + FOLLOW_UP_AFTER + timedelta(rng.randint(-7, 10))
        case.contact(rng, case.follow_up, "phone", 20, "Follow-up: the wellbeing questions again.")
    case.closed = case.last_day() + timedelta(rng.randint(3, 14 if brief else 28))
    while len(case.contacts) < (5 if brief else 9) and rng.random() < 0.45:
        on = _between(rng, agreed, case.closed)
        case.contact(rng, on, "phone", 10, "Checked in: how things are going.")
    case.contact(rng, case.closed, "phone", 20, "Closing call: what has changed; how to come back.")
    statuses = {link.status for link in case.links}
    stop_codes = {link.steps[-1].code for link in case.links if link.status == "stopped"}
    if "attending" in statuses:
        case.outcome = _pick(rng, (("goals_met", 80), ("partly_met", 20)))
    elif "moved" in stop_codes:
        case.outcome = "moved_away"
    elif any(link.reached("attending") for link in case.links):
        case.outcome = _pick(rng, (("partly_met", 60), ("not_met", 20), ("disengaged", 20)))
    else:
        case.outcome = _pick(rng, (("not_met", 50), ("disengaged", 30), ("other_service", 20)))
    case.step("closed", case.closed, OUTCOME_WORDS[case.outcome])
    return case


def _plan(
    rng: random.Random, received: date, progress: float, activities: list[Activity], today: date
) -> _Case | None:
    """A case referred on `received` that had closed by yesterday, or None: one still
    going would be open (the live caseload's kind), so it is not history. A connected
    case too long to have closed is tried once as a brief one, closed within weeks."""
    path = _pick(rng, PATH)
    for attempt in (path, "brief") if path == "connected" else (path,):
        case = _journey(rng, received, progress, activities, attempt)
        if case.last_day() < today:
            return case
    return None


def _referral_days(start: date, end: date) -> tuple[list[date], list[float]]:
    """The days from `start` to `end` and their cumulative weights for drawing referral
    days: more lately, fewer in August and December, hardly any at weekends."""
    days = [start + timedelta(n) for n in range((end - start).days + 1)]
    span = max(len(days) - 1, 1)
    weights = accumulate(
        (0.7 + 0.6 * n / span) * MONTH[day.month - 1] * WEEKDAY[day.weekday()]
        for n, day in enumerate(days)
    )
    return days, list(weights)


def history_start(today: date) -> date:
    """The first day of the financial quarter `QUARTERS` before today's."""
    year, number = periods.quarter_of(today)
    for _ in range(QUARTERS):
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return periods.quarter(year, number).start


def load_demo_history(area: Area, worker: User, *, seed: str, today: date | None = None) -> int:
    """The area's past, closed demo cases (see the module's note), once. Returns how many
    clients were created."""
    today = today or timezone.localdate()
    rng = random.Random(f"{seed}-history")  # noqa: S311 - demo data, not security
    public_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(HISTORY_CLIENTS)]
    if Client.objects.filter(public_id=public_ids[0]).exists():
        return 0
    places: list[Place] = list(
        Postcode.objects.filter(district_code__in=area.district_codes(), lsoa__isnull=False)
        .order_by("postcode")
        .values_list(
            "postcode",
            "lsoa__code",
            "lsoa__imd_decile",
            "lsoa_approximate",
            "latitude",
            "longitude",
        )
    )
    # Social prescribing reaches the more deprived places more: twice the weight in the
    # most deprived decile as in the least.
    place_weights = list(accumulate(1 + (10 - (decile or 10)) / 9 for _, _, decile, *_ in places))
    practices = list(
        GPPractice.objects.filter(
            district_code__in=area.district_codes(), status=GPPractice.Status.ACTIVE
        ).order_by("code")
    )
    published = list(
        Activity.objects.visible_in(area)
        .filter(home_area=area, max_age__isnull=True)
        .order_by("pk")
        .prefetch_related("categories")
    )
    # As the live caseload: the area's first organisation (the demo partner lead's) gets
    # more of the connections, so its impact page has people on it.
    favoured = [a for a in published if a.organisation_id == published[0].organisation_id]
    activities = favoured * 3 + published[:60]
    taken = set(
        Client.objects.filter(nhs_number__startswith="999").values_list("nhs_number", flat=True)
    )
    with _collector_paused():
        rows = _Rows(rng, worker, list(Category.objects.order_by("order")))
        start, end = history_start(today), today - NEWEST
        days, weights = _referral_days(start, end)
        span = max((end - start).days, 1)
        # Referral days are drawn until there are enough cases closed by now.
        for public_id in public_ids:
            case = None
            while case is None:
                received = rng.choices(days, cum_weights=weights)[0]
                case = _plan(rng, received, (received - start).days / span, activities, today)
            client = _client(
                rng, area, worker, public_id, case, places, place_weights, practices, taken
            )
            rows.add(client, case)
        rows.attend(today)
        with transaction.atomic(), _as_recorded():
            rows.save()
    return len(rows.clients)


# The fields Django dates "now" on insert (auto_now_add) that history dates as recorded.
RECORDED = (
    (Client, "created_at"),
    (Client, "last_activity_at"),
    (Referral, "created_at"),
    (ReferralStatusChange, "at"),
    (Contact, "created_at"),
    (Assessment, "created_at"),
    (GroupMembership, "created_at"),
    (Connection, "created_at"),
    (ConnectionStep, "at"),
    (Administration, "created_at"),
)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while the rows are made: tens of thousands of
    objects with no cycles to find, whose making would otherwise have the collector
    scan everything alive (the directory just loaded) again and again: a third of the
    time this takes. Back on after, if it was on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def _as_recorded() -> Iterator[None]:
    """Inserts keep the `RECORDED` dates given (a case recorded in the past), rather than
    now: auto_now_add is off while they run, for this loader's bulk inserts only, and
    back on after, whatever happens."""
    fields = []
    for model, name in RECORDED:
        each = model._meta.get_field(name)
        assert isinstance(each, models.DateTimeField)
        fields.append(each)
    for each in fields:
        each.auto_now_add = False
    try:
        yield
    finally:
        for each in fields:
            each.auto_now_add = True


def _client(
    rng: random.Random,
    area: Area,
    worker: User,
    public_id: uuid.UUID,
    case: _Case,
    places: list[Place],
    place_weights: list[float],
    practices: list[GPPractice],
    taken: set[str],
) -> Client:
    sex = _pick(rng, SEX)
    names = FEMALE_NAMES if sex == "female" else MALE_NAMES if sex == "male" else FIRST
    age = max(18, min(90, round(rng.gauss(61, 17))))
    born = case.received - timedelta(days=365.25 * age + rng.randint(1, 364))
    place = rng.choices(places, cum_weights=place_weights)[0] if places else None
    postcode, lsoa, decile, approximate, latitude, longitude = place or NOWHERE
    practice: GPPractice | None = None
    typed = ""
    if practices:
        draw = rng.random()
        if draw < 0.9:
            practice = rng.choices(practices, [p.list_size or 6000 for p in practices])[0]
        elif draw < 0.95:
            typed = rng.choice(TYPED_PRACTICES)
    nhs = _nhs_number(rng)
    while nhs in taken:  # one person, one number
        nhs = _nhs_number(rng)
    taken.add(nhs)
    assert case.closed is not None
    return Client(
        public_id=public_id,
        area=area,
        worker=worker,
        first_name=rng.choice(names),
        last_name=rng.choice(LAST),
        date_of_birth=born,
        nhs_number=nhs,
        address_line_1=f"{rng.randint(1, 140)} {rng.choice(STREETS)}" if place else "",
        postcode=postcode,
        lsoa_code=lsoa,
        lsoa_approximate=approximate,
        imd_decile=decile,
        latitude=latitude,
        longitude=longitude,
        phone=f"07700 900{rng.randint(0, 999):03d}",
        preferred_contact=rng.choice(("phone", "phone", "phone", "text", "email", "letter")),
        sex=sex,
        ethnic_group=_pick(rng, ETHNIC_GROUP),
        disability=_pick(rng, DISABILITY),
        unpaid_carer=_pick(rng, CARER),
        employment="retired" if age >= 67 and rng.random() < 0.9 else _pick(rng, WORKING_AGE),
        gp_practice=practice.name if practice else typed,
        registered_practice=practice,
        consent_to_hold=True,
        consent_recorded_at=_at(case.received, 9),
        consent_recorded_by=worker,
        consent_to_contact=True,
        consent_to_inform_gp=rng.random() < 0.8,
        consent_to_research=False,
        closed_at=_at(case.closed, 17),
        # Recorded when the referral came, last touched when the case closed (retention
        # counts from it).
        created_at=_at(case.received, 9),
        last_activity_at=_at(case.closed, 17),
    )


class _Rows:
    """Every row of the history, made in memory and inserted table by table."""

    def __init__(self, rng: random.Random, worker: User, categories: list[Category]) -> None:
        self.rng, self.worker, self.categories = rng, worker, categories
        self.ons4, self.loneliness = library.get("ons4"), library.get("ons-loneliness")
        self.clients: list[Client] = []
        self.referrals: list[Referral] = []
        self.steps: list[ReferralStatusChange] = []
        self.contacts: list[Contact] = []
        self.assessments: list[tuple[Assessment, list[Category]]] = []
        self.groups: list[GroupMembership] = []
        self.connections: list[tuple[Connection, _Link, _Case]] = []
        self.connection_steps: list[ConnectionStep] = []
        self.attendances: list[Attendance] = []
        self.administrations: list[Administration] = []

    def add(self, client: Client, case: _Case) -> None:
        rng, worker = self.rng, self.worker
        source = _pick(rng, SOURCE)
        referral = Referral(
            client=client,
            source=source,
            # Their own practice referred them, where a practice did.
            referrer_organisation=client.gp_practice if source in ("gp", "practice_staff") else "",
            reasons=_some(rng, REASON, rng.choice((1, 1, 2, 2, 3))),
            received_on=case.received,
            status=case.steps[-1].status,
            status_changed_on=case.steps[-1].on,
            outcome=case.outcome,
            created_by=worker,
            created_at=_at(case.received, 9),
        )
        self.clients.append(client)
        self.referrals.append(referral)
        self.steps += [
            ReferralStatusChange(
                referral=referral,
                status=step.status,
                on=step.on,
                reason=step.reason,
                snomed_code=step.code,
                by=worker,
                at=_at(step.on, 17),
            )
            for step in case.steps
        ]
        self.contacts += [
            Contact(
                client=client,
                kind=kind,
                on=at,
                minutes=minutes,
                notes=notes,
                by=worker,
                created_at=at,
            )
            for at, kind, minutes, notes in sorted(case.contacts)
        ]
        if case.assessed is None:
            return
        held = self._assessment(client, referral, case)
        for link in case.links:
            self._connection(client, link, case)
        if case.baseline is not None:
            self._outcomes(client, case, held)

    def _assessment(self, client: Client, referral: Referral, case: _Case) -> list[GroupMembership]:
        """Their assessment, and the groups they held before (returned)."""
        rng = self.rng
        assert case.assessed is not None
        assessment = Assessment(
            client=client,
            referral=referral,
            what_matters=rng.choice(WHAT_MATTERS),
            barriers=_some(rng, BARRIER, rng.randint(1, 3)),
            availability={
                d: rng.sample(["morning", "afternoon", "evening"], k=2)
                for d in rng.sample(["MO", "TU", "WE", "TH", "FR", "SA"], k=4)
            },
            max_travel_miles=rng.choice((2, 3, 3, 5)),
            goals="Go to something every week.",
            assessed_on=case.assessed,
            by=self.worker,
            created_at=_at(case.assessed, 16),
        )
        # Their interests include the kind of thing they went on to try.
        wanted = rng.sample(self.categories, k=min(rng.randint(1, 3), len(self.categories)))
        for link in case.links[:1]:
            kinds = list(link.activity.categories.all())
            if kinds and kinds[0] not in wanted:
                wanted.append(kinds[0])
        self.assessments.append((assessment, wanted))
        held = [
            GroupMembership(
                client=client,
                name=name,
                kind=kind,
                importance=rng.randint(2, 5),
                positivity=rng.randint(2, 5),
                contact=rng.choice(choices.ContactFrequency.values),
                # Held before they were referred: years before, roughly.
                joined_on=case.received - timedelta(rng.randint(400, 4000)),
                created_at=assessment.created_at,
            )
            for name, kind in rng.sample(GROUPS_HELD, k=rng.choice((0, 1, 1, 2, 2, 3)))
        ]
        self.groups += held
        return held

    def _connection(self, client: Client, link: _Link, case: _Case) -> None:
        last = link.steps[-1]
        connection = Connection(
            client=client,
            activity=link.activity,
            level=link.level,
            support=link.support,
            share_consent=False,
            status=last.status,
            status_changed_on=last.on,
            reason=last.reason,
            version=len(link.steps),
            created_by=self.worker,
            # Monitoring counts a connection as made on this day.
            created_at=_at(link.steps[0].on, self.rng.randint(9, 16)),
        )
        self.connections.append((connection, link, case))
        self.connection_steps += [
            ConnectionStep(
                connection=connection,
                status=step.status,
                on=step.on,
                reason=step.reason,
                reason_code=step.code,
                by=self.worker,
                at=_at(step.on, 17),
            )
            for step in link.steps
        ]

    def _outcomes(self, client: Client, case: _Case, held: list[GroupMembership]) -> None:
        """ONS4 and ONS loneliness at the baseline and the follow-up, drawn as outcomes.py
        draws them (its latent wellbeing and loneliness, the groups joined in between)
        and scored by the instruments; the groups joined and left between, dated."""
        rng, ons4, loneliness = self.rng, self.ons4, self.loneliness
        if ons4 is None or loneliness is None or case.baseline is None:
            return
        gz0 = (len(held) - 1.5) / 1.1
        w0 = -0.9 + 0.35 * gz0 + 0.8 * rng.gauss(0, 1)
        l0 = 0.6 - 0.35 * gz0 - 0.3 * w0 + 0.7 * rng.gauss(0, 1)
        self._answered(client, "baseline", case.baseline, _ons4(rng, w0), _loneliness(rng, l0))
        if case.follow_up is None:
            return
        chances = JOINING[_stage(case)]
        joined = dict(rng.choice(NEW_GROUPS) for chance in chances if rng.random() < chance)
        for name, kind in joined.items():
            on = _between(rng, case.baseline, case.follow_up)
            self.groups.append(
                GroupMembership(
                    client=client,
                    name=name,
                    kind=kind,
                    importance=rng.randint(3, 5),
                    positivity=rng.randint(3, 5),
                    contact="weekly",
                    joined_on=on,
                    created_at=_at(on, 12),
                )
            )
        gone = [rng.choice(held)] if held and rng.random() < 0.15 else []
        for membership in gone:
            membership.left_on = _between(rng, case.baseline, case.follow_up)
        dg = len(joined) - len(gone)
        w1 = w0 + 0.25 + 0.5 * dg + 0.5 * rng.gauss(0, 1)
        l1 = l0 - 0.2 - 0.45 * dg + 0.5 * rng.gauss(0, 1)
        self._answered(client, "follow_up", case.follow_up, _ons4(rng, w1), _loneliness(rng, l1))

    def _answered(
        self,
        client: Client,
        timepoint: str,
        on: date,
        ons4_answers: dict[str, int],
        lonely_answers: dict[str, int],
    ) -> None:
        assert self.ons4 is not None and self.loneliness is not None
        for instrument, answers in ((self.ons4, ons4_answers), (self.loneliness, lonely_answers)):
            administration = _administration(
                client, instrument, timepoint, answers, on, self.worker
            )
            administration.created_at = _at(on, 15)
            self.administrations.append(administration)

    def attend(self, today: date) -> None:
        """Attendance on the activity's sessions between the first visit and stopping (or
        the case closing), where those sessions exist: none on a fresh demo, whose
        sessions are materialised from today on."""
        if not self.connections:
            return
        sessions: dict[int, list[tuple[date, int]]] = defaultdict(list)
        found = Session.objects.filter(
            activity_id__in={c.activity_id for c, _, _ in self.connections},
            local_date__gte=min(link.steps[0].on for _, link, _ in self.connections),
            local_date__lt=today,
            status=Session.Status.SCHEDULED,
        ).order_by("local_date", "pk")
        for pk, activity_id, day in found.values_list("pk", "activity_id", "local_date"):
            sessions[activity_id].append((day, pk))
        for connection, link, case in self.connections:
            first = link.reached("attended_first")
            if first is None or not sessions.get(connection.activity_id):
                continue
            stopped = link.reached("stopped")
            until = stopped.on if stopped is not None else case.closed
            assert until is not None
            for day, pk in sessions[connection.activity_id]:
                if first.on <= day <= until:
                    self.attendances.append(
                        Attendance(
                            connection=connection,
                            session_id=pk,
                            attended=day == first.on or self.rng.random() < 0.85,
                            recorded_by=self.worker,
                        )
                    )

    def save(self) -> None:
        """Insert it all, table by table (the rows made before their keys: bulk_create
        fills each foreign key from the row it names, saved first)."""
        Client.objects.bulk_create(self.clients, batch_size=BATCH)
        Referral.objects.bulk_create(self.referrals, batch_size=BATCH)
        ReferralStatusChange.objects.bulk_create(self.steps, batch_size=BATCH)
        Contact.objects.bulk_create(self.contacts, batch_size=BATCH)
        Assessment.objects.bulk_create([a for a, _ in self.assessments], batch_size=BATCH)
        through = Assessment.interests.through
        through.objects.bulk_create(
            [
                through(assessment_id=assessment.pk, category_id=category.pk)
                for assessment, wanted in self.assessments
                for category in wanted
            ],
            batch_size=BATCH,
        )
        GroupMembership.objects.bulk_create(self.groups, batch_size=BATCH)
        Connection.objects.bulk_create([c for c, _, _ in self.connections], batch_size=BATCH)
        ConnectionStep.objects.bulk_create(self.connection_steps, batch_size=BATCH)
        Attendance.objects.bulk_create(self.attendances, batch_size=BATCH)
        Administration.objects.bulk_create(self.administrations, batch_size=BATCH)
        # bulk_create sends no signals: monitoring's summary rows worked out here.
        facts.refresh(client.pk for client in self.clients)


def _stage(case: _Case) -> str:
    """How far their connections got, in outcomes.JOINING's terms: still attending at the
    close as "attending"; went for a while as "attended_first"; a first visit only as
    "stopped"; none as "agreed" (or "" with no connection)."""
    if any(link.status == "attending" for link in case.links):
        return "attending"
    if any(link.reached("attending") for link in case.links):
        return "attended_first"
    if any(link.reached("attended_first") for link in case.links):
        return "stopped"
    return "agreed" if case.links else ""
