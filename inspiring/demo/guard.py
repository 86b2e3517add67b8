"""Keeping a public demo site usable by everyone who visits it.

The demo accounts are shared and their password is published, so on a demo
site (DEMO_MODE) nobody may change what would spoil them for the next
visitor: their passwords, their sign-in security, or the site's configuration
in the admin site; and failed sign-ins never lock them. Accounts created on a
demo site through invitations are ordinary accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .data import DEMO_ACCOUNTS

DEMO_EMAILS = frozenset(account.email for account in DEMO_ACCOUNTS)
PROTECTED_VIEWS = frozenset(
    {"accounts:password_change", "accounts:two_factor_setup", "accounts:renew_recovery_codes"}
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_demo_account(email: str | None) -> bool:
    return bool(settings.DEMO_MODE and email and email.strip().lower() in DEMO_EMAILS)


def never_lock_demo_accounts(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """django-axes whitelist: a shared demo account is never locked out."""
    email = (credentials or {}).get("username") or request.POST.get("username")
    return is_demo_account(str(email) if email else None)


class DemoGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not settings.DEMO_MODE or not request.user.is_authenticated:
            return None
        if not is_demo_account(getattr(request.user, "email", None)):
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        writes_admin = (
            request.path_info.startswith("/admin/") and request.method not in SAFE_METHODS
        )
        if name in PROTECTED_VIEWS or writes_admin:
            return render(request, "demo/protected.html", status=403)
        return None
