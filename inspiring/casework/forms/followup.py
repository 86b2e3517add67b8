"""Contacts with the client, and tasks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from .. import choices
from ..models import Contact, Task
from .base import DATE, DATETIME, WordedLimits


class ContactForm(WordedLimits, forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = ["kind", "on", "minutes", "notes"]
        widgets = {
            "kind": forms.RadioSelect,
            "on": DATETIME,
            "minutes": forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "kind": {"required": "Select how you were in contact"},
            "on": {"required": "Enter when", "invalid": "Enter a real date and time"},
            "minutes": {"invalid": "Enter the number of minutes, like 20"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = choices.ContactKind.choices  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_on(self) -> datetime | None:
        value = self.cleaned_data.get("on")
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("A contact must be now or in the past")
        return value

    def clean_minutes(self) -> int | None:
        value = self.cleaned_data.get("minutes")
        if value is not None and not 1 <= value <= 600:
            raise forms.ValidationError("Enter a number of minutes from 1 to 600")
        return value


class TaskForm(WordedLimits, forms.ModelForm[Task]):
    class Meta:
        model = Task
        fields = ["title", "due_on"]
        widgets = {"due_on": DATE}
        error_messages = {
            "title": {"required": "Enter what needs doing"},
            "due_on": {"required": "Enter when it is due", "invalid": "Enter a real date"},
        }
