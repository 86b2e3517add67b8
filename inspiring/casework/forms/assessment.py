"""The assessment: what matters, barriers, the week, interests, and their groups."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from inspiring.directory.models import Category
from inspiring.ui.forms import GridChoiceField

from .. import choices
from ..models import Assessment, GroupMembership
from .base import DATE, WordedLimits, not_future


class AssessmentForm(WordedLimits, forms.ModelForm[Assessment]):
    interests = forms.ModelMultipleChoiceField(
        label="What interests them",
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    barriers = forms.MultipleChoiceField(
        label="What could stop them going",
        choices=choices.Barrier.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    availability = GridChoiceField(
        label="When they could go",
        rows=list(choices.DAYS),
        columns=list(choices.DayPart.choices),
        required=False,
        help_text="Tick each part of the week they could go: mornings until 12:00, "
        "afternoons until 17:00, then evenings",
    )

    class Meta:
        model = Assessment
        fields = [
            "what_matters",
            "needs",
            "interests",
            "barriers",
            "availability",
            "max_travel_miles",
            "goals",
            "assessed_on",
        ]
        widgets = {
            "what_matters": forms.Textarea(attrs={"rows": 4}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "assessed_on": DATE,
            "max_travel_miles": forms.NumberInput(
                attrs={"class": "nhsuk-input--width-5", "step": "0.1"}
            ),
        }
        error_messages = {
            "what_matters": {"required": "Write down what matters to them, in their words"},
            "assessed_on": {
                "required": "Enter the date of the assessment",
                "invalid": "Enter a real date",
            },
            "max_travel_miles": {
                "invalid": "Enter how far they can travel as a number of miles, like 2 or 0.5",
                "max_value": "Enter a distance of 100 miles or less",
                "min_value": "Enter a distance of 0 miles or more",
                "max_digits": "Enter a distance of 100 miles or less",
                "max_decimal_places": "Enter the distance to one decimal place, like 0.5",
            },
        }
        help_texts = {"max_travel_miles": "1 km is about 0.6 miles; a 15-minute walk is about 0.7"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        interests = self.fields["interests"]
        assert isinstance(interests, forms.ModelMultipleChoiceField)
        interests.queryset = Category.objects.order_by("order", "name")
        if self.instance.pk is None:
            self.fields["assessed_on"].initial = timezone.localdate()
        else:
            self.initial["availability"] = [
                f"{day}-{part}"
                for day, parts in self.instance.availability.items()
                for part in parts
            ]

    def clean_max_travel_miles(self) -> Any:
        value = self.cleaned_data.get("max_travel_miles")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError("Enter a distance from 0 to 100 miles")
        return value

    def clean_assessed_on(self) -> date | None:
        return not_future(self.cleaned_data.get("assessed_on"), "The date of the assessment")

    def clean_availability(self) -> dict[str, list[str]]:
        chosen = self.cleaned_data.get("availability") or []
        grid: dict[str, list[str]] = {}
        for value in chosen:
            day, part = value.split("-")
            grid.setdefault(day, []).append(part)
        return grid


class GroupForm(WordedLimits, forms.ModelForm[GroupMembership]):
    RATING = [(n, str(n)) for n in range(1, 6)]

    importance = forms.TypedChoiceField(
        label="How important is this group to them?",
        choices=RATING,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 not at all, 5 very",
        error_messages={"required": "Select how important the group is to them"},
    )
    positivity = forms.TypedChoiceField(
        label="How positive do they feel about it?",
        choices=RATING,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 not at all, 5 very",
        error_messages={"required": "Select how positive they feel about the group"},
    )

    class Meta:
        model = GroupMembership
        fields = ["name", "kind", "importance", "positivity", "contact"]
        widgets = {"contact": forms.RadioSelect}
        error_messages = {
            "name": {"required": "Enter the group's name, as they call it"},
            "kind": {"required": "Select the type of group"},
            "contact": {"required": "Select how often they are in contact"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose one"), *choices.GroupKind.choices]  # type: ignore[attr-defined]
        self.fields["contact"].choices = choices.ContactFrequency.choices  # type: ignore[attr-defined]
