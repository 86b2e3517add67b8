"""Site-wide response headers Django has no setting for."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def permissions_policy(policy: dict[str, list[str]]) -> str:
    """The Permissions-Policy header for {feature: allowed origins}: [] refuses it to all.

    Origins are "self" or a quoted address, as the header's structured syntax wants.
    """
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class PermissionsPolicyMiddleware:
    """Send settings.PERMISSIONS_POLICY on every response (Django 5.2 has no setting for it).

    The camera, microphone, location and the rest stay off even if a script were
    ever injected or a page embedded in a frame.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
