"""Session registers: who came, as the group records it, moving each connection on.

A partner lead records a session's register signed in; a group with no account
is emailed a one-time link (RegisterLink) instead. Either way each person
expected has one Attendance per session (saving again corrects it), and their
connection moves on through actions.do_advance_connection, which makes the link
worker's follow-up tasks: two weeks after a first visit, and a prompt to
re-engage when someone misses their first visit or stops coming.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.mail import BadHeaderError, send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User
from inspiring.directory.models import Activity, Session

from .access import group_connections
from .actions import ActionRefused, do_advance_connection
from .models import Attendance, Client, Connection, RegisterLink, Task

logger = logging.getLogger(__name__)
Status = Connection.Status

# Waiting for their first visit at a named session.
AWAITING_FIRST = (Status.AGREED, Status.REFERRED)
# Expected at every session from their first one on (missing the first visit
# does not stop someone turning up to the next).
GOING = (Status.MISSED_FIRST, Status.ATTENDED_FIRST, Status.ATTENDING)
# The partner lead's sessions page: registers to record, and who is coming.
WINDOW = timedelta(days=14)
# A group's emailed register works until this long after the session.
LINK_VALID_AFTER_SESSION = timedelta(days=7)
# Missing this many recorded sessions in a row prompts the link worker.
MISSES_BEFORE_PROMPT = 2
STOPPED_COMING = "in a row: re-engage, or try something else"

CAME, MISSED = "came", "missed"


def first_name(connection: Connection) -> str:
    """All of a client's name a group sees: what they like to be called, or their first name."""
    return connection.client.preferred_name or connection.client.first_name


def expected_at(session: Session) -> Q:
    """The connections expected at `session` (a filter on Connection)."""
    from_their_first = Q(first_session__isnull=True) | Q(first_session__start__lte=session.start)
    return Q(activity_id=session.activity_id) & (
        Q(status__in=AWAITING_FIRST, first_session=session)
        | (Q(status__in=GOING) & from_their_first)
        # Recorded already (they stay on the register to be corrected).
        | Q(status__in=AWAITING_FIRST + GOING, attendances__session=session)
    )


def expected(connections: QuerySet[Connection], session: Session) -> list[Connection]:
    """Of `connections` (what the viewer may see), those expected at `session`."""
    people = connections.filter(expected_at(session)).distinct().select_related("client")
    return sorted(people.order_by("pk"), key=lambda c: first_name(c).casefold())


def is_open(session: Session) -> bool:
    """Whether who came can be recorded: the session has started and was not cancelled."""
    return not session.is_cancelled and session.start <= timezone.now()


def support_note(connection: Connection) -> str:
    parts = [connection.shared_note.strip()]
    if connection.support_labels:
        parts.append("Support agreed: " + ", ".join(connection.support_labels).lower() + ".")
    return " ".join(part for part in parts if part)


class RegisterForm(forms.Form):
    """Came or did not come for each person expected: one screen, one Save."""

    def __init__(
        self,
        *args: Any,
        people: Sequence[Connection],
        session: Session,
        ask_name: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = list(people)
        recorded = dict(
            Attendance.objects.filter(session=session, connection__in=self.people).values_list(
                "connection_id", "attended"
            )
        )
        for connection in self.people:
            name = first_name(connection)
            field = forms.ChoiceField(
                label=name,
                choices=[(CAME, "Came"), (MISSED, "Did not come")],
                widget=forms.RadioSelect,
                help_text=support_note(connection),
                error_messages={"required": f"Select whether {name} came"},
            )
            if connection.pk in recorded:
                field.initial = CAME if recorded[connection.pk] else MISSED
            self.fields[self.field_name(connection)] = field
        if ask_name:
            self.fields["by_name"] = forms.CharField(
                label="Your name",
                max_length=200,
                help_text="So the link worker knows who recorded the register",
                error_messages={
                    "required": "Enter your name",
                    "max_length": "Your name must be 200 characters or fewer",
                },
            )

    @staticmethod
    def field_name(connection: Connection) -> str:
        return f"person-{connection.public_id}"

    def marks(self) -> dict[Connection, bool]:
        """Who came, from a valid form. Anything posted for someone not expected is ignored:
        only the people this form was built for have fields."""
        return {
            connection: self.cleaned_data[self.field_name(connection)] == CAME
            for connection in self.people
        }


def _next_status(connection: Connection, session: Session, attended: bool) -> str | None:
    status = connection.status
    if attended and status in (*AWAITING_FIRST, Status.MISSED_FIRST):
        return Status.ATTENDED_FIRST
    # A later session than the first visit (saving the first visit's register
    # again, or the link worker having recorded it that day, changes nothing).
    if attended and status == Status.ATTENDED_FIRST:
        return Status.ATTENDING if session.local_date > connection.status_changed_on else None
    if not attended and status in AWAITING_FIRST:
        return Status.MISSED_FIRST
    return None


def _prompt_if_stopped_coming(request: HttpRequest | None, connection: Connection) -> None:
    """Someone who was going has missed the last few recorded sessions: ask their link
    worker to check in (once, until that task is done)."""
    if connection.status not in (Status.ATTENDED_FIRST, Status.ATTENDING):
        return
    latest = list(
        connection.attendances.order_by("-session__start").values_list("attended", flat=True)[
            :MISSES_BEFORE_PROMPT
        ]
    )
    if len(latest) < MISSES_BEFORE_PROMPT or any(latest):
        return
    if Task.objects.filter(
        connection=connection, done_at__isnull=True, title__endswith=STOPPED_COMING
    ).exists():
        return
    client = connection.client
    title = f"{client.display_name} has missed {connection.activity.title}"
    suffix = f" {MISSES_BEFORE_PROMPT} times {STOPPED_COMING}"
    task = Task.objects.create(
        client=client,
        connection=connection,
        title=title[: 200 - len(suffix)] + suffix,
        due_on=timezone.localdate() + timedelta(days=3),
        assigned_to=client.worker,
    )
    audit.record(request, "task.changed", client, area=client.area, detail={"added": task.title})


def do_record_register(
    request: HttpRequest,
    session: Session,
    marks: dict[Connection, bool],
    *,
    recorded_by: User | None,
    by_name: str = "",
    link: RegisterLink | None = None,
) -> int:
    """Record who came to `session` and move each connection on, all or nothing.

    From a group's emailed link, `by_name` is who they said they are and the link is
    used up in the same transaction (a second submission is refused).
    Returns how many people were recorded.
    """
    if session.is_cancelled:
        raise ActionRefused("This session was cancelled, so there is no register to record.")
    if session.start > timezone.now():
        raise ActionRefused("You can record who came once the session has started.")
    if not marks:
        raise ActionRefused("Nobody connected by a link worker is expected at this session.")
    now = timezone.now()
    by_name = by_name.strip()
    if link is not None and not by_name:
        raise ActionRefused("Enter your name.")
    with transaction.atomic():
        if link is not None:
            claimed = RegisterLink.objects.filter(
                pk=link.pk, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=now)
            if not claimed:
                raise ActionRefused("This register has been recorded already, or has expired.")
        current = {
            c.pk: c
            for c in Connection.objects.select_for_update()
            .select_related("client", "client__area", "activity")
            .filter(pk__in=[c.pk for c in marks])
        }
        for connection, attended in marks.items():
            item = current.get(connection.pk)
            if item is None:  # gone since the register was opened
                continue
            Attendance.objects.update_or_create(
                connection=item,
                session=session,
                defaults={
                    "attended": attended,
                    "recorded_by": recorded_by,
                    "recorded_by_name": by_name,
                },
            )
            status = _next_status(item, session, attended)
            if status is not None:
                item = do_advance_connection(
                    request, item, status, on=session.local_date, by_name=by_name
                )
            elif not attended:
                _prompt_if_stopped_coming(request, item)
            audit.record(
                request,
                "attendance.recorded",
                item.client,
                area=item.client.area,
                detail={
                    "session": str(session.public_id),
                    "attended": attended,
                    "by": by_name or None,
                },
            )
    return len(marks)


# The one-time emailed register, for groups with no account.


def _session_label(session: Session) -> str:
    return f"{timezone.localtime(session.start):%A %-d %B, %H:%M}"


class RegisterLinkForm(forms.Form):
    session = forms.ModelChoiceField(
        label="Which session",
        queryset=Session.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the session",
            "invalid_choice": "Select one of these sessions",
        },
    )

    def __init__(self, *args: Any, sessions: QuerySet[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sessions
        field.label_from_instance = _session_label  # type: ignore[method-assign,assignment]


def link_sessions(activity: Activity) -> QuerySet[Session]:
    """Sessions a register link can be sent for: a week back (while a link would still
    work) to two weeks ahead, going ahead."""
    now = timezone.now()
    return (
        Session.objects.filter(
            activity=activity,
            end__gte=now - LINK_VALID_AFTER_SESSION,
            start__lte=now + WINDOW,
        )
        .going_ahead()
        .order_by("start")
    )


def group_email(activity: Activity) -> str:
    return activity.contact_email or activity.organisation.email


def link_problem(link: RegisterLink) -> str:
    """Why a register link cannot be used, or "" when it can."""
    if link.used_at is not None:
        return (
            "This register has already been recorded. Each link works once: if something "
            "needs correcting, contact the link worker who sent it."
        )
    if link.expires_at <= timezone.now():
        return (
            "This link has expired: registers can be recorded for a week after the session. "
            "Contact the link worker who sent it if you still need to record who came."
        )
    return ""


def do_send_register_link(
    request: HttpRequest, session: Session, *, client: Client
) -> RegisterLink:
    """Email the group a one-time register for `session` (sent from `client`'s connection)."""
    activity = session.activity
    recipient = group_email(activity)
    if not recipient:
        raise ActionRefused(
            "The group has no email address. Ask your coordinator to add one to its listing."
        )
    if not expected(group_connections(session), session):
        raise ActionRefused(
            "Nobody who agreed to share their details with the group is expected at this "
            "session, so there is no register to send."
        )
    with transaction.atomic():
        link = RegisterLink.objects.create(
            session=session, email=recipient, expires_at=session.end + LINK_VALID_AFTER_SESSION
        )
        path = reverse("casework:group_register", kwargs={"token": link.token})
        context = {
            "activity": activity,
            "session": session,
            "url": f"{settings.SITE_URL}{path}",
            "expires_at": link.expires_at,
            "programme": activity.home_area.programme_name,
        }
        # One line, whatever the activity's title holds (a header cannot have newlines).
        subject = " ".join(f"Who came to {activity.title}? A register to record".split())
        try:
            send_mail(
                subject=subject,
                message=render_to_string("casework/partner/register_email.txt", context),
                from_email=None,
                recipient_list=[recipient],
            )
        except (smtplib.SMTPException, OSError, BadHeaderError) as exc:
            logger.warning("Register link for session %s not sent: %s", session.pk, exc)
            raise ActionRefused(
                "The email could not be sent. Try again in a few minutes."
            ) from None
        audit.record(
            request,
            "register.sent",
            client,
            area=client.area,
            detail={"session": str(session.public_id), "to": recipient},
        )
    return link
