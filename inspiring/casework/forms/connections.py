"""A connection to an activity, and a step in its life."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from inspiring.directory.models import Session

from .. import choices
from ..models import Connection
from .base import DATE, StatusForm, WordedLimits, session_label


class ConnectionStatusForm(StatusForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") in Connection.NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason, in their words if you can")
        return data


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

    def __init__(self, *args: Any, sessions: QuerySet[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = choices.ConnectionLevel.choices  # type: ignore[attr-defined]
        first = self.fields["first_session"]
        assert isinstance(first, forms.ModelChoiceField)
        first.queryset = sessions
        first.empty_label = "Not decided yet"
        first.label_from_instance = session_label  # type: ignore[method-assign,assignment]

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
        if follow is not None and follow < timezone.localdate():
            self.add_error("follow_up_on", "The date to check in must be today or later")
        return data
