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


def sender(request: HttpRequest) -> str | None:
    """Who sent the request, as far as its address tells, for throttling public forms:
    the client's address, except that an IPv6 sender has a whole /64 to choose
    addresses from, so the /64 counts as one sender. None when no address is known."""
    address = client_ip(request)
    if address is None:
        return None
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address


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
