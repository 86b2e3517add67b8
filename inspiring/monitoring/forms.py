"""Monitoring's forms: a grant, and the area's population figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q

from inspiring.areas.models import Area
from inspiring.directory.models import Activity, Organisation
from inspiring.ui.forms import DateInputField
from lib.text import too_long

from .models import Grant, PopulationFigure
from .population import GROUPS

# The model's 12 digits, 2 of them pence.
MOST = Decimal("9999999999.99")
# A grant's dates: a year typed wrong (1026, 3026) is refused, not costed over a
# thousand years.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class GrantDateField(DateInputField):
    """A grant's start or end date, in the years 2000 to 2100 (the year box is the one
    shown wrong): "The start date must be the same as or after 1 January 2000"."""

    def check(self, value: date) -> date:
        if value < EARLIEST:
            raise self.refuse(
                f"{self.what} must be the same as or after {EARLIEST:%-d %B %Y}", "year"
            )
        if value > LATEST:
            raise self.refuse(
                f"{self.what} must be the same as or before {LATEST:%-d %B %Y}", "year"
            )
        return value


class ActivityChoiceField(forms.ModelMultipleChoiceField):
    """The area's activities by title (their partner's name heads each group)."""

    def label_from_instance(self, obj: Activity) -> str:
        if obj.status == Activity.Status.WITHDRAWN:
            return f"{obj.title} (withdrawn)"
        return obj.title


class GrantForm(forms.ModelForm[Grant]):
    """A grant: who gave it, how much, for when, and what it supports. Carries the
    version it was opened at, so a change saved meanwhile is not overwritten."""

    amount = forms.CharField(
        label="Amount (£)",
        help_text="In pounds, for example 12500 or 12500.50",
        error_messages={"required": "Enter the amount of the grant"},
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"}),
    )
    starts_on = GrantDateField(
        label="Start date",
        what="The start date",
        help_text="The first day the grant pays for. For example, 1 4 2026",
    )
    ends_on = GrantDateField(
        label="End date",
        what="The end date",
        help_text="The last day the grant pays for. For example, 31 3 2027",
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Which partners does it support?",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only if it supports some partners. Select all that apply.",
    )
    activities = ActivityChoiceField(
        label="Which activities does it support?",
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only if it supports some activities. Select all that apply.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Which answer to "What does it support?" each field is asked for (shown only then
    # when JavaScript runs; every field shows without it).
    SHOWN_WHEN = {
        "organisations": "supports=partners",
        "activities": "supports=activities",
    }

    class Meta:
        model = Grant
        fields = [
            "funder",
            "reference",
            "amount",
            "starts_on",
            "ends_on",
            "supports",
            "organisations",
            "activities",
            "notes",
        ]
        labels = {
            "funder": "Funder",
            "reference": "Name or reference (optional)",
            "supports": "What does it support?",
            "notes": "Notes (optional)",
        }
        help_texts = {
            "notes": "Anything useful later: conditions, what to report and when",
        }
        widgets = {"supports": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "funder": {
                "required": "Enter who gave the grant",
                "max_length": too_long("Funder", 200),
            },
            "reference": {"max_length": too_long("Name or reference", 200)},
            "supports": {"required": "Choose what the grant supports"},
            "notes": {"max_length": too_long("Notes", 2000)},
        }

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area
        self.fields["version"].initial = self.instance.version
        organisations = self.fields["organisations"]
        assert isinstance(organisations, forms.ModelMultipleChoiceField)
        organisations.queryset = Organisation.objects.filter(home_area=area).order_by("name")
        organisations.error_messages["invalid_choice"] = "Choose partners from the list"
        chosen = (
            list(self.instance.activities.values_list("pk", flat=True)) if self.instance.pk else []
        )
        activities = self.fields["activities"]
        assert isinstance(activities, forms.ModelMultipleChoiceField)
        # Live listings of the area's partners (a withdrawn one only if already chosen),
        # by partner, then title: shown grouped under each partner's name.
        activities.queryset = (
            Activity.objects.live()
            .filter(organisation__home_area=area)
            .filter(~Q(status=Activity.Status.WITHDRAWN) | Q(pk__in=chosen))
            .select_related("organisation")
            .order_by("organisation__name", "organisation_id", "title", "pk")
        )
        activities.error_messages["invalid_choice"] = "Choose activities from the list"
        self.fields["notes"].max_length = 2000  # type: ignore[attr-defined]

    def clean_amount(self) -> Decimal:
        typed = str(self.cleaned_data.get("amount", "")).strip()
        text = typed.replace("£", "").replace(",", "").replace(" ", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(
                "Enter the amount in pounds, like 12500 or 12500.50"
            ) from None
        if not amount.is_finite():
            raise forms.ValidationError("Enter the amount in pounds, like 12500 or 12500.50")
        if amount <= 0:
            raise forms.ValidationError("The amount must be more than £0")
        exponent = amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise forms.ValidationError(
                "The amount can only have pence after the point, like 12500.50"
            )
        if amount > MOST:
            raise forms.ValidationError("The amount must be less than £10,000,000,000")
        return amount.quantize(Decimal("0.01"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        supports = cleaned.get("supports")
        # None chosen (a choice from outside the list has its own message already).
        for kind, name, message in (
            (Grant.Supports.PARTNERS, "organisations", "Choose at least one partner"),
            (Grant.Supports.ACTIVITIES, "activities", "Choose at least one activity"),
        ):
            if supports == kind and name in cleaned and not cleaned[name]:
                self.add_error(name, f"{message} the grant supports")
        return cleaned

    def questions(self) -> list[tuple[forms.BoundField, str]]:
        """The visible fields in order, each with the answer it is asked for."""
        return [(self[name], self.SHOWN_WHEN.get(name, "")) for name in self.Meta.fields]

    def activity_groups(self) -> list[tuple[str, list[Any]]]:
        """The activities' checkboxes under each partner's name, in the field's order."""
        field = self.fields["activities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        partner_of = {str(a.pk): a.organisation.name for a in field.queryset}  # type: ignore[union-attr]
        groups: dict[str, list[Any]] = {}
        for box in self["activities"].subwidgets:
            groups.setdefault(partner_of.get(str(box.data["value"]), ""), []).append(box)
        return list(groups.items())


class WholeNumberField(forms.IntegerField):
    """A count as people write it: "52,000" or "52 000" as well as "52000"."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.replace(",", "").replace(" ", "")
        return super().to_python(value)


class PopulationForm(forms.Form):
    """Every group's residents on one form: blank means not recorded."""

    source = forms.CharField(
        label="Where the figures come from",
        max_length=200,
        help_text="For example, Census 2021, tables TS008 and TS021",
        error_messages={
            "required": "Enter where the figures come from, like Census 2021",
            "max_length": too_long("Where the figures come from", 200),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions: list[tuple[str, str, list[str]]] = []
        for dimension, title in PopulationFigure.Dimension.choices:
            names = []
            for code, label in GROUPS[dimension]:
                name = f"{dimension}__{code}"
                self.fields[name] = WholeNumberField(
                    label=label,
                    required=False,
                    min_value=0,
                    max_value=2_000_000_000,
                    widget=forms.TextInput(
                        attrs={"class": "nhsuk-input--width-10", "inputmode": "numeric"}
                    ),
                    error_messages={
                        "invalid": f"Enter the number of residents for {label} as a whole "
                        "number, like 52000, or leave it blank",
                        "min_value": f"The number of residents for {label} must be 0 or more",
                        "max_value": f"The number of residents for {label} is too large",
                    },
                )
                names.append(name)
            self.dimensions.append((dimension, title, names))

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (code, title, [self[name] for name in names]) for code, title, names in self.dimensions
        ]

    def figures(self) -> dict[tuple[str, str], int | None]:
        """(dimension, group) -> residents, None where left blank."""
        out: dict[tuple[str, str], int | None] = {}
        for dimension, _, names in self.dimensions:
            for name in names:
                out[(dimension, name.split("__", 1)[1])] = self.cleaned_data.get(name)
        return out
