"""How django-axes names the account a sign-in attempt was for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import normalise_email


def attempted_email(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The attempted email address, normalised as accounts are.

    Without this, "Priya@…" and "priya@…" would count as different accounts and
    an attacker could multiply their guesses by varying the case.
    """
    value = (credentials or {}).get("username") or request.POST.get("username")
    return normalise_email(str(value)) if value else None
