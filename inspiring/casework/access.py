"""Who may see and change which casework records: the one place this app checks.

- Link workers and coordinators (Capability.MANAGE_CASES) hold the clients of
  the area they work in; nobody sees another area's clients.
- Partner leads see connections to their own organisations' activities, and of
  those only introductions and referrals the client agreed to share, with only
  what was agreed (never a signpost: nothing personal leaves the platform).
- A safeguarding concern is seen only by the area's designated lead and deputy and
  by the person who raised it (coordinators see how many wait, never what they say).
- Referrals received through MESH that could not be read are seen by the area's
  coordinators (OVERSEE_CASES), with those no area could be told for.
- Commissioners, researchers and site administrators see no identifiable data here.
Anything else answers 404, exactly as a record that does not exist. Every read
of a client's record goes through `get_client`, which writes it to the audit log
(or `get_client_for_change`, for a change whose action writes the entry itself).
Every response built from these records is marked as personal (`mark_personal`),
so it is never stored by a browser or a cache.
"""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, staff_context, working_area
from inspiring.accounts.models import Membership
from inspiring.accounts.privacy import mark_personal
from inspiring.accounts.roles import ROLE_CAPABILITIES, Capability
from inspiring.areas.models import Area
from inspiring.directory.access import editable_organisations
from inspiring.directory.models import Session, SessionQuerySet

from .models import (
    Client,
    ClientQuerySet,
    Connection,
    InboundMessage,
    Referral,
    SafeguardingConcern,
    SafeguardingLead,
)


def can_manage_cases(request: HttpRequest) -> bool:
    return staff_context(request).can(Capability.MANAGE_CASES)


def can_oversee(request: HttpRequest) -> bool:
    return staff_context(request).can(Capability.OVERSEE_CASES)


def clients_for(request: HttpRequest) -> ClientQuerySet:
    mark_personal(request)
    if not can_manage_cases(request):
        return Client.objects.none()
    return Client.objects.in_area(working_area(request).pk)


def _find_client(request: HttpRequest, public_id: uuid.UUID) -> Client:
    return get_object_or_404(
        clients_for(request).select_related("area", "worker"), public_id=public_id
    )


def get_client(
    request: HttpRequest, public_id: uuid.UUID, *, action: str = "client.viewed"
) -> Client:
    """One client of the area, its reading audited (as `action`: a download, say)."""
    client = _find_client(request, public_id)
    audit.record(request, action, client, area=client.area)
    return client


def get_client_for_change(request: HttpRequest, public_id: uuid.UUID) -> Client:
    """One client of the area, for a change whose action writes the audit entry itself
    (taking them onto a caseload, sending their plan), or for reading again what this
    request read and audited already. Anything else uses `get_client`."""
    return _find_client(request, public_id)


def referrals_for(request: HttpRequest) -> QuerySet[Referral]:
    return Referral.objects.filter(client__in=clients_for(request))


def get_referral(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    return get_object_or_404(
        referrals_for(request).select_related("client", "client__area"), public_id=public_id
    )


def inbound_for(request: HttpRequest) -> QuerySet[InboundMessage]:
    """Messages received through MESH, for the area's coordinators: those of the area,
    and those no area could be told for (the site's mailbox; someone must pass them on)."""
    mark_personal(request)
    if not can_oversee(request):
        return InboundMessage.objects.none()
    return InboundMessage.objects.filter(Q(area=working_area(request)) | Q(area__isnull=True))


def get_inbound(
    request: HttpRequest, public_id: uuid.UUID, *, action: str = "mesh.viewed"
) -> InboundMessage:
    """One message received through MESH, its reading audited (as `action`)."""
    inbound = get_object_or_404(
        inbound_for(request).select_related("area", "referral__client", "dealt_with_by"),
        public_id=public_id,
    )
    audit.record(request, action, inbound, area=inbound.area or working_area(request))
    return inbound


def connections_for(request: HttpRequest) -> QuerySet[Connection]:
    """Connections the link worker side may change: those of the area's clients."""
    return Connection.objects.filter(client__in=clients_for(request))


def get_connection(request: HttpRequest, public_id: uuid.UUID) -> Connection:
    connection = get_object_or_404(
        connections_for(request).select_related("client", "client__area", "activity", "booking"),
        public_id=public_id,
    )
    audit.record(request, "client.viewed", connection.client, area=connection.client.area)
    return connection


def partner_connections(request: HttpRequest) -> QuerySet[Connection]:
    """What a partner lead sees: connections to their activities that the client agreed
    to share (introductions and referrals), from clients of the area they work in; never
    one withdrawn as made by mistake."""
    mark_personal(request)
    context = staff_context(request)
    if not context.can(Capability.EDIT_OWN_LISTINGS):
        return Connection.objects.none()
    return (
        Connection.objects.filter(
            activity__organisation__in=editable_organisations(request),
            client__area=working_area(request),
            client__erased_at__isnull=True,
            share_consent=True,
        )
        .exclude(level="signpost")
        .exclude(status=Connection.Status.WITHDRAWN)
    )


def concerns_for(request: HttpRequest) -> QuerySet[SafeguardingConcern]:
    """All the area's concerns for its designated lead and deputy; for anyone else, those
    they raised.
    (Not `Q(raised_by=user) | Q()`: OR with an empty Q is the first Q alone.)"""
    mark_personal(request)
    concerns = SafeguardingConcern.objects.filter(
        client__area=working_area(request), client__erased_at__isnull=True
    )
    if is_safeguarding_lead(request):
        return concerns
    return concerns.filter(raised_by=acting_user(request))


def partner_sessions(request: HttpRequest) -> SessionQuerySet:
    """Sessions whose register a partner lead keeps: those of the organisations they lead."""
    if not staff_context(request).can(Capability.EDIT_OWN_LISTINGS):
        return Session.objects.none()
    return Session.objects.filter(activity__organisation__in=editable_organisations(request))


def get_partner_session(request: HttpRequest, public_id: uuid.UUID) -> Session:
    return get_object_or_404(
        partner_sessions(request).select_related("activity", "activity__organisation"),
        public_id=public_id,
    )


def get_partner_connection(request: HttpRequest, public_id: uuid.UUID) -> Connection:
    return get_object_or_404(
        partner_connections(request).select_related("client", "activity"), public_id=public_id
    )


def group_connections(session: Session) -> QuerySet[Connection]:
    """What a group's one-time emailed register shows (no account, so no request): the
    same as partner_connections gives the organisation's lead, for the session's activity."""
    activity = session.activity
    return Connection.objects.filter(
        activity=activity,
        client__area_id=activity.organisation.home_area_id,
        client__erased_at__isnull=True,
        share_consent=True,
    ).exclude(level="signpost")


# --- Safeguarding and caseload handover -------------------------------------------


def safeguarding_lead(area: Area) -> SafeguardingLead | None:
    """The area's designated lead and deputy (None until a coordinator names them)."""
    return SafeguardingLead.objects.filter(area=area).select_related("user", "deputy").first()


def is_safeguarding_lead(request: HttpRequest) -> bool:
    """Whether the signed-in user is the designated lead or deputy of the area they work
    in (and still holds its clients: someone whose role changed stops seeing the
    concerns). Both read and handle every concern: the deputy covers the lead's absence."""
    area = staff_context(request).area
    if area is None or not can_manage_cases(request):
        return False
    user = acting_user(request)
    return SafeguardingLead.objects.filter(Q(user=user) | Q(deputy=user), area=area).exists()


def safeguarding_unnamed(area: Area, lead: SafeguardingLead | None) -> list[str]:
    """Who is still to be named ("lead", "deputy"): the lead or deputy is missing, or no
    longer holds the area's clients (a role changed, or they left the team)."""
    if lead is None:
        return ["lead", "deputy"]
    holders = set(case_holders(area).filter(user__in=lead.people).values_list("user", flat=True))
    missing = []
    if lead.user_id not in holders:
        missing.append("lead")
    if lead.deputy_id is None or lead.deputy_id not in holders:
        missing.append("deputy")
    return missing


def open_concerns_about(request: HttpRequest, client: Client) -> QuerySet[SafeguardingConcern]:
    """The open concerns about `client` that the signed-in user may open (as
    concerns_for decides): what the flag on the case page links to. Anyone else sees
    no flag."""
    return concerns_for(request).filter(client=client, status=SafeguardingConcern.Status.OPEN)


def waiting_concerns(request: HttpRequest) -> dict[str, int] | None:
    """How many of the area's concerns are open, and how many of those are to be acted on
    today: for the lead and deputy, who read them, and the coordinators, who make sure
    someone does (a count, never what they say). None for anyone else."""
    area = staff_context(request).area
    if area is None or not (can_oversee(request) or is_safeguarding_lead(request)):
        return None
    return SafeguardingConcern.objects.filter(
        client__area=area, client__erased_at__isnull=True, status=SafeguardingConcern.Status.OPEN
    ).aggregate(
        open=Count("pk"), today=Count("pk", filter=Q(urgency=SafeguardingConcern.Urgency.TODAY))
    )


def get_concern(request: HttpRequest, public_id: uuid.UUID) -> SafeguardingConcern:
    """A concern its lead or its raiser may see (anyone else: 404), its reading audited."""
    concern = get_object_or_404(
        concerns_for(request).select_related("client", "client__area", "raised_by", "handled_by"),
        public_id=public_id,
    )
    audit.record(
        request,
        "safeguarding.viewed",
        concern.client,
        area=concern.client.area,
        detail={"concern": str(concern.public_id)},
    )
    return concern


def case_holders(area: Area) -> QuerySet[Membership]:
    """The area's people who may hold clients (link workers and coordinators): those a
    caseload can be handed to, and those who may be named safeguarding lead."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_CASES in caps]
    return Membership.objects.in_area(area).filter(role__in=roles).order_by("user__full_name")
