"""What's on's filter form, each field drawn once per process for each state it is in.

The form is on every full What's on page, and drawing its twelve fields through the
NHS.UK field template (components/forms/field.html) and Django's widget templates
was over half of the page's rendering (about 10 ms of 19). A field's markup
depends only on the form's class, the field's name and id, its value, its errors
and its choices (What's on's category and feature choices come from the
database); so the same field in the same state is the same markup, and is
remembered here by exactly those. A search with one filter set draws that field
and reuses the other eleven.

For forms whose fields differ between instances only in their choices (as What's
on's): a form that changes labels, widgets or attributes per instance must not
use it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

# Each entry is one field's markup (a few hundred bytes to a few kilobytes).
SIZE = 512
_drawn: OrderedDict[Hashable, SafeString] = OrderedDict()
_lock = threading.Lock()


def _state(field: BoundField) -> Hashable | None:
    """All that the field's markup depends on, or None if it cannot be a key."""
    choices = getattr(field.field, "choices", ())
    key = (
        type(field.form),
        field.form.auto_id,
        field.html_name,
        repr(field.value()),
        tuple(str(error) for error in field.errors),
        tuple(tuple(choice) for choice in choices),
        get_language(),
    )
    try:
        hash(key)
    except TypeError:  # choices with unhashable parts (groups as lists): draw it each time
        return None
    return key


@register.filter
def field_group(field: BoundField) -> SafeString:
    """`field.as_field_group`, drawn once for each state the field is in (see above)."""
    state = _state(field)
    if state is None:
        return field.as_field_group()
    with _lock:
        drawn = _drawn.get(state)
        if drawn is not None:
            _drawn.move_to_end(state)
            return drawn
    drawn = field.as_field_group()
    with _lock:
        _drawn[state] = drawn
        while len(_drawn) > SIZE:
            _drawn.popitem(last=False)
    return drawn
