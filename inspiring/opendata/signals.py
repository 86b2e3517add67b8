"""Keep what the open-data feeds publish in step with the directory, by construction.

- Removed sessions and deleted activities leave tombstones (RPDE "deleted").
- A change to an activity's schedules, categories or support features marks
  the activity modified, so its SessionSeries and ORUK service are re-read.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from inspiring.bookings.actions import bookings_changed
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.models.schedules import sessions_moved, sessions_removed

from .models import Tombstone


def bury(kind: str, public_ids: list[uuid.UUID]) -> None:
    if not public_ids:
        return
    now = timezone.now()
    Tombstone.objects.bulk_create(
        [Tombstone(kind=kind, item_id=public_id, modified=now) for public_id in public_ids],
        batch_size=500,
        ignore_conflicts=True,
    )


@receiver(sessions_removed, sender=Session)
def _sessions_removed(sender: Any, public_ids: list[uuid.UUID], **kwargs: Any) -> None:
    bury(Tombstone.Kind.SCHEDULED_SESSION, public_ids)
    from .openbooking import sessions_gone

    sessions_gone(session_keys=list(public_ids))


@receiver(post_save, sender=Session)
def _session_saved(sender: Any, instance: Session, raw: bool = False, **kwargs: Any) -> None:
    # A session its group cancels: proposals for it are declined (bookings.signals
    # cancels the bookings, which the Orders feed shows through bookings_changed).
    if not raw and instance.is_cancelled:
        from .openbooking import sessions_gone

        sessions_gone(session_ids=[instance.pk])


@receiver(pre_delete, sender=Activity)
def _activity_deleting(sender: Any, instance: Activity, **kwargs: Any) -> None:
    # Its sessions go with it by cascade (no signal of their own): bury them first.
    if instance.revision_of_id is None:
        bury(
            Tombstone.Kind.SCHEDULED_SESSION,
            list(Session.objects.filter(activity=instance).values_list("public_id", flat=True)),
        )


@receiver(post_delete, sender=Activity)
def _activity_deleted(sender: Any, instance: Activity, **kwargs: Any) -> None:
    if instance.revision_of_id is None and instance.published_at is not None:
        bury(Tombstone.Kind.SESSION_SERIES, [instance.public_id])


def _touch(activity_id: int | None) -> None:
    if activity_id is not None:
        Activity.objects.filter(pk=activity_id).update(updated_at=timezone.now())


@receiver(post_save, sender=Schedule)
@receiver(post_delete, sender=Schedule)
def _schedule_changed(sender: Any, instance: Schedule, **kwargs: Any) -> None:
    _touch(instance.activity_id)


@receiver(m2m_changed, sender=Activity.categories.through)
@receiver(m2m_changed, sender=Activity.support_features.through)
def _terms_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Activity):
        _touch(instance.pk)


@receiver(bookings_changed)
def _bookings_changed(sender: Any, booking_ids: list[int], **kwargs: Any) -> None:
    # An order's places cancelled here or by the group come up in its partner's feed.
    from .openbooking import bookings_changed as orders_changed

    orders_changed(booking_ids)


@receiver(sessions_moved, sender=Session)
def _sessions_moved(sender: Any, session_ids: list[int], **kwargs: Any) -> None:
    # Sessions changed in bulk (a calendar feed's single-date changes): those cancelled.
    from .openbooking import sessions_gone

    cancelled = Session.objects.filter(pk__in=list(session_ids), status=Session.Status.CANCELLED)
    sessions_gone(session_ids=list(cancelled.values_list("pk", flat=True)))
