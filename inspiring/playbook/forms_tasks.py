"""The form for a playbook task: what it is, who owns it, when it is due, its evidence
and what completes it. Done is marked apart (actions.do_mark_done)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.ui.forms import DateInputField, https_formfield
from lib.text import too_long

from .models import Task

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class DueDateField(DateInputField):
    """A due date in the years 2000 to 2100 (a year typed wrong is refused)."""

    def check(self, value: date) -> date:
        if value < EARLIEST:
            raise self.refuse(
                f"{self.what} must be the same as or after {EARLIEST:%-d %B %Y}", "year"
            )
        if value > LATEST:
            raise self.refuse(
                f"{self.what} must be the same as or before {LATEST:%-d %B %Y}", "year"
            )
        return value


class OwnerField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class TaskForm(forms.ModelForm[Task]):
    """A task of one area's playbook. Carries the version it was opened at, so a change
    saved meanwhile is not overwritten."""

    owner = OwnerField(
        label="Owner (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody yet",
        help_text="Someone in the area's team",
        error_messages={"invalid_choice": "Choose the owner from the area's team"},
    )
    due_on = DueDateField(
        label="Due date (optional)",
        what="The due date",
        required=False,
        help_text="For example, 31 3 2027",
    )
    target = forms.IntegerField(
        label="How many are needed",
        min_value=1,
        max_value=100_000,
        initial=1,
        help_text="For a task that completes itself: the number the platform must count",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many are needed, like 30",
            "invalid": "Enter how many are needed as a whole number, like 30",
            "min_value": "How many are needed must be 1 or more",
            "max_value": "How many are needed must be 100,000 or fewer",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Task
        formfield_callback = staticmethod(https_formfield)
        fields = [
            "title",
            "detail",
            "owner",
            "due_on",
            "evidence",
            "evidence_url",
            "rule",
            "target",
        ]
        labels = {
            "title": "Task",
            "detail": "What it involves (optional)",
            "evidence": "Which page of the platform shows it is done (optional)",
            "evidence_url": "Or a link to the evidence (optional)",
            "rule": "Does it complete itself?",
        }
        help_texts = {
            "evidence_url": "A link shown instead of the page, like a shared document",
            "rule": (
                "A task can be done when the platform's own data says so, like 30 partner "
                "organisations listed. Otherwise, mark it done yourself."
            ),
        }
        widgets = {"detail": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "title": {
                "required": "Enter the task",
                "max_length": too_long("The task", 200),
            },
            "detail": {"max_length": too_long("What it involves", 3000)},
            "evidence": {"invalid_choice": "Choose a page from the list"},
            "evidence_url": {
                "invalid": "Enter the link in the right format, like https://example.org/plan",
                "max_length": too_long("The link", 500),
            },
            "rule": {"invalid_choice": "Choose from the list"},
        }

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area
        self.fields["version"].initial = self.instance.version
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        # The area's team; the owner already named stays choosable if they have left it.
        keep = Q(pk=self.instance.owner_id) if self.instance.owner_id else Q(pk__in=[])
        owner.queryset = (
            User.objects.filter(Q(memberships__area=area) | keep)
            .distinct()
            .order_by("full_name", "email")
        )
        evidence = self.fields["evidence"]
        assert isinstance(evidence, forms.ChoiceField)
        evidence.choices = [("", "No page")] + [
            (value, label) for value, label in Task.Evidence.choices if value
        ]
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ChoiceField)
        rule.choices = [("", Task.Rule.NONE.label)] + [
            (value, label) for value, label in Task.Rule.choices if value
        ]
        self.fields["detail"].max_length = 3000  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        title = str(self.cleaned_data.get("title", "")).strip()
        if not title:
            raise forms.ValidationError("Enter the task")
        return title
