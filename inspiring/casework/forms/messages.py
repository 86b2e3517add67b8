"""Sending a client their plan."""

from __future__ import annotations

from typing import Any

from django import forms

from ..plan import METHODS, SmsText
from .base import WordedLimits


class PlanSendForm(WordedLimits, forms.Form):
    method = forms.ChoiceField(
        label="How should the plan go to them?",
        choices=METHODS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select email or text message"},
    )

    def __init__(self, *args: Any, texts: list[SmsText] | None = None, **kwargs: Any) -> None:
        """`texts`: the text messages the plan can go as (sms_options), each offered with
        the number of messages it takes."""
        super().__init__(*args, **kwargs)
        if texts is not None:
            names = dict(METHODS)
            offered = [("email", names["email"])]
            for text in texts:
                method = "short_text" if text.short else "text"
                offered.append((method, f"{names[method]} ({text.parts_label})"))
            field = self.fields["method"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = offered
            field.error_messages["invalid_choice"] = "Select one of the ways shown"
