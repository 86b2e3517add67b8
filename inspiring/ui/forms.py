"""Django forms rendered as NHS.UK frontend components.

FORM_RENDERER points here, so `{{ form }}` and `{{ form.field.as_field_group }}`
produce NHS.UK markup (label, hint, error message, input classes) everywhere.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class NHSUKFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"
