"""Who may see and change which directory records: the one place this app checks.

- A partner lead edits the organisations they lead (in the area they work in),
  with those organisations' venues and activities.
- A coordinator (or a site administrator) edits everything whose organisation
  belongs to the area, and approves partners' submissions.
Anything else answers 404, exactly as a record that does not exist.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.accounts.access import acting_user, staff_context, working_area
from inspiring.accounts.roles import Capability

from .models import Activity, ActivityQuerySet, Organisation, Session, Venue


def is_curator(request: HttpRequest) -> bool:
    return staff_context(request).can(Capability.CURATE_DIRECTORY)


def editable_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    organisations = Organisation.objects.filter(home_area=working_area(request))
    if is_curator(request):
        return organisations
    if staff_context(request).can(Capability.EDIT_OWN_LISTINGS):
        return organisations.filter(leads=acting_user(request))
    return organisations.none()


def editable_venues(request: HttpRequest) -> QuerySet[Venue]:
    return Venue.objects.filter(organisation__in=editable_organisations(request))


def editable_activities(request: HttpRequest) -> ActivityQuerySet:
    return Activity.objects.filter(organisation__in=editable_organisations(request))


def usable_venues(request: HttpRequest, organisation: Organisation) -> QuerySet[Venue]:
    """Venues an activity of `organisation` may be listed at.

    Its own, and other organisations' venues in the area whose owners allow it.
    """
    return (
        Venue.objects.filter(
            Q(organisation=organisation)
            | Q(open_to_other_organisations=True, organisation__home_area=organisation.home_area)
        )
        .select_related("organisation")
        .order_by("town", "name")
    )


def get_organisation_for_editing(request: HttpRequest, public_id: uuid.UUID) -> Organisation:
    return get_object_or_404(editable_organisations(request), public_id=public_id)


def get_venue_for_editing(request: HttpRequest, public_id: uuid.UUID) -> Venue:
    return get_object_or_404(
        editable_venues(request).select_related("organisation"), public_id=public_id
    )


def get_activity_for_editing(request: HttpRequest, public_id: uuid.UUID) -> Activity:
    return get_object_or_404(
        editable_activities(request).select_related("organisation", "home_area", "venue"),
        public_id=public_id,
    )


def get_session_for_editing(request: HttpRequest, public_id: uuid.UUID) -> Session:
    return get_object_or_404(
        Session.objects.filter(activity__in=editable_activities(request)).select_related(
            "activity", "activity__home_area"
        ),
        public_id=public_id,
    )


def needs_approval(request: HttpRequest, organisation: Organisation) -> bool:
    """A partner's new or changed activity goes to the coordinator, unless trusted."""
    return not is_curator(request) and not organisation.trusted
