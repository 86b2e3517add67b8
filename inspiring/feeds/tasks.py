"""Background work for feeds (Django's tasks API)."""

from __future__ import annotations

from django_tasks import task


@task()
def import_feed_task(source_id: int) -> str:
    """Fetch and import one feed; the outcome is kept as a FeedImport."""
    from .importing import run_import
    from .models import FeedSource

    source = (
        FeedSource.objects.select_related("organisation__home_area").filter(pk=source_id).first()
    )
    if source is None or not source.active:
        return "skipped"
    return run_import(source).outcome
