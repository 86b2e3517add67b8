from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import staff_context


def staff(request: HttpRequest) -> dict[str, Any]:
    """The working area (for the header's programme name) of a signed-in user."""
    if not request.user.is_authenticated:
        return {"staff": None, "working_area": None}
    context = staff_context(request)
    return {"staff": context, "working_area": context.area}
