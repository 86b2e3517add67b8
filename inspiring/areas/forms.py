"""Form fields for geography, used by every app that asks for a postcode."""

from __future__ import annotations

from typing import Any

from django import forms

from lib.postcodes import PostcodeError

from .geography import Place, resolve_postcode


class PostcodeField(forms.CharField):
    """A postcode box whose cleaned value is a resolved `Place`.

    Accepts any case and spacing; malformed and unknown postcodes get a
    message that says what to do.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("error_messages", {"required": "Enter a postcode"})
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "postal-code",
                "spellcheck": "false",
                "class": "nhsuk-input nhsuk-input--width-10",
            }
        )

    def clean(self, value: Any) -> Place | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return resolve_postcode(text)
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc), code="postcode") from exc


class FindProgrammeForm(forms.Form):
    postcode = PostcodeField(label="Your postcode", help_text="For example, NG18 1AA")
