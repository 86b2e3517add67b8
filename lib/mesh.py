"""MESH, the NHS's message exchange: sending a document to a GP practice's mailbox, and
collecting what others send to ours. A small typed wrapper over NHS England's
`mesh_client` (its MeshClient), shaped like lib/senders.py: plain functions taking a
`MeshMailbox`, raising `MeshError` (permanent / uncertain, as `SendFailed`).

Configuration comes from the environment through settings, never from the database:

- MESH_URL: the MESH server. NHS England's sandbox in development and tests (e.g.
  http://127.0.0.1:8700, `mesh-sandbox`), a real endpoint only when set to one:
  https://msg.intspineservices.nhs.uk (integration), https://mesh-sync.spineservices.nhs.uk
  (live). A known NHS endpoint brings its own CA bundle (mesh_client's); any other
  address counts as a sandbox (`MeshMailbox.is_sandbox`).
- MESH_MAILBOX_ID, MESH_PASSWORD: the site's mailbox, used by every area without one.
- MESH_SHARED_KEY: the environment's shared secret for the NHSMESH auth token (one per
  MESH environment, so site-wide).
- MESH_CLIENT_CERT, MESH_CLIENT_KEY: paths to the TLS client certificate and its key
  (PEM). A real endpoint requires them (mutual TLS); the sandbox on plain HTTP does not.
- MESH_CA_CERT: a CA bundle to verify the server by (a sandbox with its own
  certificate); verification is never turned off.
- MESH_TIMEOUT: seconds to wait for MESH to connect or answer (default 30).
- One mailbox per area, optionally: MESH_MAILBOX_ID__<AREA> and MESH_PASSWORD__<AREA>,
  with MESH_CLIENT_CERT__<AREA> and MESH_CLIENT_KEY__<AREA> where that mailbox has its
  own certificate (MESH issues one per mailbox; the site's otherwise). <AREA> is the
  area's slug upper-cased with each run of characters other than letters and digits
  as one underscore: "mid-notts" -> MESH_MAILBOX_ID__MID_NOTTS (`area_key`).

A mailbox id without its password, a password without its mailbox id, any mailbox
without MESH_URL and MESH_SHARED_KEY, or a real endpoint without a client certificate
stops the site at start-up (ImproperlyConfigured): `area_mailboxes_from_environ` and
`check_settings`, called by config/settings.py.

Each call opens its own short-lived client (an HTTPS session) and closes it: MESH's
handshake (`handshake`) is a check of the credentials, asked for no more than daily,
not needed before each call. GETs and acknowledgements are retried twice by
mesh_client on a dropped connection or a 429/5xx; the first POST of a message never
is (it could send the message twice), so a send is tried once and its failure told
apart: refused (permanent), not sent (retry later), or not known (a timeout or a
dropped connection after the message went: it may have arrived; never resent blind).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from mesh_client import MeshClient

logger = logging.getLogger(__name__)

APPLICATION_NAME = "inspiring"
DEFAULT_TIMEOUT = 30.0


class MeshError(Exception):
    """A MESH call did not work; str(error) says so in words for the person using the site.

    `permanent`: MESH refused it (our credentials, an unknown recipient, a malformed
    message): trying again unchanged would fail again. `uncertain`: a message was
    handed over and no answer came, so it may have arrived (sending it again could
    send it twice). Neither: MESH could not be reached or was unwell; try again later.
    """

    def __init__(self, message: str, *, permanent: bool = False, uncertain: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain


@dataclass(frozen=True)
class MeshMailbox:
    """One of our MESH mailboxes and how to reach it (a repr without the secrets)."""

    url: str
    mailbox_id: str
    password: str = field(repr=False)
    shared_key: str = field(repr=False)
    client_cert: str | None = None
    client_key: str | None = None
    ca_cert: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def is_sandbox(self) -> bool:
        """Not one of NHS England's own MESH endpoints (integration, deployment, live)."""
        return not is_nhs_endpoint(self.url)


def is_nhs_endpoint(url: str) -> bool:
    from mesh_client import try_get_endpoint_from_url

    return try_get_endpoint_from_url(url) is not None


# --- Configuration ------------------------------------------------------------


def area_key(area_slug: str) -> str:
    """The suffix of an area's MESH_* variables: "mid-notts" -> "MID_NOTTS"."""
    return re.sub(r"[^A-Z0-9]+", "_", area_slug.upper()).strip("_")


_AREA_VARIABLE = re.compile(r"^MESH_(MAILBOX_ID|PASSWORD|CLIENT_CERT|CLIENT_KEY)__([A-Z0-9_]+)$")
_AREA_FIELDS = {
    "MAILBOX_ID": "mailbox_id",
    "PASSWORD": "password",
    "CLIENT_CERT": "client_cert",
    "CLIENT_KEY": "client_key",
}


def area_mailboxes_from_environ(
    environ: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """The areas' own mailboxes from MESH_<FIELD>__<AREA> variables (of os.environ by
    default): {AREA: {"mailbox_id", "password", and "client_cert", "client_key" where
    given}}. Each must be whole."""
    if environ is None:
        environ = os.environ
    areas: dict[str, dict[str, str]] = {}
    for name, raw in environ.items():
        match = _AREA_VARIABLE.match(name)
        if match and raw.strip():
            areas.setdefault(match.group(2), {})[_AREA_FIELDS[match.group(1)]] = raw.strip()
    for key, values in sorted(areas.items()):
        for needed in ("mailbox_id", "password"):
            if needed not in values:
                variable = "MESH_MAILBOX_ID" if needed == "mailbox_id" else "MESH_PASSWORD"
                raise ImproperlyConfigured(
                    f"The MESH mailbox for area {key} needs {variable}__{key} as well."
                )
        if ("client_cert" in values) != ("client_key" in values):
            raise ImproperlyConfigured(
                f"MESH_CLIENT_CERT__{key} and MESH_CLIENT_KEY__{key} go together: set both."
            )
    return areas


def check_settings(
    *,
    url: str,
    mailbox_id: str,
    password: str,
    shared_key: str,
    client_cert: str,
    client_key: str,
    areas: Mapping[str, Mapping[str, str]],
) -> None:
    """Refuse, at start-up, a MESH configuration that could not work."""
    if bool(mailbox_id) != bool(password):
        raise ImproperlyConfigured("MESH_MAILBOX_ID and MESH_PASSWORD go together: set both.")
    if bool(client_cert) != bool(client_key):
        raise ImproperlyConfigured("MESH_CLIENT_CERT and MESH_CLIENT_KEY go together: set both.")
    if not (mailbox_id or areas):
        return
    if not url:
        raise ImproperlyConfigured(
            "A MESH mailbox is set but not MESH_URL: the sandbox's address in development "
            "(e.g. http://127.0.0.1:8700), NHS England's endpoint in production."
        )
    if not shared_key:
        raise ImproperlyConfigured("A MESH mailbox is set but not MESH_SHARED_KEY.")
    if is_nhs_endpoint(url):
        if not url.startswith("https://"):
            raise ImproperlyConfigured("MESH_URL must be https:// for NHS England's endpoints.")
        needing = ([""] if mailbox_id else []) + [
            f"__{key}" for key, area in sorted(areas.items()) if not area.get("client_cert")
        ]
        if needing and not client_cert:
            raise ImproperlyConfigured(
                f"{url} needs each mailbox's TLS client certificate: set MESH_CLIENT_CERT"
                f"{needing[0]} and MESH_CLIENT_KEY{needing[0]}."
            )


def mailbox_for(area_slug: str | None) -> MeshMailbox | None:
    """The mailbox an area sends and receives through: its own (MESH_MAILBOX_ID__<AREA>)
    or else the site's (MESH_MAILBOX_ID); None where MESH is not configured."""
    url: str = getattr(settings, "MESH_URL", "")
    shared_key: str = getattr(settings, "MESH_SHARED_KEY", "")
    areas: Mapping[str, Mapping[str, str]] = getattr(settings, "MESH_AREA_MAILBOXES", {})
    own = areas.get(area_key(area_slug)) if area_slug else None
    mailbox_id: str = own["mailbox_id"] if own else getattr(settings, "MESH_MAILBOX_ID", "")
    password: str = own["password"] if own else getattr(settings, "MESH_PASSWORD", "")
    if not (url and mailbox_id and password and shared_key):
        return None
    if own and own.get("client_cert"):
        client_cert, client_key = own["client_cert"], own.get("client_key", "")
    else:
        client_cert = getattr(settings, "MESH_CLIENT_CERT", "")
        client_key = getattr(settings, "MESH_CLIENT_KEY", "")
    return MeshMailbox(
        url=url,
        mailbox_id=mailbox_id,
        password=password,
        shared_key=shared_key,
        client_cert=client_cert or None,
        client_key=client_key or None,
        ca_cert=getattr(settings, "MESH_CA_CERT", "") or None,
        timeout=float(getattr(settings, "MESH_TIMEOUT", DEFAULT_TIMEOUT)),
    )


# --- Calls ---------------------------------------------------------------------


@dataclass(frozen=True)
class InboundMessage:
    """A message from our inbox, read whole. A "REPORT" (message_type) is MESH telling
    us about one of ours: `linked_message_id` names it, `status_description` says why
    (e.g. not collected in time)."""

    message_id: str
    sender: str
    workflow_id: str
    local_id: str
    subject: str
    filename: str
    content_type: str
    payload: bytes = field(repr=False)
    message_type: str = "DATA"
    linked_message_id: str = ""
    status_description: str = ""


class TrackingState(StrEnum):
    ACCEPTED = "accepted"  # in the recipient's inbox, not yet collected
    ACKNOWLEDGED = "acknowledged"  # the recipient collected it
    UNDELIVERABLE = "undeliverable"  # MESH gave up on it (not collected in time, ...)
    UNKNOWN = "unknown"  # MESH has no record of it for this mailbox, or a status not known


@dataclass(frozen=True)
class Tracking:
    message_id: str
    state: TrackingState
    reason: str = ""
    recipient: str = ""


@contextlib.contextmanager
def _client(mailbox: MeshMailbox) -> Iterator[MeshClient]:
    from mesh_client import MeshClient

    if bool(mailbox.client_cert) != bool(mailbox.client_key):
        raise ImproperlyConfigured("A MESH client certificate needs its key too.")
    cert = (mailbox.client_cert, mailbox.client_key) if mailbox.client_cert else None
    client = MeshClient(
        mailbox.url,
        mailbox.mailbox_id,
        mailbox.password,
        # Always ours: mesh_client would fall back to $MESH_CLIENT_SHARED_KEY or a default.
        shared_key=mailbox.shared_key.encode(),
        cert=cert,  # type: ignore[arg-type]
        verify=mailbox.ca_cert,  # None: the endpoint's own bundle, or the system's
        max_retries=2,
        timeout=mailbox.timeout,
        application_name=APPLICATION_NAME,
    )
    with client:
        yield client


def _caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether `error`, or anything it wraps (requests wraps urllib3 wraps socket), is
    one of `kinds`."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kinds):
            return True
        pending.extend(current.args)
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
    return False


NOT_REACHED = "MESH could not be reached. It will be tried again in a few minutes."
UNCONFIRMED = (
    "MESH did not confirm it had taken the message, so it may or may not have gone. It "
    "will not be sent again until someone checks."
)
REFUSED_CREDENTIALS = (
    "MESH did not accept the site's mailbox credentials. Ask whoever runs the site to check "
    "the MESH settings."
)


def _refused(action: str, status: int, sending: bool) -> NoReturn:
    """MESH answered with an HTTP error status (0: one not known)."""
    logger.warning("MESH answered %s to %s", status or "an error", action)
    if status in (401, 403):
        raise MeshError(REFUSED_CREDENTIALS, permanent=True) from None
    if 400 <= status < 500 and status not in (408, 425, 429):
        raise MeshError(f"MESH refused to {action} ({status}).", permanent=True) from None
    if sending and status not in (408, 425, 429, 503):
        # A server error (a gateway's timeout, say) once the message went: it may have
        # been stored. 429 and 503 say it was not taken.
        raise MeshError(UNCONFIRMED, uncertain=True) from None
    raise MeshError(f"MESH could not {action} just now ({status}). {NOT_REACHED}") from None


@contextlib.contextmanager
def _errors(action: str, *, sending: bool = False) -> Iterator[None]:
    """Turn what mesh_client and requests raise into MeshError. `sending`: the first
    POST of a message, after which a lost answer leaves it not known whether it went."""
    import mesh_client
    import requests
    import urllib3.exceptions as urllib3_errors

    try:
        yield
    except mesh_client.MeshError as error:
        # MESH answered a send with an error body (mesh_client reads it for 403 and 4xx):
        # refused credentials, an unregistered recipient, a malformed message.
        logger.warning("MESH refused to %s: %s", action, error.args)
        reason = str(error.args[0]) if error.args else ""
        if "auth" in reason.lower() or "mailbox" in reason.lower():
            raise MeshError(REFUSED_CREDENTIALS, permanent=True) from None
        raise MeshError(f"MESH did not accept the message: {reason}", permanent=True) from None
    except requests.HTTPError as error:
        _refused(action, error.response.status_code if error.response is not None else 0, sending)
    except urllib3_errors.ResponseError as error:
        # mesh_client's retry, refusing to retry a message's first POST, on a 429 or 5xx.
        status = re.search(r"\b([1-5]\d\d)\b", str(error))
        _refused(action, int(status.group(1)) if status else 0, sending)
    except requests.ConnectTimeout as error:
        logger.warning("MESH did not answer the connection to %s: %s", action, error)
        raise MeshError(NOT_REACHED) from None
    except (requests.RequestException, urllib3_errors.HTTPError, OSError) as error:
        # (For the first POST of a message mesh_client lets urllib3's own errors through.)
        # Never connected (refused, no route, a name not found, no answer to connecting):
        # not sent.
        never_went = (
            urllib3_errors.NewConnectionError,
            urllib3_errors.ConnectTimeoutError,
            urllib3_errors.NameResolutionError,
            ConnectionRefusedError,
        )
        if not sending or _caused_by(error, never_went):
            logger.warning("MESH could not be reached to %s: %s", action, error)
            raise MeshError(NOT_REACHED) from None
        # A timeout waiting for the answer, or the connection lost, once the message
        # was going: MESH may have it.
        logger.warning("MESH did not confirm a message: %s", error)
        raise MeshError(UNCONFIRMED, uncertain=True) from None
    except ValueError as error:  # an answer that is not MESH's JSON (a proxy's page)
        logger.warning("MESH gave an answer that could not be read to %s: %s", action, error)
        raise MeshError("MESH gave an answer that could not be read.", uncertain=sending) from None


def handshake(mailbox: MeshMailbox) -> None:
    """Check MESH answers and takes the mailbox's credentials (MESH asks for this at
    most daily, e.g. from a health check)."""
    with _errors("check the mailbox"), _client(mailbox) as client:
        client.handshake()


def send(
    mailbox: MeshMailbox,
    to_mailbox: str,
    workflow_id: str,
    payload: bytes,
    *,
    subject: str = "",
    local_id: str = "",
    filename: str = "",
    content_type: str = "application/octet-stream",
) -> str:
    """Send `payload` to the mailbox `to_mailbox` under `workflow_id`; MESH's message id.

    `local_id` is ours (e.g. the outbox row's UUID): it travels with the message and
    shows in tracking. Record the intent and commit before calling this."""
    headers: dict[str, Any] = {"workflow_id": workflow_id, "content_type": content_type}
    if subject:
        headers["subject"] = subject
    if local_id:
        headers["local_id"] = local_id
    if filename:
        headers["filename"] = filename
    with _errors("send the message", sending=True), _client(mailbox) as client:
        message_id: str = client.send_message(to_mailbox, payload, **headers)
    return message_id


def lookup(mailbox: MeshMailbox, ods_code: str, workflow_id: str) -> str | None:
    """The mailbox that takes `workflow_id` for the organisation `ods_code` (a GP
    practice), or None where it has none registered."""
    with _errors("look up the practice's mailbox"), _client(mailbox) as client:
        answer = client.lookup_endpoint(ods_code.strip().upper(), workflow_id)
    results = answer.get("results") or []
    if len(results) > 1:
        logger.warning(
            "MESH has %s mailboxes for %s and %s; using the first",
            len(results),
            ods_code,
            workflow_id,
        )
    return results[0]["mailbox_id"] if results else None


def inbox(mailbox: MeshMailbox, *, workflow_id: str | None = None) -> list[str]:
    """The ids of the messages waiting in the mailbox (every page; those of one
    workflow only, if given), oldest first."""
    with _errors("list the inbox"), _client(mailbox) as client:
        return list(client.iterate_message_ids(workflow_filter=workflow_id))


def read(mailbox: MeshMailbox, message_id: str) -> InboundMessage:
    """One message from the inbox, whole (every chunk, decompressed). Reading does not
    acknowledge it: `acknowledge` once it is safely stored."""
    with _errors("read the message"), _client(mailbox) as client:
        message = client.retrieve_message(message_id)
        try:
            payload = message.read()
        finally:
            message.close()
        message_type = (message.message_type or "DATA").upper()
        return InboundMessage(
            message_id=message_id,
            sender=message.sender or "",
            workflow_id=message.workflow_id or "",
            local_id=message.local_id or "",
            subject=message.subject or "",
            filename=message.filename or "",
            content_type=message.content_type or "",
            payload=payload,
            message_type=message_type,
            linked_message_id=str(message.mex_header("linkedmsgid", "") or ""),
            status_description=str(message.mex_header("statusdescription", "") or "")
            if message_type == "REPORT"
            else "",
        )


def acknowledge(mailbox: MeshMailbox, message_id: str) -> None:
    """Tell MESH we have the message: it leaves the inbox, and its sender's tracking
    shows it acknowledged. Acknowledging one already acknowledged is harmless."""
    with _errors("acknowledge the message"), _client(mailbox) as client:
        client.acknowledge_message(message_id)


def track(mailbox: MeshMailbox, message_id: str) -> Tracking:
    """Where a message we sent has got to, by MESH's message id."""
    import requests

    with _errors("track the message"), _client(mailbox) as client:
        try:
            answer = client.track_message(message_id)
        except requests.HTTPError as error:
            if error.response is not None and error.response.status_code == 404:
                # Not ours, or gone (MESH keeps tracking for 30 days).
                return Tracking(message_id, TrackingState.UNKNOWN, "MESH has no record of it.")
            raise
    status = (answer.get("status") or "").strip().lower()
    reason = answer.get("status_description") or answer.get("status_code") or ""
    recipient = answer.get("recipient") or ""
    if status == TrackingState.ACKNOWLEDGED:
        state = TrackingState.ACKNOWLEDGED
    elif status in ("undeliverable", "error") or answer.get("status_success") is False:
        state = TrackingState.UNDELIVERABLE
        reason = reason or "MESH could not deliver it."
    elif status == TrackingState.ACCEPTED:
        state = TrackingState.ACCEPTED
    else:
        state = TrackingState.UNKNOWN
        reason = reason or f"MESH says {status or 'nothing'}."
    return Tracking(message_id, state, str(reason), str(recipient))
