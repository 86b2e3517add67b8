"""Django forms rendered as NHS.UK frontend components.

FORM_RENDERER points here, so `{{ form }}` and `{{ form.field.as_field_group }}`
produce NHS.UK markup (label, hint, error message, input classes) everywhere.
"""

from __future__ import annotations

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
