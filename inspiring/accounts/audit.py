"""Writing the audit log: the one helper every app calls for personal data.

    from inspiring.accounts.audit import record

    record(request, "client.viewed", client, area=client.area)
    record(request, "client.changed", client, area=client.area, detail={"fields": [...]})

Every read and every change of a personal record must call `record` (later
apps add their actions with `register_actions`). The entry keeps who (the
signed-in user), what (the action), which object, which area, when and from
where (IP address, browser, path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from lib.http import client_ip, user_agent

from .models import AuditEntry, User

if TYPE_CHECKING:
    from django.http import HttpRequest

    from inspiring.areas.models import Area

# Action code -> what it means, in words a coordinator reads in the trail.
ACTIONS: dict[str, str] = {}


def register_actions(actions: dict[str, str]) -> None:
    """Add an app's audit actions (code -> description). Codes are "noun.verb"."""
    for code, description in actions.items():
        if code in ACTIONS and ACTIONS[code] != description:
            raise ValueError(f"Audit action {code!r} is already registered differently")
        ACTIONS[code] = description


register_actions(
    {
        "auth.signed_in": "Signed in",
        "auth.signed_out": "Signed out",
        "auth.sign_in_failed": "Failed to sign in",
        "auth.locked_out": "Locked out after repeated failed sign-ins",
        "auth.two_factor_set_up": "Set up two-factor authentication",
        "auth.two_factor_verified": "Completed two-factor sign-in",
        "auth.two_factor_failed": "Entered a wrong two-factor code",
        "auth.recovery_code_used": "Signed in with a recovery code",
        "auth.recovery_codes_renewed": "Made new recovery codes",
        "auth.password_changed": "Changed their password",
        "auth.password_reset": "Reset their password from an emailed link",
        "membership.created": "Joined an area",
        "membership.role_changed": "Changed someone's role",
        "membership.removed": "Removed someone from an area",
        "invitation.sent": "Invited someone",
        "invitation.resent": "Sent an invitation again",
        "invitation.revoked": "Withdrew an invitation",
        "invitation.accepted": "Accepted an invitation",
        "area.chosen": "Chose the area to work in",
    }
)


def describe(action: str) -> str:
    return ACTIONS.get(action, action)


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model | None = None,
    *,
    area: Area | None = None,
    actor: User | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log.

    `actor` defaults to the signed-in user of `request`. `detail` must not hold
    secrets (passwords, codes, tokens): it is shown to coordinators.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: register it with register_actions")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    object_type = object_id = object_repr = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(getattr(obj, "public_id", None) or obj.pk)
        object_repr = str(obj)[:200]
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.email if actor else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        area=area,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        path=request.path[:300] if request is not None else "",
        detail=detail or {},
    )
