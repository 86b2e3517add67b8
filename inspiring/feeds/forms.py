from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from inspiring.directory.models import Category, Venue
from inspiring.ui.forms import https_formfield

from .fetch import FetchError, check_address
from .models import FeedSource


class FeedURLField(forms.URLField):
    """A URL field that takes the webcal:// addresses calendar apps give, as https://.

    (Rewritten before the field's own validation, which refuses the webcal scheme.)
    """

    def to_python(self, value: Any) -> str:
        text = str(value or "").strip()
        if text.lower().startswith("webcal://"):
            text = "https://" + text[len("webcal://") :]
        return super().to_python(text) or ""


class FeedForm(forms.ModelForm[FeedSource]):
    default_categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Type of activity for its events",
    )

    class Meta:
        model = FeedSource
        fields = ["url", "name", "default_venue", "default_categories"]
        formfield_callback = staticmethod(https_formfield)
        field_classes = {"url": FeedURLField}
        labels = {
            "url": "Calendar address (iCalendar)",
            "name": "Name (optional)",
            "default_venue": "Where its events happen",
        }
        help_texts = {
            "url": (
                "The calendar's iCal address, ending .ics or given as the 'public address in "
                "iCal format' (Google), 'ICS link' (Outlook) or 'public calendar' (iCloud)"
            ),
        }
        error_messages = {
            "url": {
                "required": "Enter the calendar's address",
                "invalid": "Enter the address starting https://",
            }
        }

    def __init__(self, *args: Any, venues: QuerySet[Venue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        venue = self.fields["default_venue"]
        assert isinstance(venue, forms.ModelChoiceField)
        venue.queryset = venues
        venue.required = False
        venue.empty_label = "Use each event's own location"

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        if url.startswith("webcal://"):
            url = "https://" + url[len("webcal://") :]
        try:
            check_address(url)
        except FetchError as problem:
            raise forms.ValidationError(str(problem)) from None
        return url
