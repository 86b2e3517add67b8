"""Responses that carry personal data are never stored by a browser or a shared cache.

Every response to a signed-in user is private (see PrivateResponseMiddleware):
their pages show clients, safeguarding concerns, the team and the audit trail,
and even a public page shows their name. A page an anonymous visitor reaches
with a token (a group's emailed one-time register) carries personal data too:
its view is decorated with `@shows_personal_data`, or the access layer that fetched
the record calls `mark_personal(request)`. Public pages for anonymous visitors
stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

View = TypeVar("View", bound=Callable[..., HttpResponse])

_MARK = "_inspiring_personal_data"


def mark_personal(request: HttpRequest) -> None:
    """Say that the response to `request` carries personal data, whoever asked for it."""
    setattr(request, _MARK, True)


def is_personal(request: HttpRequest) -> bool:
    if getattr(request, _MARK, False):
        return True
    # AuthenticationMiddleware may not have run (a redirect from CommonMiddleware).
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def shows_personal_data(view: View) -> View:
    """Mark every response of `view` as carrying personal data (for anonymous token views)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark_personal(request)
        return view(request, *args, **kwargs)

    return cast(View, wrapped)


def make_private(response: HttpResponse) -> None:
    """Forbid every cache to keep the response, and any cache keyed without the cookie."""
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
