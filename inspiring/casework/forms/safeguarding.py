"""Raising a safeguarding concern, recording its handling, naming the area's lead."""

from __future__ import annotations

from typing import Any

from django import forms

from inspiring.accounts.models import Membership
from inspiring.areas.models import Area

from ..access import case_holders
from ..models import SafeguardingConcern
from ..models.safeguarding import HANDLING_ENTRY_LIMIT
from .base import WordedLimits, member_label


class ConcernForm(WordedLimits, forms.ModelForm[SafeguardingConcern]):
    class Meta:
        model = SafeguardingConcern
        fields = ["concern"]
        widgets = {"concern": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "concern": "What you saw or heard, when, what the person said in their own words, "
            "and anything you have already done. Only the safeguarding lead will read it."
        }
        error_messages = {"concern": {"required": "Describe what you are worried about"}}

    def clean_concern(self) -> str:
        text: str = self.cleaned_data["concern"].strip()
        if not text:
            raise forms.ValidationError("Describe what you are worried about")
        return text


class HandlingForm(WordedLimits, forms.Form):
    status = forms.ChoiceField(
        label="Is it handled?",
        choices=[
            (SafeguardingConcern.Status.OPEN, "Not yet: record what has been done so far"),
            (SafeguardingConcern.Status.HANDLED, "Yes: nothing more needs doing"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the concern is handled"},
    )
    handling = forms.CharField(
        label="What was done",
        max_length=HANDLING_ENTRY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, who you spoke to, any referral to the council's adult "
        "safeguarding team, and what was decided.",
        error_messages={"required": "Enter what was done"},
    )

    def clean_handling(self) -> str:
        text: str = self.cleaned_data["handling"].strip()
        if not text:
            raise forms.ValidationError("Enter what was done")
        return text


class LeadForm(WordedLimits, forms.Form):
    lead = forms.ModelChoiceField(
        label="Designated safeguarding lead",
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        help_text="A link worker or coordinator of the programme, trained in safeguarding.",
        error_messages={
            "required": "Select who is the safeguarding lead",
            "invalid_choice": "Select a link worker or coordinator of this programme",
        },
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead"]
        field.queryset = case_holders(area)  # type: ignore[attr-defined]
        field.label_from_instance = member_label  # type: ignore[attr-defined]
