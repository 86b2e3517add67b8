"""A connection to an activity: made, changed, withdrawn, and a step in its life."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from inspiring.directory.models import Session
from inspiring.directory.search import TIME_RANGES

from .. import choices
from ..actions.connections import TRY_AGAIN_AFTER, try_again_on
from ..models import Connection
from .base import DATE, StatusForm, WordedLimits, session_label

NOT_IN_THEIR_WEEK = "not in their week"


def in_their_week(availability: Mapping[str, Sequence[str]], session: Session) -> bool | None:
    """Whether a session falls in the person's week as the assessment recorded it (days by
    morning, afternoon and evening, as matching and What's on divide the day); None when
    their week is not recorded. An all-day session needs only the day."""
    if not any(availability.values()):
        return None
    day = choices.DAYS[session.weekday][0]
    parts = availability.get(day) or []
    if session.all_day:
        return bool(parts)
    return any(
        low <= session.start_minute < high
        for part, (low, high) in TIME_RANGES.items()
        if part in parts
    )


# The steps after which the link worker is reminded to try again, as the hint says them.
TRY_AGAIN_WHEN = {
    Connection.Status.MISSED_FIRST: "missed the first visit",
    Connection.Status.STOPPED: "stopped going",
}


class ConnectionStatusForm(StatusForm):
    """The next step of a connection. When it may be "missed the first visit" or "stopped
    going", it asks when to try again, set to the usual date (try_again_on): a link
    worker told "knee operation in January" chooses February instead. When it may be
    "stopped going" or "declined", it asks for the main reason as well as the words: the
    coded reason is what monitoring counts (the words never leave the record)."""

    reason_code = forms.ChoiceField(
        label="Main reason",
        choices=choices.StopReason.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select the main reason"},
        help_text="If they stopped going or declined: the one that mattered most. Only "
        "this is counted in the programme's figures; the reason in their words stays in "
        "their record.",
    )
    try_again = forms.DateField(
        label="When should you try again?",
        required=False,
        widget=DATE,
        error_messages={"invalid": "Enter a real date"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = self.fields["status"].choices  # type: ignore[attr-defined]
        if not any(code in Connection.NEEDS_REASON for code, _ in options):
            del self.fields["reason_code"]
        else:
            # The coded reason first, then the words: "Main reason", then "Reason".
            self.order_fields(["status", "on", "reason_code", "reason"])
        offered = [code for code, _ in options if code in TRY_AGAIN_WHEN]
        if not offered:
            del self.fields["try_again"]
            return
        status = offered[0]  # never both: no step offers missing and stopping together
        today = timezone.localdate()
        field = self.fields["try_again"]
        field.initial = try_again_on(status, today)
        field.help_text = (
            f"If they {TRY_AGAIN_WHEN[status]}. You will have a task to contact them "
            f"on this date: usually {_after(status)}, but later if they cannot go for a "
            "while, for example after an operation."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") in Connection.NEEDS_REASON:
            if not data.get("reason_code") and "reason_code" not in self.errors:
                self.add_error("reason_code", "Select the main reason")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Give the reason, in their words if you can")
        elif "reason_code" in data:
            data["reason_code"] = ""  # asked only when stopping or declining
        again = data.get("try_again")
        if data.get("status") in TRY_AGAIN_WHEN and again is not None:
            if again < timezone.localdate():
                self.add_error("try_again", "The date to try again must be today or later")
        elif "try_again" in data:
            data["try_again"] = None  # asked only after missing or stopping
        return data


def _after(status: str) -> str:
    """ "in 3 days", "in 4 weeks": how long try_again_on waits."""
    days = TRY_AGAIN_AFTER[Connection.Status(status)].days
    return f"in {days // 7} weeks" if days % 7 == 0 and days >= 14 else f"in {days} days"


class ConnectionForm(WordedLimits, forms.ModelForm[Connection]):
    support = forms.MultipleChoiceField(
        label="Support agreed",
        choices=choices.Support.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agreed = forms.BooleanField(
        label="They have agreed to go",
        required=False,
        help_text="Leave unticked to suggest it for now",
    )

    class Meta:
        model = Connection
        fields = [
            "level",
            "first_session",
            "support",
            "share_consent",
            "shared_note",
            "follow_up_on",
        ]
        widgets = {
            "level": forms.RadioSelect,
            "shared_note": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": DATE,
        }
        labels = {
            "first_session": "First session",
            "follow_up_on": "Check in with them on",
        }

    def __init__(
        self,
        *args: Any,
        sessions: QuerySet[Session],
        availability: Mapping[str, Sequence[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = choices.ConnectionLevel.choices  # type: ignore[attr-defined]
        first = self.fields["first_session"]
        assert isinstance(first, forms.ModelChoiceField)
        first.queryset = sessions
        first.empty_label = "Not decided yet"
        week = availability or {}

        def label(session: Session) -> str:
            # A warning, not a block: the person may agree to a time outside their week.
            if in_their_week(week, session) is False:
                return f"{session_label(session)} ({NOT_IN_THEIR_WEEK})"
            return session_label(session)

        first.label_from_instance = label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = data.get("level")
        if level in (choices.ConnectionLevel.INTRODUCTION, choices.ConnectionLevel.REFERRAL):
            if not data.get("share_consent"):
                self.add_error(
                    "share_consent",
                    "An introduction or a referral tells the group about them: ask whether they "
                    "agree, or choose a signpost",
                )
            elif not (data.get("shared_note") or "").strip():
                self.add_error("shared_note", "Write what the group may know about them")
        follow = data.get("follow_up_on")
        # A date passed since it was set may stay when other things are changed.
        if (
            follow is not None
            and "follow_up_on" in self.changed_data
            and follow < timezone.localdate()
        ):
            self.add_error("follow_up_on", "The date to check in must be today or later")
        return data


class ConnectionEditForm(ConnectionForm):
    """Change a connection once made: its level, first session, support, what the group
    may know and the date to check in. Carries the version it was opened at."""

    agreed = None  # type: ignore[assignment]  # a step of its life: the status form
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class WithdrawForm(WordedLimits, forms.Form):
    reason = forms.CharField(
        label="Why is it being withdrawn?",
        help_text="For example, 'Connected to the wrong Garden Therapy group by mistake'. "
        "It stays in their case history.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for withdrawing it"},
    )
