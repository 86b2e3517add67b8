"""A subject access export, and erasure."""

from __future__ import annotations

from typing import Any

from django import forms

from lib.text import too_long

from .base import WordedLimits


class ExportForm(WordedLimits, forms.Form):
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("pdf", "PDF, to read or print (what to send to the person)"),
            ("json", "JSON, a structured file (for a copy they can take elsewhere)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the format"},
    )

    def __init__(self, *args: Any, lead: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lead:
            self.fields["withhold"] = forms.BooleanField(
                required=False,
                label="Withhold the safeguarding concerns",
                help_text="Only where disclosing them could cause serious harm to the person "
                "or someone else. The export will say that some information may have been "
                "withheld, not what.",
            )
            self.fields["withhold_reason"] = forms.CharField(
                label="Why they are withheld",
                required=False,
                max_length=500,
                error_messages={"max_length": too_long("Why they are withheld", 500)},
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Kept in the audit log, not in the export.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("withhold") and not (data.get("withhold_reason") or "").strip():
            self.add_error("withhold_reason", "Enter why the safeguarding concerns are withheld")
        return data


class EraseForm(WordedLimits, forms.Form):
    reason = forms.CharField(
        label="Why their data is being erased",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="For example, 'They asked us to erase their data (request of 3 March)'. "
        "This is kept in the audit log: do not include their name.",
        error_messages={"required": "Enter why their data is being erased"},
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter why their data is being erased")
        return reason
