"""Roles, and what each role may do: the one table every access check reads.

A membership gives a user one role in one area. Site administrators
(`User.is_superuser`) are not a membership role: they configure the site and
can act in any area they choose.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    LINK_WORKER = "link_worker", "Link worker"
    PARTNER_LEAD = "partner_lead", "Partner lead"
    RESEARCHER = "researcher", "Researcher"
    COMMISSIONER = "commissioner", "Commissioner"


# Roles that can see personal data: they must sign in with a second factor
# (outside demo mode), as must site administrators. Partner leads see the first
# names, shared notes and attendance of the clients coming to their activities.
ROLES_SEEING_PERSONAL_DATA = frozenset(
    {Role.COORDINATOR, Role.LINK_WORKER, Role.PARTNER_LEAD, Role.RESEARCHER}
)

ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.COORDINATOR: (
        "You coordinate the programme: its partners and their listings, the calendar and "
        "its planning, new referrals and caseloads, safeguarding, and its team."
    ),
    Role.LINK_WORKER: (
        "You support the people referred to the programme and connect them to activities."
    ),
    Role.PARTNER_LEAD: (
        "You keep your organisation's activities and sessions up to date, and record who "
        "comes to them."
    ),
    Role.RESEARCHER: "You analyse pseudonymised data to evaluate the programme.",
    Role.COMMISSIONER: "You follow the programme's results, as totals with small numbers hidden.",
}


class Capability(StrEnum):
    """Something a role may do in its area. Views check these, never role names."""

    MANAGE_TEAM = "manage_team"
    VIEW_AUDIT = "view_audit"
    # Directory: partners keep their own listings; coordinators curate the area's.
    EDIT_OWN_LISTINGS = "edit_own_listings"
    CURATE_DIRECTORY = "curate_directory"
    # Casework: link workers and coordinators hold the area's clients; coordinators
    # also hand caseloads over and name the safeguarding lead.
    MANAGE_CASES = "manage_cases"
    OVERSEE_CASES = "oversee_cases"
    # Measures and the community survey: coordinators build the area's survey and its
    # custom instruments (researchers build instruments too: BUILD_INSTRUMENTS).
    RUN_SURVEYS = "run_surveys"
    BUILD_INSTRUMENTS = "build_instruments"
    # Across areas (CROSS_AREA_CAPABILITIES): monitoring's aggregates, small numbers
    # suppressed, for coordinators and commissioners; researchers' pseudonymised data.
    VIEW_MONITORING = "view_monitoring"
    ANALYSE_RESEARCH_DATA = "analyse_research_data"
    # Monitoring: coordinators record the area's grants and population figures.
    MANAGE_FUNDING = "manage_funding"
    # The playbook: coordinators keep their area's stages and tasks, resources and
    # training records, and propose and answer sharing with other areas.
    MANAGE_PLAYBOOK = "manage_playbook"


# Capabilities that are held in every area of the person's memberships at once
# (StaffContext.areas_for), with no working area to choose: a commissioner follows
# all their areas together, a researcher analyses the areas granted. Every other
# capability is held in the one area the person is working in (ADR 0012).
CROSS_AREA_CAPABILITIES = frozenset({Capability.VIEW_MONITORING, Capability.ANALYSE_RESEARCH_DATA})


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.COORDINATOR: frozenset(
        {
            Capability.MANAGE_TEAM,
            Capability.VIEW_AUDIT,
            Capability.CURATE_DIRECTORY,
            Capability.MANAGE_CASES,
            Capability.OVERSEE_CASES,
            Capability.RUN_SURVEYS,
            Capability.BUILD_INSTRUMENTS,
            Capability.VIEW_MONITORING,
            Capability.MANAGE_FUNDING,
            Capability.MANAGE_PLAYBOOK,
            # "A researcher (or coordinator)" runs the evaluation (issue 16).
            Capability.ANALYSE_RESEARCH_DATA,
        }
    ),
    Role.LINK_WORKER: frozenset({Capability.MANAGE_CASES}),
    Role.PARTNER_LEAD: frozenset({Capability.EDIT_OWN_LISTINGS}),
    # Researchers see monitoring's figures as commissioners do (issue 17).
    Role.RESEARCHER: frozenset(
        {
            Capability.ANALYSE_RESEARCH_DATA,
            Capability.BUILD_INSTRUMENTS,
            Capability.VIEW_MONITORING,
        }
    ),
    Role.COMMISSIONER: frozenset({Capability.VIEW_MONITORING}),
}

# Site administrators may do everything in the area they are working in, except
# what belongs to a partner's own organisation, and clients' records: those are
# for the area's own link workers and coordinators (a site administrator who
# needs them is given that role in the area, which is audited).
SITE_ADMIN_CAPABILITIES = frozenset(Capability) - {
    Capability.EDIT_OWN_LISTINGS,
    Capability.MANAGE_CASES,
    Capability.OVERSEE_CASES,
    Capability.ANALYSE_RESEARCH_DATA,
}


def capabilities_for(role: str | None, *, site_admin: bool = False) -> frozenset[Capability]:
    if site_admin:
        return SITE_ADMIN_CAPABILITIES
    if role is None:
        return frozenset()
    return ROLE_CAPABILITIES.get(role, frozenset())
