"""Who sees which monitoring figures: the one place the monitoring app checks.

- The area dashboard and the areas side by side: anyone with VIEW_MONITORING (the
  area's coordinators, commissioners and researchers), for every area of such a
  membership (a capability spanning areas, ADR 0012). An area out of scope answers 404.
- Small numbers: only a coordinator of every area on the page sees counts under 5 as
  they are; everyone else (commissioners, researchers, a coordinator looking at another
  area too) sees them hidden, by `tables` and lib.disclosure.
- A partner's impact report: the organisations they may edit (a partner lead's own; a
  coordinator's whole area), always with small numbers hidden: it is made to be
  attached to a funding bid.
- Grants and recorded population figures: the working area's coordinators
  (MANAGE_FUNDING).
Monitoring shows aggregates only, never a person; its pages are not cached all the same.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.accounts.access import staff_context, working_area
from inspiring.accounts.roles import Capability, Role
from inspiring.areas.models import Area
from inspiring.directory.access import editable_organisations
from inspiring.directory.models import Organisation

from .models import Grant

VIEW = Capability.VIEW_MONITORING


def monitoring_areas(request: HttpRequest) -> list[Area]:
    return sorted(staff_context(request).areas_for(VIEW), key=lambda area: area.name)


def get_areas(request: HttpRequest, slugs: list[str]) -> list[Area]:
    """The areas named (every one in scope), or all in scope when none is named; 404 for
    any other."""
    scope = {area.slug: area for area in monitoring_areas(request)}
    if not scope:
        raise Http404("No area to monitor")
    if not slugs:
        return list(scope.values())
    if any(slug not in scope for slug in slugs):
        raise Http404("No such area")
    return [scope[slug] for slug in sorted(set(slugs))]


def default_area(request: HttpRequest) -> Area:
    """The working area when it is in scope, else the first in scope by name."""
    areas = monitoring_areas(request)
    if not areas:
        raise Http404("No area to monitor")
    chosen = staff_context(request).area
    return next((area for area in areas if chosen is not None and area.pk == chosen.pk), areas[0])


def reveals(request: HttpRequest, areas: list[Area]) -> bool:
    """Whether they see counts under 5 as they are: a coordinator of every area shown."""
    coordinating = {
        m.area_id for m in staff_context(request).memberships if m.role == Role.COORDINATOR
    }
    return bool(areas) and all(area.pk in coordinating for area in areas)


def partner_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    return editable_organisations(request).order_by("name")


def get_partner(request: HttpRequest, public_id: uuid.UUID) -> Organisation:
    return get_object_or_404(
        partner_organisations(request).select_related("home_area"), public_id=public_id
    )


def grants_for(request: HttpRequest) -> QuerySet[Grant]:
    return Grant.objects.filter(area=working_area(request))


def get_grant(request: HttpRequest, public_id: uuid.UUID) -> Grant:
    return get_object_or_404(grants_for(request).select_related("area"), public_id=public_id)
