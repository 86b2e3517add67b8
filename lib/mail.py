"""Sending a notification email, outside any transaction, with the outcome returned."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import BadHeaderError, send_mail
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_notification(to: list[str], subject: str, template: str, context: dict[str, Any]) -> bool:
    """Email the text `template` renders to `to`; False when it could not be sent (logged,
    so the caller can say so: a failure is never lost silently).

    The subject is made one line whatever it holds (a header cannot have newlines).
    Called outside a transaction: a slow mail server must not hold database locks."""
    to = [address for address in to if address]
    if not to:
        return False
    try:
        send_mail(
            subject=" ".join(subject.split()),
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=to,
        )
    except (smtplib.SMTPException, OSError, BadHeaderError) as exc:
        logger.warning("Email %s not sent: %s", template, exc)
        return False
    return True
