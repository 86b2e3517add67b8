"""Casework's named aggregates for monitoring (issue 17): each definition pinned on a few
hand-built rows, in Ashfield, with Mansfield's rows there to be left out.

The period is the 120 days to today, so that a first visit in it can be "due" (six or
twelve weeks ago) or not yet.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.areas.models import Area, GPPractice
from inspiring.casework import facts, figures
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
from inspiring.directory.models import Activity, Category, Organisation, Session
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, Reliability
from lib.tallies import Period
from tests.directory.builders import activity, organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - timedelta(days=120)
PERIOD = Period(START, TODAY)
S = Connection.Status


def day(n: int) -> date:
    """The period's day `n` (0: its first)."""
    return START + timedelta(days=n)


# --- Builders: the rows as the actions leave them, made directly --------------------


def person(area: Area, name: str = "Ann", **fields: Any) -> Client:
    fields.setdefault("date_of_birth", date(1950, 6, 15))
    return Client.objects.create(
        area=area, first_name=name, last_name="Test", consent_to_hold=True, **fields
    )


def refer(
    client: Client,
    on: date,
    *steps: tuple[str, date],
    source: str = "gp",
    reasons: tuple[str, ...] = ("loneliness",),
) -> Referral:
    """A referral received `on`, with its steps (status, date) in order."""
    status = steps[-1][0] if steps else Referral.Status.RECEIVED
    referral = Referral.objects.create(
        client=client,
        source=source,
        reasons=list(reasons),
        received_on=on,
        status=status,
        status_changed_on=steps[-1][1] if steps else on,
    )
    ReferralStatusChange.objects.create(referral=referral, status="received", on=on)
    for step, when in steps:
        ReferralStatusChange.objects.create(referral=referral, status=step, on=when)
    return referral


def moment(on: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(hour)))


def connect(
    client: Client, to: Activity, made: date, *steps: tuple[str, date, str], hour: int = 12
) -> Connection:
    """A connection made `made` (at `hour`, local time), with its steps (status, date,
    reason code) after "agreed"."""
    status = steps[-1][0] if steps else S.AGREED
    connection = Connection.objects.create(
        client=client, activity=to, status=status, status_changed_on=made
    )
    Connection.objects.filter(pk=connection.pk).update(created_at=moment(made, hour))
    ConnectionStep.objects.create(connection=connection, status=S.AGREED, on=made)
    for step, when, code in steps:
        ConnectionStep.objects.create(connection=connection, status=step, on=when, reason_code=code)
    return connection


def attend(connection: Connection, on: date, came: bool = True) -> Attendance:
    start = moment(on, 10)
    session = Session.objects.create(
        activity=connection.activity,
        occurrence_date=on,
        start=start,
        end=start + timedelta(hours=1),
        local_date=on,
        end_local_date=on,
        weekday=on.weekday(),
        start_minute=600,
    )
    return Attendance.objects.create(connection=connection, session=session, attended=came)


def lonely(client: Client, timepoint: str, on: date, ucla: tuple[int, int, int]) -> Administration:
    """An ONS loneliness administration: the UCLA items (scored 3 to 9), direct answer 3."""
    answers = dict(zip(("lack_companionship", "left_out", "isolated"), ucla, strict=True))
    return Administration.objects.create(
        client=client,
        instrument_code="ons-loneliness",
        instrument_version="1",
        timepoint=timepoint,
        answers={**answers, "lonely": 3},
        administered_on=on,
        how=Administration.How.CALL,
    )


def ons4(client: Client, timepoint: str, on: date, life: int) -> Administration:
    return Administration.objects.create(
        client=client,
        instrument_code="ons4",
        instrument_version=library.get("ons4").version,  # type: ignore[union-attr]
        timepoint=timepoint,
        answers={"life_satisfaction": life, "worthwhile": 5, "happiness": 5, "anxiety": 5},
        administered_on=on,
        how=Administration.How.CALL,
    )


@pytest.fixture
def walk(personas: Personas) -> Activity:
    group = organisation(personas.ashfield, "Kirkby Walking Group")
    return activity(group, "Health walk", at=None, online=True)


def areas(personas: Personas) -> list[int]:
    return [personas.ashfield.pk]


# --- Referrals ------------------------------------------------------------------------


def test_a_referral_is_in_the_period_by_the_day_it_was_received(personas: Personas) -> None:
    ann = person(personas.ashfield)
    refer(ann, START - timedelta(days=1), source="gp")  # the day before: outside
    refer(ann, START, source="gp")  # the first day
    refer(ann, TODAY, source="self")  # the last day
    refer(ann, TODAY + timedelta(days=1), source="self")  # after: outside
    refer(person(personas.mansfield), TODAY, source="gp")  # another area
    tally = figures.referrals_by_source(areas(personas), PERIOD)
    assert tally.total == 2 and tally.exclusive
    assert tally.get("gp") == 1 and tally.get("self") == 1 and tally.get("pharmacy") == 0
    assert next(iter(tally.counts)) == "gp" and tally.labels["self"] == "Self-referral"


def test_referrals_by_practice_and_pcn(personas: Personas) -> None:
    kirkby = GPPractice.objects.create(
        code="C84001", name="Kirkby Health Centre", pcn_code="U1", pcn_name="Kirkby PCN"
    )
    abbey = GPPractice.objects.create(code="C84002", name="Abbey Surgery", pcn_code="")
    for practice in (kirkby, kirkby, abbey):
        refer(person(personas.ashfield, registered_practice=practice), day(3))
    refer(person(personas.ashfield, gp_practice="Dr Who's surgery"), day(3))
    refer(person(personas.ashfield), day(3))
    by_practice = figures.referrals_by_practice(areas(personas), PERIOD)
    assert by_practice.counts == {"C84002": 1, "C84001": 2, "typed": 1, "": 1}  # by name
    assert by_practice.labels["C84001"] == "Kirkby Health Centre"
    assert by_practice.total == 5
    by_pcn = figures.referrals_by_pcn(areas(personas), PERIOD)
    assert by_pcn.counts == {"U1": 2, "": 3}  # no PCN, typed by hand, none
    assert by_pcn.labels["U1"] == "Kirkby PCN"


def test_referrals_by_reason_count_every_reason_given(personas: Personas) -> None:
    ann = person(personas.ashfield)
    refer(ann, day(1), reasons=("loneliness", "money"))
    refer(ann, day(2), reasons=("money", "other", "housing", "low_mood"))
    refer(ann, day(3), reasons=())
    tally = figures.referrals_by_reason(areas(personas), PERIOD)
    assert not tally.exclusive and tally.total == 3
    assert tally.get("money") == 2 and tally.get("loneliness") == 1 and tally.get("other") == 1
    assert tally.get("low_mood") == 1 and tally.get("weight") == 0


def test_first_contact_by_contacted_or_straight_to_assessed(personas: Personas) -> None:
    ann = person(personas.ashfield)
    refer(ann, day(0), ("contacted", day(3)), ("assessed", day(20)))  # 3 days: within
    refer(ann, day(0), ("assessed", day(7)))  # straight to assessed, 7 days: within
    refer(ann, day(0), ("unable_to_contact", day(2)), ("contacted", day(12)))  # 12: later
    refer(ann, day(10))  # open, not contacted: waiting
    refer(ann, day(10), ("declined", day(11)))  # declined before contact: never
    refer(ann, day(10), ("unable_to_contact", day(30)))  # never (so far)
    refer(ann, START - timedelta(days=1), ("contacted", day(0)))  # received before: left out
    found = figures.first_contact(areas(personas), PERIOD)
    assert found.promise_days == 7
    assert found.timeliness.counts == {"within": 2, "later": 1, "waiting": 1, "never": 2}
    assert found.timeliness.total == 6
    assert found.days.n == 3 and found.days.get("median") == 7
    assert found.days.get("p90") == pytest.approx(11.0)  # 3, 7, 12: numpy's 90th


def test_first_contact_of_a_past_period_stays_as_it_was_when_it_ended(
    personas: Personas,
) -> None:
    ann = person(personas.ashfield)
    past = Period(START, START + timedelta(days=29))
    end = past.end
    refer(ann, day(0), ("contacted", day(3)))  # contacted in it: within
    refer(ann, day(20), ("contacted", end + timedelta(days=5)))  # after its end: waiting then
    refer(ann, day(20), ("declined", end + timedelta(days=2)))  # declined after: waiting then
    refer(ann, day(25), ("unable_to_contact", end))  # by its last day: never
    # Closed with no change recorded (an import): closed since its status changed.
    Referral.objects.create(
        client=ann, source="gp", received_on=day(21), status="closed", status_changed_on=day(22)
    )
    found = figures.first_contact(areas(personas), past)
    assert found.timeliness.counts == {"within": 1, "later": 0, "waiting": 2, "never": 2}
    assert found.days.n == 1 and found.days.get("median") == 3
    # Today, the one contacted late is "later" and the declined one "never".
    now = figures.first_contact(areas(personas), Period(START, TODAY))
    assert now.timeliness.counts == {"within": 1, "later": 1, "waiting": 0, "never": 3}


# --- Connections ----------------------------------------------------------------------


def test_connections_made_first_visits_and_steps(personas: Personas, walk: Activity) -> None:
    ann, bob = person(personas.ashfield), person(personas.ashfield, "Bob")
    connect(ann, walk, day(5), (S.ATTENDED_FIRST, day(9), ""), (S.STOPPED, day(30), "cost"))
    connect(bob, walk, day(6), (S.DECLINED, day(7), "time"))
    # Made before the period; its first visit is in it.
    connect(ann, walk, START - timedelta(days=3), (S.ATTENDED_FIRST, day(1), ""))
    # Withdrawn: never counted.
    made_by_mistake = connect(bob, walk, day(8), (S.ATTENDED_FIRST, day(9), ""))
    Connection.objects.filter(pk=made_by_mistake.pk).update(status=S.WITHDRAWN)
    facts.refresh([bob.pk])  # an UPDATE sends no signal
    # Made at midnight on the first day, London time (23:00 the day before in UTC in
    # summer): in the period by its local date.
    connect(bob, walk, day(0), hour=0)
    connect(person(personas.mansfield), walk, day(5))  # another area
    tally = figures.connections_made(areas(personas), PERIOD)
    assert tally.counts == {"made": 3, "first_visit": 2, "stopped": 1, "declined": 1}
    assert tally.total == 3 and not tally.exclusive


def test_made_is_by_the_local_date(personas: Personas, walk: Activity) -> None:
    # 23:30 on the day before the period, local time: outside, in winter and summer alike.
    connect(person(personas.ashfield), walk, START - timedelta(days=1), hour=23)
    late = Connection.objects.get()
    Connection.objects.filter(pk=late.pk).update(
        created_at=timezone.make_aware(datetime.combine(START, time(0, 30))) - timedelta(hours=1)
    )
    facts.refresh([late.client_id])
    assert figures.connections_made(areas(personas), PERIOD).get("made") == 0
    Connection.objects.filter(pk=late.pk).update(
        created_at=timezone.make_aware(datetime.combine(START, time(0, 30)))
    )
    facts.refresh([late.client_id])
    assert figures.connections_made(areas(personas), PERIOD).get("made") == 1


def test_a_first_visit_before_the_period_is_not_one_in_it(
    personas: Personas, walk: Activity
) -> None:
    ann = person(personas.ashfield)
    # Two first visits recorded (the second by mistake): the first was before the period.
    connection = connect(
        ann, walk, START - timedelta(days=9), (S.ATTENDED_FIRST, START - timedelta(days=2), "")
    )
    ConnectionStep.objects.create(connection=connection, status=S.ATTENDED_FIRST, on=day(3))
    assert figures.connections_made(areas(personas), PERIOD).get("first_visit") == 0
    assert figures.retention(areas(personas), PERIOD).first_visits == 0


def test_retention_at_6_and_12_weeks(personas: Personas, walk: Activity) -> None:
    long_ago = TODAY - timedelta(days=100)  # due at 6 and 12 weeks (84 days)
    recent = TODAY - timedelta(days=50)  # due at 6 weeks only
    ann, bob, cat, dee, eve, fay, gus = (
        person(personas.ashfield, name)
        for name in ("Ann", "Bob", "Cat", "Dee", "Eve", "Fay", "Gus")
    )
    # Ann: attended 90 days after her first visit: still at 6 and 12 weeks (she has
    # stopped since: the attendance is what counts).
    a = connect(ann, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
                (S.ATTENDING, long_ago + timedelta(days=7), ""),
                (S.STOPPED, TODAY - timedelta(days=2), "health"))  # fmt: skip
    attend(a, long_ago + timedelta(days=90))
    # Bob: attending, no attendance recorded, never stopped: still at both.
    connect(bob, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
            (S.ATTENDING, long_ago + timedelta(days=7), ""))  # fmt: skip
    # Cat: attending now, but stopped 5 weeks in and went back: not still at 6 weeks by
    # status; one attendance at exactly 6 weeks counts for 6 but not 12.
    c = connect(cat, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
                (S.STOPPED, long_ago + timedelta(weeks=5), "anxiety"),
                (S.ATTENDING, long_ago + timedelta(weeks=7), ""))  # fmt: skip
    attend(c, long_ago + timedelta(weeks=6))
    attend(c, long_ago + timedelta(weeks=13), came=False)  # did not come: not counted
    # Dee: first visit 50 days ago, attending: due and still at 6, not due at 12.
    connect(dee, walk, recent, (S.ATTENDED_FIRST, recent, ""),
            (S.ATTENDING, recent + timedelta(days=7), ""))  # fmt: skip
    # Eve: first visit 20 days ago: not due yet.
    connect(
        eve, walk, TODAY - timedelta(days=20), (S.ATTENDED_FIRST, TODAY - timedelta(days=20), "")
    )
    # Fay: went once, never recorded as attending, stopped 7 weeks later: not still.
    connect(fay, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
            (S.STOPPED, long_ago + timedelta(weeks=7), "moved"))  # fmt: skip
    # Gus: attending from the second week, stopped in week 8: still at 6 weeks (he had
    # not stopped then, though he has now), not at 12.
    connect(gus, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
            (S.ATTENDING, long_ago + timedelta(weeks=1), ""),
            (S.STOPPED, long_ago + timedelta(weeks=8), "time"))  # fmt: skip
    # Withdrawn: never counted.
    mistake = connect(fay, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
                      (S.ATTENDING, long_ago + timedelta(days=7), ""))  # fmt: skip
    Connection.objects.filter(pk=mistake.pk).update(status=S.WITHDRAWN)
    facts.refresh([fay.pk])

    found = figures.retention(areas(personas), PERIOD)
    # Still at 6: Ann, Bob, Cat (attended), Dee, Gus; at 12: Ann, Bob.
    assert found == figures.Retention(first_visits=7, due_6=6, still_6=5, due_12=5, still_12=2)


def test_retention_of_a_past_period_stays_as_it_was_when_it_ended(
    personas: Personas, walk: Activity
) -> None:
    """Due by the period's end, not today; still going only by what was dated by then:
    a download now and one months later give the same figures."""
    end = TODAY - timedelta(days=200)
    past = Period(end - timedelta(days=90), end)
    ann, bob, cat, dee = (person(personas.ashfield, n) for n in ("Ann", "Bob", "Cat", "Dee"))
    # Ann: first visit 10 days before the end: not due at 6 weeks (though it is long
    # past today), however she went on.
    early = end - timedelta(days=10)
    a = connect(ann, walk, early, (S.ATTENDED_FIRST, early, ""),
                (S.ATTENDING, early + timedelta(days=7), ""))  # fmt: skip
    attend(a, early + timedelta(weeks=7))
    # Bob: due at 6 weeks (first visit 45 days before the end); his attendance 7 weeks
    # on and his step to attending were after the end: not counted, so not still.
    first = end - timedelta(days=45)
    b = connect(bob, walk, first, (S.ATTENDED_FIRST, first, ""),
                (S.ATTENDING, end + timedelta(days=1), ""))  # fmt: skip
    attend(b, first + timedelta(weeks=7))
    # Cat: due, attending from before the end, no stop: still.
    connect(cat, walk, first, (S.ATTENDED_FIRST, first, ""),
            (S.ATTENDING, first + timedelta(days=7), ""))  # fmt: skip
    # Dee: due, an attendance 6 weeks on dated by the end: still.
    d = connect(dee, walk, first, (S.ATTENDED_FIRST, first, ""))
    attend(d, first + timedelta(weeks=6))
    found = figures.retention(areas(personas), past)
    assert found == figures.Retention(first_visits=4, due_6=3, still_6=2, due_12=0, still_12=0)
    # Steps and attendances recorded since, dated after the end, change nothing.
    ConnectionStep.objects.create(connection=d, status=S.STOPPED, on=end + timedelta(days=3))
    attend(a, end + timedelta(days=60))
    assert figures.retention(areas(personas), past) == found
    assert figures.partner_impact(walk.organisation_id, past).kept_coming == 2


def test_stop_reasons_by_code_with_uncoded_ones_blank(personas: Personas, walk: Activity) -> None:
    ann = person(personas.ashfield)
    connect(ann, walk, day(1), (S.ATTENDED_FIRST, day(2), ""), (S.STOPPED, day(9), "cost"))
    connect(ann, walk, day(1), (S.ATTENDED_FIRST, day(2), ""), (S.STOPPED, day(9), "cost"))
    connect(ann, walk, day(1), (S.ATTENDED_FIRST, day(2), ""), (S.STOPPED, day(9), ""))
    connect(ann, walk, day(1), (S.DECLINED, day(2), "transport"))
    connect(ann, walk, START - timedelta(days=9), (S.ATTENDED_FIRST, START - timedelta(days=5), ""),
            (S.STOPPED, START - timedelta(days=1), "time"))  # fmt: skip
    stopped = figures.stop_reasons(areas(personas), PERIOD, "stopped")
    assert stopped.exclusive and stopped.total == 3
    assert stopped.get("cost") == 2 and stopped.get("") == 1 and stopped.get("time") == 0
    assert list(stopped.counts)[-1] == ""  # "No reason chosen", last
    declined = figures.stop_reasons(areas(personas), PERIOD, "declined")
    assert declined.total == 1 and declined.get("transport") == 1
    with pytest.raises(ValueError):
        figures.stop_reasons(areas(personas), PERIOD, "attending")


# --- Outcomes -------------------------------------------------------------------------


def test_outcome_change_means_over_known_pairs(personas: Personas) -> None:
    ann, bob, cat = (person(personas.ashfield, n) for n in ("Ann", "Bob", "Cat"))
    # Ann: UCLA 9 -> 5 (-4). Her earlier follow-up in the period is not the one counted.
    lonely(ann, "baseline", START - timedelta(days=30), (3, 3, 3))
    lonely(ann, "follow_up", day(10), (3, 2, 2))
    lonely(ann, "follow_up", day(40), (2, 2, 1))
    # Bob: 6 -> 6 (0).
    lonely(bob, "baseline", day(1), (2, 2, 2))
    lonely(bob, "follow_up", day(50), (2, 2, 2))
    # Cat: a follow-up with no baseline; and one before the period: no pair.
    lonely(cat, "follow_up", day(50), (1, 1, 1))
    # Dan in another area.
    dan = person(personas.mansfield, "Dan")
    lonely(dan, "baseline", day(1), (1, 1, 1))
    lonely(dan, "follow_up", day(50), (3, 3, 3))
    # Ann's ONS4 (no reliability published): 4 -> 7.
    ons4(ann, "baseline", day(1), life=4)
    ons4(ann, "follow_up", day(60), life=7)

    changes = {
        (c.instrument_code, c.scale_id): c for c in figures.outcome_changes(areas(personas), PERIOD)
    }
    ucla = changes["ons-loneliness", "ucla3"]
    assert ucla.label == "UCLA loneliness (three items)" and not ucla.higher_is_better
    assert ucla.baseline.n == 2 and ucla.baseline.get("mean") == 7.5  # 9 and 6
    assert ucla.follow_up.get("mean") == 5.5  # 5 and 6
    assert ucla.change.get("mean") == -2 and ucla.change.get("median") == -2  # -4 and 0
    assert ucla.reliable is None  # no reliability for the UCLA three items
    life = changes["ons4", "life_satisfaction"]
    assert life.change.n == 1 and life.change.get("mean") == 3
    assert ("ons4", "anxiety") in changes and len(changes) == 6  # 2 + 4 scales


def test_reliable_change_counted_when_the_scale_has_a_reliability(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n, (before, after) in enumerate(((3, 8), (5, 6), (6, 3))):
        client = person(personas.ashfield, f"P{n}")
        ons4(client, "baseline", day(1), life=before)
        ons4(client, "follow_up", day(60), life=after)
    original = library.get("ons4")
    assert isinstance(original, Instrument)
    reliability = Reliability(r=0.9, sd=2.0, source="a worked example")  # criterion 1.75
    judged = dataclasses.replace(
        original,
        scales=tuple(dataclasses.replace(s, reliability=reliability) for s in original.scales),
    )
    monkeypatch.setattr(library, "get", lambda code, version=None: judged)
    changes = {c.scale_id: c for c in figures.outcome_changes(areas(personas), PERIOD)}
    reliable = changes["life_satisfaction"].reliable
    assert reliable is not None and reliable.exclusive
    assert reliable.counts == {"better": 1, "same": 1, "worse": 1}  # +5, +1, -3
    assert changes["worthwhile"].reliable.counts == {"better": 0, "same": 3, "worse": 0}  # type: ignore[union-attr]


# --- Groups and assessments -----------------------------------------------------------


def _group(client: Client, joined: date | None) -> GroupMembership:
    return GroupMembership.objects.create(
        client=client, name="Choir", kind="hobby", importance=4, positivity=4,
        contact="weekly", joined_on=joined,
    )  # fmt: skip


def test_groups_gained_by_the_day_joined(personas: Personas) -> None:
    ann, bob = person(personas.ashfield), person(personas.ashfield, "Bob")
    _group(ann, day(3))
    _group(ann, day(4))
    _group(bob, TODAY)
    _group(bob, START - timedelta(days=1))  # before
    _group(bob, None)  # recorded before memberships were dated: not known to be gained
    tally = figures.groups_gained(areas(personas), PERIOD)
    assert tally.counts == {"memberships": 3, "people": 2} and tally.total == 2


def test_interests_and_barriers_from_the_latest_assessment(personas: Personas) -> None:
    ann, bob = person(personas.ashfield), person(personas.ashfield, "Bob")
    slugs = list(Category.objects.order_by("order", "name").values_list("slug", flat=True)[:3])

    def assess(client: Client, on: date, interests: list[str], barriers: list[str]) -> None:
        item = Assessment.objects.create(
            client=client, what_matters="x", assessed_on=on, barriers=barriers
        )
        item.interests.set(Category.objects.filter(slug__in=interests))

    assess(ann, day(1), [slugs[0]], ["cost"])  # replaced by her later one
    assess(ann, day(20), [slugs[1], slugs[2]], ["transport", "anxiety"])
    assess(bob, day(5), [slugs[1]], ["transport"])
    assess(bob, TODAY + timedelta(days=1), [slugs[0]], ["cost"])  # after: his in-period one stays
    found = figures.interests(areas(personas), PERIOD)
    assert found.total == 2 and not found.exclusive
    assert found.get(slugs[0]) == 0 and found.get(slugs[1]) == 2 and found.get(slugs[2]) == 1
    found = figures.barriers(areas(personas), PERIOD)
    assert found.total == 2
    assert found.get("transport") == 2 and found.get("anxiety") == 1 and found.get("cost") == 0


# --- Equity ---------------------------------------------------------------------------


def test_equity_by_each_dimension(personas: Personas, walk: Activity) -> None:
    a = personas.ashfield
    ann = person(a, "Ann", imd_decile=1, sex="female", ethnic_group="white_british",
                 date_of_birth=date(1950, 1, 1))  # fmt: skip
    # Bob turns 60 on the day of his referral: 60+.
    bob = person(a, "Bob", imd_decile=4, sex="male",
                 date_of_birth=day(10).replace(year=day(10).year - 60))  # fmt: skip
    # Cat turns 16 the day after hers: 0-15. No sex, ethnic group or IMD recorded.
    cat = person(
        a, "Cat", date_of_birth=(day(10) + timedelta(days=1)).replace(year=day(10).year - 16)
    )
    dee = person(a, "Dee", imd_decile=10, sex="prefer_not", date_of_birth=None)
    refer(ann, day(1))
    refer(ann, day(2))  # referred twice: counted once
    refer(bob, day(10))
    refer(cat, day(10))
    refer(dee, START - timedelta(days=1))  # before the period: not in it
    connect(ann, walk, day(3), (S.ATTENDED_FIRST, day(6), ""))
    connect(cat, walk, day(11))  # agreed only: not connected
    lonely(ann, "baseline", day(2), (3, 3, 3))
    lonely(ann, "follow_up", day(40), (2, 1, 1))  # 9 -> 4
    lonely(bob, "baseline", day(11), (2, 2, 2))
    lonely(bob, "follow_up", day(12), (2, 2, 3))  # 6 -> 7
    lonely(cat, "baseline", day(11), (2, 2, 2))  # no follow-up: not in the spread

    imd = figures.equity(areas(personas), PERIOD, "imd_quintile")
    assert imd.referred.counts == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "": 1}
    assert imd.referred.total == 3
    assert imd.connected.counts == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "": 0}
    assert imd.outcome["1"].n == 1 and imd.outcome["1"].get("mean") == -5
    assert imd.outcome["2"].get("median") == 1 and imd.outcome[""].n == 0
    assert imd.outcome_label == "UCLA loneliness (three items)"

    age = figures.equity(areas(personas), PERIOD, "age_band")
    assert age.referred.counts == {"0-15": 1, "16-59": 0, "60+": 2, "": 0}
    sex = figures.equity(areas(personas), PERIOD, "sex")
    assert sex.referred.get("female") == 1 and sex.referred.get("male") == 1
    assert sex.referred.get("") == 1 and sex.referred.labels[""] == "Not recorded"
    ethnic = figures.equity(areas(personas), PERIOD, "ethnic_group")
    assert ethnic.referred.get("white_british") == 1 and ethnic.referred.get("") == 2
    assert set(figures.EQUITY_DIMENSIONS) and {d for d, _ in figures.EQUITY_DIMENSIONS} == {
        "imd_quintile", "age_band", "sex", "ethnic_group"
    }  # fmt: skip
    with pytest.raises(ValueError):
        figures.equity(areas(personas), PERIOD, "shoe_size")


def test_equity_of_a_past_period_counts_only_what_was_dated_by_its_end(
    personas: Personas, walk: Activity
) -> None:
    """Connected: a first visit from that referral to the period's end; outcome: from
    administrations by then. Nothing recorded since changes a past period's figures."""
    end = TODAY - timedelta(days=200)
    past = Period(end - timedelta(days=90), end)
    a = personas.ashfield
    ann, bob, cat, dee = (person(a, n, sex="female") for n in ("Ann", "Bob", "Cat", "Dee"))
    for client in (ann, bob, cat, dee):
        refer(client, end - timedelta(days=30))
    # Ann: a first visit after her referral, before the end: connected.
    connect(ann, walk, end - timedelta(days=20), (S.ATTENDED_FIRST, end - timedelta(days=10), ""))
    # Bob: his only first visit was in an earlier episode, before this referral.
    old = end - timedelta(days=400)
    connect(bob, walk, old, (S.ATTENDED_FIRST, old + timedelta(days=3), ""))
    # Cat: a first visit after the period's end: not connected in it.
    connect(cat, walk, end - timedelta(days=5), (S.ATTENDED_FIRST, end + timedelta(days=2), ""))
    # Dee: a first visit on the referral's day itself: connected.
    connect(dee, walk, end - timedelta(days=30), (S.ATTENDED_FIRST, end - timedelta(days=30), ""))
    # Outcomes: Ann 9 -> 6 by the end, then 3 after it (not counted); Bob's baseline
    # was after the end (no pair).
    lonely(ann, "baseline", end - timedelta(days=29), (3, 3, 3))
    lonely(ann, "follow_up", end - timedelta(days=1), (2, 2, 2))
    lonely(ann, "follow_up", end + timedelta(days=30), (1, 1, 1))
    lonely(bob, "baseline", end + timedelta(days=1), (3, 3, 3))
    lonely(bob, "follow_up", end + timedelta(days=40), (1, 1, 1))
    sex = figures.equity(areas(personas), past, "sex")
    assert sex.referred.get("female") == 4
    assert sex.connected.get("female") == 2  # Ann and Dee
    assert sex.outcome["female"].n == 1 and sex.outcome["female"].get("mean") == -3


def test_age_band_without_a_date_of_birth_is_not_recorded(personas: Personas) -> None:
    refer(person(personas.ashfield, date_of_birth=None), day(1))
    age = figures.equity(areas(personas), PERIOD, "age_band")
    assert age.referred.counts == {"0-15": 0, "16-59": 0, "60+": 0, "": 1}


# --- The quarterly return, workers ----------------------------------------------------


def test_quarterly_return_counts_an_acceptance_once(personas: Personas, walk: Activity) -> None:
    ann, bob = person(personas.ashfield), person(personas.ashfield, "Bob")
    # Accepted in the previous period, assessed in this one: not accepted again.
    refer(ann, START - timedelta(days=20), ("contacted", START - timedelta(days=10)),
          ("assessed", day(3)))  # fmt: skip
    refer(ann, day(1), ("contacted", day(2)), ("assessed", day(9)))  # accepted
    refer(bob, day(1), ("assessed", day(4)))  # straight to assessed: accepted
    refer(bob, day(1), ("declined", day(5)))  # declined
    refer(bob, START - timedelta(days=9), ("declined", START - timedelta(days=1)))  # before
    Contact.objects.create(client=ann, kind="phone", on=moment(day(2)))
    Contact.objects.create(client=ann, kind="phone", on=moment(day(3)))
    Contact.objects.create(client=bob, kind="phone", on=moment(START - timedelta(days=1)))
    connect(ann, walk, day(5))
    ons4(ann, "follow_up", day(6), life=5)
    tally = figures.quarterly_return(areas(personas), PERIOD)
    assert tally.counts == {
        "accepted": 2, "declined": 1, "supported": 1, "connections": 1, "outcomes_recorded": 1
    }  # fmt: skip
    assert tally.total == 2 and not tally.exclusive


def test_worker_loads_over_the_year_to_the_periods_end(personas: Personas) -> None:
    liam, chloe = personas.link_worker, personas.coordinator
    ann, bob = person(personas.ashfield), person(personas.ashfield, "Bob")
    for client, on, by in (
        (ann, TODAY, liam),
        (ann, TODAY - timedelta(days=300), liam),
        (bob, TODAY - timedelta(days=10), liam),
        (bob, TODAY - timedelta(days=400), liam),  # more than a year before: left out
        (bob, TODAY, chloe),
        (bob, TODAY, None),  # recorded by nobody known
    ):
        Contact.objects.create(client=client, kind="phone", on=moment(on, 9), by=by)
    Contact.objects.create(
        client=person(personas.mansfield), kind="phone", on=moment(TODAY, 9), by=chloe
    )
    loads = figures.worker_loads(areas(personas), PERIOD)
    assert [(w.label, w.people_supported, w.contacts) for w in loads] == sorted(
        [(chloe.full_name, 1, 1), (liam.full_name, 2, 3)]
    )


# --- Partners and grants --------------------------------------------------------------


def test_partner_impact_is_its_own_activities_only(personas: Personas, walk: Activity) -> None:
    group = walk.organisation
    knit = activity(group, "Knit and natter", at=None, online=True)
    other = activity(
        organisation(personas.ashfield, "Another group"), "Choir", at=None, online=True
    )
    long_ago = TODAY - timedelta(days=100)
    ann = person(personas.ashfield, consent_to_research=True)
    bob = person(personas.ashfield, "Bob")  # did not consent to research
    cat = person(personas.mansfield, "Cat", consent_to_research=True)  # any area
    a = connect(ann, walk, long_ago, (S.ATTENDED_FIRST, long_ago, ""),
                (S.ATTENDING, long_ago + timedelta(days=7), ""))  # fmt: skip
    connect(ann, knit, day(50))
    connect(bob, walk, day(60), (S.ATTENDED_FIRST, day(61), ""), (S.STOPPED, day(62), "cost"))
    connect(cat, knit, day(70))
    attend(a, day(80))
    # Another organisation's: none of it counts.
    d = connect(person(personas.ashfield, "Dee", consent_to_research=True), other, day(5),
                (S.ATTENDED_FIRST, day(6), ""))  # fmt: skip
    attend(d, day(7))
    for client, after in ((ann, (2, 1, 1)), (bob, (1, 1, 1))):  # 9 -> 4, 9 -> 3
        lonely(client, "baseline", long_ago, (3, 3, 3))
        lonely(client, "follow_up", day(90), after)

    # A partner's proposed revision of a listing is not an activity of its own.
    activity(group, "Health walk (new times)", at=None, online=True, revision_of=walk)
    impact = figures.partner_impact(group.pk, PERIOD)
    assert impact.connected == 3  # Ann, Bob, Cat (Ann twice)
    assert impact.came == 2  # Ann (an attendance), Bob (a first visit)
    assert impact.kept_coming_due == 2 and impact.kept_coming == 1  # Ann, of Ann and Bob
    assert impact.by_activity.counts == {str(walk.pk): 2, str(knit.pk): 2}  # made in it
    assert impact.by_activity.labels[str(knit.pk)] == "Knit and natter"
    assert list(impact.by_activity.labels) == [str(walk.pk), str(knit.pk)]  # by title
    [ucla] = [c for c in impact.outcomes if c.scale_id == "ucla3"]
    assert ucla.change.n == 1 and ucla.change.get("mean") == -5  # Ann only: 9 -> 4


def test_supported_for_the_programme_partners_and_activities(
    personas: Personas, walk: Activity
) -> None:
    knit = activity(walk.organisation, "Knit and natter", at=None, online=True)
    choir = activity(organisation(personas.ashfield, "Choir group"), "Choir", at=None, online=True)
    ann, bob = person(personas.ashfield), person(personas.ashfield, "Bob")
    cat = person(personas.mansfield, "Cat")
    a = connect(ann, walk, day(1), (S.ATTENDED_FIRST, day(2), ""))
    connect(ann, knit, day(3))
    b = connect(bob, choir, day(4), (S.ATTENDED_FIRST, day(5), ""))
    old = connect(
        bob, walk, START - timedelta(days=30), (S.ATTENDED_FIRST, START - timedelta(days=20), "")
    )
    c = connect(cat, walk, day(1), (S.ATTENDED_FIRST, day(2), ""))  # another area
    for connection, on in ((a, day(2)), (a, day(9)), (b, day(5)), (old, day(6)), (c, day(2))):
        attend(connection, on)
    attend(b, day(12), came=False)
    Contact.objects.create(client=ann, kind="phone", on=moment(day(1)))
    area = personas.ashfield.pk
    assert figures.supported(area, PERIOD) == figures.Supported(
        people=1, connections=3, attendances=4
    )
    assert figures.supported(area, PERIOD, organisation_ids=[walk.organisation_id]) == (
        figures.Supported(people=1, connections=2, attendances=3)
    )
    assert figures.supported(area, PERIOD, activity_ids=[choir.pk]) == figures.Supported(
        people=1, connections=1, attendances=1
    )
    assert figures.supported(
        area, PERIOD, organisation_ids=[choir.organisation_id], activity_ids=[knit.pk]
    ) == figures.Supported(people=2, connections=2, attendances=1)
    # Partners or activities asked for, but none left (all deleted): nothing, never
    # the whole programme.
    nothing = figures.Supported(people=0, connections=0, attendances=0)
    assert figures.supported(area, PERIOD, organisation_ids=[], activity_ids=[]) == nothing
    assert figures.supported(area, PERIOD, activity_ids=[]) == nothing


# --- Queries do not grow with rows ----------------------------------------------------


def _caseload(personas: Personas, walk: Activity, n: int) -> None:
    for i in range(n):
        client = person(personas.ashfield, f"P{i}", imd_decile=1 + i % 10, sex="female")
        refer(client, day(i % 50), ("contacted", day(i % 50 + 2)), reasons=("loneliness", "money"))
        connection = connect(client, walk, day(i % 50 + 3), (S.ATTENDED_FIRST, day(i % 50 + 4), ""),
                             (S.STOPPED, day(i % 50 + 50), "cost"))  # fmt: skip
        attend(connection, day(i % 50 + 10))
        lonely(client, "baseline", day(i % 50 + 1), (3, 3, 3))
        lonely(client, "follow_up", day(i % 50 + 60), (2, 2, 2))
        Contact.objects.create(
            client=client, kind="phone", on=moment(day(i % 50 + 2)), by=personas.link_worker
        )


@pytest.mark.parametrize("rows", [2, 12])
def test_queries_do_not_grow_with_rows(
    personas: Personas, walk: Activity, rows: int, django_assert_max_num_queries: Any
) -> None:
    _caseload(personas, walk, rows)
    ids = areas(personas)
    with django_assert_max_num_queries(2):
        figures.first_contact(ids, PERIOD)
    with django_assert_max_num_queries(1):
        figures.retention(ids, PERIOD)
    with django_assert_max_num_queries(1):
        figures.referrals_by_reason(ids, PERIOD)
    with django_assert_max_num_queries(2):
        figures.equity(ids, PERIOD, "age_band")
    with django_assert_max_num_queries(1):
        changes = figures.outcome_changes(ids, PERIOD)
    assert changes[0].change.n == rows
    with django_assert_max_num_queries(5):
        figures.quarterly_return(ids, PERIOD)
    with django_assert_max_num_queries(8):
        figures.partner_impact(walk.organisation_id, PERIOD)


def test_an_organisation_with_nothing_has_noughts(personas: Personas) -> None:
    empty = organisation(personas.ashfield, "Quiet group")
    assert isinstance(empty, Organisation)
    impact = figures.partner_impact(empty.pk, PERIOD)
    assert (impact.connected, impact.came, impact.kept_coming, impact.outcomes) == (0, 0, 0, [])
    assert impact.by_activity.total == 0
    found = figures.first_contact(areas(personas), PERIOD)
    assert found.days.n == 0 and found.days.get("median") is None
