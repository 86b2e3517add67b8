"""Bookings kept in step with their sessions: a session its group cancels, or one a
change of schedule removes, cancels its bookings and tells everyone booked; places
that go up are offered to those waiting."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db.models.signals import post_save

from inspiring.directory.models import Session
from inspiring.directory.models.schedules import places_changed, sessions_moved, sessions_removed

from . import actions
from .models import Booking


def _session_saved(sender: Any, instance: Session, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.is_cancelled:
        actions.session_gone(session_ids=[instance.pk])


def _sessions_moved(sender: Any, session_ids: Sequence[int], **kwargs: Any) -> None:
    """Sessions changed in bulk (a calendar feed's single-date changes): those now
    cancelled that had bookings."""
    cancelled = Booking.objects.filter(
        session_id__in=list(session_ids),
        status__in=Booking.LIVE,
        session__status=Session.Status.CANCELLED,
    ).values_list("session_id", flat=True)
    actions.session_gone(session_ids=set(cancelled))


def _sessions_removed(sender: Any, public_ids: Sequence[uuid.UUID] = (), **kwargs: Any) -> None:
    actions.session_gone(session_keys=public_ids)


def _places_changed(
    sender: Any, schedule_ids: Sequence[int] = (), session_ids: Sequence[int] = (), **kwargs: Any
) -> None:
    waiting = Booking.objects.filter(status=Booking.Status.WAITING)
    if schedule_ids:
        waiting = waiting.filter(session__schedule_id__in=list(schedule_ids))
    else:
        waiting = waiting.filter(session_id__in=list(session_ids))
    actions.offer_places(sorted(set(waiting.values_list("session_id", flat=True))))


def connect() -> None:
    post_save.connect(_session_saved, sender=Session, dispatch_uid="bookings-session-saved")
    sessions_moved.connect(_sessions_moved, sender=Session, dispatch_uid="bookings-moved")
    sessions_removed.connect(_sessions_removed, sender=Session, dispatch_uid="bookings-removed")
    places_changed.connect(_places_changed, sender=Session, dispatch_uid="bookings-places")
