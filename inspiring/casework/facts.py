"""Monitoring's summary rows (models.facts), worked out per client and kept exact.

One function works a client's rows out from their records (`_work_out`); everything
else uses it:

- `refresh(client_ids)`: replace those clients' rows. Called, in the same transaction,
  by the signal handlers below whenever a client, referral, status change, connection,
  step, attendance, assessment (or its interests), outcome administration or group
  membership is saved or deleted (and a session with attendances moved), and
  by the actions that change casework rows with a bulk UPDATE (erasure) or bulk_create
  (the demo's history).
- `rebuild()`: every client's rows, in chunks of clients (memory stays bounded); for
  a new deployment, after a bulk load, or to repair.
- `differences()`: the stored rows against a fresh working-out; `manage.py
  casework_facts check` and the tests use it (after every step of a journey the stored
  rows must equal a rebuild).

Definitions are casework.figures' (its docstring says them in words); here they are
worked out once per record in Python, from a handful of queries per chunk of clients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import timezone

from .models import (
    Administration,
    Assessment,
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    GroupMembership,
    Referral,
    ReferralStatusChange,
)
from .models.facts import (
    AssessmentFact,
    ConnectionFact,
    MembershipFact,
    OutcomeFact,
    ReferralFact,
    StepFact,
)
from .models.outcomes import Timepoint

STATUS = Connection.Status
CONTACTED = (Referral.Status.CONTACTED, Referral.Status.ASSESSED)
ENDED = (Referral.Status.DECLINED, Referral.Status.UNABLE_TO_CONTACT, Referral.Status.CLOSED)
RETENTION_WEEKS = (6, 12)
CHUNK = 2000  # clients worked out at a time by rebuild and differences
WRITE_BATCH = 1000
IN_BATCH = 900  # keys in one IN (...) list: under SQLite's old limit of 999 parameters

FACTS: tuple[type[Any], ...] = (
    ReferralFact,
    ConnectionFact,
    StepFact,
    AssessmentFact,
    OutcomeFact,
    MembershipFact,
)


def imd_quintile(decile: int | None) -> str:
    return "" if decile is None else str((decile + 1) // 2)


def age_band(age: int | None) -> str:
    if age is None:
        return ""
    if age >= 60:
        return "60+"
    if age >= 16:
        return "16-59"
    return "0-15"


def _age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass
class Worked:
    """Rows worked out for some clients."""

    referrals: list[ReferralFact] = field(default_factory=list)
    connections: list[ConnectionFact] = field(default_factory=list)
    steps: list[StepFact] = field(default_factory=list)
    assessments: list[AssessmentFact] = field(default_factory=list)
    outcomes: list[OutcomeFact] = field(default_factory=list)
    memberships: list[MembershipFact] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[type[Any], list[Any]]]:
        yield ReferralFact, self.referrals
        yield ConnectionFact, self.connections
        yield StepFact, self.steps
        yield AssessmentFact, self.assessments
        yield OutcomeFact, self.outcomes
        yield MembershipFact, self.memberships


def _through(clients: dict[str, Any], path: str) -> dict[str, Any]:
    """`clients` (lookups on Client's pk: "pk__in", "pk__gte"...) as lookups from
    another model along `path` to the client's key ("client_id", "connection__client_id")."""
    return {path + key.removeprefix("pk"): value for key, value in clients.items()}


def _next_days(rows: Sequence[tuple[Any, ...]]) -> list[date | None]:
    """For rows in order (first item: the day), the day of the row after each."""
    return [rows[i + 1][0] if i + 1 < len(rows) else None for i in range(len(rows))]


# Who: client -> (area, imd decile, date of birth, sex, ethnic group, practice, typed)
People = dict[int, tuple[Any, ...]]


def _work_out(clients: dict[str, Any]) -> Worked:
    """The rows of the clients that `clients` (lookups on Client's pk) selects."""
    people: People = {
        row[0]: row[1:]
        for row in Client.objects.filter(**clients)
        .order_by()
        .values_list(
            "pk",
            "area_id",
            "imd_decile",
            "date_of_birth",
            "sex",
            "ethnic_group",
            "registered_practice_id",
            "gp_practice",
        )
    }
    worked = Worked()
    if people:
        visits = _connections(clients, people, worked)
        _referrals(clients, people, visits, worked)
        _assessments(clients, people, worked)
        _outcomes(clients, people, worked)
        _memberships(clients, people, worked)
    return worked


def _connections(clients: dict[str, Any], people: People, worked: Worked) -> dict[int, list[date]]:
    """Connection and step rows; returns each client's first visits' days."""
    zone = timezone.get_current_timezone()
    connections = list(
        Connection.objects.filter(**_through(clients, "client_id"))
        .exclude(status=STATUS.WITHDRAWN)
        .order_by()
        .values_list("pk", "client_id", "activity_id", "created_at")
    )
    owner = {pk: client_id for pk, client_id, _, _ in connections}
    # By the connections' own keys (their foreign-key index on both databases): by
    # the clients through a join, SQLite walked every step of those statuses for
    # each chunk of clients.
    theirs = sorted(owner)
    steps: dict[int, list[tuple[date, int, str, str]]] = defaultdict(list)
    came: dict[int, list[date]] = defaultdict(list)
    for start in range(0, len(theirs), IN_BATCH):
        batch = theirs[start : start + IN_BATCH]
        for pk, connection_id, status, on, reason in (
            ConnectionStep.objects.filter(
                connection_id__in=batch,
                status__in=(
                    STATUS.ATTENDED_FIRST,
                    STATUS.ATTENDING,
                    STATUS.STOPPED,
                    STATUS.DECLINED,
                ),
            )
            .order_by()
            .values_list("pk", "connection_id", "status", "on", "reason_code")
        ):
            steps[connection_id].append((on, pk, status, reason))
        for connection_id, on in (
            Attendance.objects.filter(attended=True, connection_id__in=batch)
            .order_by()
            .values_list("connection_id", "session__local_date")
        ):
            came[connection_id].append(on)
    visits: dict[int, list[date]] = defaultdict(list)
    for pk, client_id, activity_id, created_at in connections:
        own = sorted(steps.get(pk, ()))
        first = next((on for on, _, status, _ in own if status == STATUS.ATTENDED_FIRST), None)
        attending = next((on for on, _, status, _ in own if status == STATUS.ATTENDING), None)
        stop = next((on for on, _, status, _ in own if status == STATUS.STOPPED), None)
        fact = ConnectionFact(
            connection_id=pk,
            area_id=people[client_id][0],
            client_id=client_id,
            activity_id=activity_id,
            made_on=timezone.localtime(created_at, zone).date(),
            first_visit_on=first,
            attending_on=attending,
        )
        if first is not None:
            for weeks in RETENTION_WEEKS:
                due = first + timedelta(weeks=weeks)
                later = [on for on in came.get(pk, ()) if on >= due]
                setattr(fact, f"came_{weeks}_on", min(later) if later else None)
                setattr(fact, f"stop_{weeks}_on", stop if stop is not None and stop < due else None)
        worked.connections.append(fact)
        for on, step_pk, status, reason in own:
            if status == STATUS.ATTENDED_FIRST:
                visits[client_id].append(on)
            elif status in (STATUS.STOPPED, STATUS.DECLINED):
                worked.steps.append(
                    StepFact(
                        step_id=step_pk,
                        area_id=people[client_id][0],
                        client_id=client_id,
                        status=status,
                        on=on,
                        reason_code=reason,
                    )
                )
    return visits


def _referrals(
    clients: dict[str, Any], people: People, visits: dict[int, list[date]], worked: Worked
) -> None:
    theirs: dict[int, list[tuple[date, int, str, list[str], date | None]]] = defaultdict(list)
    for pk, client_id, received_on, source, reasons, status, changed_on in (
        Referral.objects.filter(**_through(clients, "client_id"))
        .order_by()
        .values_list(
            "pk", "client_id", "received_on", "source", "reasons", "status", "status_changed_on"
        )
    ):
        # Closed without a change recorded (an import): closed since it last changed.
        closed_on = None if status in Referral.OPEN else changed_on
        theirs[client_id].append((received_on, pk, source, reasons, closed_on))
    contacted: dict[int, date] = {}
    ended: dict[int, date] = {}
    for referral_id, status, on in (
        ReferralStatusChange.objects.filter(
            status__in=(*CONTACTED, *ENDED), **_through(clients, "referral__client_id")
        )
        .order_by()
        .values_list("referral_id", "status", "on")
    ):
        first = contacted if status in CONTACTED else ended
        if referral_id not in first or on < first[referral_id]:
            first[referral_id] = on
    for client_id, rows in theirs.items():
        area_id, decile, born, sex, ethnic_group, practice_id, typed = people[client_id]
        rows.sort()
        previous = [None, *(received_on for received_on, *_ in rows[:-1])]
        for (received_on, pk, source, reasons, closed_on), before in zip(
            rows, previous, strict=True
        ):
            contacted_on = contacted.get(pk)
            visited = [on for on in visits.get(client_id, ()) if on >= received_on]
            worked.referrals.append(
                ReferralFact(
                    referral_id=pk,
                    area_id=area_id,
                    client_id=client_id,
                    received_on=received_on,
                    source=source,
                    reasons=reasons,
                    practice_id=practice_id,
                    typed_practice=bool(typed),
                    contacted_on=contacted_on,
                    contact_days=(
                        None if contacted_on is None else (contacted_on - received_on).days
                    ),
                    ended_on=ended.get(pk, closed_on),
                    visited_on=min(visited) if visited else None,
                    previous_on=before,
                    imd_quintile=imd_quintile(decile),
                    age_band=age_band(_age_on(born, received_on)),
                    sex=sex or "",
                    ethnic_group=ethnic_group or "",
                )
            )


def _assessments(clients: dict[str, Any], people: People, worked: Worked) -> None:
    interests: dict[int, list[int]] = defaultdict(list)
    for assessment_id, category_id in Assessment.interests.through.objects.filter(
        **_through(clients, "assessment__client_id")
    ).values_list("assessment_id", "category_id"):
        interests[assessment_id].append(category_id)
    theirs: dict[int, list[tuple[date, int, list[str]]]] = defaultdict(list)
    for pk, client_id, assessed_on, barriers in (
        Assessment.objects.filter(**_through(clients, "client_id"))
        .order_by()
        .values_list("pk", "client_id", "assessed_on", "barriers")
    ):
        theirs[client_id].append((assessed_on, pk, barriers))
    for client_id, rows in theirs.items():
        rows.sort()
        for (assessed_on, pk, barriers), next_on in zip(rows, _next_days(rows), strict=True):
            worked.assessments.append(
                AssessmentFact(
                    assessment_id=pk,
                    area_id=people[client_id][0],
                    client_id=client_id,
                    assessed_on=assessed_on,
                    next_on=next_on,
                    interests=sorted(interests.get(pk, ())),
                    barriers=barriers,
                )
            )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _outcomes(clients: dict[str, Any], people: People, worked: Worked) -> None:
    """Every complete follow-up with the client's first complete baseline of the same
    instrument on or before it: a row for each scale scored (a number) at both."""
    answered: dict[tuple[int, str], dict[str, list[tuple[Any, ...]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in (
        Administration.objects.filter(complete=True, **_through(clients, "client_id"))
        .order_by()
        .values_list(
            "administered_on",
            "created_at",
            "pk",
            "client_id",
            "instrument_code",
            "instrument_version",
            "timepoint",
            "scores",
        )
    ):
        answered[row[3], row[4]][row[6]].append(row)
    for (client_id, code), by_timepoint in answered.items():
        baselines = sorted(by_timepoint.get(Timepoint.BASELINE, ()))
        follow_ups = sorted(by_timepoint.get(Timepoint.FOLLOW_UP, ()))
        if not baselines or not follow_ups:
            continue
        first = baselines[0]
        for follow_up, next_on in zip(follow_ups, _next_days(follow_ups), strict=True):
            on, _, pk, _, _, version, _, after = follow_up
            if first[0] > on:
                continue  # no baseline on or before it
            before = first[7] if isinstance(first[7], dict) else {}
            for scale, value in (after if isinstance(after, dict) else {}).items():
                b, a = _number(before.get(scale)), _number(value)
                if b is None or a is None:
                    continue
                worked.outcomes.append(
                    OutcomeFact(
                        administration_id=pk,
                        area_id=people[client_id][0],
                        client_id=client_id,
                        instrument_code=code,
                        instrument_version=version,
                        scale=scale,
                        administered_on=on,
                        next_on=next_on,
                        before=b,
                        after=a,
                    )
                )


def _memberships(clients: dict[str, Any], people: People, worked: Worked) -> None:
    for pk, client_id, joined_on in (
        GroupMembership.objects.filter(joined_on__isnull=False, **_through(clients, "client_id"))
        .order_by()
        .values_list("pk", "client_id", "joined_on")
    ):
        assert joined_on is not None  # filtered
        worked.memberships.append(
            MembershipFact(
                membership_id=pk,
                area_id=people[client_id][0],
                client_id=client_id,
                joined_on=joined_on,
            )
        )


def _write(worked: Worked) -> None:
    for model, rows in worked.tables():
        model.objects.bulk_create(rows, batch_size=WRITE_BATCH)


# While `deferred()` runs: the clients whose rows are to be worked out once, at its end.
_pending: ContextVar[set[int] | None] = ContextVar("facts_pending", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Inside, each refresh only notes its clients; their rows are worked out once, as it
    ends. For bulk writers (the demo loader) that save a client's records one by one:
    refreshing at each save worked the same clients out hundreds of times. Their rows
    are stale until the block ends, so nothing inside may read them."""
    if _pending.get() is not None:  # already deferred by a caller: it refreshes
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        # After a failure too: what was written and kept must have its rows.
        refresh(pending)


def refresh(client_ids: Iterable[int | None]) -> None:
    """Work out these clients' rows again and replace the stored ones (in the caller's
    transaction, so the figures change with the records or not at all)."""
    ids = sorted({pk for pk in client_ids if pk is not None})
    if not ids:
        return
    pending = _pending.get()
    if pending is not None:
        pending.update(ids)
        return
    with transaction.atomic():
        for model in FACTS:
            model.objects.filter(client_id__in=ids).delete()
        _write(_work_out({"pk__in": ids}))


def _chunks() -> Iterator[dict[str, Any]]:
    """Clients in ranges of primary keys, CHUNK clients a range."""
    ids = Client.objects.order_by("pk").values_list("pk", flat=True)
    highest = Client.objects.aggregate(n=Max("pk"))["n"]
    if highest is None:
        return
    start = ids.first()
    while start is not None:
        bounds = list(ids.filter(pk__gte=start)[CHUNK : CHUNK + 1])
        end = bounds[0] if bounds else highest + 1
        yield {"pk__gte": start, "pk__lt": end}
        start = end if bounds else None


def rebuild(progress: Any = None) -> int:
    """Every client's rows, written again from their records; returns the rows written.
    One transaction per chunk of clients after emptying the tables in one: the figures
    are short while it runs (run it when nobody is reporting, or at install)."""
    with transaction.atomic():
        for model in reversed(FACTS):
            model.objects.all().delete()
    written = 0
    for chunk in _chunks():
        worked = _work_out(chunk)
        with transaction.atomic():
            _write(worked)
        written += sum(len(rows) for _, rows in worked.tables())
        if progress is not None:
            progress(written)
    return written


def _identity(row: Any) -> Any:
    """What a row is of: its record (OutcomeFact: its follow-up and scale)."""
    return (row.administration_id, row.scale) if isinstance(row, OutcomeFact) else row.pk


def _key(row: Any) -> tuple[Any, ...]:
    """What a row says (every field but an OutcomeFact's own id, which is arbitrary)."""
    return tuple(getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname != "id")


def differences(limit: int = 20) -> list[str]:
    """How the stored rows differ from a fresh working-out (at most `limit` lines)."""
    found: list[str] = []
    for chunk in _chunks():
        worked = _work_out(chunk)
        of = _through(chunk, "client_id")
        for model, rows in worked.tables():
            expected = {_identity(row): _key(row) for row in rows}
            stored = {_identity(row): _key(row) for row in model.objects.filter(**of)}
            for pk in sorted(expected.keys() | stored.keys()):
                if expected.get(pk) != stored.get(pk):
                    found.append(
                        f"{model.__name__} {pk}: stored {stored.get(pk)}, "
                        f"worked out {expected.get(pk)}"
                    )
                    if len(found) >= limit:
                        return found
    # Rows of clients no longer there (cannot be: they cascade) or outside every chunk.
    for model in FACTS:
        orphans = model.objects.exclude(client_id__in=Client.objects.values("pk")).count()
        if orphans:
            found.append(f"{model.__name__}: {orphans} rows of no client")
    return found[:limit]


# Keeping them exact ---------------------------------------------------------------


def _client_of(sender: type[Any], instance: Any) -> Sequence[int]:
    if sender is Client:
        return [instance.pk]
    if sender in (Referral, Connection, Assessment, Administration, GroupMembership):
        return [instance.client_id]
    if sender is ReferralStatusChange:
        return list(
            Referral.objects.filter(pk=instance.referral_id).values_list("client_id", flat=True)
        )
    if sender in (ConnectionStep, Attendance):
        return list(
            Connection.objects.filter(pk=instance.connection_id).values_list("client_id", flat=True)
        )
    return []


def _changed(sender: type[Any], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # fixtures: their rows come in any order; rebuild after loading
        return
    refresh(_client_of(sender, instance))


def _session_moved(sender: type[Any], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A session's day is an attendance's day: the clients who came to it."""
    if raw or kwargs.get("created"):
        return
    _sessions_moved(sender, session_ids=[instance.pk])


def _sessions_moved(sender: type[Any], session_ids: Sequence[int], **kwargs: Any) -> None:
    refresh(
        Attendance.objects.filter(session_id__in=session_ids, attended=True).values_list(
            "connection__client_id", flat=True
        )
    )


def _after_migrate(sender: Any, verbosity: int = 1, using: str = "default", **kwargs: Any) -> None:
    """Write the rows where there are records but no rows for them (the first migrate
    after this table came, or a database loaded without them). Counting is cheap; the
    check command proves more."""
    with_rows = ReferralFact.objects.using(using).count()
    referrals = Referral.objects.using(using).count()
    if referrals and with_rows != referrals:
        written = rebuild()
        if verbosity:
            print(f"  Monitoring's summary rows written again: {written:,}")


def _interests_changed(
    sender: type[Any],
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """An assessment's interests changed (or, from the other side, a category's)."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            refresh([instance.client_id])
        return
    if action in ("post_add", "post_remove") and pk_set:
        assessments = Assessment.objects.filter(pk__in=pk_set)
    elif action == "pre_clear":  # afterwards the links are gone
        assessments = Assessment.objects.filter(interests=instance)
    else:
        return
    refresh(assessments.values_list("client_id", flat=True))


def connect(app: Any) -> None:
    """Called once from CaseworkConfig.ready."""
    from inspiring.directory.models import Session
    from inspiring.directory.models.schedules import sessions_moved

    post_migrate.connect(_after_migrate, sender=app, dispatch_uid="facts-after-migrate")
    m2m_changed.connect(
        _interests_changed,
        sender=Assessment.interests.through,
        dispatch_uid="facts-assessment-interests",
    )
    for model in (
        Client,
        Referral,
        ReferralStatusChange,
        Connection,
        ConnectionStep,
        Attendance,
        Assessment,
        Administration,
        GroupMembership,
    ):
        post_save.connect(_changed, sender=model, dispatch_uid=f"facts-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"facts-delete-{model.__name__}")
    post_save.connect(_session_moved, sender=Session, dispatch_uid="facts-session-moved")
    sessions_moved.connect(_sessions_moved, sender=Session, dispatch_uid="facts-sessions-moved")
