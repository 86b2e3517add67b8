"""Who may do what with surveys: the one place the surveys app checks.

Coordinators build, open, close and enter paper returns for their working area's
surveys (RUN_SURVEYS) and see its summary in full. People following areas' results
(VIEW_MONITORING: coordinators and commissioners) and researchers
(ANALYSE_RESEARCH_DATA) see the summaries of every area in scope, with counts under 5
suppressed unless they are that area's coordinator. Responses (the pseudonymous
CSV) are for the area's coordinators and researchers only. Residents answer open surveys,
by the survey's public id, with no sign-in. Anything else answers 404.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.accounts.access import staff_context, working_area
from inspiring.accounts.roles import Capability, Role

from .models import Survey


def surveys_to_run(request: HttpRequest) -> QuerySet[Survey]:
    """The working area's surveys, for its coordinators."""
    return Survey.objects.filter(area=working_area(request))


def get_survey_to_run(request: HttpRequest, public_id: uuid.UUID) -> Survey:
    return get_object_or_404(surveys_to_run(request).select_related("area"), public_id=public_id)


def surveys_to_read(request: HttpRequest) -> QuerySet[Survey]:
    """Every survey whose summary they may see: the working area's if they run surveys
    there, and those of every area in scope for monitoring or research."""
    context = staff_context(request)
    area_ids = {
        area.pk
        for capability in (
            Capability.RUN_SURVEYS,
            Capability.VIEW_MONITORING,
            Capability.ANALYSE_RESEARCH_DATA,
        )
        for area in context.areas_for(capability)
    }
    return Survey.objects.filter(area_id__in=area_ids).exclude(status=Survey.Status.DRAFT)


def get_survey_to_read(request: HttpRequest, public_id: uuid.UUID) -> Survey:
    return get_object_or_404(surveys_to_read(request).select_related("area"), public_id=public_id)


def sees_small_numbers(request: HttpRequest, survey: Survey) -> bool:
    """Only the area's own coordinators see counts under 5 as they are."""
    context = staff_context(request)
    return any(
        m.area_id == survey.area_id and m.role == Role.COORDINATOR for m in context.memberships
    )


def get_survey_for_responses(request: HttpRequest, public_id: uuid.UUID) -> Survey:
    """A survey whose responses they may download: the area's coordinators and its
    researchers. Commissioners (and coordinators of other areas following its results)
    see the summary only: 403. Out of reach altogether: 404, as for the summary."""
    survey = get_survey_to_read(request, public_id)
    if may_read_responses(request, survey):
        return survey
    raise PermissionDenied("Only the area's coordinators and researchers see responses.")


def may_read_responses(request: HttpRequest, survey: Survey) -> bool:
    researching = staff_context(request).areas_for(Capability.ANALYSE_RESEARCH_DATA)
    return sees_small_numbers(request, survey) or any(a.pk == survey.area_id for a in researching)


def get_open_survey(slug: str, public_id: uuid.UUID) -> Survey:
    """An open survey a resident may answer (a draft or closed one answers 404)."""
    return get_object_or_404(
        Survey.objects.select_related("area"),
        area__slug=slug,
        public_id=public_id,
        status=Survey.Status.OPEN,
    )
