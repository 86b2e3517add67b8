"""Open Referral service-at-location ids, stored (models.ServiceAtLocationId) and kept
exact.

A listing's id depends on its own public id, its venue's (which never changes) and
whether its group keeps the address private (oruk.location_id): so a row is worked out
again whenever an activity is saved (post_save) or written in bulk (the directory's
activities_changed, sent by the feed import, the demo and the spreadsheet import).
`differences()` compares every row with what the records say; the test suite runs it
after every test that wrote to the database (tests/matchindex.py), so a path that
changes a listing without telling the directory fails there. A lookup also checks the
row it finds against the listing (`activity_for`, and /service_at_locations/{id}, which
reads the listing by `stored_as` in the one statement), so a stale row can only answer
404.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_migrate, post_save

from inspiring.directory.models import Activity

from .models import ServiceAtLocationId
from .oruk import service_at_location_key as item_id

CHUNK = 2000
COLUMNS = ("pk", "public_id", "venue__public_id", "hide_address")


def _expected(activity_ids: Sequence[int]) -> dict[int, uuid.UUID]:
    rows = Activity.objects.filter(pk__in=activity_ids).values_list(*COLUMNS)
    return {pk: uuid.UUID(item_id(*columns)) for pk, *columns in rows}


def refresh(activity_ids: Iterable[int | None]) -> None:
    """Work these activities' ids out again (activities that have gone keep no row:
    their rows went with them)."""
    ids = sorted({pk for pk in activity_ids if pk is not None})
    for index in range(0, len(ids), CHUNK):
        made = _expected(ids[index : index + CHUNK])
        if made:
            ServiceAtLocationId.objects.bulk_create(
                [ServiceAtLocationId(activity_id=pk, item_id=value) for pk, value in made.items()],
                update_conflicts=True,
                unique_fields=["activity"],
                update_fields=["item_id"],
            )


def rebuild() -> int:
    ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
    refresh(ids)
    return len(ids)


def differences() -> list[str]:
    """Each activity whose row is missing or not what its columns say, and rows of no
    activity (none can be: they cascade)."""
    stored = dict(ServiceAtLocationId.objects.values_list("activity_id", "item_id"))
    found: list[str] = []
    for pk, *columns in Activity.objects.order_by("pk").values_list(*COLUMNS).iterator(CHUNK):
        have = stored.pop(pk, None)
        if have is None:
            found.append(f"activity {pk}: missing")
        elif str(have) != item_id(*columns):
            found.append(f"activity {pk}: {have} should be {item_id(*columns)}")
    found.extend(f"activity {pk}: extra" for pk in sorted(stored))
    return found


def stored_as(wanted: uuid.UUID) -> Q:
    """Activities whose stored row has this id (one at most): a condition on the
    statement that reads the listing, found by the rows' index. What it finds is checked
    against the listing's own columns (a stale row must answer nothing)."""
    return Q(pk__in=ServiceAtLocationId.objects.filter(item_id=wanted).values("activity_id"))


def activity_for(value: str) -> int | None:
    """The published listing (its pk) whose service at location has this id, or None:
    one indexed read, and the row found checked against the listing's own columns."""
    try:
        wanted = uuid.UUID(value)
    except ValueError:
        return None
    row = Activity.objects.published().filter(stored_as(wanted)).values_list(*COLUMNS).first()
    if row is None:
        return None
    pk, *columns = row
    return int(pk) if item_id(*columns) == str(wanted) else None


def _activity_saved(sender: Any, instance: Activity, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh([instance.pk])


def _activities_changed(sender: Any, activity_ids: Sequence[int], **kwargs: Any) -> None:
    refresh(activity_ids)


def _after_migrate(sender: Any, verbosity: int = 1, using: str = "default", **kwargs: Any) -> None:
    """Written again where there are not as many rows as activities (the first migrate
    after the table came, or a database restored without it)."""
    if using != "default":
        return
    if ServiceAtLocationId.objects.count() != Activity.objects.count():
        written = rebuild()
        if verbosity:
            print(f"  Open Referral service-at-location ids written again: {written:,} activities")


def connect(app: Any) -> None:
    """Called once from OpenDataConfig.ready."""
    from inspiring.directory.models.schedules import activities_changed

    post_migrate.connect(_after_migrate, sender=app, dispatch_uid="oruk-ids-after-migrate")
    post_save.connect(_activity_saved, sender=Activity, dispatch_uid="oruk-ids-activity")
    activities_changed.connect(
        _activities_changed, sender=Activity, dispatch_uid="oruk-ids-activities"
    )
