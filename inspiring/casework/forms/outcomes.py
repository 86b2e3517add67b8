"""Forms for outcomes: choosing a measure, its questions (asked by the link worker or
answered by the client through their link), and sending the link."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from inspiring.measures.instruments.base import Instrument

from ..models.outcomes import FOLLOW_UP_AFTER, Timepoint
from .base import DATE, not_future

TIMEPOINT_HINT = (
    "The baseline is taken when their support starts (usually at the assessment); a "
    "follow-up later, to see what has changed."
)


def _instrument_choices(instruments: list[Instrument]) -> list[tuple[str, str]]:
    return [(i.code, i.title) for i in instruments]


class ItemFields:
    """One radio question per item of the instrument, named `item_<id>`, in the order
    they are asked. `required`: whether every question must be answered (the client's
    link) or may be left for an incomplete administration (a call cut short)."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_items(self, instrument: Instrument, *, required: bool) -> None:
        for number, item in enumerate(instrument.items, start=1):
            self.fields[f"item_{item.id}"] = forms.TypedChoiceField(
                label=f"{number}. {item.text}",
                choices=[(str(o.value), o.label) for o in item.options],
                coerce=int,
                empty_value=None,
                required=required,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose an answer to question {number}",
                    "invalid_choice": f"Choose one of the answers to question {number}",
                },
            )

    def answers(self, instrument: Instrument) -> dict[str, int]:
        """{item_id: value} for the questions answered."""
        found = {}
        for item in instrument.items:
            value = self.cleaned_data.get(f"item_{item.id}")
            if value is not None:
                found[item.id] = value
        return found


class ChooseMeasureForm(forms.Form):
    instrument = forms.ChoiceField(
        label="Which measure?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the measure to record"},
    )

    def __init__(self, *args: Any, instruments: list[Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = _instrument_choices(instruments)  # type: ignore[attr-defined]


class AdministrationForm(ItemFields, forms.Form):
    """The link worker enters the answers: when, baseline or follow-up, the questions,
    and (after a baseline) when the follow-up is due."""

    timepoint = forms.ChoiceField(
        label="Is this the baseline or a follow-up?",
        choices=Timepoint.choices,
        widget=forms.RadioSelect,
        help_text=TIMEPOINT_HINT,
        error_messages={"required": "Select whether this is the baseline or a follow-up"},
    )
    administered_on = forms.DateField(
        label="When did they answer?",
        widget=DATE,
        error_messages={"required": "Enter the date they answered", "invalid": "Enter a real date"},
    )

    def __init__(
        self, *args: Any, instrument: Instrument, has_baseline: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["timepoint"].initial = (
            Timepoint.FOLLOW_UP if has_baseline else Timepoint.BASELINE
        )
        self.fields["administered_on"].initial = today
        self.add_items(instrument, required=False)
        self.fields["follow_up_on"] = forms.DateField(
            label="When should the follow-up be due?",
            required=False,
            widget=DATE,
            help_text=(
                f"For a baseline: usually in {FOLLOW_UP_AFTER.days // 7} weeks. A task on "
                "their link worker's list reminds them."
            ),
            initial=today + FOLLOW_UP_AFTER,
            error_messages={"invalid": "Enter a real date"},
        )

    def clean_administered_on(self) -> date | None:
        return not_future(self.cleaned_data.get("administered_on"), "The date they answered")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = [
            name for name in self.fields if name.startswith("item_") and data.get(name) is not None
        ]
        if not answered and not any(name.startswith("item_") for name in self.errors):
            raise forms.ValidationError(
                "Answer at least one question: nothing is saved without an answer"
            )
        due, on = data.get("follow_up_on"), data.get("administered_on")
        if (
            data.get("timepoint") == Timepoint.BASELINE
            and due is not None
            and on is not None
            and due <= on
        ):
            self.add_error("follow_up_on", "The follow-up must be due after the date they answered")
        return data


class LinkAnswersForm(ItemFields, forms.Form):
    """The client's own answers through their link: every question answered."""

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_items(instrument, required=True)


class SendLinkForm(forms.Form):
    instrument = forms.ChoiceField(
        label="Which measure?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the measure to send"},
    )
    timepoint = forms.ChoiceField(
        label="Is this the baseline or a follow-up?",
        choices=Timepoint.choices,
        widget=forms.RadioSelect,
        help_text=TIMEPOINT_HINT,
        error_messages={"required": "Select whether this is the baseline or a follow-up"},
    )
    method = forms.ChoiceField(
        label="How should the link go to them?",
        widget=forms.RadioSelect,
        help_text="It works once, for 14 days. The message does not say their name.",
        error_messages={"required": "Select how to send the link"},
    )

    def __init__(
        self,
        *args: Any,
        instruments: list[Instrument],
        addresses: dict[str, str],
        has_baseline: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = _instrument_choices(instruments)  # type: ignore[attr-defined]
        if len(instruments) == 1:
            self.fields["instrument"].initial = instruments[0].code
        self.fields["timepoint"].initial = (
            Timepoint.FOLLOW_UP if has_baseline else Timepoint.BASELINE
        )
        words = {"text": "By text message to {}", "email": "By email to {}"}
        self.fields["method"].choices = [  # type: ignore[attr-defined]
            (method, words[method].format(address)) for method, address in addresses.items()
        ]
        if len(addresses) == 1:
            self.fields["method"].initial = next(iter(addresses))
