"""What every public open-data endpoint shares: JSON out, open to any origin, clear errors.

No key and no sign-in: the directory is public data. Answers are JSON with
`Access-Control-Allow-Origin: *` (so a service finder in a browser can read
them), errors are JSON too ({"error": ...} with 400 or 404), and only GET,
HEAD and the CORS preflight OPTIONS are allowed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse

from lib.sql import prepared

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far past any real page (the whole directory is a few thousand services), and
# small enough that page x size stays a number the database can offset by.
MAX_PAGE = 100_000
# Longer than any id, word, time or postcode a parameter holds.
MAX_PARAMETER_LENGTH = 200


class ApiError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def json_response(
    data: Any, status: int = 200, content_type: str = "application/json"
) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")
    return response


def open_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Public, read-only, CORS-open JSON; ApiError becomes a JSON error answer."""

    @login_not_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        elif request.method not in ("GET", "HEAD"):
            response = json_response({"error": "Only GET is supported"}, status=405)
            response["Allow"] = "GET, HEAD, OPTIONS"
        else:
            try:
                _check_parameters(request)
                # Machine-read, read-only and asked often in the same shapes: every
                # statement is planned once a connection (lib.sql.prepared).
                with prepared():
                    response = view(request, *args, **kwargs)
            except ApiError as problem:
                response = json_response({"error": str(problem)}, status=problem.status)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers.setdefault("Cache-Control", "public, max-age=60")
        return response

    return wrapped


def _check_parameters(request: HttpRequest) -> None:
    """Refuse what no parameter can usefully hold: NUL characters (which PostgreSQL
    cannot take in a query) and values longer than any id, word or postcode."""
    for name, values in request.GET.lists():
        for value in values:
            if "\x00" in value:
                raise ApiError(f"{name[:50]} must not contain NUL characters")
            if len(value) > MAX_PARAMETER_LENGTH:
                raise ApiError(f"{name[:50]} must be {MAX_PARAMETER_LENGTH} characters or fewer")


def positive_int(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum`: anything else is a 400 saying what to send."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    # More digits than the maximum has is too big, however many (Python will not
    # even convert more than 4,300).
    if raw.isascii() and raw.isdigit() and len(raw.lstrip("0")) > len(str(maximum)):
        raise ApiError(f"{name} must be {maximum:,} or less")
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(f"{name} must be a whole number, like 1") from None
    if value < 1:
        raise ApiError(f"{name} must be 1 or more")
    if value > maximum:
        raise ApiError(f"{name} must be {maximum:,} or less")
    return value


class Page:
    """The UK profile's paging envelope around one page of `items`."""

    def __init__(self, request: HttpRequest, total: int) -> None:
        self.number = positive_int(request, "page", 1, MAX_PAGE)
        self.size = positive_int(request, "per_page", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        self.total = total
        self.start = (self.number - 1) * self.size
        self.end = self.start + self.size

    def envelope(self, contents: Sequence[Any]) -> dict[str, Any]:
        pages = max(1, math.ceil(self.total / self.size))
        return {
            "total_items": self.total,
            "total_pages": pages,
            "page_number": self.number,
            "size": len(contents),
            "first_page": self.number == 1,
            "last_page": self.number >= pages,
            "empty": len(contents) == 0,
            "contents": list(contents),
        }
