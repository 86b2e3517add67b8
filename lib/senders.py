"""Sending a message to a person: pluggable, chosen by settings.CASEWORK_SENDER, the
site's sender (the name is older than its other users: casework's outbox, and the
bookings app's reminders).

- "console" (the default): printed to the console, for development. Nothing leaves.
- "email": email through Django's email backend (settings.EMAIL_*), text messages
  printed to the console (Django has no text messaging).
- "notify": GOV.UK Notify, for both, through its HTTP API (settings.NOTIFY_API_KEY,
  NOTIFY_EMAIL_TEMPLATE_ID, NOTIFY_SMS_TEMPLATE_ID).

The Notify templates carry whatever we send in their placeholders, so the wording
stays with the caller: the email template is `((subject))` as its subject and
`((body))` as its message; the text message template is `((body))` alone. (Notify
adds the service's name before a text message unless that is turned off in its
settings: turn it off, or a plan that just fits one message will take two.)

A sender raises SendFailed when the message did not go; the caller records that and
tries it again later (MAX_ATTEMPTS tries in all, RETRY_AFTER apart), unless it may
have gone after all (the service took it and did not answer): that one is "not
known", never sent again blind. Callers record a message as "sending" and commit
before calling a sender: one still "sending" after SENDING_TIMEOUT was interrupted.

Generic transport with no models: casework.actions.messages and bookings.reminders
keep what was sent and how it went.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import smtplib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from lib.actions import ActionRefused

logger = logging.getLogger(__name__)

NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"

# Tries in all, and the wait before each retry (the first try is at once).
MAX_ATTEMPTS = 4
RETRY_AFTER = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=3))
# A message still "sending" after this long was interrupted (the process stopped).
SENDING_TIMEOUT = timedelta(minutes=15)


class SendFailed(ActionRefused):
    """The message did not go; str(error) says so in words for the person sending it.

    `permanent`: the service refused this message (a bad number, say), so trying it
    again unchanged would fail again. `uncertain`: no answer came back in time after
    the message was handed over, so it may have gone (trying again could send it
    twice)."""

    def __init__(self, message: str, *, permanent: bool = False, uncertain: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


class Sender(Protocol):
    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None: ...

    def send_text(self, to: str, body: str) -> None: ...


class ConsoleSender:
    """Development: writes each message to stdout (like Django's console email backend)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(text + "\n" + "-" * 72 + "\n")
        stream.flush()

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        files = "".join(f"\nAttached: {a.filename} ({len(a.content)} bytes)" for a in attachments)
        self._write(f"Email to: {to}\nSubject: {subject}\n\n{body}{files}")

    def send_text(self, to: str, body: str) -> None:
        self._write(f"Text message to: {to}\n\n{body}")


class _NotesHandOver(smtplib.SMTP):
    """smtplib's client, noting when the server says "go ahead" to DATA (354, "start
    mail input"): the message itself goes from then on. Before it (connecting, the
    greeting, EHLO, STARTTLS, logging in, MAIL FROM, RCPT TO, DATA itself) nothing has
    been handed over, whatever goes wrong."""

    handed_over = False

    def getreply(self) -> tuple[int, bytes]:
        code, text = super().getreply()
        if code == 354:
            self.handed_over = True
        return code, text


class _NotesHandOverSSL(_NotesHandOver, smtplib.SMTP_SSL):
    pass


class _SMTPBackend(SMTPBackend):
    """Django's SMTP backend, unchanged but for the client it uses."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _NotesHandOverSSL if self.use_ssl else _NotesHandOver


def _email_connection() -> BaseEmailBackend:
    """The configured email backend; Django's SMTP backend as `_SMTPBackend`, so that a
    failure can be told to have come before or after the message was handed over."""
    connection = get_connection()
    if type(connection) is SMTPBackend:
        return _SMTPBackend()
    return connection


def _may_have_gone(connection: BaseEmailBackend, error: OSError) -> bool:
    """Whether a failure to send may have left the message with the mail server: no
    answer (a timeout, or the connection lost) once the message itself was going. Any
    other backend than Django's SMTP one cannot say when it failed: no answer at all
    may have gone."""
    if not isinstance(error, TimeoutError | smtplib.SMTPServerDisconnected):
        return False  # refused, in so many words: it did not go
    if isinstance(connection, _SMTPBackend) and isinstance(connection.connection, _NotesHandOver):
        return connection.connection.handed_over
    return True


class DjangoEmailSender(ConsoleSender):
    """Email through Django's configured backend; text messages to the console."""

    NOT_SENT = "The email could not be sent. Try again in a few minutes."
    MAY_HAVE_GONE = (
        "The mail server did not confirm it had taken the email, so it may or may not "
        "have gone. Check with them before sending it again."
    )

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        message = EmailMessage(subject=subject, body=body, to=[to])
        for attachment in attachments:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
        # SMTP errors are OSErrors: refused, timed out, unreachable, disconnected.
        connection = _email_connection()
        try:
            # Connecting, the greeting, STARTTLS and logging in: a failure here (a server
            # down, or one that takes the connection and never greets) sent nothing.
            connection.open()
        except OSError as error:
            logger.warning("An email failed to send: %s", error)
            raise SendFailed(self.NOT_SENT) from None
        try:
            connection.send_messages([message])
        except OSError as error:
            logger.warning("An email failed to send: %s", error)
            if _may_have_gone(connection, error):
                raise SendFailed(self.MAY_HAVE_GONE, uncertain=True) from None
            raise SendFailed(self.NOT_SENT) from None
        finally:
            # Once sent, the goodbye (QUIT) going wrong changes nothing.
            with contextlib.suppress(OSError):
                connection.close()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def notify_token(api_key: str, *, now: float | None = None) -> str:
    """The JSON Web Token Notify wants with each request: HS256, `iss` the service id,
    `iat` the time, signed with the key's secret.

    An API key is "{key name}-{service id}-{secret}", both ids being 36-character
    UUIDs. Written here with hmac (it is a few lines) rather than adding PyJWT.
    """
    if len(api_key) < 74:
        raise ImproperlyConfigured("NOTIFY_API_KEY is not a GOV.UK Notify API key.")
    service_id, secret = api_key[-73:-37], api_key[-36:]
    header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    claims = {"iss": service_id, "iat": int(now if now is not None else time.time())}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class NotifySender:
    """GOV.UK Notify: POST /v2/notifications/email and /v2/notifications/sms.

    Attachments are not sent through Notify (it sends files only as download links,
    with a template made for it): the email's body carries the whole letter as text.
    """

    def __init__(
        self,
        api_key: str,
        *,
        email_template_id: str,
        sms_template_id: str,
        base_url: str = NOTIFY_BASE_URL,
        timeout: float = 15,
    ) -> None:
        if not api_key:
            raise ImproperlyConfigured("Set NOTIFY_API_KEY to send through GOV.UK Notify.")
        self.api_key = api_key
        self.email_template_id = email_template_id
        self.sms_template_id = sms_template_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _post(self, path: str, payload: dict[str, object]) -> dict[str, object]:
        request = urllib.request.Request(  # noqa: S310 (an https address we set)
            self.base_url + path,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {notify_token(self.api_key)}",
                "Content-Type": "application/json",
                "User-Agent": "inspiring-casework",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer: dict[str, object] = json.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as error:
            # Notify says what was wrong (a bad number, a trial-mode recipient, ...):
            # the team needs it in the log; the person sending gets plain words.
            logger.warning("GOV.UK Notify refused a message: %s %s", error.code, error.read()[:500])
            # 400 and 403 are about this message or our key; 429 and 5xx pass.
            raise SendFailed(
                "GOV.UK Notify did not accept the message. Check the address or number, "
                "or try again later.",
                permanent=error.code in (400, 403),
            ) from None
        except TimeoutError as error:
            # Sent, and no answer in time: Notify may have accepted it.
            logger.warning("GOV.UK Notify did not answer in time: %s", error)
            raise SendFailed("GOV.UK Notify did not answer in time.", uncertain=True) from None
        except (urllib.error.URLError, OSError) as error:
            logger.warning("GOV.UK Notify could not be reached: %s", error)
            raise SendFailed("The message could not be sent. Try again in a few minutes.") from None

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        self._post(
            "/v2/notifications/email",
            {
                "email_address": to,
                "template_id": self.email_template_id,
                "personalisation": {"subject": subject, "body": body},
            },
        )

    def send_text(self, to: str, body: str) -> None:
        self._post(
            "/v2/notifications/sms",
            {
                "phone_number": to,
                "template_id": self.sms_template_id,
                "personalisation": {"body": body},
            },
        )


def get_sender() -> Sender:
    """The site's sender, as settings.CASEWORK_SENDER names it."""
    choice = getattr(settings, "CASEWORK_SENDER", "console")
    if choice == "email":
        return DjangoEmailSender()
    if choice == "notify":
        return NotifySender(
            getattr(settings, "NOTIFY_API_KEY", ""),
            email_template_id=getattr(settings, "NOTIFY_EMAIL_TEMPLATE_ID", ""),
            sms_template_id=getattr(settings, "NOTIFY_SMS_TEMPLATE_ID", ""),
            # Another address only for a stand-in (tests); the real API otherwise.
            base_url=getattr(settings, "NOTIFY_API_URL", "") or NOTIFY_BASE_URL,
        )
    return ConsoleSender()
