"""Booking a client's first visit from their connection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from inspiring.directory.models import Session

from ..actions.bookings import may_name, most_places
from ..models import Connection
from ..registers import first_name, places_label
from .base import WordedLimits, session_label

NAME_LENGTH = 40


def session_choice_label(session: Session, *, waiting_list: bool) -> str:
    """ "Tuesday 8 December, 10:00: 3 places left", or full, and whether to wait."""
    left = session.places_left or 0
    if left:
        return f"{session_label(session)}: {places_label(left)} left"
    if waiting_list:
        return f"{session_label(session)}: full, you can join its waiting list"
    return f"{session_label(session)}: full"


class FirstVisitBookingForm(WordedLimits, forms.Form):
    """Which session, how many places, the name the group sees (only where the client
    agreed to share), and their consent. Carries the connection's version."""

    session = forms.ModelChoiceField(
        label="Which session",
        queryset=Session.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the session to book",
            "invalid_choice": "Select one of these sessions",
        },
    )
    places = forms.TypedChoiceField(
        label="How many places",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how many places to book"},
    )
    wait = forms.BooleanField(
        label="If the session is full, put them on its waiting list",
        required=False,
        help_text="They get a place if one comes up. You will see it here.",
    )
    name = forms.CharField(
        label="Name the group sees on its register",
        max_length=NAME_LENGTH,
        help_text="Only what they agreed the group may know: usually their first name",
        error_messages={"required": "Enter the name the group sees"},
    )
    consent = forms.BooleanField(
        label="They agree to this booking",
        error_messages={"required": "Confirm they agree to this booking"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, connection: Connection, sessions: QuerySet[Session], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        activity = connection.activity
        field = self.fields["session"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sessions

        def label(session: Session) -> str:
            return session_choice_label(session, waiting_list=activity.waiting_list)

        field.label_from_instance = label  # type: ignore[method-assign,assignment]
        name = first_name(connection)
        self.fields["consent"].label = f"{name} agrees to this booking"
        most = most_places(connection)
        if most == 1:
            del self.fields["places"]
        else:
            places = self.fields["places"]
            places.choices = [  # type: ignore[attr-defined]
                (1, f"1 place: {name} on their own"),
                (most, f"{most} places: {name} and the person going with them"),
            ]
            places.initial = most
            places.help_text = "Support agreed: " + ", ".join(connection.support_labels).lower()
        if not activity.waiting_list:
            del self.fields["wait"]
        if may_name(connection):
            self.fields["name"].initial = name
        else:
            del self.fields["name"]
        self.fields["version"].initial = connection.version
