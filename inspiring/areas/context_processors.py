from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .attribution import DATA_ATTRIBUTIONS, OGL_URL


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: demo banner and data attributions."""
    return {
        "demo_mode": settings.DEMO_MODE,
        "data_attributions": DATA_ATTRIBUTIONS,
        "ogl_url": OGL_URL,
    }
