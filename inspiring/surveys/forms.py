"""The survey's forms: one per section kind, the same for residents (a page each) and for
staff entering a paper return (all on one page, each with its own prefix).

Each section form turns what was ticked into its part of do_record_response's
`answers` (`answers()`), can be filled again from that part (`initial_from`, for Back
and "Change"), and says it back in words for the check-your-answers page (`summary`).
What a section keeps between pages is only that part: JSON, no postcode (the postcode
section keeps the neighbourhood it resolved to).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from inspiring.areas.geography import UnknownPostcode, resolve_postcode
from inspiring.casework.choices import Disability, EthnicGroup, Sex
from inspiring.directory.models import Category
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, Rule
from inspiring.ui.forms import GridChoiceField
from lib.postcodes import PostcodeError

from .choices import AgeBand, Aspect, SectionKind, SurveyBarrier
from .models import Section, Survey
from .template import PARTS, Part, administrable

ASPECT_COLUMNS = [
    (Aspect.KNOWS.value, "Know of"),
    (Aspect.USES.value, "Go to"),
    (Aspect.WANTS.value, "Would like"),
]

Stored = dict[str, Any]


class SectionForm(forms.Form):
    """One section's questions. Subclasses set `kind` and build their fields."""

    kind: ClassVar[str] = ""

    def __init__(self, *args: Any, section: Section, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section, self.survey = section, survey

    @property
    def heading(self) -> str:
        return self.section.title or self.section.get_kind_display()

    @property
    def introduction(self) -> str:
        return ""

    def answers(self) -> Stored:
        raise NotImplementedError

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        raise NotImplementedError

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        raise NotImplementedError


def _labels(choices: Sequence[tuple[str, str]], chosen: Sequence[str]) -> str:
    names = dict(choices)
    return ", ".join(names[c] for c in chosen if c in names) or "Not answered"


class CategoriesForm(SectionForm):
    kind = SectionKind.CATEGORIES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = [(str(c.position), c.label) for c in self.survey.categories.all()]
        self.fields["activities"] = GridChoiceField(
            rows=self.rows,
            columns=ASPECT_COLUMNS,
            required=False,
            label="For each kind of activity, tick what is true for you",
            help_text=(
                "Know of: you know of activities like this near you. Go to: you go to them. "
                "Would like: you would like to go (or go more). Tick any, or none."
            ),
        )

    def answers(self) -> Stored:
        chosen: dict[str, list[int]] = {aspect: [] for aspect in Aspect.values}
        for value in self.cleaned_data.get("activities") or []:
            position, _, aspect = value.partition("-")
            chosen[aspect].append(int(position))
        return {"categories": chosen}

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        chosen = stored.get("categories") or {}
        return {
            "activities": [
                f"{position}-{aspect}"
                for aspect in Aspect.values
                for position in chosen.get(aspect, [])
            ]
        }

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        chosen = stored.get("categories") or {}
        names = dict(self.rows)
        return [
            (label, ", ".join(names[str(p)] for p in sorted(chosen.get(aspect, []))) or "None")
            for aspect, label in (
                ("knows", "Activities you know of"),
                ("uses", "Activities you go to"),
                ("wants", "Activities you would like to go to"),
            )
        ]


class BarriersForm(SectionForm):
    kind = SectionKind.BARRIERS

    barriers = forms.MultipleChoiceField(
        choices=SurveyBarrier.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="What makes it hard for you to go to activities?",
        help_text="Tick all that apply.",
    )

    def answers(self) -> Stored:
        return {"barriers": list(self.cleaned_data.get("barriers") or [])}

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        return {"barriers": stored.get("barriers") or []}

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        return [
            (
                "What makes it hard to go",
                _labels(SurveyBarrier.choices, stored.get("barriers") or []),
            )
        ]


class InstrumentForm(SectionForm):
    """A measure's items as radios, worded exactly as the instrument is. Every item is
    optional, but a scale scored from several items must have the answers its
    missing-data rule needs (or none at all), so no score is half-made."""

    kind = SectionKind.INSTRUMENT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instrument = library.get(
            self.section.instrument_code, self.section.instrument_version or None
        )
        if instrument is None:
            raise LookupError(
                f"{self.section.instrument_code} v{self.section.instrument_version} is missing "
                "from the instrument library"
            )
        self.instrument: Instrument = instrument
        for item in instrument.items:
            self.fields[item.id] = forms.TypedChoiceField(
                choices=[(str(o.value), o.label) for o in item.options],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                required=False,
                label=item.text,
            )

    @property
    def heading(self) -> str:
        return self.section.title or self.instrument.title

    @property
    def introduction(self) -> str:
        return self.instrument.introduction

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for scale in self.instrument.scales:
            if len(scale.items) < 2 or scale.rule == Rule.SINGLE:
                continue
            answered = [item for item in scale.items if cleaned.get(item) is not None]
            needed = len(scale.items) if scale.min_answered is None else scale.min_answered
            if answered and len(answered) < needed:
                missing = [item for item in scale.items if cleaned.get(item) is None]
                for item in missing[: needed - len(answered)]:
                    self.add_error(
                        item,
                        f"Answer this question too, or leave all {len(scale.items)} of these "
                        "questions blank",
                    )
        return cleaned

    def answers(self) -> Stored:
        given = {
            item.id: self.cleaned_data[item.id]
            for item in self.instrument.items
            if self.cleaned_data.get(item.id) is not None
        }
        return {"measures": {self.instrument.code: given}} if given else {}

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        given = (stored.get("measures") or {}).get(section.instrument_code) or {}
        return {item: str(value) for item, value in given.items()}

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        given = (stored.get("measures") or {}).get(self.instrument.code) or {}
        return [
            (item.text, item.label_for(given.get(item.id)) or "Not answered")
            for item in self.instrument.items
        ]


class GroupsForm(SectionForm):
    kind = SectionKind.GROUPS

    groups_count = forms.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        label="How many groups do you belong to?",
        help_text=(
            "Count any group you are part of: a club, team, choir, faith group, class, "
            "volunteering or online group. Enter 0 if none."
        ),
        error_messages={
            "invalid": "Enter the number of groups as a whole number, like 2",
            "min_value": "The number of groups must be 0 or more",
            "max_value": "The number of groups must be 100 or fewer",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-2"}),
    )

    def answers(self) -> Stored:
        value = self.cleaned_data.get("groups_count")
        return {} if value is None else {"groups_count": value}

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        return {"groups_count": stored.get("groups_count")}

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        value = stored.get("groups_count")
        return [("Groups you belong to", "Not answered" if value is None else str(value))]


def _radios(choices: Sequence[tuple[str, str]], label: str, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices, widget=forms.RadioSelect, required=False, label=label, help_text=hint
    )


DEMOGRAPHICS = {
    "age_band": ("Your age", AgeBand.choices, ""),
    "sex": ("What is your sex?", Sex.choices, ""),
    "ethnic_group": (
        "What is your ethnic group?",
        EthnicGroup.choices,
        "The groups the 2021 Census used.",
    ),
    "disability": (
        "Are your day-to-day activities limited because of a health problem or disability "
        "which has lasted, or is expected to last, at least 12 months?",
        Disability.choices,
        "Include problems related to old age.",
    ),
}


class DemographicsForm(SectionForm):
    kind = SectionKind.DEMOGRAPHICS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, choices, hint) in DEMOGRAPHICS.items():
            self.fields[name] = _radios(choices, label, hint)

    @property
    def introduction(self) -> str:
        return (
            "These help us see whether the survey heard from everyone. Every question is optional."
        )

    def answers(self) -> Stored:
        return {name: self.cleaned_data.get(name) or "" for name in DEMOGRAPHICS}

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        return {name: stored.get(name) or "" for name in DEMOGRAPHICS}

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        return [
            (label, dict(choices).get(stored.get(name) or "", "Not answered"))
            for name, (label, choices, _) in DEMOGRAPHICS.items()
        ]


class PostcodeForm(SectionForm):
    """The postcode, resolved at once to its neighbourhood (LSOA): only that is kept,
    between pages and in the response."""

    kind = SectionKind.POSTCODE

    postcode = forms.CharField(
        required=False,
        label="What is your postcode?",
        help_text=(
            "We keep only the neighbourhood it is in, never the postcode itself, to see "
            "whether what people want differs across the area. You can leave it blank."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "class": "nhsuk-input--width-10"}
        ),
    )

    def __init__(self, *args: Any, stored: Stored | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored = stored or {}
        self.place: dict[str, str] = {}
        if self.stored.get("lsoa_name"):
            self.fields["postcode"].help_text = (
                f"You gave a postcode in {self.stored['lsoa_name']}. Enter it again to change "
                "it, leave it blank to keep it, or tick the box below to remove it."
            )
            self.fields["forget"] = forms.BooleanField(
                required=False, label="Remove my neighbourhood from my answers"
            )

    def clean_postcode(self) -> str:
        value = (self.cleaned_data.get("postcode") or "").strip()
        if not value:
            return ""
        try:
            if len(value) > 10:
                raise PostcodeError(value)
            place = resolve_postcode(value)
        except UnknownPostcode:
            raise forms.ValidationError(
                "We do not know that postcode. Check it, or leave it blank to skip this question"
            ) from None
        except PostcodeError:
            raise forms.ValidationError(
                "Enter a real postcode, like NG17 7AE, or leave it blank to skip this question"
            ) from None
        if not place.lsoa_code:
            raise forms.ValidationError(
                "We could not tell which neighbourhood that postcode is in. Leave it blank to "
                "skip this question"
            )
        self.place = {"lsoa_code": place.lsoa_code, "lsoa_name": place.lsoa_name or place.lsoa_code}
        return ""  # never kept: only the neighbourhood above is

    def answers(self) -> Stored:
        if self.place:
            return dict(self.place)
        if self.cleaned_data.get("forget"):
            return {}
        return {k: v for k, v in self.stored.items() if k in ("lsoa_code", "lsoa_name")}

    @classmethod
    def initial_from(cls, section: Section, survey: Survey, stored: Stored) -> dict[str, Any]:
        return {}

    def summary(self, stored: Stored) -> list[tuple[str, str]]:
        return [("Your neighbourhood", stored.get("lsoa_name") or "Not answered")]


FORMS: dict[str, type[SectionForm]] = {
    form.kind: form
    for form in (
        CategoriesForm,
        BarriersForm,
        InstrumentForm,
        GroupsForm,
        DemographicsForm,
        PostcodeForm,
    )
}


def section_form(
    section: Section,
    survey: Survey,
    *,
    data: Any = None,
    stored: Stored | None = None,
    prefix: str | None = None,
) -> SectionForm:
    """The form for `section`, bound to `data` when posted, else filled from `stored`."""
    form_class = FORMS[section.kind]
    kwargs: dict[str, Any] = {"section": section, "survey": survey, "prefix": prefix}
    if form_class is PostcodeForm:
        kwargs["stored"] = stored
    if data is None and stored:
        kwargs["initial"] = form_class.initial_from(section, survey, stored)
    return form_class(data, **kwargs)


def answers_of(stored_by_section: dict[str, Stored]) -> Stored:
    """Every section's stored part, merged into do_record_response's `answers`."""
    answers: Stored = {}
    for part in stored_by_section.values():
        for key, value in part.items():
            if key == "measures":
                answers.setdefault("measures", {}).update(value)
            elif key != "lsoa_name":
                answers[key] = value
    return answers


# --- Staff: building a draft -------------------------------------------------------


class SurveyDetailsForm(forms.Form):
    title = forms.CharField(
        max_length=150,
        label="Title",
        help_text="Residents see this at the top of every page.",
        error_messages={"required": "Enter the survey's title"},
    )
    introduction = forms.CharField(
        required=False,
        max_length=3000,
        label="Introduction",
        help_text=(
            "What the survey is for and who runs it, shown on its first page. Up to 3,000 "
            "characters."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CategoriesChoiceForm(forms.Form):
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.order_by("order", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Kinds of activity to ask about",
        help_text=(
            "Residents say for each whether they know of, go to or would like such activities."
        ),
    )


def section_choices() -> list[tuple[str, str]]:
    """What may be added to a draft: each kind of section, and each measure that may be
    administered now (values "kind" or "instrument:code")."""
    choices = [
        (kind, label) for kind, label in SectionKind.choices if kind != SectionKind.INSTRUMENT
    ]
    codes = [part.instrument_code for part in PARTS if part.instrument_code]
    codes += [i.code for i in library.usable() if i.code not in codes]
    for code in codes:
        instrument = library.get(code)
        if instrument is not None and administrable(instrument):
            choices.append((f"instrument:{code}", f"Measure: {instrument.title}"))
    return choices


def part_for(choice: str) -> Part:
    kind, _, code = choice.partition(":")
    template = next(
        (p for p in PARTS if p.kind == kind and p.instrument_code == code),
        None,
    )
    if template is not None:
        return template
    instrument = library.get(code) if code else None
    return Part(kind, instrument.title if instrument else SectionKind(kind).label, code)


class AddSectionForm(forms.Form):
    section = forms.ChoiceField(
        label="Add a section",
        error_messages={"required": "Choose a section to add"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a section"), *section_choices()]


class PaperDateForm(forms.Form):
    """When the paper return was filled in, if it says (defaults to today): not in the
    future, and not before the survey was opened (or made, if it never was)."""

    submitted_on = forms.DateField(
        required=False,
        label="Date on the return (optional)",
        help_text="For example, 27 3 2026. Leave blank for today.",
        widget=forms.DateInput(attrs={"class": "nhsuk-input--width-10"}),
        input_formats=["%d %m %Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"],
        error_messages={"invalid": "Enter the date as day, month and year, like 27 3 2026"},
    )

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey

    def earliest(self) -> datetime.date:
        began = self.survey.opened_at or self.survey.created_at
        return timezone.localdate(began) if began else timezone.localdate()

    def clean_submitted_on(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("submitted_on")
        if value is None:
            return None
        if value > timezone.localdate():
            raise forms.ValidationError("Date of the return must be today or in the past")
        earliest = self.earliest()
        if value < earliest:
            what = "opened" if self.survey.opened_at else "was made"
            raise forms.ValidationError(
                f"Date of the return must be the day the survey {what} "
                f"({earliest.day} {earliest:%B %Y}) or later"
            )
        return value
