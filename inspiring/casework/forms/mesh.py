"""Recording what was done with a referral received through MESH that could not be read."""

from __future__ import annotations

from django import forms

from .base import WordedLimits


class DealtWithForm(WordedLimits, forms.Form):
    note = forms.CharField(
        label="What was done with it",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: added as a referral by hand after calling the practice, or "
        "sent back to the practice to correct and send again.",
        error_messages={"required": "Enter what was done with it"},
    )

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Enter what was done with it")
        return note
