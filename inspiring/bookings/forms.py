"""A resident books for themselves: a name and one way to reach them, nothing more."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms

from inspiring.directory.models import Activity

PHONE = re.compile(r"\+?[0-9 ()-]{10,20}")


class BookingForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=100,
        help_text="The group sees this on its list of who is coming",
        error_messages={"required": "Enter your name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="Give an email address, a phone number or both. We email your booking, "
        "with a link to cancel it",
        error_messages={"invalid": "Enter an email address like name@example.com"},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=30,
        help_text="So the group can tell you if anything changes",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    places = forms.TypedChoiceField(
        label="Who is coming?",
        choices=[(1, "Just me"), (2, "Me and someone coming with me")],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who is coming"},
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if activity.bring_someone == Activity.BringSomeone.NO:
            # The group asks people to come on their own: one place, no question.
            places = cast(forms.TypedChoiceField, self.fields["places"])
            places.widget = forms.HiddenInput()
            places.choices = [(1, "Just me")]

    def clean_phone(self) -> str:
        phone = " ".join(str(self.cleaned_data.get("phone", "")).split())
        if phone and not PHONE.fullmatch(phone):
            raise forms.ValidationError("Enter a phone number, like 01623 123456 or 07700 900123")
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            self.add_error("email", "Enter an email address or a phone number, so we can reach you")
        return cleaned
