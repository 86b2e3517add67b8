"""Measures' forms: recording a licence, confirming a template, building an instrument.

The instrument form reads what a person types (items one per line, the numbers of the
reverse-keyed ones, answers one per line, bands as "1 to 2.5: Low") into the values
`actions.do_save_custom_instrument` takes; the action checks the definition itself,
so its refusals land beside the field they are about (`InstrumentRefused.field`).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from .actions import MAX_ITEMS, MAX_OPTIONS
from .models import CustomInstrument


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(value: float) -> str:
    return f"{value:g}"


class LicenceForm(forms.Form):
    holder = forms.CharField(
        label="Who holds the licence",
        help_text="The organisation the owners registered, as on the licence",
        max_length=200,
        error_messages={"required": "Enter who holds the licence"},
    )
    registration_reference = forms.CharField(
        label="Registration reference",
        help_text="The reference or date the owners gave when you registered",
        max_length=200,
        error_messages={"required": "Enter the registration reference the owners gave"},
    )


class ConfirmForm(forms.Form):
    citation = forms.CharField(
        label="The paper you checked the wording against",
        help_text="Authors, year, title, journal, volume and pages, as you would cite it "
        "(1,000 characters or fewer)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": "Enter the published paper you checked the wording against",
            "max_length": "The citation must be 1,000 characters or fewer",
        },
    )
    checked = forms.BooleanField(
        label="I have checked the introduction, every item and every answer against this "
        "paper, and changed nothing",
        error_messages={"required": "Confirm that you checked the wording against the paper"},
    )


BAND_LINE = re.compile(
    r"^(?P<low>-?\d+(?:\.\d+)?)\s*(?:to|-|\u2013)\s*(?P<high>-?\d+(?:\.\d+)?)\s*[:,]?\s*(?P<label>.*)$",
    re.IGNORECASE,
)


class InstrumentForm(forms.Form):
    """Build an instrument, or change one (which saves a new version: `code` is then
    fixed and left out)."""

    code = forms.CharField(
        label="Code",
        help_text="Lower-case letters, numbers and hyphens, like needs-satisfaction: it "
        "names the instrument in exports and cannot be changed later",
        max_length=60,
        error_messages={"required": "Enter a code for the instrument"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter the instrument's title"},
    )
    introduction = forms.CharField(
        label="Introduction (optional)",
        help_text="What the person reads or hears before the items (2,000 characters or fewer)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    items = forms.CharField(
        label="Items",
        help_text=f"One item per line, in the order they are asked: at least 2, at most "
        f"{MAX_ITEMS}",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter at least 2 items"},
    )
    reverse = forms.CharField(
        label="Reverse-keyed items (optional)",
        help_text="The numbers of the items where agreeing means less of what is measured, "
        "separated by commas, like 3, 5",
        required=False,
    )
    option_labels = forms.CharField(
        label="Answers",
        help_text=f"One answer per line, from the lowest score to the highest: at least 2, "
        f"at most {MAX_OPTIONS}",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter at least 2 answers to choose from"},
    )
    first_value = forms.IntegerField(
        label="Score of the first answer",
        help_text="Each answer after it scores one more: 1 scores five answers 1 to 5, 0 "
        "scores them 0 to 4",
        initial=1,
        error_messages={
            "required": "Enter the score of the first answer",
            "invalid": "Enter the score of the first answer as a whole number, like 1",
        },
    )
    rule = forms.ChoiceField(
        label="How the score is worked out",
        choices=[
            ("mean", "The mean of the items (on the answers' scale)"),
            ("sum", "The sum of the items"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the score is the mean or the sum"},
    )
    min_answered = forms.IntegerField(
        label="Items that must be answered for a score (optional)",
        help_text="Leave empty if every item must be answered. With fewer than all, a sum "
        "is prorated: the mean of the answered items times the number of items",
        required=False,
        error_messages={"invalid": "Enter the number of items as a whole number, like 5"},
    )
    bands = forms.CharField(
        label="Bands (optional)",
        help_text="One per line, lowest first, both ends included, like 1 to 2.5: Low",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, changing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if changing:
            del self.fields["code"]

    @staticmethod
    def initial_from(instrument: CustomInstrument) -> dict[str, Any]:
        return {
            "title": instrument.title,
            "introduction": instrument.introduction,
            "items": "\n".join(item["text"] for item in instrument.items),
            "reverse": ", ".join(
                str(n) for n, item in enumerate(instrument.items, start=1) if item["reverse"]
            ),
            "option_labels": "\n".join(instrument.option_labels),
            "first_value": instrument.first_value,
            "rule": instrument.rule,
            "min_answered": instrument.min_answered,
            "bands": "\n".join(
                f"{_number(low)} to {_number(high)}: {label}"
                for low, high, label in instrument.bands
            ),
        }

    def clean_reverse(self) -> set[int]:
        text = self.cleaned_data.get("reverse", "")
        numbers: set[int] = set()
        for part in re.split(r"[,\s]+", text.strip()):
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(
                    "Enter the numbers of the reverse-keyed items, separated by commas, like 3, 5"
                )
            numbers.add(int(part))
        return numbers

    def clean_bands(self) -> list[tuple[float, float, str]]:
        bands = []
        for line in _lines(self.cleaned_data.get("bands", "")):
            match = BAND_LINE.match(line)
            if match is None or not match["label"].strip():
                raise forms.ValidationError(
                    f"Write each band as its lowest score, 'to', its highest score and its "
                    f"label, like 1 to 2.5: Low ('{line[:40]}' is not)"
                )
            bands.append((float(match["low"]), float(match["high"]), match["label"].strip()))
        return bands

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items = _lines(data.get("items", ""))
        reverse = data.get("reverse") or set()
        outside = sorted(n for n in reverse if not 1 <= n <= len(items))
        if items and outside:
            self.add_error(
                "reverse",
                f"There is no item {', '.join(str(n) for n in outside)}: the items are "
                f"numbered 1 to {len(items)}",
            )
        return data

    def definition(self) -> dict[str, Any]:
        """The keyword arguments for do_save_custom_instrument (after is_valid)."""
        data = self.cleaned_data
        reverse = data.get("reverse") or set()
        return {
            "title": data["title"],
            "introduction": data.get("introduction", ""),
            "items": [
                (text, n in reverse) for n, text in enumerate(_lines(data["items"]), start=1)
            ],
            "option_labels": _lines(data["option_labels"]),
            "first_value": data["first_value"],
            "rule": data["rule"],
            "min_answered": data.get("min_answered"),
            "bands": data.get("bands") or [],
        }
