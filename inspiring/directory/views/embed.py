"""Staff: "Add What's on to your website", the code for the widget with chosen filters."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability

from ..access import working_area
from ..search import WhatsOnForm

# The filters a widget can keep: the rest (dates, distance, sort) do not suit a
# box on someone else's page that is seen for months.
WIDGET_FILTERS = ("q", "category", "feature", "free", "day", "time")
LIMIT_CHOICES = [("3", "3"), ("5", "5"), ("10", "10")]


class EmbedForm(WhatsOnForm):
    limit = forms.TypedChoiceField(
        label="How many sessions to show",
        choices=LIMIT_CHOICES,
        coerce=int,
        required=False,
        initial="5",
        error_messages={"invalid_choice": "Choose to show 3, 5 or 10 sessions"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in (*WIDGET_FILTERS, "limit"):
                del self.fields[name]
        self.fields["q"].label = "Only activities matching these words"
        self.fields["q"].help_text = "Leave empty for everything. For example, walk"


def attribute(value: str) -> str:
    """Safe in a double-quoted HTML attribute, and still readable ("What's on", not &#x27;)."""
    return html.escape(value, quote=False).replace('"', "&quot;")


def widget_code(url: str, title: str) -> str:
    """What a web editor pastes: the iframe, and the script that sizes it to its content."""
    script = f"{settings.SITE_URL}/{settings.STATIC_URL.strip('/')}/js/whats-on-widget.js"
    return (
        f'<iframe src="{attribute(url)}" title="{attribute(title)}" width="100%" height="400" '
        f'style="border:0" loading="lazy" data-inspiring-widget></iframe>\n'
        f'<script src="{attribute(script)}" async></script>'
    )


def widget_query(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The widget's address query for the chosen filters, as What's on reads them."""
    query = [("q", data["q"])] if data.get("q") else []
    for name in ("category", "feature", "day", "time"):
        query += [(name, value) for value in data.get(name) or []]
    if data.get("free"):
        query.append(("free", "on"))
    if data.get("limit") and data["limit"] != 5:
        query.append(("limit", str(data["limit"])))
    return query


@require_capability(Capability.CURATE_DIRECTORY, Capability.EDIT_OWN_LISTINGS)
def embed(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    form = EmbedForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    query = widget_query(form.cleaned_data if form.is_bound and valid else {})
    path = reverse("directory:widget", args=[area.slug])
    url = f"{settings.SITE_URL}{path}" + (f"?{urlencode(query)}" if query else "")
    title = f"What's on: {area.programme_name}"
    return render(
        request,
        "directory/embed.html",
        {
            "area": area,
            "form": form,
            "valid": valid,
            "code": widget_code(url, title),
            "preview": path + (f"?{urlencode(query)}" if query else ""),
            "title": title,
        },
    )
