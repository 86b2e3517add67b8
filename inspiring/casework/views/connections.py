"""Connecting a client to an activity, changing or withdrawing the connection, and
moving it on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.directory.models import Activity, Session
from inspiring.directory.search import current_schedules, distance_label, when_label
from lib.geo import miles_from
from lib.http import posted
from lib.text import search_text

from ..access import get_client, get_connection, working_area
from ..actions import ActionRefused, StaleEdit
from ..actions.bookings import BOOKS_FIRST_VISIT
from ..actions.connections import (
    AlreadyConnected,
    do_advance_connection,
    do_connect,
    do_edit_connection,
    do_withdraw_connection,
)
from ..forms.base import session_label
from ..forms.connections import (
    ConnectionEditForm,
    ConnectionForm,
    ConnectionStatusForm,
    WithdrawForm,
    in_their_week,
)
from ..models import Assessment, Client, Connection
from .bookings import bookable_sessions

CASES = Capability.MANAGE_CASES
SESSIONS_OFFERED = 8


@dataclass(frozen=True)
class ActivityChoice:
    """An activity as a link worker picks it: enough to tell six "Garden Therapy" apart."""

    activity: Activity
    when: list[str]  # "Every Tuesday, 10:00 to 11:00", one per current schedule
    next_start: datetime | None
    miles: float | None  # from the client's home; None when online or not known
    existing: Connection | None = None  # their open connection to it, if any

    @property
    def distance(self) -> str:
        return distance_label(self.miles) if self.miles is not None else ""


def _activities(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Activity.objects.visible_in(working_area(request)).select_related(
        "organisation", "venue", "home_area"
    )


def _home(client: Client) -> Callable[[float, float], float] | None:
    """Miles from the client's home (their postcode's position), as matching measures."""
    if client.latitude is None or client.longitude is None:
        return None
    return miles_from(client.latitude, client.longitude)


def _choice(
    activity: Activity,
    *,
    home: Callable[[float, float], float] | None,
    today: date,
    next_start: datetime | None,
    existing: Connection | None = None,
) -> ActivityChoice:
    venue = activity.venue
    miles = None
    if home is not None and venue is not None and not activity.online:
        miles = home(venue.latitude, venue.longitude)
    return ActivityChoice(
        activity=activity,
        when=[when_label(schedule) for schedule in current_schedules(activity, today)],
        next_start=next_start,
        miles=miles,
        existing=existing,
    )


def _miles(value: Decimal) -> str:
    amount = f"{value.normalize():f}"
    return "1 mile" if amount == "1" else f"{amount} miles"


def _their_week(assessment: Assessment | None) -> str:
    """Their week in words ("Tuesday morning, Thursday morning and afternoon"), or ""."""
    if assessment is None:
        return ""
    return ", ".join(
        f"{day} {' and '.join(parts)}" for day, parts in assessment.availability_by_day
    )


def _too_far(assessment: Assessment | None, choice: ActivityChoice) -> str:
    limit = assessment.max_travel_miles if assessment is not None else None
    if limit is None or choice.miles is None or choice.miles <= float(limit):
        return ""
    return (
        f"{choice.activity.title} is {choice.distance} from their home: further than the "
        f"{_miles(limit)} they said they can travel."
    )


def _outside_week(assessment: Assessment | None, session: Session | None) -> str:
    if assessment is None or session is None:
        return ""
    if in_their_week(assessment.availability, session) is not False:
        return ""
    return (
        f"The first session, {session_label(session)}, is not in their week (they said "
        f"they could go: {_their_week(assessment)}). Check it suits them."
    )


def _any_outside_week(assessment: Assessment | None, sessions: Iterable[Session]) -> bool:
    if assessment is None:
        return False
    return any(in_their_week(assessment.availability, s) is False for s in sessions)


def _sessions(activity: Activity, *, also: Iterable[Session | None] = ()) -> Iterable[int]:
    """The next sessions going ahead to choose a first session from (and the one chosen
    already, when it is no longer among them)."""
    upcoming = (
        Session.objects.filter(activity=activity, start__gte=timezone.now())
        .going_ahead()
        .order_by("start")
        .values_list("pk", flat=True)[:SESSIONS_OFFERED]
    )
    return [*upcoming, *(session.pk for session in also if session is not None)]


@require_capability(CASES)
def choose_activity(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    query = search_text(request.GET.get("q"))
    activities = _activities(request)
    if query:
        for word in query.split()[:4]:
            activities = activities.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(organisation__name__icontains=word)
                | Q(venue__town__icontains=word)
                | Q(categories__name__icontains=word)
            )
    first = (
        Session.objects.filter(activity=OuterRef("pk"), start__gte=timezone.now())
        .going_ahead()
        .order_by("start", "pk")
        .values("start")[:1]
    )
    activities = (
        activities.distinct()
        .annotate(next_start=Subquery(first))
        .prefetch_related("schedules")
        # The same title together, soonest first: "Garden Therapy" six times, in order.
        .order_by("title", F("next_start").asc(nulls_last=True), "pk")
    )
    page = Paginator(activities, 20).get_page(request.GET.get("page"))
    today, home = timezone.localdate(), _home(item)
    existing = {c.activity_id: c for c in item.connections.filter(status__in=Connection.LIVE)}
    found = [
        _choice(
            activity,
            home=home,
            today=today,
            next_start=activity.next_start,
            existing=existing.get(activity.pk),
        )
        for activity in page.object_list
    ]
    return render(
        request,
        "casework/choose_activity.html",
        {"client": item, "page_obj": page, "choices": found, "q": query},
    )


@require_capability(CASES)
def connect(request: HttpRequest, public_id: uuid.UUID, activity_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    activity = get_object_or_404(
        _activities(request).prefetch_related("schedules"), public_id=activity_id
    )
    assessment = item.assessments.first()
    sessions = Session.objects.filter(pk__in=_sessions(activity)).order_by("start")
    existing = (
        item.connections.filter(activity=activity, status__in=Connection.LIVE)
        .select_related("activity")
        .first()
    )
    form = ConnectionForm(
        posted(request),
        sessions=sessions,
        availability=assessment.availability if assessment else None,
        instance=Connection(activity=activity),
    )
    choice = _choice(
        activity,
        home=_home(item),
        today=timezone.localdate(),
        next_start=sessions[0].start if sessions else None,
        existing=existing,
    )
    if request.method == "POST" and existing is None and form.is_valid():
        connection = form.save(commit=False)
        connection.activity = activity
        connection.support = form.cleaned_data["support"]
        if form.cleaned_data["agreed"]:
            connection.status = Connection.Status.AGREED
        try:
            do_connect(request, item, connection)
        except AlreadyConnected as problem:
            existing = problem.existing
        else:
            messages.success(request, f"{item.display_name} is connected to {activity.title}.")
            # A warning, not a block: the person may have agreed to go all the same.
            if warning := _outside_week(assessment, connection.first_session):
                messages.warning(request, warning)
            return redirect(item)
    return render(
        request,
        "casework/connect.html",
        {
            "client": item,
            "activity": activity,
            "choice": choice,
            "existing": existing,
            "form": form,
            "too_far": _too_far(assessment, choice),
            "their_week": _their_week(assessment),
            "outside_week": _any_outside_week(assessment, sessions),
        },
    )


@require_capability(CASES)
def edit_connection(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_connection(request, public_id)
    if item.withdrawn:
        messages.info(request, "This connection was withdrawn: it cannot be changed.")
        return redirect(item)
    client = item.client
    assessment = client.assessments.first()

    sessions = Session.objects.filter(
        pk__in=_sessions(item.activity, also=[item.first_session])
    ).order_by("start")

    def edit_form(data: object, connection: Connection) -> ConnectionEditForm:
        return ConnectionEditForm(
            data,
            instance=connection,
            sessions=sessions,
            availability=assessment.availability if assessment else None,
        )

    form, stale = edit_form(posted(request), item), ""
    if request.method == "POST" and form.is_valid():
        try:
            changed = do_edit_connection(
                request,
                form.save(commit=False),
                form.changed_data,
                seen_version=form.cleaned_data["version"],
            )
        except StaleEdit as problem:
            # Show what is saved now, and keep what they typed for them to save again.
            item = Connection.objects.select_related(
                "client", "client__area", "activity", "first_session"
            ).get(pk=item.pk)
            if item.withdrawn:
                messages.info(request, "Someone else withdrew this connection meanwhile.")
                return redirect(item)
            data = request.POST.copy()
            data["version"] = str(item.version)
            form, stale = edit_form(data, item), str(problem)
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request,
                f"The connection to {item.activity.title} is saved."
                if changed
                else "Nothing was changed.",
            )
            if "first_session" in changed and (
                warning := _outside_week(assessment, item.first_session)
            ):
                messages.warning(request, warning)
            return redirect(item)
    now = timezone.now()
    choice = _choice(
        item.activity,
        home=_home(client),
        today=timezone.localdate(),
        next_start=next((s.start for s in sessions if s.start >= now), None),
    )
    return render(
        request,
        "casework/connect.html",
        {
            "client": client,
            "activity": item.activity,
            "connection": item,
            "choice": choice,
            "form": form,
            "stale": stale,
            "too_far": _too_far(assessment, choice),
            "their_week": _their_week(assessment),
            "outside_week": _any_outside_week(assessment, sessions),
        },
    )


@require_capability(CASES)
def withdraw_connection(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_connection(request, public_id)
    if item.withdrawn:
        messages.info(request, "This connection is withdrawn already.")
        return redirect(item)
    form = WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            do_withdraw_connection(request, item, reason=form.cleaned_data["reason"])
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request,
                f"The connection to {item.activity.title} is withdrawn: it is left out of "
                "their plan and the message back to their GP.",
            )
            return redirect(item.client)
    return render(
        request,
        "casework/connection_withdraw.html",
        {"connection": item, "client": item.client, "form": form},
    )


@require_capability(CASES)
def connection(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_connection(request, public_id)
    form = ConnectionStatusForm(posted(request), options=item.next_statuses())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_advance_connection(
                request,
                item,
                data["status"],
                on=data["on"],
                reason=data["reason"],
                reason_code=data.get("reason_code", ""),
                try_again=data.get("try_again"),
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "The connection is updated.")
            return redirect(item.client)
    assessment = item.client.assessments.first()
    choice = _choice(
        item.activity, home=_home(item.client), today=timezone.localdate(), next_start=None
    )
    warnings = []
    if item.is_open:
        warnings = [
            warning
            for warning in (
                _outside_week(assessment, item.first_session),
                _too_far(assessment, choice),
            )
            if warning
        ]
    return render(
        request,
        "casework/connection.html",
        {
            "connection": item,
            "client": item.client,
            "form": form,
            "choice": choice,
            "warnings": warnings,
            "steps": item.steps.select_related("by"),
            "attendances": item.attendances.select_related("session").order_by("-session__start"),
            "can_book": item.status in BOOKS_FIRST_VISIT and bookable_sessions(item).exists(),
        },
    )
