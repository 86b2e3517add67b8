"""Monitoring's summary rows (casework.facts) kept exact by the real actions.

After every step of a client's journey through the casework actions (referral, first
contact, assessment, connections stepped on by hand and by registers, stops and
declines with coded reasons, edits to the client's details, closing, a second referral,
a withdrawal, erasure and deletion) the stored rows equal a fresh working-out
(`facts.differences() == []`), and chosen rows hold the values the figures need. A bulk
UPDATE, which sends no signal, is found by `manage.py casework_facts check` and repaired
by `rebuild`; the figures read from the rows are those of a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models.signals import post_migrate
from django.http import HttpRequest
from django.utils import timezone

from inspiring.areas.models import Area, GPPractice
from inspiring.casework import facts, figures
from inspiring.casework.actions.clients import (
    do_add_referral,
    do_change_referral_status,
    do_create_client,
    do_record_contact,
    do_update_client,
)
from inspiring.casework.actions.connections import (
    do_advance_connection,
    do_connect,
    do_withdraw_connection,
)
from inspiring.casework.actions.outcomes import do_record_administration, instrument_for
from inspiring.casework.actions.privacy import do_erase_client
from inspiring.casework.actions.registers import do_record_register
from inspiring.casework.models import (
    Attendance,
    Client,
    Connection,
    ConnectionFact,
    ConnectionStep,
    Contact,
    Referral,
    ReferralFact,
    StepFact,
)
from inspiring.directory.actions import do_move_session
from inspiring.directory.models import Activity, Session
from lib.tallies import Period
from tests.directory.builders import activity, organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
S = Connection.Status
R = Referral.Status


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def moment(on: date, hour: int = 11) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(hour)))


def exact() -> None:
    """The stored rows are a fresh working-out of the records, to the last field."""
    assert facts.differences(limit=100) == []


def referral_fact(referral: Referral) -> ReferralFact:
    return ReferralFact.objects.get(referral_id=referral.pk)


def connection_fact(connection: Connection) -> ConnectionFact:
    return ConnectionFact.objects.get(connection_id=connection.pk)


def stops(connection: Connection) -> list[tuple[str, date, str]]:
    """The connection's stop and decline rows: (status, day, reason code)."""
    steps = ConnectionStep.objects.filter(connection=connection).values("pk")
    return list(
        StepFact.objects.filter(step_id__in=steps)
        .order_by("on", "step_id")
        .values_list("status", "on", "reason_code")
    )


def rows_of(client: Client) -> dict[str, int]:
    return {
        model.__name__: model.objects.filter(client_id=client.pk).count() for model in facts.FACTS
    }


def refer(
    request: HttpRequest,
    area: Area,
    received: date,
    *,
    name: str = "Ann",
    born: date | None = None,
    decile: int | None = 3,
    sex: str = "female",
) -> Client:
    """A new client with a GP's referral received `received`, as the client form saves it."""
    client = Client(
        area=area,
        first_name=name,
        last_name="Test",
        date_of_birth=born,
        imd_decile=decile,
        sex=sex,
        consent_to_hold=True,
    )
    referral = Referral(source="gp", reasons=["loneliness"], received_on=received)
    return do_create_client(request, client, referral, recorded_by=request.user)  # type: ignore[arg-type]


def session_on(item: Activity, day: date, hour: int = 10) -> Session:
    session = Session(activity=item, occurrence_date=day)
    session.set_times(moment(day, hour), moment(day, hour + 1))
    session.save()
    return session


def register(request: HttpRequest, session: Session, connection: Connection, came: bool) -> None:
    """The register of `session`, recorded with `connection` marked as come or not."""
    do_record_register(request, session, {connection: came}, recorded_by=request.user)  # type: ignore[arg-type]


def connect(
    request: HttpRequest, client: Client, to: Activity, status: str = S.AGREED
) -> Connection:
    return do_connect(request, client, Connection(activity=to, status=status))


def first_referral(client: Client) -> Referral:
    return Referral.objects.filter(client=client).order_by("received_on", "pk").first()  # type: ignore[return-value]


@dataclass
class Places:
    walk: Activity
    knit: Activity
    choir: Activity
    bowls: Activity


@pytest.fixture
def places(personas: Personas) -> Places:
    group = organisation(personas.ashfield, "Kirkby Community Groups")
    return Places(
        *(
            activity(group, title, at=None, online=True)
            for title in ("Health walk", "Knit and natter", "Choir", "Bowls")
        )
    )


@pytest.fixture
def practice() -> GPPractice:
    return GPPractice.objects.create(
        code="C84001", name="Kirkby Health Centre", pcn_code="U1", pcn_name="Kirkby PCN"
    )


@dataclass
class Journey:
    ann: Client
    first: Referral  # received 100 days ago, closed today
    second: Referral  # received 10 days ago, open
    walk: Connection  # first visit 80 days ago, attending, came 30 days ago
    knit: Connection  # first visit 60 days ago, stopped 50 days ago (cost)
    choir: Connection  # suggested, declined 5 days ago (time)
    bowls: Connection  # first visit 5 days ago, stopped, then withdrawn


def journey(
    request: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> Journey:
    """Ann's case, through the actions a link worker and a group use, checked at each step."""
    received = ago(100)
    # She turns 60 the day after her first referral: 16-59 on it, 60+ on the second.
    born = received - relativedelta(years=60) + timedelta(days=1)
    ann = refer(request, personas.ashfield, received, born=born, decile=3)
    first = first_referral(ann)
    exact()
    fact = referral_fact(first)
    assert (fact.received_on, fact.source, fact.reasons) == (received, "gp", ["loneliness"])
    assert (fact.contacted_on, fact.contact_days, fact.ended_on) == (None, None, None)
    assert (fact.visited_on, fact.age_band, fact.imd_quintile, fact.sex) == (
        None, "16-59", "2", "female"
    )  # fmt: skip
    assert fact.practice_id is None and not fact.typed_practice

    # First contact: a call four days after the referral came.
    do_record_contact(request, ann, Contact(kind="phone", on=moment(ago(96)), minutes=15))
    exact()
    fact = referral_fact(first)
    assert (fact.contacted_on, fact.contact_days, fact.ended_on) == (ago(96), 4, None)
    do_change_referral_status(request, first, R.ASSESSED, on=ago(90))
    exact()
    assert referral_fact(first).contact_days == 4  # the first contact, not the assessment

    # The health walk: agreed today (her referral becomes active), and the group's
    # registers: a first visit 80 days ago, attending from 73 days ago, and there again
    # 30 days ago (six weeks and more after the first visit).
    walk = connect(request, ann, places.walk)
    exact()
    row = connection_fact(walk)
    assert (row.made_on, row.first_visit_on, row.attending_on, row.came_6_on) == (
        TODAY, None, None, None
    )  # fmt: skip
    assert (row.area_id, row.client_id, row.activity_id) == (
        personas.ashfield.pk, ann.pk, places.walk.pk
    )  # fmt: skip
    register(request, session_on(places.walk, ago(80)), walk, came=True)
    exact()
    assert connection_fact(walk).first_visit_on == ago(80)
    assert referral_fact(first).visited_on == ago(80)
    register(request, session_on(places.walk, ago(73)), walk, came=True)
    exact()
    row = connection_fact(walk)
    assert (row.attending_on, row.came_6_on) == (ago(73), None)  # within six weeks
    register(request, session_on(places.walk, ago(30)), walk, came=True)
    exact()
    row = connection_fact(walk)
    assert (row.attending_on, row.came_6_on, row.came_12_on) == (ago(73), ago(30), None)
    assert (row.stop_6_on, row.stop_12_on) == (None, None)

    # Knit and natter: a first visit 60 days ago, stopped ten days later (cost): an early
    # stop at six and twelve weeks. Her referral's first visit stays the walk's.
    knit = connect(request, ann, places.knit)
    do_advance_connection(request, knit, S.ATTENDED_FIRST, on=ago(60))
    exact()
    do_advance_connection(
        request, knit, S.STOPPED, on=ago(50), reason="Too dear for her.", reason_code="cost"
    )
    exact()
    row = connection_fact(knit)
    assert (row.first_visit_on, row.attending_on) == (ago(60), None)
    assert (row.stop_6_on, row.stop_12_on, row.came_6_on) == (ago(50), ago(50), None)
    assert stops(knit) == [(S.STOPPED, ago(50), "cost")]
    assert referral_fact(first).visited_on == ago(80)

    # The choir: suggested, then declined (time).
    choir = connect(request, ann, places.choir, status=S.SUGGESTED)
    exact()
    assert stops(choir) == []
    do_advance_connection(
        request, choir, S.DECLINED, on=ago(5), reason="Evenings are hard.", reason_code="time"
    )
    exact()
    assert stops(choir) == [(S.DECLINED, ago(5), "time")]
    assert connection_fact(choir).first_visit_on is None

    # Her details change: deprivation, sex, ethnic group and GP practice, on every
    # referral's row.
    ann.refresh_from_db()
    seen = ann.version
    ann.imd_decile, ann.sex, ann.ethnic_group = 9, "male", "white_british"
    ann.registered_practice, ann.gp_practice = practice, practice.name
    do_update_client(
        request,
        ann,
        ["imd_decile", "sex", "ethnic_group", "registered_practice", "gp_practice"],
        seen_version=seen,
    )
    exact()
    fact = referral_fact(first)
    assert (fact.imd_quintile, fact.sex, fact.ethnic_group) == ("5", "male", "white_british")
    assert (fact.practice_id, fact.typed_practice) == (practice.pk, True)
    assert fact.age_band == "16-59"  # on the day it was received

    # Her first referral closes; a second comes, ten days ago.
    do_change_referral_status(
        request, first, R.CLOSED, on=TODAY, reason="Going out again.", outcome="goals_met"
    )
    exact()
    assert referral_fact(first).ended_on == TODAY
    second = do_add_referral(
        request, ann, Referral(source="self", reasons=["money"], received_on=ago(10))
    )
    exact()
    fact = referral_fact(second)
    assert (fact.source, fact.ended_on, fact.age_band, fact.imd_quintile) == (
        "self", None, "60+", "5"
    )  # fmt: skip
    assert fact.visited_on is None  # her first visits were before it came

    # Bowls: a first visit five days ago (her second referral's), stopped two days later,
    # then withdrawn (made by mistake): its rows go, and the second referral has no
    # first visit again.
    bowls = connect(request, ann, places.bowls)
    do_advance_connection(request, bowls, S.ATTENDED_FIRST, on=ago(5))
    exact()
    assert referral_fact(second).visited_on == ago(5)
    assert referral_fact(first).visited_on == ago(80)
    do_advance_connection(
        request, bowls, S.STOPPED, on=ago(3), reason="No lift.", reason_code="transport"
    )
    exact()
    assert stops(bowls) == [(S.STOPPED, ago(3), "transport")]
    do_withdraw_connection(request, bowls, reason="Meant for someone else.")
    exact()
    assert not ConnectionFact.objects.filter(connection_id=bowls.pk).exists()
    assert stops(bowls) == []
    assert referral_fact(second).visited_on is None
    assert referral_fact(first).visited_on == ago(80)
    return Journey(ann, first, second, walk, knit, choir, bowls)


def test_a_journey_through_the_actions_keeps_the_rows_exact_at_every_step(
    request_as_liam: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> None:
    story = journey(request_as_liam, personas, places, practice)
    # One row per referral, per connection not withdrawn, per stop or decline.
    assert ReferralFact.objects.filter(client_id=story.ann.pk).count() == 2
    assert set(
        ConnectionFact.objects.filter(client_id=story.ann.pk).values_list(
            "connection_id", flat=True
        )
    ) == {story.walk.pk, story.knit.pk, story.choir.pk}
    assert StepFact.objects.filter(client_id=story.ann.pk).count() == 2  # knit's, choir's
    assert connection_fact(story.walk).came_6_on == ago(30)


def test_a_register_changed_or_its_session_moved_changes_the_days_it_gave(
    request_as_liam: HttpRequest, personas: Personas, places: Places
) -> None:
    request = request_as_liam
    bob = refer(request, personas.ashfield, ago(100), name="Bob", sex="male")
    walk = connect(request, bob, places.walk)
    register(request, session_on(places.walk, ago(80)), walk, came=True)  # first visit
    later = session_on(places.walk, ago(30))  # six weeks after it: ago(38) on
    register(request, later, walk, came=True)
    exact()
    assert connection_fact(walk).came_6_on == ago(30)

    # The group corrects its register: he did not come after all.
    register(request, later, walk, came=False)
    exact()
    assert Attendance.objects.get(session=later).attended is False
    assert connection_fact(walk).came_6_on is None
    register(request, later, walk, came=True)
    exact()
    assert connection_fact(walk).came_6_on == ago(30)

    # The session had been moved: to 20 days ago, then to 45 days ago (within six weeks
    # of his first visit, so no longer evidence that he kept going).
    do_move_session(
        request, later, start=moment(ago(20), 14), end=moment(ago(20), 15), note="Moved"
    )
    exact()
    assert connection_fact(walk).came_6_on == ago(20)
    do_move_session(
        request, later, start=moment(ago(45), 14), end=moment(ago(45), 15), note="Moved"
    )
    exact()
    assert connection_fact(walk).came_6_on is None
    # A session deleted takes its attendances with it.
    register(request, session_on(places.walk, ago(10)), walk, came=True)
    exact()
    assert connection_fact(walk).came_6_on == ago(10)
    Session.objects.filter(local_date=ago(10)).delete()
    exact()
    assert connection_fact(walk).came_6_on is None


def test_erasing_a_client_keeps_their_rows_exact_and_closes_their_referral(
    request_as_liam: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> None:
    request = request_as_liam
    cat = refer(request, personas.ashfield, ago(40), name="Cat", born=date(1950, 1, 1))
    referral = first_referral(cat)
    do_record_contact(request, cat, Contact(kind="phone", on=moment(ago(38))))
    walk = connect(request, cat, places.walk)
    do_advance_connection(request, walk, S.ATTENDED_FIRST, on=ago(20))
    do_advance_connection(request, walk, S.STOPPED, on=ago(10), reason="Ill.", reason_code="health")
    exact()
    assert referral_fact(referral).ended_on is None
    before = rows_of(cat)

    do_erase_client(None, cat, reason="She asked us to forget her.")
    exact()
    cat.refresh_from_db()
    assert cat.erased_at is not None and cat.first_name == ""
    fact = referral_fact(referral)
    assert fact.ended_on == TODAY  # closed by the erasure
    # What the figures count of her stays: her first contact, first visit and stop.
    assert (fact.received_on, fact.contacted_on, fact.contact_days) == (ago(40), ago(38), 2)
    assert (fact.visited_on, fact.imd_quintile) == (ago(20), "2")
    row = connection_fact(walk)
    assert (row.first_visit_on, row.stop_6_on) == (ago(20), ago(10))
    assert stops(walk) == [(S.STOPPED, ago(10), "health")]
    assert rows_of(cat) == before


def test_deleting_a_practice_a_referral_or_a_client_leaves_no_stale_or_orphan_rows(
    request_as_liam: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> None:
    request = request_as_liam
    dee = refer(request, personas.ashfield, ago(50), name="Dee")
    eve = refer(request, personas.ashfield, ago(50), name="Eve")
    for client in (dee, eve):
        client.refresh_from_db()
        client.registered_practice = practice
        do_update_client(request, client, ["registered_practice"], seen_version=client.version)
        walk = connect(request, client, places.walk)
        register(request, session_on(places.walk, ago(45)), walk, came=True)
        do_advance_connection(request, walk, S.STOPPED, on=ago(40), reason="-", reason_code="cost")
    exact()
    assert set(
        ReferralFact.objects.filter(client_id__in=[dee.pk, eve.pk]).values_list(
            "practice_id", flat=True
        )
    ) == {practice.pk}

    # The practice closes and is taken off the list: its clients have no practice now.
    practice.delete()
    exact()
    assert set(
        ReferralFact.objects.filter(client_id__in=[dee.pk, eve.pk]).values_list(
            "practice_id", flat=True
        )
    ) == {None}

    # A referral entered twice, deleted: its row goes, the other stays.
    twice = do_add_referral(request, dee, Referral(source="gp", reasons=[], received_on=ago(49)))
    exact()
    twice.delete()
    exact()
    assert ReferralFact.objects.filter(client_id=dee.pk).count() == 1

    # A client deleted outright (with every record of theirs): none of their rows stay,
    # and nobody else's change.
    eve_rows = rows_of(eve)
    dee.delete()
    exact()
    assert rows_of(dee) == dict.fromkeys(rows_of(dee), 0)
    assert rows_of(eve) == eve_rows and eve_rows["ReferralFact"] == 1


def test_a_bulk_update_is_found_by_check_and_repaired_by_rebuild(
    request_as_liam: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> None:
    story = journey(request_as_liam, personas, places, practice)
    out, err = StringIO(), StringIO()
    call_command("casework_facts", "check", stdout=out, stderr=err)
    assert "equal the records" in out.getvalue() and err.getvalue() == ""

    # Rows changed with UPDATEs, which send no signal: a stop's reason recoded, and the
    # walk's later session re-timed with bulk_update (as the calendar's sync and the
    # feed import re-time sessions).
    ConnectionStep.objects.filter(connection=story.knit, status=S.STOPPED).update(
        reason_code="transport"
    )
    later = Session.objects.get(activity=story.walk.activity, local_date=ago(30))
    later.set_times(moment(ago(25)), moment(ago(25), 12))
    Session.objects.bulk_update([later], Session.TIME_FIELDS)
    found = facts.differences()
    assert len(found) == 2
    assert found[0].startswith(f"ConnectionFact {story.walk.pk}: ")
    assert found[1].startswith("StepFact ") and "'cost'" in found[1] and "'transport'" in found[1]
    assert facts.differences(limit=1) == found[:1]

    err = StringIO()
    with pytest.raises(CommandError, match="differ from the records"):
        call_command("casework_facts", "check", stdout=StringIO(), stderr=err)
    assert "ConnectionFact" in err.getvalue() and "StepFact" in err.getvalue()
    err = StringIO()
    with pytest.raises(CommandError, match=r"\(1 shown\)"):
        call_command("casework_facts", "check", "--limit", "1", stdout=StringIO(), stderr=err)
    assert err.getvalue().count("\n") == 1

    out = StringIO()
    call_command("casework_facts", "rebuild", stdout=out)
    written = sum(model.objects.count() for model in facts.FACTS)
    assert f"Wrote {written:,} summary rows" in out.getvalue()
    exact()
    assert connection_fact(story.walk).came_6_on == ago(25)
    assert stops(story.knit) == [(S.STOPPED, ago(50), "transport")]
    out = StringIO()
    call_command("casework_facts", "check", stdout=out, stderr=StringIO())
    assert "equal the records" in out.getvalue()


def test_after_migrate_rows_missing_are_written(
    request_as_liam: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> None:
    journey(request_as_liam, personas, places, practice)
    ReferralFact.objects.all().delete()  # a database loaded without them, say
    assert facts.differences()
    config = apps.get_app_config("casework")
    post_migrate.send(
        sender=config,
        app_config=config,
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    exact()
    assert ReferralFact.objects.count() == Referral.objects.count() == 2


def test_the_demo_data_loads_with_its_rows_exact(settings: Any) -> None:
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())  # about 12 s
    assert ReferralFact.objects.count() == Referral.objects.count() > 100
    exact()


def test_the_figures_read_from_the_rows_are_those_of_a_rebuild(
    request_as_liam: HttpRequest, personas: Personas, places: Places, practice: GPPractice
) -> None:
    request = request_as_liam
    journey(request, personas, places, practice)
    # Another client, erased, and one of Mansfield's.
    fay = refer(request, personas.ashfield, ago(70), name="Fay", born=date(2015, 5, 5), decile=1)
    do_record_contact(request, fay, Contact(kind="home_visit", on=moment(ago(61))))
    walk = connect(request, fay, places.walk)
    register(request, session_on(places.walk, ago(66)), walk, came=True)
    do_erase_client(None, fay, reason="Asked us to.")
    gus = refer(request, personas.mansfield, ago(20), name="Gus")
    connect(request, gus, places.knit)
    exact()

    area = [personas.ashfield.pk]
    periods = [Period(ago(120), TODAY), Period(ago(120), ago(40)), Period(ago(30), TODAY)]

    def read() -> list[Any]:
        return [
            (
                figures.retention(area, period),
                figures.first_contact(area, period),
                figures.connections_made(area, period),
                figures.stop_reasons(area, period, S.STOPPED),
                figures.referrals_by_practice(area, period),
                figures.equities(area, period),
            )
            for period in periods
        ]

    live = read()
    facts.rebuild()
    assert read() == live
    # And they are the journey's, counted by hand.
    retention, first_contact, made, stopped, _, equity = live[0]
    assert retention == figures.Retention(
        first_visits=3, due_6=3, still_6=1, due_12=0, still_12=0
    )  # the walk, knit and Fay's: only the walk (came 30 days ago) kept going
    # Ann's first (4 days), Fay's (9 days), Ann's second (not yet, open).
    assert first_contact.timeliness.counts == {"within": 1, "later": 1, "waiting": 1, "never": 0}
    assert made.counts == {"made": 4, "first_visit": 3, "stopped": 1, "declined": 1}
    assert stopped.counts["cost"] == 1 and stopped.total == 1
    # Each person once, by their first referral in the period: Ann at 59; Fay's date of
    # birth was erased with her other details (not recorded now, as before the rows).
    assert equity["age_band"].referred.counts == {"0-15": 0, "16-59": 1, "60+": 0, "": 1}
    assert equity["age_band"].connected.counts == {"0-15": 0, "16-59": 1, "60+": 0, "": 1}
    # The period that ended 40 days ago: none of the three first visits was six weeks
    # old by then (the walk's, 80 days ago, was due 38 days ago).
    assert live[1][0] == figures.Retention(first_visits=3, due_6=0, still_6=0, due_12=0, still_12=0)


def test_an_outcome_pair_recorded_keeps_the_rows_exact(
    request_as_liam: HttpRequest, personas: Personas
) -> None:
    request = request_as_liam
    hal = refer(request, personas.ashfield, ago(60), name="Hal")
    ons = instrument_for("ons-loneliness")
    for timepoint, on, score in (("baseline", ago(55), 3), ("follow_up", ago(5), 1)):
        answers = {"lack_companionship": score, "left_out": score, "isolated": score, "lonely": 3}
        do_record_administration(request, hal, ons, answers, timepoint=timepoint, on=on)
    exact()
