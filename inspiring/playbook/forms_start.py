"""The form for starting a new area (site administrators): the area's details and the
area to start from. What is wrong with the details as a whole (a name or web address
taken, a GSS code that is not one or a district another area covers) is found by
`starting.start_area` and put on the field it concerns (`add_refusal`)."""

from __future__ import annotations

from typing import Any

from django import forms

from inspiring.areas.models import Area
from lib.text import too_long

from .starting import StartRefused


class SourceChoiceField(forms.ModelChoiceField[Area]):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.programme_name} (/{obj.slug}/)"


def _text(label: str, length: int, *, hint: str, required: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=length,
        help_text=hint,
        error_messages={"required": required, "max_length": too_long(label, length)},
        **kwargs,
    )


class StartAreaForm(forms.Form):
    name = _text(
        "Area name",
        100,
        hint="Where the programme runs, for example Gedling",
        required="Enter the area's name",
    )
    programme_name = _text(
        "Programme name",
        150,
        hint="What residents know it as, for example Inspiring Gedling",
        required="Enter the programme's name",
    )
    slug = _text(
        "Web address",
        60,
        hint=(
            "Its public pages will be at /web-address/: lower-case letters, numbers and "
            "hyphens, for example gedling"
        ),
        required="Enter the web address of its public pages",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    districts = _text(
        "Local authority district codes",
        200,
        hint=(
            "The district's GSS code: a letter and 8 digits, for example E07000173 for "
            "Gedling. For a programme covering several districts, separate their codes "
            "with commas, the lead district first"
        ),
        required="Enter the district's GSS code",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    lead_organisation = _text(
        "Lead organisation",
        200,
        hint="The organisation that coordinates it, for example the local CVS",
        required="Enter the lead organisation",
    )
    source = SourceChoiceField(
        label="Start from",
        queryset=Area.objects.order_by("name"),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=(
            "Its playbook stages and tasks and its barrier table are copied. Never its "
            "partners, activities, clients or people."
        ),
        error_messages={
            "required": "Choose the area to start from",
            "invalid_choice": "Choose the area to start from",
        },
    )

    def add_refusal(self, refused: StartRefused) -> None:
        for field, messages in refused.errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
