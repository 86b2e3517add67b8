"""Fetching a feed over HTTP, carefully: only http(s), only public addresses, bounded.

- Addresses in private, loopback, link-local, multicast and reserved ranges
  are refused (a feed address must not reach into the server's own network),
  unless FEEDS_ALLOW_PRIVATE_ADDRESSES is on (tests serve feeds on loopback).
  Every redirect is checked the same way. (The check is on the resolved
  addresses before connecting; a host that changes its DNS answer between the
  check and the connection is not caught here: run the worker without access
  to internal services if that matters.)
- A timeout, a size limit, and conditional GET (If-None-Match and
  If-Modified-Since), so an unchanged feed costs one small request.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage, HTTPResponse
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings

USER_AGENT = "Inspiring calendar importer (+https://github.com/inspiring)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The feed could not be fetched; str(error) says why, for its owner."""


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    content: bytes = b""
    etag: str = ""
    last_modified: str = ""


def check_address(url: str) -> None:
    """Refuse anything but http(s) to a public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Use a web address starting http:// or https://")
    if not parts.hostname:
        raise FetchError("The address has no host name")
    if getattr(settings, "FEEDS_ALLOW_PRIVATE_ADDRESSES", False):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise FetchError(f"The host {parts.hostname} could not be found") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{parts.hostname} is a private or local network address, which feeds may not use"
            )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET a feed, or learn it has not changed. Raises FetchError with a plain reason."""
    check_address(url)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    limit: int = settings.FEEDS_MAX_BYTES
    try:
        response: Any = _opener.open(request, timeout=settings.FEEDS_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(not_modified=True, etag=etag, last_modified=last_modified)
        raise FetchError(f"The calendar's server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, FetchError):
            raise reason from None
        raise FetchError(f"The calendar could not be reached: {reason}") from None
    except TimeoutError:
        raise FetchError("The calendar's server took too long to answer") from None
    except FetchError:
        raise
    except (OSError, ValueError) as error:
        raise FetchError(f"The calendar could not be reached: {error}") from None
    with response:
        assert isinstance(response, HTTPResponse) or hasattr(response, "read")
        try:
            content = response.read(limit + 1)
        except TimeoutError:
            raise FetchError("The calendar's server took too long to send the feed") from None
        except OSError as error:
            raise FetchError(f"The feed stopped arriving: {error}") from None
        if len(content) > limit:
            raise FetchError(
                f"The feed is larger than {limit // 1_000_000} MB; ask for a shorter calendar"
            )
        return Fetched(
            not_modified=False,
            content=content,
            etag=response.headers.get("ETag", "") or "",
            last_modified=response.headers.get("Last-Modified", "") or "",
        )
