"""Error reporting to Sentry (optional: only when SENTRY_DSN is set), scrubbed of personal data.

Sentry gets what an engineer needs to find a bug (the exception, its stack without
local variables, the URL's path, the method, a few harmless headers, the request
id as a tag) and nothing that could identify a person: no request body, cookies,
query string (it may hold a postcode), other headers, user, IP address, local
variables or log `extra` data. `send_default_pii=False` already leaves most of these
out; `before_send` removes them again whatever an integration adds.

Not scrubbed, because it cannot be told apart: the text of an exception's message.
Code must not put personal data in exception messages (nor in log lines).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from sentry_sdk.integrations.django import DjangoIntegration

from lib import requestid

if TYPE_CHECKING:
    from sentry_sdk._types import Event, Hint

# Request headers an event may keep (compared without regard to case).
SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "hx-request",
        "x-request-id",
    }
)


def sample_rate(name: str, raw: str) -> float:
    """A fraction from 0 to 1 read from the environment variable `name`."""
    try:
        value = float(raw.strip() or "0")
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ImproperlyConfigured(f"{name}={raw!r} must be between 0 and 1.")
    return value


def init_sentry(
    dsn: str, *, environment: str | None, traces_sample_rate: float, **options: Any
) -> None:
    """Start the Sentry SDK with the Django integration and the scrubbing below.

    `options` are passed on to sentry_sdk.init (the tests give a `transport`).
    """
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=before_send,
        before_send_transaction=before_send,
        **options,
    )


def before_send(event: Event, hint: Hint) -> Event:
    """Sentry's hook for every error and transaction event before it is sent: `scrub` it."""
    scrub(cast("dict[str, Any]", event))
    return event


def scrub(event: dict[str, Any]) -> dict[str, Any]:
    """Remove from an event whatever could identify a person (see the module's docstring)."""
    _scrub_request(event)
    event.pop("user", None)
    event.pop("extra", None)
    event.pop("server_name", None)
    for container in ("exception", "threads"):
        for value in (event.get(container) or {}).get("values") or []:
            for frame in (value.get("stacktrace") or {}).get("frames") or []:
                frame.pop("vars", None)
    breadcrumbs = event.get("breadcrumbs")
    crumbs = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in crumbs or []:
        # Log records' extras (Django passes the request) and HTTP calls' URLs.
        crumb.pop("data", None)
    for span in event.get("spans") or []:
        for key in list(span.get("data") or {}):
            if "query" in key or "param" in key or "url" in key:
                del span["data"][key]
        if str(span.get("op", "")).startswith("http") and span.get("description"):
            span["description"] = _without_query(str(span["description"]))
    request_id = requestid.current()
    if request_id:
        tags = event.setdefault("tags", {})
        if isinstance(tags, dict):
            tags["request_id"] = request_id
    return event


def _scrub_request(event: dict[str, Any]) -> None:
    request = event.get("request")
    if not isinstance(request, dict):
        return
    kept: dict[str, Any] = {}
    if request.get("url"):
        kept["url"] = _without_query(str(request["url"]))
    if request.get("method"):
        kept["method"] = request["method"]
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {
            name: value for name, value in headers.items() if name.lower() in SAFE_HEADERS
        }
    # Everything else goes: data (the body), cookies, query_string, env (addresses).
    event["request"] = kept


def _without_query(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0]
