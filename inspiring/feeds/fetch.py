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
- A timeout, a size limit, and conditional GET (If-None-Match and
  If-Modified-Since), so an unchanged feed costs one small request.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
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


class FetchError(Exception):
    """The feed could not be fetched; str(error) says why, for its owner."""


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


def _checked_socket(
    address: tuple[str, int], timeout: Any = None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """socket.create_connection's part in http.client, made to the checked addresses."""
    host, port = address
    return _connect_to_checked(
        host, port, timeout if isinstance(timeout, int | float) else None, source_address
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """http.client's connection, but connected to the address that was checked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # http.client opens its socket through this attribute (set in its __init__);
        # the rest of connect() is kept: TCP_NODELAY and, for https, the TLS handshake
        # with SNI and the certificate checked against self.host, the host name.
        self._create_connection = _checked_socket


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_socket


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> HTTPResponse:
        return self.do_open(_PinnedHTTPConnection, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> HTTPResponse:
        return self.do_open(_PinnedHTTPSConnection, req, context=tls_context())


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


def _opener() -> urllib.request.OpenerDirector:
    """Only what a feed needs: no proxy, no file:, ftp: or data: handlers."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PinnedHTTPHandler(),
        _PinnedHTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _CheckedRedirects(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


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
    try:
        response: Any = _opener().open(request, timeout=settings.FEEDS_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(not_modified=True, etag=etag, last_modified=last_modified)
        raise FetchError(f"The calendar's server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, FetchError):
            raise reason from None
        if isinstance(reason, TimeoutError):
            raise FetchError("The calendar's server took too long to answer") from None
        raise FetchError(f"The calendar could not be reached: {reason}") from None
    except TimeoutError:
        raise FetchError("The calendar's server took too long to answer") from None
    except FetchError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as error:
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
