"""Who may see which analyses and data sets: one place for the evaluation app.

Analysing spans areas (Capability.ANALYSE_RESEARCH_DATA, held by researchers and
coordinators in every area of such a membership). An analysis is reached only by
someone whose scope covers every area it analyses; any other answers 404, as one that
does not exist. Reports are aggregates of pseudonymous data, but research data all the
same: never cached.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from inspiring.accounts.access import staff_context
from inspiring.accounts.privacy import mark_personal
from inspiring.accounts.roles import Capability, Role, capabilities_for

from .models import Analysis

if TYPE_CHECKING:
    from inspiring.accounts.models import User
    from inspiring.areas.models import Area
    from inspiring.surveys.models import Survey

ANALYSE = Capability.ANALYSE_RESEARCH_DATA
# Who sees a report's small numbers as they are: the area's own coordinators and
# researchers. Anyone else (a report shared more widely) sees cells under 5 hidden.
REVEALING_ROLES = frozenset({Role.COORDINATOR, Role.RESEARCHER})


def research_areas(request: HttpRequest) -> list[Area]:
    return sorted(staff_context(request).areas_for(ANALYSE), key=lambda area: area.name)


def user_research_area_ids(user: User | None) -> set[int]:
    """The areas `user` may analyse now, from their memberships (for the background
    task, which has no request)."""
    if user is None or not user.is_active:
        return set()
    from inspiring.accounts.models import Membership

    return {
        area_id
        for area_id, role in Membership.objects.filter(user=user).values_list("area_id", "role")
        if ANALYSE in capabilities_for(role)
    }


def analyses_for(request: HttpRequest) -> QuerySet[Analysis]:
    """Analyses whose every area is in the person's scope."""
    from inspiring.areas.models import Area

    scope = [area.pk for area in research_areas(request)]
    return (
        Analysis.objects.exclude(areas__in=Area.objects.exclude(pk__in=scope))
        .filter(areas__in=scope)
        .distinct()
    )


def get_analysis(request: HttpRequest, public_id: uuid.UUID) -> Analysis:
    analysis = (
        analyses_for(request)
        .select_related("created_by", "rerun_of")
        .filter(public_id=public_id)
        .first()
    )
    if analysis is None:
        raise Http404("No such analysis")
    mark_personal(request)
    return analysis


def surveys_for(request: HttpRequest) -> QuerySet[Survey]:
    """Surveys of the areas in scope that residents have answered (open or closed)."""
    from inspiring.surveys.models import Survey

    scope = [area.pk for area in research_areas(request)]
    return (
        Survey.objects.filter(area_id__in=scope, status__in=("open", "closed"), is_template=False)
        .select_related("area")
        .order_by("area__name", "-created_at")
    )


def get_survey(request: HttpRequest, public_id: uuid.UUID) -> Survey:
    survey = surveys_for(request).filter(public_id=public_id).first()
    if survey is None:
        raise Http404("No such survey")
    return survey


def get_areas(request: HttpRequest, slugs: list[str]) -> list[Area]:
    """The areas named, every one in scope, or 404."""
    scope = {area.slug: area for area in research_areas(request)}
    if not slugs or any(slug not in scope for slug in slugs):
        raise Http404("No such area")
    return [scope[slug] for slug in sorted(set(slugs))]


def reveals_small_numbers(request: HttpRequest, analysis: Analysis) -> bool:
    """Whether the person sees the report's small counts as they are: a coordinator or
    researcher of every area it covers."""
    roles: dict[int, set[str]] = {}
    for membership in staff_context(request).memberships:
        roles.setdefault(membership.area_id, set()).add(membership.role)
    return all(roles.get(area.pk, set()) & REVEALING_ROLES for area in analysis.areas.all())
