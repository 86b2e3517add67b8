"""Raising a safeguarding concern, recording its handling, naming the area's lead and
deputy."""

from __future__ import annotations

from typing import Any

from django import forms

from inspiring.accounts.models import Membership
from inspiring.areas.models import Area

from ..access import case_holders
from ..models import SafeguardingConcern
from ..models.safeguarding import HANDLING_ENTRY_LIMIT
from .base import WordedLimits, member_label

Concern = SafeguardingConcern
CONSENT_REQUIRED = (
    "Select whether the person consented to a referral to the council's adult safeguarding team"
)
# Why the person did not consent, or was not asked: said in the words of the answer.
_WHY_MISSING = {
    Concern.ReferralConsent.NO: "Enter why they did not consent to a referral",
    Concern.ReferralConsent.NOT_ASKED: "Enter why you did not ask them",
}


class ConcernForm(WordedLimits, forms.ModelForm[SafeguardingConcern]):
    category = forms.ChoiceField(
        label="What kind of harm are you worried about?",
        choices=Concern.Category.choices,
        widget=forms.RadioSelect,
        help_text="The types of abuse and neglect of the Care Act 2014. If there is more "
        "than one, choose the main one and say the rest below.",
        error_messages={
            "required": "Select what kind of harm you are worried about",
            "invalid_choice": "Select what kind of harm you are worried about",
        },
    )
    urgency = forms.ChoiceField(
        label="How soon does the safeguarding lead need to act?",
        choices=[
            (Concern.Urgency.TODAY, "Today"),
            (Concern.Urgency.DAY, "Within 24 hours"),
            (Concern.Urgency.ROUTINE, "Routine: within a few working days"),
        ],
        widget=forms.RadioSelect,
        help_text="If someone is in immediate danger, call 999 first.",
        error_messages={
            "required": "Select how soon the safeguarding lead needs to act",
            "invalid_choice": "Select how soon the safeguarding lead needs to act",
        },
    )
    referral_consent = forms.ChoiceField(
        label="Did the person consent to a referral to the council's adult safeguarding team?",
        choices=Concern.ReferralConsent.choices,
        widget=forms.RadioSelect,
        help_text="The lead may still refer without consent when others are at risk or the "
        "person cannot decide for themselves.",
        error_messages={
            "required": CONSENT_REQUIRED,
            "invalid_choice": CONSENT_REQUIRED,
        },
    )

    class Meta:
        model = SafeguardingConcern
        fields = ["category", "concern", "urgency", "referral_consent", "referral_consent_note"]
        widgets = {
            "concern": forms.Textarea(attrs={"rows": 6}),
            "referral_consent_note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"referral_consent_note": "If no, or not asked: why?"}
        help_texts = {
            "concern": "What you saw or heard, when, what the person said in their own words, "
            "and anything you have already done. Only the safeguarding lead and deputy will "
            "read it.",
            "referral_consent_note": "For example, they said no and have the capacity to "
            "decide, or it was not safe to ask with someone else in the room.",
        }
        error_messages = {"concern": {"required": "Describe what you are worried about"}}

    def clean_concern(self) -> str:
        text: str = self.cleaned_data["concern"].strip()
        if not text:
            raise forms.ValidationError("Describe what you are worried about")
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        consent = data.get("referral_consent")
        why = (data.get("referral_consent_note") or "").strip()
        if consent == Concern.ReferralConsent.YES:
            why = ""  # nothing to explain: not kept
        elif consent in _WHY_MISSING and not why and "referral_consent_note" not in self.errors:
            self.add_error("referral_consent_note", _WHY_MISSING[consent])
        data["referral_consent_note"] = why
        return data


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
    deputy = forms.ModelChoiceField(
        label="Deputy safeguarding lead",
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        help_text="Reads and handles concerns when the lead is away. Both are told of "
        "every concern.",
        error_messages={
            "required": "Select who is the deputy safeguarding lead",
            "invalid_choice": "Select a link worker or coordinator of this programme",
        },
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead", "deputy"):
            field = self.fields[name]
            field.queryset = case_holders(area)  # type: ignore[attr-defined]
            field.label_from_instance = member_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, deputy = data.get("lead"), data.get("deputy")
        if lead is not None and deputy is not None and lead.pk == deputy.pk:
            self.add_error(
                "deputy",
                "Select someone else as the deputy: the lead and the deputy must be two people",
            )
        return data
