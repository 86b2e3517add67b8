from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from inspiring.directory.models import Category, Venue
from inspiring.ui.forms import https_formfield

from .exclusions import MAX_ITEM, MAX_LIST, listed
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


# What a feed leaves out: the same labels, hints and messages when linking and changing it.
EXCLUSION_LABELS = {
    "exclude_keywords": "Leave out events with these words in their title (optional)",
    "exclude_categories": "Leave out events in these categories (optional)",
}
EXCLUSION_HINTS = {
    "exclude_keywords": (
        "Separate words or phrases with commas, for example: committee, Jane's house. "
        "Capitals do not matter. Whole words only: 'art' leaves out 'Art club' but not "
        "'Party'. Events marked private or confidential in your calendar are never imported."
    ),
    "exclude_categories": (
        "The categories or labels your calendar app gives events, separated by commas, for "
        "example: Staff, Internal"
    ),
}
EXCLUSION_ERRORS = {
    "exclude_keywords": {
        "max_length": f"Words to leave out must be {MAX_LIST} characters or fewer in all",
    },
    "exclude_categories": {
        "max_length": f"Categories to leave out must be {MAX_LIST} characters or fewer in all",
    },
}


class _ExclusionFields(forms.ModelForm[FeedSource]):
    """Cleans the two lists a feed's owner types: each item within bounds, tidied."""

    def _listed(self, name: str, what: str) -> str:
        items = listed(str(self.cleaned_data.get(name) or ""))
        if any(len(item) > MAX_ITEM for item in items):
            raise forms.ValidationError(f"Each {what} must be {MAX_ITEM} characters or fewer")
        return ", ".join(items)

    def clean_exclude_keywords(self) -> str:
        return self._listed("exclude_keywords", "word or phrase")

    def clean_exclude_categories(self) -> str:
        return self._listed("exclude_categories", "category")


class FeedForm(_ExclusionFields):
    default_categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Type of activity for its events",
    )

    class Meta:
        model = FeedSource
        fields = [
            "url",
            "name",
            "default_venue",
            "default_categories",
            "exclude_keywords",
            "exclude_categories",
        ]
        formfield_callback = staticmethod(https_formfield)
        field_classes = {"url": FeedURLField}
        labels = {
            "url": "Calendar address (iCalendar)",
            "name": "Name (optional)",
            "default_venue": "Where its events happen",
            **EXCLUSION_LABELS,
        }
        help_texts = {
            "url": (
                "The calendar's iCal address, ending .ics or given as the 'public address in "
                "iCal format' (Google), 'ICS link' (Outlook) or 'public calendar' (iCloud)"
            ),
            **EXCLUSION_HINTS,
        }
        error_messages = {
            "url": {
                "required": "Enter the calendar's address",
                "invalid": "Enter the address starting https://",
            },
            **EXCLUSION_ERRORS,
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


class FeedSettingsForm(_ExclusionFields):
    """What can be changed once a feed is linked: its name and what it leaves out."""

    class Meta:
        model = FeedSource
        fields = ["name", "exclude_keywords", "exclude_categories"]
        labels = {"name": "Name (optional)", **EXCLUSION_LABELS}
        help_texts = EXCLUSION_HINTS
        error_messages = EXCLUSION_ERRORS
