"""Training and resources' forms: a resource (page, link or file), a training record,
and the list's filter by audience."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.ui.forms import DateInputField, https_formfield
from lib.text import too_long

from . import resources
from .models import Resource, TrainingRecord

Audience = Resource.Audience


class ResourceForm(forms.ModelForm[Resource]):
    """A resource: who it is for, what it is, and a page, a link or a file (at least one).
    Carries the version it was opened at, so a change saved meanwhile is not overwritten.
    Site administrators also choose whether every area shares it."""

    upload = forms.FileField(
        label="File (optional)",
        required=False,
        help_text=(
            f"A {resources.ALLOWED_WORDS} file, smaller than {resources.MAX_MB} MB. "
            "If the page shows a problem, choose the file again."
        ),
        error_messages={"invalid": "Choose a file", "empty": resources.EMPTY},
    )
    remove_file = forms.BooleanField(label="Remove the file", required=False)
    shared = forms.BooleanField(
        label="Share it with every area",
        required=False,
        help_text="Every area's team can read it; only site administrators can change it.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Resource
        formfield_callback = staticmethod(https_formfield)
        fields = ["title", "audience", "kind", "summary", "body", "url", "is_training"]
        labels = {
            "title": "Title",
            "audience": "Who is it for?",
            "kind": "What is it?",
            "summary": "Summary (optional)",
            "body": "Page (optional)",
            "url": "Link (optional)",
            "is_training": "People complete it: record who has (training)",
        }
        help_texts = {
            "summary": "One or two sentences, shown in the list",
            "body": (
                "The guide itself, if it is a page. Markdown: a blank line between "
                "paragraphs, # for a heading, * for a list"
            ),
            "url": "A video or a slide deck online, for example https://example.org/deck",
        }
        widgets = {
            "audience": forms.RadioSelect,
            "kind": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 14}),
        }
        error_messages = {
            "title": {
                "required": "Enter a title",
                "max_length": too_long("Title", 200),
            },
            "audience": {"required": "Choose who it is for"},
            "kind": {"required": "Choose what it is"},
            "summary": {"max_length": too_long("Summary", 1000)},
            "body": {"max_length": too_long("Page", 20000)},
            "url": {
                "invalid": "Enter a web address, like https://example.org/deck",
                "max_length": too_long("Link", 500),
            },
        }

    def __init__(self, *args: Any, site_admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.checked: resources.Upload | None = None
        if site_admin:
            self.fields["shared"].initial = self.instance.pk is not None and (
                self.instance.area_id is None
            )
        else:
            del self.fields["shared"]
        if not self.instance.file_name:
            del self.fields["remove_file"]
        else:
            self.fields[
                "remove_file"
            ].help_text = f"It holds {self.instance.file_name}. Choosing a new file replaces it."

    def clean_upload(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        assert isinstance(upload, UploadedFile)
        size = upload.size or 0
        if size > resources.MAX_RESOURCE_BYTES:
            raise forms.ValidationError(resources.TOO_BIG)
        upload.seek(0)
        head = upload.read(16)
        try:
            kind = resources.check_file(upload.name or "", size, head)
        except resources.FileRefused as problem:
            raise forms.ValidationError(str(problem)) from None
        upload.seek(0)
        self.checked = resources.Upload(upload.name or "", kind.content_type, upload.read())
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        keeps_file = bool(self.instance.file_name) and not cleaned.get("remove_file")
        has_something = (
            cleaned.get("body") or cleaned.get("url") or self.checked is not None or keeps_file
        )
        if not has_something and not self.errors:
            self.add_error("body", "Write a page, give a link or choose a file")
        return cleaned


class AudienceFilter(forms.Form):
    audience = forms.ChoiceField(
        label="Show resources for",
        choices=[("", "Everyone's resources"), *Audience.choices],
        required=False,
    )


class CompletedOnField(DateInputField):
    """The day the training was completed: not in the future."""

    def check(self, value: date) -> date:
        if value > timezone.localdate():
            raise self.refuse(f"{self.what} must be today or in the past")
        return value


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class TrainingRecordForm(forms.ModelForm[TrainingRecord]):
    """Someone completed a training: a member of the team, or someone named."""

    resource = forms.ModelChoiceField(
        label="Which training?",
        queryset=Resource.objects.none(),
        empty_label="Choose a training",
        error_messages={
            "required": "Choose the training they completed",
            "invalid_choice": "Choose a training from the list",
        },
    )
    person = PersonChoiceField(
        label="A member of the team",
        queryset=User.objects.none(),
        required=False,
        empty_label="Someone not in the team",
        error_messages={"invalid_choice": "Choose someone from the team's list"},
    )
    completed_on = CompletedOnField(
        label="Date completed",
        what="The date completed",
        help_text="For example, 15 3 2026",
    )

    class Meta:
        model = TrainingRecord
        fields = ["resource", "person", "person_name", "audience", "completed_on"]
        labels = {
            "person_name": "Or their name (someone not in the team)",
            "audience": "They completed it as",
        }
        help_texts = {"person_name": "For example, a partner group's volunteer"}
        widgets = {"audience": forms.RadioSelect}
        error_messages = {
            "person_name": {"max_length": too_long("Name", 150)},
            "audience": {"required": "Choose who they completed it as"},
        }

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resource = self.fields["resource"]
        assert isinstance(resource, forms.ModelChoiceField)
        resource.queryset = resources.trainings(area)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = (
            User.objects.filter(memberships__area=area).distinct().order_by("full_name", "email")
        )
        audience = self.fields["audience"]
        assert isinstance(audience, forms.ChoiceField)
        audience.choices = [c for c in Audience.choices if c[0] != Audience.EVERYONE]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        person = cleaned.get("person")
        name = (cleaned.get("person_name") or "").strip()
        cleaned["person_name"] = name
        if "person" in cleaned:
            if person is None and not name:
                self.add_error(
                    "person", "Choose a member of the team, or enter the name of who completed it"
                )
            elif person is not None and name:
                self.add_error(
                    "person_name",
                    "Choose a member of the team or enter a name, not both",
                )
        return cleaned
