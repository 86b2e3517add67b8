"""Fetching a feed over HTTP, carefully: only http(s), only public addresses, bounded.

- Addresses in private, loopback, link-local, multicast and reserved ranges
  are refused (a feed address must not reach into the server's own network),
  and so are the IPv6 forms that carry such an IPv4 address (see
  `is_public_address`), unless FEEDS_ALLOW_PRIVATE_ADDRESSES is on (tests
  serve feeds on loopback).
- The host name is looked up once per connection and the connection goes to
  an address that lookup gave and the check passed, never to a second lookup:
  a host that changes its DNS answer between the check and the connection
  (DNS rebinding) cannot steer the fetch inside. The Host header, and for
  https the SNI and the certificate check, still use the host name. Every
  redirect is a new connection, checked and pinned the same way.
- No proxy: a proxy would make the lookup itself, and the check would mean
  nothing.
- A deadline for the whole fetch, FEEDS_TIMEOUT_SECONDS from the start: the
  connections, the answers, redirects and the body together (a server sending a
  few bytes at a time, each read well inside a timeout, is cut off all the same;
  only the host name's lookup is outside it). Also a size limit, and conditional
  GET (If-None-Match and If-Modified-Since), so an unchanged feed costs one small
  request.
- A body that ends before its Content-Length, or a chunked body cut short, is
  the connection's fault and said so (not the calendar's, as the parser would).
"""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage, HTTPResponse
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings

USER_AGENT = "Inspiring calendar importer (+https://github.com/inspiring)"
MAX_REDIRECTS = 5

# What socket.getaddrinfo answers: (family, type, proto, canonname, sockaddr).
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]

# IPv6 forms that carry an IPv4 address; each is judged by the address it carries.
# (IPv4-mapped ::ffff:a.b.c.d and 6to4 2002::/16 are found by the ipaddress module.)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # ::a.b.c.d (RFC 4291, deprecated)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
# IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 2765): the last 32 bits again.
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
# Refused whatever they carry: the local-use NAT64 prefix (RFC 8215) is by definition a
# translator in the operator's own network, and where the IPv4 address sits depends on
# the prefix length chosen there; Teredo (RFC 4380) tunnels to a client behind a NAT,
# with its addresses obfuscated, and no calendar is served that way.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_TEREDO = ipaddress.IPv6Network("2001::/32")
# Site-local (RFC 3879 deprecated it, and Python calls it global): a private network.
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")


# What the feed's owner is told.
TOO_SLOW_TO_ANSWER = "The calendar's server took too long to answer"
TOO_SLOW_TO_SEND = "The calendar's server took too long to send the feed"
CUT_SHORT = "The feed stopped arriving: the connection closed before the whole feed came"


class FetchError(Exception):
    """The feed could not be fetched; str(error) says why, for its owner."""


class _Deadline:
    """When the whole fetch must be over. Every connection is made, and every read
    waits, only for the time that is left; once none is, TimeoutError."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("the time allowed for the whole fetch has passed")
        return left

    def bounded(self, timeout: float | None) -> float:
        """A socket timeout no later than the deadline."""
        left = self.remaining()
        return left if timeout is None else min(timeout, left)


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    content: bytes = b""
    etag: str = ""
    last_modified: str = ""


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 address carries."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    # :: and ::1 are in ::/96 too, but are the unspecified and loopback addresses.
    if address in _NAT64 or address in _IPV4_TRANSLATED:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a feed may be fetched from this address.

    Python 3.11's `is_global` says yes to ::127.0.0.1, 64:ff9b::a9fe:a9fe
    (169.254.169.254 through NAT64) and 2002:7f00:1:: (127.0.0.1 in 6to4), so
    an IPv6 address that carries an IPv4 address is judged by the IPv4 address.
    A NAT64 or 6to4 address carrying a public IPv4 address passes: on an
    IPv6-only server behind DNS64 every IPv4-only calendar host answers in the
    NAT64 form, and a 6to4 relay can only reach the public address it carries.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL or address in _TEREDO or address in _SITE_LOCAL:
            return False
        carried = embedded_ipv4(address)
        if carried is not None:
            return is_public_address(carried)
    return address.is_global and not address.is_multicast


def _private_allowed() -> bool:
    return bool(getattr(settings, "FEEDS_ALLOW_PRIVATE_ADDRESSES", False))


def addresses_for(host: str, port: int) -> list[AddressInfo]:
    """Look the host up, once, and refuse it unless every address it has is public.

    The connection is then made to these addresses and no others. (All must be
    public, not just one: which one a connection uses is not ours to choose.)
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise FetchError(f"The host {host} could not be found") from None
    if not infos:
        raise FetchError(f"The host {host} could not be found")
    if not _private_allowed():
        for info in infos:
            if not is_public_address(ipaddress.ip_address(info[4][0])):
                raise FetchError(
                    f"{host} is a private or local network address, which feeds may not use"
                )
    return infos


def _check_scheme(url: str) -> str:
    """The URL's host name, if it is an http(s) address with one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Use a web address starting http:// or https://")
    if not parts.hostname:
        raise FetchError("The address has no host name")
    return parts.hostname


def check_address(url: str) -> None:
    """Refuse anything but http(s) to a public address (the form's check, before saving).

    Fetching checks again, at every connection, with the lookup it connects to.
    """
    host = _check_scheme(url)
    if _private_allowed():
        return
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"The host {host} could not be found") from None
    addresses_for(host, port)


def _connect_to_checked(
    host: str, port: int, timeout: float | None, source_address: tuple[str, int] | None
) -> socket.socket:
    """A TCP connection to one of the checked addresses of `host`, tried in order."""
    failure: OSError | None = None
    for family, kind, proto, _, sockaddr in addresses_for(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            failure = error
            continue
        return sock
    assert failure is not None  # addresses_for never answers an empty list
    raise failure


class _DeadlineReader(io.RawIOBase):
    """A response's socket stream whose every read waits only for the time left."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._deadline.remaining())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(HTTPResponse):
    """http.client's response, reading its status line, headers and body by the deadline
    (a socket timeout alone is per read: it never ends a trickle)."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        # makefile("rb")'s buffer over the socket, nothing read from it yet: keep its
        # raw stream (closing it lets the socket close, as before) behind the deadline.
        raw = self.fp.detach()
        self.fp = io.BufferedReader(_DeadlineReader(raw, sock, deadline))


def _checked_socket(
    address: tuple[str, int],
    timeout: Any = None,
    source_address: tuple[str, int] | None = None,
    *,
    deadline: _Deadline,
) -> socket.socket:
    """socket.create_connection's part in http.client, made to the checked addresses
    and given no longer than the deadline leaves."""
    host, port = address
    timeout = timeout if isinstance(timeout, int | float) else None
    return _connect_to_checked(host, port, deadline.bounded(timeout), source_address)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """http.client's connection, but connected to the address that was checked, and
    over by the deadline."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # http.client opens its socket through this attribute (set in its __init__);
        # the rest of connect() is kept: TCP_NODELAY and, for https, the TLS handshake
        # with SNI and the certificate checked against self.host, the host name.
        self._create_connection = functools.partial(_checked_socket, deadline=deadline)
        self.response_class = functools.partial(  # type: ignore[assignment]
            _DeadlineResponse, deadline=deadline
        )


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(_checked_socket, deadline=deadline)
        self.response_class = functools.partial(  # type: ignore[assignment]
            _DeadlineResponse, deadline=deadline
        )


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> HTTPResponse:
        return self.do_open(functools.partial(_PinnedHTTPConnection, deadline=self.deadline), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> HTTPResponse:
        connection = functools.partial(_PinnedHTTPSConnection, deadline=self.deadline)
        return self.do_open(connection, req, context=tls_context())


def tls_context() -> ssl.SSLContext:
    """Certificates checked against the system's authorities and the host name."""
    return ssl.create_default_context()


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        # Only http(s); the new host's addresses are checked as its connection is made.
        _check_scheme(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    """Only what a feed needs: no proxy, no file:, ftp: or data: handlers."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PinnedHTTPHandler(deadline),
        _PinnedHTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        _CheckedRedirects(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def size_in_words(size: int) -> str:
    """A size limit as its owner would say it, never rounded up (a feed over the limit
    is always "larger than" what this says): 5 MB, 1.5 MB, 200 KB, 900 bytes."""
    if size >= 1_000_000:
        return f"{size // 100_000 / 10:g} MB"
    if size >= 1_000:
        return f"{size // 1_000} KB"
    return f"{size} bytes"


def _declared_length(response: Any) -> int | None:
    """The body's length as Content-Length gives it, when it frames the body.

    urllib does not decompress (and no Accept-Encoding is sent), so what is read is
    what Content-Length counts, compressed or not. A chunked body has its own framing
    (http.client then ignores Content-Length, and raises IncompleteRead if cut)."""
    if "chunked" in (response.headers.get("Transfer-Encoding", "") or "").lower():
        return None
    try:
        length = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return length if length >= 0 else None


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET a feed, or learn it has not changed. Raises FetchError with a plain reason."""
    _check_scheme(url)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    limit: int = settings.FEEDS_MAX_BYTES
    # The whole fetch, and each connection and read in it, within FEEDS_TIMEOUT_SECONDS.
    seconds = settings.FEEDS_TIMEOUT_SECONDS
    deadline = _Deadline(seconds)
    try:
        response: Any = _opener(deadline).open(request, timeout=seconds)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(not_modified=True, etag=etag, last_modified=last_modified)
        raise FetchError(f"The calendar's server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, FetchError):
            raise reason from None
        if isinstance(reason, TimeoutError):
            raise FetchError(TOO_SLOW_TO_ANSWER) from None
        raise FetchError(f"The calendar could not be reached: {reason}") from None
    except TimeoutError:
        raise FetchError(TOO_SLOW_TO_ANSWER) from None
    except FetchError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise FetchError(f"The calendar could not be reached: {error}") from None
    with response:
        assert isinstance(response, HTTPResponse) or hasattr(response, "read")
        try:
            content = response.read(limit + 1)
        except TimeoutError:
            raise FetchError(TOO_SLOW_TO_SEND) from None
        except http.client.IncompleteRead:
            # A chunked body cut short (http.client raises it for a chunk; for a body
            # framed by Content-Length it hands back what came: see below).
            raise FetchError(CUT_SHORT) from None
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"The feed stopped arriving: {error}") from None
        if len(content) > limit:
            raise FetchError(
                f"The feed is larger than {size_in_words(limit)}; ask for a shorter calendar"
            )
        declared = _declared_length(response)
        if declared is not None and len(content) < declared:
            raise FetchError(CUT_SHORT)
        return Fetched(
            not_modified=False,
            content=content,
            etag=response.headers.get("ETag", "") or "",
            last_modified=response.headers.get("Last-Modified", "") or "",
        )
