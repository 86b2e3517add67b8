"""The two forms of the CSV pages: choose a file; choose what to import."""

from __future__ import annotations

from django import forms

from .base import MAX_BYTES, MAX_ROWS


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"Up to {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows. In Excel, choose "
            "File, Save a copy, then CSV UTF-8 (comma delimited)."
        ),
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file is empty. Start from the template, which has the headings.",
            "invalid": "Choose a CSV file to upload",
        },
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into "
                "smaller files and upload them one at a time."
            )
        return upload


class ImportForm(forms.Form):
    ROWS = [("all", "Every row"), ("valid", "Only the rows without problems")]

    token = forms.CharField(widget=forms.HiddenInput)
    rows = forms.ChoiceField(choices=ROWS, widget=forms.HiddenInput)
