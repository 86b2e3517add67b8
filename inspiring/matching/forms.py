"""Refining suggestions during a call: narrower, or further than the assessment says when
the person agrees to travel further (for this search only: the assessment stays as it is)."""

from __future__ import annotations

from typing import Any

from django import forms

from inspiring.casework.choices import Barrier
from inspiring.directory.models import Category, SupportFeature

from .engine import DAY_CODES, DAY_NAMES, miles_label
from .loading import Refine
from .rules import FREE

DISTANCES = [
    ("", "As assessed"),
    ("0.6", "Walking distance (1 km)"),
    ("1", "1 mile"),
    ("2", "2 miles"),
    ("3", "3 miles"),
    ("5", "5 miles"),
]


class RefineForm(forms.Form):
    miles = forms.ChoiceField(
        label="Distance",
        help_text="Further than their assessment says, if they agree to it: for this search "
        "only, their assessment is not changed",
        choices=DISTANCES,
        required=False,
    )
    days = forms.MultipleChoiceField(
        label="Days",
        choices=list(zip(DAY_CODES, DAY_NAMES, strict=True)),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    only_free = forms.BooleanField(label="Only free activities", required=False)
    category = forms.ChoiceField(label="Type of activity", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "Any"),
            *Category.objects.order_by("order", "name").values_list("slug", "name"),
        ]

    def say_assessed(self, miles: float | None) -> None:
        """Name the assessment's distance in its choice: "As assessed (2 miles)"."""
        if miles is not None:
            self.fields["miles"].choices = [  # type: ignore[attr-defined]
                ("", f"As assessed ({miles_label(miles)})"),
                *DISTANCES[1:],
            ]

    def refine(self) -> Refine:
        if not self.is_valid():
            return Refine()
        data = self.cleaned_data
        return Refine(
            max_miles=float(data["miles"]) if data.get("miles") else None,
            days=frozenset(data.get("days") or ()),
            only_free=bool(data.get("only_free")),
            category=data.get("category") or "",
        )


class BarrierRulesForm(forms.Form):
    """One question per barrier: which features (or being free) answer it."""

    def __init__(self, *args: Any, table: dict[str, frozenset[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [
            (FREE, "Free (costs nothing)"),
            *SupportFeature.objects.order_by("order", "name").values_list("code", "name"),
        ]
        for code, label in Barrier.choices:
            self.fields[code] = forms.MultipleChoiceField(
                label=label,
                choices=options,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=sorted(table.get(code, frozenset())),
            )

    def table(self) -> dict[str, frozenset[str]]:
        return {code: frozenset(self.cleaned_data.get(code) or ()) for code in Barrier.values}


def wider_than(miles: float) -> list[str]:
    """The distances offered that go further than `miles` (values of the choices)."""
    return [value for value, _ in DISTANCES if value and float(value) > miles]
