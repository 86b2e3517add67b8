"""Counting requests per key in a fixed window, to throttle what anyone may send.

Keys (an IP address, say) are never stored: the cache holds an HMAC of each,
under the site's secret key, and forgets it when the window ends. Counts live in
the cache (Redis in production; one process's memory otherwise, so each web
process then counts on its own)."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most `count` in `seconds` (a fixed window)."""

    count: int
    seconds: int


def _cache_key(scope: str, key: str, window: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{scope}\0{key}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window}"


def hit(scope: str, key: str, limit: Limit, *, now: float | None = None) -> bool:
    """Count one more for `key` in `scope`; False once the window's limit is passed."""
    moment = time.time() if now is None else now
    window = int(moment // limit.seconds)
    name = _cache_key(scope, key, window)
    # add() only sets a missing key, so concurrent first hits do not reset the count.
    cache.add(name, 0, timeout=limit.seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.add(name, 1, timeout=limit.seconds)
        count = 1
    return count <= limit.count
