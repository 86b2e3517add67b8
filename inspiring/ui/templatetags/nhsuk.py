"""Template helpers for NHS.UK frontend markup."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from ..forms import DateInputField, date_input_first_wrong_id, date_input_parts

register = template.Library()

_CHOICE_GROUPS = {"radioselect", "checkboxselectmultiple"}
_WIDGET_CLASSES = {
    "select": "nhsuk-select",
    "selectmultiple": "nhsuk-select",
    "textarea": "nhsuk-textarea",
    "checkbox": "nhsuk-checkboxes__input",
}


def _ids(field: BoundField) -> tuple[str, str]:
    return f"{field.auto_id}-hint", f"{field.auto_id}-error"


@register.filter
def is_choice_group(field: BoundField) -> bool:
    """Radios and checkboxes: rendered as a fieldset with a legend."""
    return field.widget_type in _CHOICE_GROUPS


@register.filter
def is_single_checkbox(field: BoundField) -> bool:
    return field.widget_type == "checkbox"


@register.filter
def hint_id(field: BoundField) -> str:
    return _ids(field)[0]


@register.filter
def error_id(field: BoundField) -> str:
    return _ids(field)[1]


@register.filter
def describedby(field: BoundField) -> str:
    """The ids of the hint and error message that describe a field, if present."""
    hint, error = _ids(field)
    parts = []
    if field.help_text:
        parts.append(hint)
    if field.errors:
        parts.append(error)
    return " ".join(parts)


@register.filter
def first_input_id(field: BoundField) -> str:
    """Where an error summary link should land: the field, its first radio or checkbox,
    or the first box of a date input that needs changing."""
    if isinstance(field.field, DateInputField):
        return date_input_first_wrong_id(field)
    if field.widget_type in _CHOICE_GROUPS:
        return f"{field.auto_id}_0"
    return str(field.auto_id)


@register.filter
def date_parts(field: BoundField) -> list[dict[str, Any]]:
    """A date input's three boxes (see inspiring.ui.forms.date_input_parts)."""
    return date_input_parts(field)


@register.simple_tag
def nhsuk_widget(field: BoundField, **extra: Any) -> SafeString:
    """Render a field's widget with NHS.UK classes, error state and aria-describedby."""
    widget_attrs = field.field.widget.attrs
    existing = widget_attrs.get("class", "")
    base = _WIDGET_CLASSES.get(field.widget_type, "nhsuk-input")
    classes = [c for c in existing.split() if c]
    if base not in classes:
        classes.insert(0, base)
    if field.errors:
        classes.append(f"{base}--error")
    attrs: dict[str, Any] = {"class": " ".join(classes), **extra}
    described = describedby(field)
    if described:
        attrs["aria-describedby"] = described
    return field.as_widget(attrs=attrs)


@register.filter
def grid_rows(field: BoundField) -> list[tuple[str, list[Any]]]:
    """A GridChoiceField's boxes by row: [(row label, [its boxes, one per column])]."""
    boxes = list(field.subwidgets)
    width = len(field.field.columns)  # type: ignore[attr-defined]
    return [
        (label, boxes[index * width : (index + 1) * width])
        for index, (_, label) in enumerate(field.field.rows)  # type: ignore[attr-defined]
    ]


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
