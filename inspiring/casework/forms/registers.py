"""A session's register: who came, recorded by the group; and sending a group the link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet

from inspiring.directory.models import Session

from ..models import Attendance, Connection
from ..registers import CAME, MISSED, booked_places, first_name, places_label, support_note
from .base import WordedLimits, session_label


class RegisterForm(WordedLimits, forms.Form):
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
            note = support_note(connection)
            if places := booked_places(connection, session):
                note = f"{note} Booked: {places_label(places)}.".strip()
            field = forms.ChoiceField(
                label=name,
                choices=[(CAME, "Came"), (MISSED, "Did not come")],
                widget=forms.RadioSelect,
                help_text=note,
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


class RegisterLinkForm(WordedLimits, forms.Form):
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
        field.label_from_instance = session_label  # type: ignore[method-assign,assignment]
