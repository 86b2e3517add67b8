"""Keep sessions in step with the feeds that describe them."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from inspiring.directory.models import Session
from inspiring.directory.models.schedules import sessions_synced


@receiver(sessions_synced, sender=Session)
def apply_feed_changes(sender: Any, schedule_ids: list[int], **kwargs: Any) -> None:
    """Whenever sessions are synced (an import, an approval, the nightly roll-forward),
    the moved and cancelled dates of the feeds they come from are applied to them:
    sessions only exist once an activity is published, and new dates enter the
    horizon every night."""
    from .importing import apply_overrides

    apply_overrides(schedule_ids)
