"""Signed invitation links.

The link carries the invitation's public id, signed with the site's secret
key; nothing secret is stored. Whether it can still be used (not accepted,
withdrawn or expired) is the invitation's own state.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Invitation

_SALT = "inspiring.accounts.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.public_id), salt=_SALT)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation", kwargs={"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{path}"


def invitation_from_token(token: str) -> Invitation | None:
    try:
        public_id = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.select_related("area", "invited_by").filter(public_id=public_id).first()
    )
