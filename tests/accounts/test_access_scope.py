"""Which areas a capability reaches, decided in one place (StaffContext.areas_for), and
one failure mode for "no working area": 404, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from inspiring.accounts.access import (
    SESSION_AREA_KEY,
    StaffContext,
    require_capability,
    working_area,
)
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area
from inspiring.casework.access import clients_for
from inspiring.directory.access import editable_organisations
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def _request(user: User, area: Area | None = None) -> HttpRequest:
    request = RequestFactory().get("/staff/")
    request.user = user
    request.session = SessionStore()
    if area is not None:
        request.session[SESSION_AREA_KEY] = area.pk
    return request


def _names(areas: list[Area]) -> list[str]:
    return sorted(area.name for area in areas)


def test_a_commissioner_follows_all_their_areas_at_once_without_choosing(
    personas: Personas,
) -> None:
    context = StaffContext(_request(personas.commissioner))
    assert context.needs_area_choice  # three areas, none chosen
    assert _names(context.areas_for(Capability.VIEW_MONITORING)) == [
        "Ashfield",
        "Mansfield",
        "Newark and Sherwood",
    ]
    assert context.can(Capability.VIEW_MONITORING)
    # Nothing identifiable, in any area.
    for capability in (Capability.MANAGE_CASES, Capability.ANALYSE_RESEARCH_DATA):
        assert context.areas_for(capability) == [] and not context.can(capability)
    # Choosing an area does not narrow what spans areas.
    chosen = StaffContext(_request(personas.commissioner, personas.newark))
    assert len(chosen.areas_for(Capability.VIEW_MONITORING)) == 3


def test_a_researcher_reaches_the_areas_granted_and_no_other(personas: Personas) -> None:
    context = StaffContext(_request(personas.researcher))
    assert _names(context.areas_for(Capability.ANALYSE_RESEARCH_DATA)) == [
        "Ashfield",
        "Mansfield",
    ]
    # Monitoring's figures, as commissioners see them (issue 17): the same areas.
    assert _names(context.areas_for(Capability.VIEW_MONITORING)) == ["Ashfield", "Mansfield"]


def test_everything_else_is_held_in_the_working_area_only(personas: Personas) -> None:
    worker = StaffContext(_request(personas.link_worker))
    assert _names(worker.areas_for(Capability.MANAGE_CASES)) == ["Ashfield"]
    assert worker.areas_for(Capability.CURATE_DIRECTORY) == []
    coordinator = StaffContext(_request(personas.coordinator))
    assert _names(coordinator.areas_for(Capability.VIEW_MONITORING)) == ["Ashfield"]
    assert _names(coordinator.areas_for(Capability.OVERSEE_CASES)) == ["Ashfield"]
    # "A researcher (or coordinator)" runs the evaluation: their own areas' data only.
    assert _names(coordinator.areas_for(Capability.ANALYSE_RESEARCH_DATA)) == ["Ashfield"]
    # A site administrator configures any area, but never reaches research data.
    admin = StaffContext(_request(personas.site_admin, personas.mansfield))
    assert _names(admin.areas_for(Capability.MANAGE_TEAM)) == ["Mansfield"]
    assert admin.areas_for(Capability.ANALYSE_RESEARCH_DATA) == []
    assert admin.areas_for(Capability.MANAGE_CASES) == []


def test_a_view_for_a_capability_spanning_areas_asks_for_no_area_choice(
    personas: Personas,
) -> None:
    @require_capability(Capability.VIEW_MONITORING)
    def dashboard(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    @require_capability(Capability.MANAGE_TEAM)
    def team(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    assert dashboard(_request(personas.commissioner)).status_code == 200
    # An area-bound capability still needs the area chosen first.
    response: Any = team(_request(personas.site_admin))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:choose_area"))


def test_no_working_area_is_404_in_every_app(personas: Personas) -> None:
    # Before: the directory's helper raised the built-in PermissionError (a 500 page).
    request = _request(personas.no_role)
    with pytest.raises(Http404):
        working_area(request)
    with pytest.raises(Http404):
        editable_organisations(request)
    # Casework shows nobody's clients to someone with no area, rather than failing.
    assert not clients_for(request).exists()


def test_one_view_never_mixes_capabilities_that_span_areas_with_area_bound_ones() -> None:
    # Let in by monitoring, someone would reach the working area's cases.
    with pytest.raises(ImproperlyConfigured):
        require_capability(Capability.VIEW_MONITORING, Capability.OVERSEE_CASES)
