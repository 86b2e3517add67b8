"""Site-wide response headers Django has no setting for."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response

from lib import requestid

logger = logging.getLogger(__name__)


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


class RequestIdMiddleware:
    """One id per request, on every log line it writes, returned in X-Request-ID.

    The proxy's X-Request-ID is kept when it is a safe token (letters, digits, "-",
    "_", ".", at most 64), so its access log and ours share the id; otherwise a new
    one is made. First in MIDDLEWARE, so the rest of the stack logs with the id.

    Also logs, as warnings, a request slower than settings.SLOW_REQUEST_MS (method,
    path without its query string, status, milliseconds) and any one database query
    slower than settings.SLOW_QUERY_MS (milliseconds and the SQL text, which has
    placeholders: never the parameters).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get(requestid.HEADER, "")
        request_id = supplied if requestid.is_safe(supplied) else requestid.new()
        slow_request_ms: int = getattr(settings, "SLOW_REQUEST_MS", 1000)
        with requestid.bound(request_id), ExitStack() as stack:
            watch = SlowQueryLog(getattr(settings, "SLOW_QUERY_MS", 500))
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(watch))
            started = time.perf_counter()
            response = self.get_response(request)
            elapsed = (time.perf_counter() - started) * 1000
            if elapsed > slow_request_ms:
                logger.warning(
                    "slow request: %s %s %s %d ms",
                    request.method,
                    loggable_path(request),
                    response.status_code,
                    round(elapsed),
                )
            if response.status_code >= 400:
                # What Django's handler would log once this returns, logged here while
                # the id is bound (Django then skips it: the response is marked logged).
                log_response(
                    "%s: %s",
                    response.reason_phrase,
                    request.path,
                    response=response,
                    request=request,
                )
        response.headers[requestid.HEADER] = request_id
        return response


# Path parameters that are secrets (invitation, confirmation and outcome links).
_SECRET_KWARG = re.compile(r"token|secret|key", re.IGNORECASE)


def loggable_path(request: HttpRequest) -> str:
    """The request's path without its query string, with any token in it masked."""
    path = request.path
    match = request.resolver_match
    if match is not None:
        for name, value in match.kwargs.items():
            if _SECRET_KWARG.search(name) and isinstance(value, str) and value:
                path = path.replace(value, f"<{name}>")
    return path


class SlowQueryLog:
    """A database execute wrapper: logs one query slower than `threshold_ms`, SQL only."""

    def __init__(self, threshold_ms: int) -> None:
        self.threshold_ms = threshold_ms

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if elapsed > self.threshold_ms:
                # The statement as Django wrote it, placeholders and all; never `params`.
                text = " ".join(str(sql).split())
                logger.warning("slow query: %d ms: %s", round(elapsed), text[:2000])
