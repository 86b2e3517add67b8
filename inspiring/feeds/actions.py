"""Changes to calendar feeds, each audited; the import itself runs as a task after the
commit (never inside the transaction: it fetches over the network)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.directory.models import Organisation
from lib.actions import ActionRefused

from .models import FeedSource
from .tasks import import_feed_task


def _import_after_commit(feed: FeedSource) -> None:
    transaction.on_commit(lambda: import_feed_task.enqueue(feed.pk))


def do_link_feed(
    request: HttpRequest,
    organisation: Organisation,
    feed: FeedSource,
    *,
    save_related: Callable[[], None] = lambda: None,
) -> FeedSource:
    """Link a calendar to the organisation and import it (`save_related`: the form's
    many-to-many fields, saved once the feed has its key)."""
    feed.organisation = organisation
    feed.created_by = acting_user(request)
    try:
        with transaction.atomic():
            feed.save()
            save_related()
            audit.record(request, "feed.linked", feed, area=organisation.home_area)
            _import_after_commit(feed)
    except IntegrityError:
        raise ActionRefused("This calendar is already linked to the organisation") from None
    return feed


def do_change_feed(
    request: HttpRequest,
    feed: FeedSource,
    *,
    fields: list[str],
    changes: dict[str, Any],
    rules_before: object,
) -> bool:
    """Save the feed's settings; when its exclusion rules changed, import it again at
    once (leaving out, or bringing back, what the new rules say). Returns whether the
    rules changed."""
    with transaction.atomic():
        # Only the form's fields: an import may be writing the feed's state meanwhile.
        feed.save(update_fields=fields)
        rules_changed = feed.exclusions() != rules_before
        if rules_changed:
            # Fetched and stored again (not "unchanged").
            feed.forget_content()
            _import_after_commit(feed)
        audit.record(
            request, "feed.changed", feed, area=feed.organisation.home_area, detail=changes
        )
    return rules_changed


def do_retry_feed(request: HttpRequest, feed: FeedSource) -> FeedSource:
    """Fetch and import the feed again now, whatever it held last time."""
    with transaction.atomic():
        feed.forget_content()
        _import_after_commit(feed)
    return feed


def do_toggle_feed(request: HttpRequest, feed: FeedSource) -> bool:
    """Stop importing the feed, or start again; returns whether it is now active."""
    with transaction.atomic():
        feed.active = not feed.active
        feed.save(update_fields=["active"])
        audit.record(
            request,
            "feed.changed",
            feed,
            area=feed.organisation.home_area,
            detail={"active": feed.active},
        )
    return feed.active
