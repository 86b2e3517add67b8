"""The demo's past, closed cases (inspiring/demo/history.py): two years of them, all
closed, none consenting to research, dated within the history's quarters, loaded once,
and enough of every kind for monitoring's figures (referrals in each quarter, first
contacts, stops with coded reasons, outcome pairs)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import Max, Min
from django.utils import timezone

from inspiring.areas.models import Area, GPPractice
from inspiring.casework import choices, facts
from inspiring.casework import figures as f
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
    Task,
)
from inspiring.demo.directory import build_area_directory
from inspiring.demo.history import HISTORY_CLIENTS, history_start, load_demo_history
from inspiring.directory.models import Activity, Session
from inspiring.monitoring import periods
from lib.identifiers import nhs_number_check_digit
from tests.personas import Personas

pytestmark = pytest.mark.django_db
SEED = "inspiring-demo-cases-ashfield"
FINAL = {"closed", "declined", "unable_to_contact"}


@pytest.fixture
def ashfield(personas: Personas) -> Area:
    """Ashfield with published activities (no sessions in the past) and two open GP
    practices on its list, and a closed one that is never chosen."""
    area = personas.ashfield
    build_area_directory(area, organisations=8, seed="history-test")
    for code, name, status in (
        ("Y99901", "Test Example Surgery", GPPractice.Status.ACTIVE),
        ("Y99902", "Test Example Health Centre", GPPractice.Status.ACTIVE),
        ("Y99903", "Test Closed Practice", GPPractice.Status.CLOSED),
    ):
        GPPractice.objects.create(
            code=code,
            name=name,
            district_code=area.local_authority_code,
            status=status,
            list_size=8000,
        )
    return area


def _signature(area: Area) -> list[tuple[Any, ...]]:
    return sorted(
        (
            str(c.public_id),
            c.first_name,
            c.date_of_birth,
            c.postcode,
            r.received_on,
            r.status,
            r.outcome,
            tuple(sorted(r.reasons)),
        )
        for c in Client.objects.filter(area=area)
        for r in c.referrals.all()
    )


def test_loaded_once_and_deterministic(ashfield: Area, personas: Personas) -> None:
    worker = personas.link_worker
    assert load_demo_history(ashfield, worker, seed=SEED) == HISTORY_CLIENTS
    counts = [
        model.objects.count()
        for model in (Client, Referral, ReferralStatusChange, Contact, Connection, Administration)
    ]
    first = _signature(ashfield)
    assert load_demo_history(ashfield, worker, seed=SEED) == 0
    assert counts == [
        model.objects.count()
        for model in (Client, Referral, ReferralStatusChange, Contact, Connection, Administration)
    ]
    # Their figures worked out once, as the delete ends: per deleted row (ten thousand,
    # with the cascade) it took over four minutes of the suite.
    with facts.deferred():
        Client.objects.filter(area=ashfield).delete()
    assert load_demo_history(ashfield, worker, seed=SEED) == HISTORY_CLIENTS
    assert _signature(ashfield) == first


def test_every_case_is_closed_fictional_and_kept_from_research(
    ashfield: Area, personas: Personas
) -> None:
    load_demo_history(ashfield, personas.link_worker, seed=SEED)
    clients = Client.objects.filter(area=ashfield)
    assert clients.count() == HISTORY_CLIENTS
    assert not clients.filter(closed_at__isnull=True).exists()
    assert not clients.filter(consent_to_research=True).exists()
    assert set(clients.values_list("worker", flat=True)) == {personas.link_worker.pk}
    for number in clients.values_list("nhs_number", flat=True):
        assert number.startswith("999") and nhs_number_check_digit(number[:9]) == int(number[9])
    # Each client's one referral ended closed (with an outcome), declined or unable to
    # contact, on the day the case closed; nothing is left to do.
    for client in clients.prefetch_related("referrals__changes"):
        (referral,) = client.referrals.all()
        steps = list(referral.changes.all())
        assert referral.status in FINAL and steps[-1].status == referral.status
        assert referral.status_changed_on == steps[-1].on == timezone.localdate(client.closed_at)
        assert bool(referral.outcome) == (referral.status == "closed")
        assert steps[0].status == "received" and steps[0].on == referral.received_on
        assert [s.on for s in steps] == sorted(s.on for s in steps)
        # The codes the actions record: SNOMED CT on receiving and declining only.
        for step in steps:
            expected = {"received": choices.SNOMED_REFERRAL, "declined": choices.SNOMED_DECLINED}
            assert step.snomed_code == expected.get(step.status, "")
            if step.status in Referral.NEEDS_REASON:
                assert step.reason
    assert set(Referral.objects.values_list("status", flat=True)) == FINAL
    assert not Task.objects.exists()
    # No partner's list or register fills with past people: no details shared.
    assert not Connection.objects.filter(share_consent=True).exists()
    # Its sessions start today (none materialised in the past): no attendance.
    assert not Attendance.objects.exists()
    # Demographics like a Nottinghamshire district, where they live known.
    assert clients.filter(ethnic_group="white_british").count() > 0.8 * HISTORY_CLIENTS
    assert clients.filter(sex="female").count() > clients.filter(sex="male").count()
    assert clients.exclude(imd_decile=None).exclude(lsoa_code="").count() == HISTORY_CLIENTS
    ages = [c.age_on(c.referrals.get().received_on) or 0 for c in clients]
    assert min(ages) >= 18 and max(ages) <= 90
    # Most registered with one of the area's open practices, the rest typed or none.
    registered = clients.filter(registered_practice__isnull=False)
    assert registered.count() > 0.8 * HISTORY_CLIENTS
    assert set(registered.values_list("registered_practice__code", flat=True)) == {
        "Y99901",
        "Y99902",
    }
    assert all(
        c.registered_practice and c.gp_practice == c.registered_practice.name for c in registered
    )


def test_dated_within_the_history(ashfield: Area, personas: Personas) -> None:
    today = timezone.localdate()
    start = history_start(today)
    # Eight whole quarters before this one: from 24 to 27 months back.
    assert today - relativedelta(months=27) < start <= today - relativedelta(months=24)
    assert start == periods.previous_quarters(today, 9)[0][1].start
    load_demo_history(ashfield, personas.link_worker, seed=SEED)
    area = {"client__area": ashfield}

    def span(queryset: Any, name: str) -> tuple[Any, Any]:
        found = queryset.aggregate(first=Min(name), last=Max(name))
        return found["first"], found["last"]

    for first, last in (
        span(Referral.objects.filter(**area), "received_on"),
        span(ReferralStatusChange.objects.filter(referral__client__area=ashfield), "on"),
        span(Assessment.objects.filter(**area), "assessed_on"),
        span(ConnectionStep.objects.filter(connection__client__area=ashfield), "on"),
        span(Administration.objects.filter(**area), "administered_on"),
    ):
        assert start <= first and last < today
    for first, last in (
        span(Contact.objects.filter(**area), "on"),
        span(Client.objects.filter(area=ashfield), "closed_at"),
        span(Connection.objects.filter(**area), "created_at"),
    ):
        assert start <= timezone.localdate(first) and timezone.localdate(last) < today
    # Groups held before the referral are dated years before it; none joined or left
    # after the case.
    groups = GroupMembership.objects.filter(**area)
    assert span(groups, "joined_on")[1] < today and span(groups, "left_on")[1] < today
    # First contact 1 to 20 days after the referral, mostly within the week promised.
    waits = [
        (change.on - change.referral.received_on).days
        for change in ReferralStatusChange.objects.filter(
            referral__client__area=ashfield, status="contacted"
        ).select_related("referral")
    ]
    assert min(waits) >= 1 and max(waits) <= 20
    assert sum(w <= 7 for w in waits) > 0.6 * len(waits)
    # Each follow-up about twelve weeks after its baseline.
    for follow_up in Administration.objects.filter(**area, timepoint="follow_up"):
        baseline = Administration.objects.get(
            client=follow_up.client, instrument_code=follow_up.instrument_code, timepoint="baseline"
        )
        assert 11 * 7 <= (follow_up.administered_on - baseline.administered_on).days <= 14 * 7


def test_every_figure_has_something_to_show(ashfield: Area, personas: Personas) -> None:
    load_demo_history(ashfield, personas.link_worker, seed=SEED)
    today, ids = timezone.localdate(), [ashfield.pk]
    quarters = [period for _, period in periods.previous_quarters(today, 9)[:-1]]
    assert len(quarters) == 8
    for period in quarters:
        # Referrals in each of the eight quarters before this one, enough to show.
        assert f.referrals_by_source(ids, period).total >= 10, period
        assert f.first_contact(ids, period).days.n >= 5, period
    whole = periods.Period(quarters[0].start, today)
    assert sum(f.connections_made(ids, whole).counts.values()) > 0
    stopped = f.stop_reasons(ids, whole, "stopped")
    assert stopped.total >= 20 and stopped.counts[""] == 0
    declined = f.stop_reasons(ids, whole, "declined")
    assert declined.total >= 5 and declined.counts[""] == 0
    returns = f.quarterly_return(ids, whole).counts
    assert returns["accepted"] > 200 and returns["declined"] > 10
    assert returns["outcomes_recorded"] > 100
    # Outcome pairs for about 60 % of the clients, a modest improvement on average.
    pairs = Administration.objects.filter(
        client__area=ashfield, timepoint="follow_up", instrument_code="ons4"
    ).count()
    assert 0.5 * HISTORY_CLIENTS < pairs < 0.75 * HISTORY_CLIENTS
    changes = {(c.instrument_code, c.scale_id): c for c in f.outcome_changes(ids, whole)}
    lonely = changes["ons-loneliness", "ucla3"]
    lonelier = lonely.change.values["mean"]  # lower is better
    assert lonely.change.n == pairs and lonelier is not None and -2 < lonelier < 0
    satisfied = changes["ons4", "life_satisfaction"].change.values["mean"]
    assert satisfied is not None and 0 < satisfied < 2.5
    assert f.retention(ids, whole).still_6 > 50
    assert f.groups_gained(ids, whole).counts["people"] > 50
    equity = f.equity(ids, whole, "imd_quintile")
    assert sum(1 for n in equity.referred.counts.values() if n >= 5) >= 3


def test_attendance_only_on_sessions_there_are(ashfield: Area, personas: Personas) -> None:
    """Sessions are materialised from today on; a deployment that has run for a while has
    past ones, kept as history: fortnightly sessions of every activity, two years of them."""
    today = timezone.localdate()
    sessions = []
    for activity in Activity.objects.filter(home_area=ashfield):
        for fortnight in range(1, 60):
            day = today - timedelta(weeks=2 * fortnight)
            session = Session(activity=activity, occurrence_date=day)
            start = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
            session.set_times(start, start + timedelta(hours=2))
            sessions.append(session)
    Session.objects.bulk_create(sessions)
    load_demo_history(ashfield, personas.link_worker, seed=SEED)
    attendances = Attendance.objects.all()
    assert attendances.count() > 100
    assert attendances.filter(attended=True).count() > 0.8 * attendances.count()
    # On the activity's own sessions, from the first visit to stopping (or closing).
    went = Connection.objects.filter(attendances__isnull=False).distinct()
    for connection in went.select_related("client").prefetch_related("steps"):
        steps = {step.status: step.on for step in connection.steps.all()}
        until = steps.get("stopped", timezone.localdate(connection.client.closed_at))
        for activity_id, day in connection.attendances.values_list(
            "session__activity_id", "session__local_date"
        ):
            assert activity_id == connection.activity_id
            assert steps["attended_first"] <= day <= until < today
    # Someone who never went has no register entries.
    assert not Attendance.objects.filter(connection__steps__status="declined").exists()


def test_an_area_with_no_activities_or_practices(personas: Personas) -> None:
    """Mansfield here has no directory and no practices: cases without connections, and
    no practice recorded."""
    area = personas.mansfield
    assert load_demo_history(area, personas.mansfield_coordinator, seed="m") == HISTORY_CLIENTS
    clients = Client.objects.filter(area=area)
    assert not clients.filter(closed_at__isnull=True).exists()
    assert not Connection.objects.exists()
    assert not clients.filter(registered_practice__isnull=False).exists()
    assert set(clients.values_list("gp_practice", flat=True)) == {""}
    assert set(Referral.objects.values_list("status", flat=True)) == FINAL
