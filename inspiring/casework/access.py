"""Who may see and change which casework records: the one place this app checks.

- Link workers and coordinators (Capability.MANAGE_CASES) hold the clients of
  the area they work in; nobody sees another area's clients.
- Partner leads see connections to their own organisations' activities, and of
  those only introductions and referrals the client agreed to share, with only
  what was agreed (never a signpost: nothing personal leaves the platform).
- A safeguarding concern is seen only by the area's designated lead and by the
  person who raised it.
- Commissioners, researchers and site administrators see no identifiable data here.
Anything else answers 404, exactly as a record that does not exist. Every read
of a client's record goes through `get_client`, which writes it to the audit log.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, staff_context
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area
from inspiring.directory.access import editable_organisations

from .models import Client, ClientQuerySet, Connection, Referral, SafeguardingConcern


def working_area(request: HttpRequest) -> Area:
    area = staff_context(request).area
    if area is None:  # views are guarded by require_capability, which needs an area
        raise Http404("No working area")
    return area


def can_manage_cases(request: HttpRequest) -> bool:
    return staff_context(request).can(Capability.MANAGE_CASES)


def can_oversee(request: HttpRequest) -> bool:
    return staff_context(request).can(Capability.OVERSEE_CASES)


def clients_for(request: HttpRequest) -> ClientQuerySet:
    if not can_manage_cases(request):
        return Client.objects.none()
    return Client.objects.in_area(working_area(request).pk)


def get_client(request: HttpRequest, public_id: uuid.UUID, *, action: str = "") -> Client:
    """One client of the area, its reading audited (as `action`, or "client.viewed")."""
    client = get_object_or_404(
        clients_for(request).select_related("area", "worker"), public_id=public_id
    )
    if action != "none":
        audit.record(request, action or "client.viewed", client, area=client.area)
    return client


def referrals_for(request: HttpRequest) -> QuerySet[Referral]:
    return Referral.objects.filter(client__in=clients_for(request))


def get_referral(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    return get_object_or_404(
        referrals_for(request).select_related("client", "client__area"), public_id=public_id
    )


def connections_for(request: HttpRequest) -> QuerySet[Connection]:
    """Connections the link worker side may change: those of the area's clients."""
    return Connection.objects.filter(client__in=clients_for(request))


def get_connection(request: HttpRequest, public_id: uuid.UUID) -> Connection:
    connection = get_object_or_404(
        connections_for(request).select_related("client", "client__area", "activity"),
        public_id=public_id,
    )
    audit.record(request, "client.viewed", connection.client, area=connection.client.area)
    return connection


def partner_connections(request: HttpRequest) -> QuerySet[Connection]:
    """What a partner lead sees: connections to their activities that the client agreed
    to share (introductions and referrals), from clients of the area they work in."""
    context = staff_context(request)
    if not context.can(Capability.EDIT_OWN_LISTINGS):
        return Connection.objects.none()
    return Connection.objects.filter(
        activity__organisation__in=editable_organisations(request),
        client__area=working_area(request),
        client__erased_at__isnull=True,
        share_consent=True,
    ).exclude(level="signpost")


def concerns_for(request: HttpRequest) -> QuerySet[SafeguardingConcern]:
    user = acting_user(request)
    area = working_area(request)
    visible = Q(raised_by=user)
    if getattr(getattr(area, "safeguarding_lead", None), "user_id", None) == user.pk:
        visible |= Q()
    return SafeguardingConcern.objects.filter(visible, client__area=area)
