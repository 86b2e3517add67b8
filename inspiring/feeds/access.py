"""Who may see and change which calendar feeds: the one place this app checks.

A feed belongs to an organisation; whoever may edit the organisation's listings
(its partner lead, the area's coordinators: directory.access) may link, change,
retry and stop its feeds. Anyone else's feed answers 404.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from inspiring.directory.access import editable_organisations

from .models import FeedSource


def editable_feeds(request: HttpRequest) -> QuerySet[FeedSource]:
    return FeedSource.objects.filter(organisation__in=editable_organisations(request))


def get_feed_for_editing(request: HttpRequest, public_id: uuid.UUID) -> FeedSource:
    """A feed of an organisation this person may edit; anyone else's is 404."""
    return get_object_or_404(
        editable_feeds(request).select_related(
            "organisation", "organisation__home_area", "default_venue"
        ),
        public_id=public_id,
    )
