"""Background work for accounts, run through Django's tasks API (django-tasks)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from .invitations import invitation_url
from .models import Invitation


@task()
def send_invitation_email(invitation_id: int) -> bool:
    """Email an invitation link; does nothing if it was withdrawn or accepted meanwhile."""
    invitation = (
        Invitation.objects.select_related("area", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    context = {"invitation": invitation, "url": invitation_url(invitation)}
    send_mail(
        subject=f"You are invited to join {invitation.area.programme_name}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True
