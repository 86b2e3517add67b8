"""Background work for accounts, run through Django's tasks API (django-tasks)."""

from __future__ import annotations

import logging
import smtplib

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from .invitations import invitation_url, what_for
from .models import EmailStatus, Invitation

logger = logging.getLogger(__name__)


@task()
def send_invitation_email(invitation_id: int) -> bool:
    """Email an invitation link; does nothing if it was withdrawn or accepted meanwhile.

    The outcome is kept on the invitation, so the team page shows an email that
    could not be sent (with a "send again" button) instead of claiming success.
    """
    invitation = (
        Invitation.objects.select_related("area", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation),
        "what_for": what_for(invitation),
    }
    try:
        send_mail(
            subject=f"You are invited to join {invitation.area.programme_name}",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Invitation %s: email not sent: %s", invitation.public_id, exc)
        Invitation.objects.filter(pk=invitation.pk).update(
            email_status=EmailStatus.FAILED, email_error=str(exc)[:300]
        )
        return False
    Invitation.objects.filter(pk=invitation.pk).update(
        email_status=EmailStatus.SENT, email_error=""
    )
    return True
