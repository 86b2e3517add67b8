"""Middleware: enforce two-factor sign-in, and attach the staff working context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from .access import StaffContext, is_verified

Handler = Callable[[HttpRequest], HttpResponse]


def two_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view a signed-in user may reach before completing two-factor sign-in."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


def two_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where a signed-in user must go before a staff action, or None if they may go on.

    Used by the middleware for every staff page, and by the few public pages
    that act for a signed-in user (accepting an invitation).
    """
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return None
    query = urlencode({"next": request.get_full_path()})
    if user_has_device(user, confirmed=True):
        return redirect(f"{reverse('accounts:two_factor_verify')}?{query}")
    if settings.TWO_FACTOR_REQUIRED and user.requires_two_factor():
        return redirect(f"{reverse('accounts:two_factor_setup')}?{query}")
    return None


class TwoFactorMiddleware:
    """Send a signed-in user to two-factor sign-in before any staff page.

    - Someone with a confirmed device (an authenticator app) must enter a code
      every time they sign in, whatever their role.
    - Someone whose role can see personal data, or a site administrator, must
      set a device up first, unless the site does not enforce it
      (TWO_FACTOR_REQUIRED off, as on the demo site).
    Public pages and the sign-in pages themselves are exempt.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):  # public page
            return None
        if getattr(view_func, "two_factor_exempt", False):
            return None
        return two_factor_redirect(request)


class CurrentAreaMiddleware:
    """request.staff: the signed-in user's working membership and area (see access.py)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.staff = StaffContext(request)  # type: ignore[attr-defined]
        return self.get_response(request)
