"""Request helpers shared by apps."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, QueryDict


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the audit log and login throttling.

    Behind N trusted proxies (settings.TRUSTED_PROXY_COUNT), the client is the
    Nth address from the right of X-Forwarded-For; anything further left was
    written by the client and cannot be trusted. Returns None when no valid
    address is available rather than recording a spoofed or garbled value.
    """
    proxies: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    candidate: str | None
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        candidate = forwarded[-proxies] if len(forwarded) >= proxies else None
    else:
        candidate = request.META.get("REMOTE_ADDR")
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx made the request (django-htmx sets request.htmx)."""
    return bool(getattr(request, "htmx", False))


def user_agent(request: HttpRequest, limit: int = 300) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:limit]


def posted(request: HttpRequest) -> QueryDict | None:
    """Data to bind a form to: the POST data on a POST, even when it is empty.

    (`request.POST or None` leaves the form unbound when every field was left
    blank, so the person would get no error messages.)
    """
    return request.POST if request.method == "POST" else None
