"""Signed invitation links.

The link carries the invitation's public id, signed with the site's secret
key; nothing secret is stored. Whether it can still be used (not accepted,
withdrawn or expired) is the invitation's own state.

Also the hook through which apps above accounts add their questions to an
invitation and act when it is accepted (InvitationQuestion, invitation_accepted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.dispatch import Signal
from django.urls import reverse

from inspiring.areas.models import Area

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


# --- Questions other apps add to the invitation ------------------------------------
#
# Accounts sits below the apps that know what a role works on (a partner lead leads an
# organisation, which is the directory's). So an app above registers a question for
# the roles it concerns; the invite form asks it, stores the answer as plain JSON in
# Invitation.extra without reading it, and sends `invitation_accepted` when the
# invitation is accepted, for the app to act on its answer.


@dataclass(frozen=True)
class InvitationQuestion:
    """Questions an app asks on the invite form when one of `roles` is chosen.

    `fields(area)` gives the form fields (their names must be unique across apps);
    `clean(cleaned_data, area)` checks the answers for the chosen role and returns the
    plain data to store (a dict merged into Invitation.extra), or raises
    ValidationError with a dict of {field: message}; `describe(extra, area)` says the
    stored answer in words for the invitation email and page ("for Skegby Knit and
    Natter"), or ""."""

    roles: frozenset[str]
    fields: Callable[[Area], dict[str, forms.Field]]
    clean: Callable[[dict[str, Any], Area], dict[str, Any]]
    describe: Callable[[dict[str, Any], Area], str] | None = None


QUESTIONS: list[InvitationQuestion] = []


def register_question(question: InvitationQuestion) -> None:
    if question not in QUESTIONS:
        QUESTIONS.append(question)


def what_for(invitation: Invitation) -> str:
    """What the role is for, in words, from the answers apps stored ("for Skegby Knit
    and Natter"): shown in the invitation email and on the page that accepts it."""
    parts = [
        question.describe(invitation.extra or {}, invitation.area)
        for question in QUESTIONS
        if question.describe is not None and invitation.role in question.roles
    ]
    return " ".join(part for part in parts if part)


# Sent inside the transaction that accepts the invitation (after the membership is
# created), so what a receiver does is committed with it or not at all.
# Arguments: invitation, membership, user, request.
invitation_accepted = Signal()
