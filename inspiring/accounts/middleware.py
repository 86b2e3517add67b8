"""Middleware: two-factor sign-in, the session's absolute lifetime, private responses,
and the staff working context."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from .access import StaffContext, is_verified
from .privacy import is_personal, make_private

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


# When the user signed in (Unix seconds), for the absolute session lifetime.
SESSION_STARTED_KEY = "inspiring_signed_in_at"


def record_sign_in_time(request: HttpRequest) -> None:
    request.session[SESSION_STARTED_KEY] = int(time.time())


class SessionLifetimeMiddleware:
    """Sign a user out once SESSION_ABSOLUTE_AGE has passed since they signed in.

    The idle timeout (SESSION_COOKIE_AGE, renewed on every request) alone would
    let a session that is used now and then live for ever: an unlocked shared
    computer in a GP practice stays signed in for days. Must come after
    MessageMiddleware, to say why the user is back at the sign-in page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if not isinstance(started, int):
                # Signed in before sessions recorded their start: the limit counts
                # from now rather than signing everyone out at once.
                record_sign_in_time(request)
            elif time.time() - started > settings.SESSION_ABSOLUTE_AGE:
                return self._sign_out(request)
        return self.get_response(request)

    def _sign_out(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        hours = settings.SESSION_ABSOLUTE_AGE // 3600
        messages.info(
            request,
            f"You were signed out after {hours} hour{'' if hours == 1 else 's'}. Sign in again.",
        )
        return redirect_to_login(request.get_full_path())


class PrivateResponseMiddleware:
    """No browser or shared cache keeps a response that carries personal data.

    That is every response to a signed-in user, and any response whose view or
    access helper marked it (accounts.privacy.mark_personal). Done here once so
    no page can forget it; public pages for anonymous visitors stay cacheable.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_personal(request):
            make_private(response)
        return response
