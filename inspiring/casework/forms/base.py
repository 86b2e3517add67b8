"""What the casework forms share: widgets, messages and small checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import capfirst

from inspiring.accounts.models import Membership
from inspiring.directory.models import Session
from lib.text import too_long

DATE = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local", "class": "nhsuk-input--width-20"}, format="%Y-%m-%dT%H:%M"
)
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org"
OLDEST = 120


class WordedLimits:
    """Say a text field's limit in words ("Notes must be 10,000 characters or fewer"),
    as the model's validator does, instead of Django's "Ensure this value has…"."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                what = capfirst(str(field.label or "This"))
                field.error_messages["max_length"] = too_long(what, field.max_length)


def not_future(value: date | None, what: str) -> date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(f"{what} must be today or in the past")
    return value


def session_label(session: Session) -> str:
    """A session as a choice reads: "Tuesday 8 December, 10:00"."""
    return f"{timezone.localtime(session.start):%A %-d %B, %H:%M}"


def member_label(membership: Membership) -> str:
    """Someone of the team as a choice reads: "Anna Smith (link worker)"."""
    user = membership.user
    return f"{user.full_name or user.email} ({membership.get_role_display().lower()})"


class StatusForm(WordedLimits, forms.Form):
    status = forms.ChoiceField(
        label="What happened",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    on = forms.DateField(
        label="When",
        widget=DATE,
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = options  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self) -> date | None:
        return not_future(self.cleaned_data.get("on"), "The date")
