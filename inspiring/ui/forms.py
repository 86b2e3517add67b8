"""Django forms rendered as NHS.UK frontend components.

FORM_RENDERER points here, so `{{ form }}` and `{{ form.field.as_field_group }}`
produce NHS.UK markup (label, hint, error message, input classes) everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db import models
from django.forms.renderers import TemplatesSetting


def https_formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """ModelForm formfield_callback: web addresses typed without a scheme get https://.

    (Django 6's default; on 5.2 each URL field must ask for it.)
    """
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class NHSUKFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"


# --- The NHS.UK date input: day, month and year in three boxes ----------------------

_PARTS = ("day", "month", "year")
_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        date(2000, number, 1).strftime("%B").lower(),
        date(2000, number, 1).strftime("%b").lower(),
    )
}


class DateParts(forms.MultiWidget):
    """The NHS.UK date input's three boxes: day, month and year, named
    `<name>_day`, `<name>_month` and `<name>_year`. The template draws them
    (components/forms/date_input.html, from `date_input_parts`)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        box = {"inputmode": "numeric"}
        super().__init__({part: forms.TextInput(box) for part in _PARTS}, attrs)

    def decompress(self, value: date | None) -> list[str]:
        if not isinstance(value, date):
            return ["", "", ""]
        return [str(value.day), str(value.month), str(value.year)]


class DateInputField(forms.MultiValueField):
    """A date typed as day, month and year, with the NHS.UK date input's messages:
    "Enter the first date", "The first date must include a month", "Year must include
    4 numbers", "The first date must be a real date".

    `what` names the date at the start of a sentence ("The first date", "Date of
    birth"); `autocomplete` is the boxes' token prefix ("bday" gives bday-day…).
    After a failed clean, `wrong` names the boxes to highlight. Subclasses add their
    own checks of a real date in `check`."""

    widget = DateParts

    def __init__(
        self,
        *,
        what: str,
        required_message: str | None = None,
        autocomplete: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("template_name", "components/forms/date_input.html")
        super().__init__(
            fields=(forms.CharField(), forms.CharField(), forms.CharField()),
            require_all_fields=False,
            **kwargs,
        )
        self.what = what
        self.required_message = required_message or f"Enter {what[0].lower()}{what[1:]}"
        self.autocomplete = autocomplete
        self.wrong: tuple[str, ...] = ()

    def refuse(self, message: str, *wrong: str) -> forms.ValidationError:
        """The error to raise, noting the boxes it is about (all three if none named)."""
        self.wrong = wrong or _PARTS
        return forms.ValidationError(message)

    def clean(self, value: Any) -> date | None:
        self.wrong = ()
        if not isinstance(value, list | tuple):
            value = DateParts().decompress(value)
        parts = [str(part or "").strip() for part in value]
        day, month, year = parts
        if not any(parts):
            if self.required:
                raise self.refuse(self.required_message)
            return None
        missing = [name for name, part in zip(_PARTS, parts, strict=True) if not part]
        if missing:
            raise self.refuse(f"{self.what} must include a {' and '.join(missing)}", *missing)
        month_number = _MONTHS.get(month.lower().rstrip("."))
        if month_number is None and month.isdigit():
            month_number = int(month)
        if not year.isdigit() or len(year) != 4:
            raise self.refuse("Year must include 4 numbers", "year")
        try:
            if not day.isdigit() or month_number is None:
                raise ValueError
            typed = date(int(year), month_number, int(day))
        except ValueError:
            raise self.refuse(f"{self.what} must be a real date") from None
        return self.check(typed)

    def check(self, value: date) -> date:
        """A subclass's own rules for a real date (raise with `refuse`)."""
        return value

    def compress(self, data_list: list[Any]) -> None:  # pragma: no cover - clean() decides
        return None


def date_input_parts(bound: forms.BoundField) -> list[dict[str, Any]]:
    """A date input's three boxes, for a template: name, id, label, value, width,
    autocomplete and whether to highlight it (the boxes its error is about; all of
    them for an error the form found with the whole date, like one out of range)."""
    field = bound.field
    value = bound.value()
    values = value if isinstance(value, list | tuple) else DateParts().decompress(value)
    wrong: tuple[str, ...] = ()
    if bound.errors:
        wrong = getattr(field, "wrong", ()) or _PARTS
    prefix = getattr(field, "autocomplete", "")
    return [
        {
            "name": f"{bound.html_name}_{part}",
            # The day box carries the field's own id: labels and links land on it.
            "id": bound.auto_id if part == "day" else f"{bound.auto_id}_{part}",
            "label": part.capitalize(),
            "value": values[index] or "",
            "width": 4 if part == "year" else 2,
            "autocomplete": f"{prefix}-{part}" if prefix else "",
            "error": part in wrong,
        }
        for index, part in enumerate(_PARTS)
    ]


def date_input_first_wrong_id(bound: forms.BoundField) -> str:
    """Where an error summary's link should land: the first box to change."""
    for part in date_input_parts(bound):
        if part["error"]:
            return str(part["id"])
    return str(bound.auto_id)


# --- A grid of checkboxes: rows by columns (a week by morning, afternoon, evening) ---------


class GridChoiceField(forms.MultipleChoiceField):
    """Checkboxes laid out as a table (components/forms/checkbox_grid.html): each row's
    label, then one box per column. `rows` and `columns` are (value, label) pairs; each
    box's value is "<row>-<column>" and its label, for screen readers, "<row> <column>"."""

    def __init__(
        self,
        *,
        rows: list[tuple[str, str]],
        columns: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("template_name", "components/forms/checkbox_grid.html")
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        choices = [
            (f"{row}-{column}", f"{row_label} {column_label.lower()}")
            for row, row_label in rows
            for column, column_label in columns
        ]
        super().__init__(choices=choices, **kwargs)
        self.rows, self.columns = rows, columns
