from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .data import DEMO_ACCOUNTS, DEMO_PASSWORD


def demo_accounts(request: HttpRequest) -> dict[str, Any]:
    """On a demo site, the sign-in page lists the demo logins."""
    if not settings.DEMO_MODE:
        return {}
    return {"demo_accounts": DEMO_ACCOUNTS, "demo_password": DEMO_PASSWORD}
