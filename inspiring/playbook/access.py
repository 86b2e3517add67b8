"""Who may do what in the playbook: the one place the app checks.

- Starting a new area: site administrators only (`can_start_areas`).
- An area's stages and tasks, its resources and training records, and sharing with
  other areas: the working area's coordinators (MANAGE_PLAYBOOK, held in the working
  area; site administrators hold it in the area they work in). Anything of another
  area answers 404.
- Resources are read by every member of the area's team (any role): the area's own
  and those shared with every area, for their audience (`readable_resources`).
  Shared resources are kept by site administrators.
- The scale-up report: anyone with VIEW_MONITORING, for every area of such a
  membership (ADR 0012), small numbers hidden as monitoring decides
  (monitoring.access.reveals).
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.accounts.access import staff_context, working_area
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area

from .models import Resource, ShareProposal, Stage, Task, TrainingRecord

MANAGE = Capability.MANAGE_PLAYBOOK


def can_start_areas(request: HttpRequest) -> bool:
    return staff_context(request).is_site_admin


def playbook_area(request: HttpRequest) -> Area:
    """The working area (views are guarded by require_capability(MANAGE))."""
    return working_area(request)


def stages_for(request: HttpRequest) -> QuerySet[Stage]:
    return Stage.objects.filter(area=playbook_area(request))


def get_stage(request: HttpRequest, code: str) -> Stage:
    return get_object_or_404(stages_for(request), code=code)


def tasks_for(request: HttpRequest) -> QuerySet[Task]:
    return Task.objects.filter(stage__area=playbook_area(request))


def get_task(request: HttpRequest, public_id: uuid.UUID) -> Task:
    return get_object_or_404(tasks_for(request).select_related("stage"), public_id=public_id)


def readable_resources(request: HttpRequest) -> QuerySet[Resource]:
    """The working area's resources and the shared ones (anyone in the area's team)."""
    area = staff_context(request).area
    if area is None:
        raise Http404("No working area")
    return Resource.objects.filter(Q(area=area) | Q(area__isnull=True))


def editable_resources(request: HttpRequest) -> QuerySet[Resource]:
    """Coordinators: their area's; site administrators: theirs and the shared ones."""
    context = staff_context(request)
    area = working_area(request)
    if context.is_site_admin:
        return Resource.objects.filter(Q(area=area) | Q(area__isnull=True))
    if context.can(MANAGE):
        return Resource.objects.filter(area=area)
    return Resource.objects.none()


def get_resource(request: HttpRequest, public_id: uuid.UUID, *, edit: bool = False) -> Resource:
    found = editable_resources(request) if edit else readable_resources(request)
    return get_object_or_404(found, public_id=public_id)


def training_records_for(request: HttpRequest) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(area=playbook_area(request))


def get_training_record(request: HttpRequest, public_id: uuid.UUID) -> TrainingRecord:
    return get_object_or_404(training_records_for(request), public_id=public_id)


def proposals_for(request: HttpRequest) -> QuerySet[ShareProposal]:
    """Proposals the working area made or was asked."""
    area = playbook_area(request)
    return ShareProposal.objects.filter(Q(asking=area) | Q(offering=area))


def get_proposal(request: HttpRequest, public_id: uuid.UUID) -> ShareProposal:
    return get_object_or_404(
        proposals_for(request).select_related("asking", "offering"), public_id=public_id
    )


def report_areas(request: HttpRequest) -> list[Area]:
    return sorted(
        staff_context(request).areas_for(Capability.VIEW_MONITORING), key=lambda a: a.name
    )


def chosen_report_areas(request: HttpRequest) -> tuple[list[Area], list[Area]]:
    """(the areas asked for with `?area=slug&area=slug`, or all in scope; every area in
    scope). 404 with none in scope, or for an area out of scope."""
    in_scope = report_areas(request)
    if not in_scope:
        raise Http404("No area to report on")
    by_slug = {area.slug: area for area in in_scope}
    slugs = sorted({slug for slug in request.GET.getlist("area") if slug})
    if any(slug not in by_slug for slug in slugs):
        raise Http404("No such area")
    return ([by_slug[slug] for slug in slugs] if slugs else in_scope), in_scope
