"""The partner lead's side of connections, and session registers.

A partner lead sees only the connections access.partner_connections gives them
(introductions and referrals the client agreed to share, to their own
organisations' activities), and of each person only their first name and what
they agreed the group may know. Groups with no account record a register from
a one-time emailed link, which a link worker sends from a connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.privacy import shows_personal_data
from inspiring.accounts.roles import Capability
from inspiring.bookings.models import Booking
from inspiring.directory.models import Activity, Session
from lib.http import posted

from .. import registers
from ..access import (
    get_connection,
    get_partner_connection,
    get_partner_session,
    group_connections,
    partner_connections,
    partner_sessions,
    working_area,
)
from ..actions import ActionRefused
from ..actions.connections import do_advance_connection
from ..actions.registers import do_record_register, do_send_register_link
from ..choices import ConnectionLevel
from ..forms.registers import RegisterForm, RegisterLinkForm
from ..models import Attendance, Connection, RegisterLink
from ..registers import first_name

PARTNER = Capability.EDIT_OWN_LISTINGS
PAGE_SIZE = 25
MOST_SESSIONS = 200


@dataclass
class Row:
    connection: Connection
    name: str
    # A referral the group has not yet said it has.
    can_confirm: bool


@require_capability(PARTNER)
def connections(request: HttpRequest) -> HttpResponse:
    visible = partner_connections(request)
    activities = list(
        Activity.objects.filter(pk__in=visible.values("activity")).order_by("title", "pk")
    )
    chosen = request.GET.get("activity", "")
    show = "all" if request.GET.get("show") == "all" else "current"
    shown = visible
    activity = next((a for a in activities if str(a.public_id) == chosen), None)
    if activity is not None:
        shown = shown.filter(activity=activity)
    if show == "current":
        shown = shown.filter(status__in=Connection.LIVE)
    page = Paginator(
        shown.select_related("client", "activity", "first_session").order_by(
            "activity__title", "activity_id", "-created_at", "-pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = [
        Row(
            connection=c,
            name=first_name(c),
            can_confirm=c.level == ConnectionLevel.REFERRAL
            and Connection.Status.REFERRED in c.NEXT.get(c.status, ()),
        )
        for c in page.object_list
    ]
    audit.record(
        request, "client.listed", area=working_area(request), detail={"partner": len(rows)}
    )
    query = {"show": show}
    if activity is not None:
        query["activity"] = str(activity.public_id)
    return render(
        request,
        "casework/partner/connections.html",
        {
            "page_obj": page,
            "rows": rows,
            "activities": activities,
            "chosen": activity,
            "show": show,
            "query_without_page": f"{urlencode(query)}&",
        },
    )


@require_capability(PARTNER)
@require_POST
def referral_received(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The group says it has the referral: the connection becomes "referred"."""
    connection = get_partner_connection(request, public_id)
    try:
        if connection.level != ConnectionLevel.REFERRAL:
            raise ActionRefused("Only a referral is confirmed: this is an introduction.")
        do_advance_connection(
            request, connection, Connection.Status.REFERRED, on=timezone.localdate()
        )
    except ActionRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request, f"Thank you: {first_name(connection)}'s link worker can see you have it."
        )
    return redirect(
        f"{reverse('casework:partner_connections')}?"
        f"{urlencode({'activity': str(connection.activity.public_id)})}"
    )


@dataclass
class SessionRow:
    session: Session
    # People connected by a link worker who are expected, and how many of them are
    # recorded on its register.
    expected: int
    recorded: int
    # Places booked at the session in all (online, or by a link worker), and waiting.
    booked: int
    waiting: int
    is_open: bool


@require_capability(PARTNER)
def sessions(request: HttpRequest) -> HttpResponse:
    """The lead's sessions two weeks either side of today that someone is expected at, or
    has booked a place at (residents who booked online are on its register too).

    Counted in the one query, by subqueries per session row: never a query per row."""
    today = timezone.localdate()
    going = partner_connections(request).filter(
        status__in=registers.AWAITING_FIRST + registers.GOING
    )
    expected = _count_per_session(
        going.filter(registers.expected_at_each()), "activity_id", Count("pk", distinct=True)
    )
    # Anyone going with a mark at the session is expected there (expected_at: "recorded
    # already"), so this is the count of the expected who are recorded.
    recorded = _count_per_session(
        Attendance.objects.filter(session=OuterRef("pk"), connection__in=going),
        "session_id",
        Count("pk"),
    )
    waiting = _count_per_session(
        Booking.objects.filter(session=OuterRef("pk"), status=Booking.Status.WAITING),
        "session_id",
        Sum("places"),
    )
    found = (
        partner_sessions(request)
        .going_ahead()
        .filter(
            local_date__gte=today - registers.WINDOW,
            local_date__lte=today + registers.WINDOW,
        )
        .annotate(n_expected=expected, n_recorded=recorded, n_waiting=waiting)
        .filter(
            Q(n_expected__gt=0)
            | Exists(Booking.objects.filter(session=OuterRef("pk"), status__in=Booking.LIVE))
        )
        .select_related("activity")
        .order_by("start", "pk")[:MOST_SESSIONS]
    )
    rows = [_session_row(session) for session in found]
    return render(
        request,
        "casework/partner/sessions.html",
        {
            "past": [r for r in rows if r.is_open][::-1],
            "upcoming": [r for r in rows if not r.is_open],
        },
    )


def _session_row(session: Any) -> SessionRow:
    """A row of the list, from a session with the counts annotated by `sessions`."""
    return SessionRow(
        session,
        expected=session.n_expected,
        recorded=session.n_recorded,
        booked=session.booked,
        waiting=session.n_waiting,
        is_open=registers.is_open(session),
    )


def _count_per_session(rows: QuerySet[Any], group: str, count: Aggregate) -> Coalesce:
    """`count` of `rows` (filtered on the outer Session row), as a subquery: 0 for none.
    Grouped by a column every row shares, so that the subquery gives one value."""
    return Coalesce(
        Subquery(rows.order_by().values(group).annotate(n=count).values("n")[:1]),
        0,
        output_field=IntegerField(),
    )


@require_capability(PARTNER)
def register(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    session = get_partner_session(request, public_id)
    people = registers.expected(partner_connections(request), session)
    form = RegisterForm(posted(request), people=people, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_record_register(
                request, session, form.marks(), recorded_by=acting_user(request)
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request,
                f"The register for {session.activity.title} is saved "
                f"({saved} {'person' if saved == 1 else 'people'}).",
            )
            return redirect("casework:partner_sessions")
    if request.method != "POST" and people:
        audit.record(
            request,
            "client.listed",
            area=working_area(request),
            detail={"register": str(session.public_id), "shown": len(people)},
        )
    return render(
        request,
        "casework/partner/register.html",
        {
            "session": session,
            "form": form,
            "is_open": registers.is_open(session),
            "bookings": registers.other_bookings(session, people),
        },
    )


@require_capability(Capability.MANAGE_CASES)
def send_register_link(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A link worker or coordinator emails the group a one-time register for a session."""
    connection = get_connection(request, public_id)
    if not connection.shares_with_group:
        raise Http404("Nothing is shared with the group")
    activity = connection.activity
    offered = registers.link_sessions(activity)
    initial = {}
    if connection.first_session_id and offered.filter(pk=connection.first_session_id).exists():
        initial["session"] = connection.first_session
    form = RegisterLinkForm(posted(request), sessions=offered, initial=initial)
    if request.method == "POST" and form.is_valid():
        session = form.cleaned_data["session"]
        try:
            link = do_send_register_link(request, session, client=connection.client)
        except ActionRefused as problem:
            form.add_error("session", str(problem))
        else:
            messages.success(
                request, f"The register for {activity.title} is emailed to {link.email}."
            )
            return redirect(connection)
    return render(
        request,
        "casework/partner/send_register.html",
        {
            "connection": connection,
            "client": connection.client,
            "form": form,
            "recipient": registers.group_email(activity),
        },
    )


@login_not_required
@never_cache
@shows_personal_data
def group_register(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """A group with no account records a session's register, once, from an emailed link."""
    link = get_object_or_404(
        RegisterLink.objects.select_related(
            "session",
            "session__activity",
            "session__activity__organisation",
            "session__activity__home_area",
        ),
        token=token,
    )
    session = link.session
    area = session.activity.home_area
    problem = registers.link_problem(link)
    if problem:
        return _link_gone(request, problem, area)
    people = registers.expected(group_connections(session), session)
    form = RegisterForm(posted(request), people=people, session=session, ask_name=True)
    if request.method == "POST" and form.is_valid():
        try:
            do_record_register(
                request,
                session,
                form.marks(),
                recorded_by=None,
                by_name=form.cleaned_data["by_name"],
                link=link,
            )
        except ActionRefused as problem_now:
            link.refresh_from_db()
            if registers.link_problem(link):
                return _link_gone(request, registers.link_problem(link), area)
            form.add_error(None, str(problem_now))
        else:
            return render(request, "casework/partner/group_register_done.html", {"area": area})
    if request.method != "POST" and people:
        audit.record(
            request,
            "client.listed",
            area=area,
            detail={"register_link": link.pk, "shown": len(people)},
        )
    return render(
        request,
        "casework/partner/group_register.html",
        {
            "session": session,
            "form": form,
            "is_open": registers.is_open(session),
            "area": area,
            "expires_at": link.expires_at,
            "bookings": registers.other_bookings(session, people),
        },
    )


def _link_gone(request: HttpRequest, problem: str, area: object) -> HttpResponse:
    # 410 Gone: the link existed, and will not work again. Nothing about anyone is shown.
    return render(
        request,
        "casework/partner/group_register_problem.html",
        {"problem": problem, "area": area},
        status=410,
    )
