"""Inviting a partner lead names the organisation they will lead (or a new one), and
accepting the invitation makes them its lead.

Accounts sits below the directory and must not import it, so the directory plugs in
through accounts' hook (accounts.invitations): it registers the question the invite
form asks for the partner lead role (its answer stored as plain data on the
invitation: an organisation's public id, or a new organisation's name) and listens
for `invitation_accepted` to act on it, in the transaction that accepts.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.invitations import (
    InvitationQuestion,
    invitation_accepted,
    register_question,
)
from inspiring.accounts.models import Invitation, Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area

from .models import Organisation

NEW = "new"


def _fields(area: Area) -> dict[str, forms.Field]:
    existing = Organisation.objects.filter(home_area=area).order_by("name")
    return {
        "organisation": forms.ChoiceField(
            label="Which organisation will they lead?",
            choices=[
                ("", "Choose an organisation"),
                *((str(o.public_id), o.name) for o in existing.only("public_id", "name")),
                (NEW, "A new organisation, not listed yet"),
            ],
            error_messages={
                "invalid_choice": "Choose an organisation from the list, or add a new one"
            },
        ),
        "new_organisation": forms.CharField(
            label="Name of the new organisation",
            help_text="Only if it is not listed. It is added to the directory when they "
            "accept, for them to fill in.",
            max_length=200,
        ),
    }


def _clean(data: dict[str, Any], area: Area) -> dict[str, Any]:
    chosen = data.get("organisation") or ""
    name = " ".join((data.get("new_organisation") or "").split())
    if chosen == NEW or (not chosen and name):
        if not name:
            raise forms.ValidationError(
                {"new_organisation": "Enter the name of the new organisation"}
            )
        if Organisation.objects.filter(home_area=area, name__iexact=name).exists():
            raise forms.ValidationError(
                {"new_organisation": f"{name} is already listed: choose it from the list"}
            )
        return {"organisation_name": name}
    if not chosen:
        raise forms.ValidationError(
            {"organisation": "Choose the organisation they will lead, or add a new one"}
        )
    return {"organisation": chosen}


def _describe(extra: dict[str, Any], area: Area) -> str:
    if extra.get("organisation"):
        try:
            public_id = uuid.UUID(str(extra["organisation"]))
        except ValueError:
            return ""
        organisation = Organisation.objects.filter(home_area=area, public_id=public_id).first()
        return f"for {organisation.name}" if organisation else ""
    name = str(extra.get("organisation_name") or "").strip()
    return f"for {name}" if name else ""


PARTNER_LEAD_ORGANISATION = InvitationQuestion(
    roles=frozenset({Role.PARTNER_LEAD}), fields=_fields, clean=_clean, describe=_describe
)


def _organisation_for(invitation: Invitation, request: HttpRequest | None, user: User) -> Any:
    extra = invitation.extra or {}
    area = invitation.area
    if extra.get("organisation"):
        try:
            public_id = uuid.UUID(str(extra["organisation"]))
        except ValueError:
            return None
        # Gone since (or never of this area): the membership stands, with no organisation.
        return Organisation.objects.filter(home_area=area, public_id=public_id).first()
    name = str(extra.get("organisation_name") or "").strip()
    if not name:
        return None
    # Added meanwhile (another invitation, or by the coordinator): lead that one.
    organisation = Organisation.objects.filter(home_area=area, name__iexact=name).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            home_area=area, name=name[:200], kind=Organisation.Kind.COMMUNITY_GROUP
        )
        audit.record(request, "organisation.created", organisation, area=area, actor=user)
    return organisation


def make_lead_on_acceptance(
    sender: Any,
    *,
    invitation: Invitation,
    membership: Membership,
    user: User,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    if membership.role != Role.PARTNER_LEAD:
        return
    organisation = _organisation_for(invitation, request, user)
    if organisation is None:
        return
    organisation.leads.add(user)
    audit.record(
        request,
        "organisation.lead_added",
        organisation,
        area=invitation.area,
        actor=user,
        detail={"lead": user.email, "by": "invitation"},
    )


def connect() -> None:
    """Called once from DirectoryConfig.ready()."""
    register_question(PARTNER_LEAD_ORGANISATION)
    invitation_accepted.connect(make_lead_on_acceptance, dispatch_uid="directory.make_lead")
    audit.register_actions(
        {"organisation.lead_added": "Made someone a lead of a partner organisation"}
    )
