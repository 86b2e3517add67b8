"""A referral, and a step in its life."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from .. import choices
from ..models import Referral
from .base import DATE, EMAIL_INVALID, StatusForm, WordedLimits, not_future


class ReferralForm(WordedLimits, forms.ModelForm[Referral]):
    reasons = forms.MultipleChoiceField(
        label="Why they were referred",
        choices=choices.ReferralReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one reason for the referral"},
    )

    class Meta:
        model = Referral
        fields = [
            "source",
            "referrer_name",
            "referrer_organisation",
            "referrer_email",
            "reasons",
            "reason_detail",
            "received_on",
        ]
        widgets = {"received_on": DATE}
        labels = {"source": "Who referred them", "received_on": "Date the referral was received"}
        error_messages = {
            "source": {"required": "Select who referred them"},
            "received_on": {
                "required": "Enter the date the referral was received",
                "invalid": "Enter the date the referral was received as a real date",
            },
            "referrer_email": {"invalid": EMAIL_INVALID},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["source"].choices = [("", "Choose one"), *choices.ReferralSource.choices]  # type: ignore[attr-defined]

    def clean_received_on(self) -> date | None:
        return not_future(self.cleaned_data.get("received_on"), "The date received")


class ReferralStatusForm(StatusForm):
    outcome = forms.ChoiceField(
        label="Outcome (when closing)",
        required=False,
        choices=[("", "Choose one"), *Referral.Outcome.choices],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status in Referral.NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason")
        if status == Referral.Status.CLOSED and not data.get("outcome"):
            self.add_error("outcome", "Select the outcome")
        return data


class GpSummaryForm(WordedLimits, forms.ModelForm[Referral]):
    """The link worker's own summary for the message back, in place of the assessment's
    notes: the referral's reasons, activities, support and outcome stay as recorded."""

    class Meta:
        model = Referral
        fields = ["summary_for_gp"]
        labels = {"summary_for_gp": "Summary for their GP and referrer"}
        help_texts = {
            "summary_for_gp": (
                "In your words: what mattered to them, what they tried and how it went. "
                "Leave it empty to send what the assessment says. The reasons, activities, "
                "support and outcome are added as recorded, with their codes."
            )
        }
        widgets = {"summary_for_gp": forms.Textarea(attrs={"rows": 8})}
