"""The flag on a case page while a safeguarding concern is open.

A tag, so the case page shows it without its view knowing about safeguarding: the
concerns come through access.open_concerns_about (concerns_for: the lead, the deputy and
whoever raised one), so anyone else gets no flag. The flag links to the concern and
never shows what it says.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..access import open_concerns_about
from ..models import Client

register = template.Library()


@register.inclusion_tag("casework/safeguarding/_case_flag.html", takes_context=True)
def concern_flag(context: template.Context, client: Client) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {"concerns": []}
    concerns = list(
        open_concerns_about(request, client)
        .only("public_id", "raised_at", "urgency")
        .order_by("-raised_at", "-pk")
    )
    return {"concerns": concerns}
