"""Sending a message to a person: pluggable, chosen by settings.CASEWORK_SENDER, the
site's sender (the name is older than its other users: casework's outbox, and the
bookings app's reminders).

- "console" (the default): printed to the console, for development. Nothing leaves.
- "email": email through Django's email backend (settings.EMAIL_*), text messages
  printed to the console (Django has no text messaging).
- "notify": GOV.UK Notify, for both, through its official client
  (notifications-python-client; settings.NOTIFY_API_KEY, NOTIFY_EMAIL_TEMPLATE_ID,
  NOTIFY_SMS_TEMPLATE_ID). Sending returns Notify's id for the message; Notify posts a
  delivery receipt for it later (settings.NOTIFY_CALLBACK_TOKEN, casework.views.notify).

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

import contextlib
import copy
import logging
import smtplib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TextIO

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import models
from notifications_python_client.errors import HTTPError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

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
    """Sends one message; returns the service's id for it where it gives one (GOV.UK
    Notify's notification id, which its delivery receipt names), or None."""

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> str | None: ...

    def send_text(self, to: str, body: str) -> str | None: ...


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
    ) -> str | None:
        files = "".join(f"\nAttached: {a.filename} ({len(a.content)} bytes)" for a in attachments)
        self._write(f"Email to: {to}\nSubject: {subject}\n\n{body}{files}")
        return None

    def send_text(self, to: str, body: str) -> str | None:
        self._write(f"Text message to: {to}\n\n{body}")
        return None


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
    ) -> str | None:
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
        return None


class DeliveryStatus(models.TextChoices):
    """What GOV.UK Notify's delivery receipt (its callback) says became of a message it
    took: the statuses it ends on, the same for email and text messages."""

    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Permanent failure"
    TEMPORARY_FAILURE = "temporary-failure", "Temporary failure"
    TECHNICAL_FAILURE = "technical-failure", "Technical failure"


def why_not_delivered(status: str, *, email: bool) -> str:
    """Notify's meaning of a failure, in words for the person who sent it ("" for a
    message delivered, or no receipt yet)."""
    if status == DeliveryStatus.PERMANENT_FAILURE:
        if email:
            return "the email address does not exist, or their email provider refused it"
        return "the phone number does not exist, or their network refused the message"
    if status == DeliveryStatus.TEMPORARY_FAILURE:
        if email:
            return "their inbox was full or their spam filter refused it"
        return "their phone was off or out of signal for too long, or its inbox was full"
    if status == DeliveryStatus.TECHNICAL_FAILURE:
        return "a problem between GOV.UK Notify and the email or phone network"
    return ""


class NotifySender:
    """GOV.UK Notify, through its official client (notifications-python-client), which
    signs each request with the key (a JSON Web Token) and posts to
    /v2/notifications/email and /v2/notifications/sms.

    Each message carries `reference`, our own id for it, and sending returns Notify's id
    for the notification: the delivery receipt Notify later posts back (the callback,
    casework.views.notify) names both, so it finds the message it is about.

    Attachments are not sent through Notify (it sends files only as download links,
    with a template made for it): the email's body carries the whole letter as text.
    """

    NOT_ACCEPTED = (
        "GOV.UK Notify did not accept the message. Check the address or number, or try again later."
    )
    NO_ANSWER = "GOV.UK Notify did not answer in time."
    NOT_REACHED = "The message could not be sent. Try again in a few minutes."

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
        # "{key name}-{service id}-{secret}", both ids 36-character UUIDs: the client
        # slices them from the end, and asserts (not raises) when they are missing.
        if len(api_key) < 74:
            raise ImproperlyConfigured("NOTIFY_API_KEY is not a GOV.UK Notify API key.")
        self.email_template_id = email_template_id
        self.sms_template_id = sms_template_id
        # Our own id for the message, sent with it (see with_reference).
        self.reference = ""
        self.client = NotificationsAPIClient(
            api_key, base_url=base_url.rstrip("/"), timeout=timeout
        )

    def with_reference(self, reference: str) -> NotifySender:
        """This sender, sending with `reference`: our own id for the message, which
        Notify keeps and names in its receipt. No personal data in it (Notify shows it
        in its dashboard)."""
        referenced = copy.copy(self)
        referenced.reference = reference
        return referenced

    def _send(self, send: Callable[[], Any]) -> str | None:
        """Make one request through the client; Notify's id for the notification, or
        SendFailed saying whether to try again (`permanent`, `uncertain`)."""
        try:
            answer = send()
        except InvalidResponse as error:
            # A 2xx whose body is not JSON: Notify took the message; only its id is lost.
            logger.warning("GOV.UK Notify took a message but its answer was unreadable: %s", error)
            return None
        except HTTPError as error:
            cause = error.__cause__
            if error.response is not None:
                # Notify says what was wrong (a bad number, a trial-mode recipient, ...):
                # the team needs it in the log; the person sending gets plain words.
                logger.warning("GOV.UK Notify refused a message: %s", str(error)[:500])
                # 400 and 403 are about this message or our key; 429 and 5xx pass.
                raise SendFailed(
                    self.NOT_ACCEPTED, permanent=error.status_code in (400, 403)
                ) from None
            if isinstance(cause, requests.ReadTimeout) or _body_stopped(cause):
                # Sent, and no answer in time: Notify may have accepted it.
                logger.warning("GOV.UK Notify did not answer in time: %s", cause)
                raise SendFailed(self.NO_ANSWER, uncertain=True) from None
            # Not reached (refused, no route, a connection that timed out): nothing went.
            logger.warning("GOV.UK Notify could not be reached: %s", cause or error)
            raise SendFailed(self.NOT_REACHED) from None
        notification_id = answer.get("id") if isinstance(answer, dict) else None
        return str(notification_id) if notification_id else None

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> str | None:
        return self._send(
            lambda: self.client.send_email_notification(
                email_address=to,
                template_id=self.email_template_id,
                personalisation={"subject": subject, "body": body},
                reference=self.reference or None,
            )
        )

    def send_text(self, to: str, body: str) -> str | None:
        return self._send(
            lambda: self.client.send_sms_notification(
                phone_number=to,
                template_id=self.sms_template_id,
                personalisation={"body": body},
                reference=self.reference or None,
            )
        )


def _body_stopped(error: BaseException | None) -> bool:
    """Whether the answer's status came and its body then stopped coming: requests
    reports that as a ConnectionError around urllib3's ReadTimeoutError, not as a
    ReadTimeout. Notify had the message by then."""
    return isinstance(error, requests.ConnectionError) and any(
        isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in error.args
    )


def with_reference(sender: Sender, reference: str) -> Sender:
    """`sender`, sending with our own id for the message where the service keeps one
    (GOV.UK Notify: its delivery receipt names it); any other sender unchanged."""
    if isinstance(sender, NotifySender):
        return sender.with_reference(reference)
    return sender


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
