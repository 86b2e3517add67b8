"""Sending a client their plan."""

from __future__ import annotations

from django import forms

from ..plan import METHODS
from .base import WordedLimits


class PlanSendForm(WordedLimits, forms.Form):
    method = forms.ChoiceField(
        label="How should the plan go to them?",
        choices=METHODS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select email or text message"},
    )
