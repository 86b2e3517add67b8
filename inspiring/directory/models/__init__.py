"""Directory models, one module per sub-concept."""

from __future__ import annotations

from .activities import Activity, ActivityQuerySet, ListingLinkUse, ListingReport
from .booklets import Booklet
from .organisations import Organisation, Venue
from .schedules import Schedule, Session, SessionQuerySet
from .taxonomy import Category, SupportFeature

__all__ = [
    "Activity",
    "ActivityQuerySet",
    "Booklet",
    "Category",
    "ListingLinkUse",
    "ListingReport",
    "Organisation",
    "Schedule",
    "Session",
    "SessionQuerySet",
    "SupportFeature",
    "Venue",
]
