"""Matching's index (inspiring/matching/index.py) and Open Referral's stored
service-at-location ids (inspiring/opendata/service_ids.py) are checked against the
records after every test that could write to the database: whatever path a test drives
(a form, a feed, an import, the demo, a session moved or cancelled), a path that forgot
to keep them fails here, naming the activity and what differs. Tests that run outside a
transaction (browser and live-server tests) are left out: their writes come from the
same paths, driven in-process by the rest of the suite. `@pytest.mark.stale_index`
leaves a test out on purpose (one that breaks the index to see it found).

Tests often set a record up with a queryset's update() or delete(), which send no
signals: those called from a file under tests/ have their activities' rows worked out
again, so the check speaks about the product's paths only (an update() in the
product's own code is left as it is, and caught if it forgets the index)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import QuerySet

TESTS = str(Path(__file__).resolve().parent)


def _activities_of(queryset: QuerySet[Any]) -> list[int] | None:
    """The activities whose rows a write to these records could change, or None."""
    from inspiring.directory.models import Activity, Schedule, Session, Venue

    model = queryset.model
    if model is Activity:
        return list(queryset.values_list("pk", flat=True))
    if model in (Session, Schedule):
        return list(queryset.values_list("activity_id", flat=True))
    if model is Venue:
        return list(
            Activity.objects.filter(
                venue__in=list(queryset.values_list("pk", flat=True))
            ).values_list("pk", flat=True)
        )
    if model in (Activity.categories.through, Activity.support_features.through):
        return list(queryset.values_list("activity_id", flat=True))
    return None


def _kept(write: Callable[..., Any]) -> Callable[..., Any]:
    def kept(self: QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1)
        if caller.f_code.co_filename.endswith("manager.py"):  # Model.objects.update()
            caller = caller.f_back or caller
        if not caller.f_code.co_filename.startswith(TESTS):
            return write(self, *args, **kwargs)
        ids = _activities_of(self)
        done = write(self, *args, **kwargs)
        if ids:
            from inspiring.matching.index import refresh
            from inspiring.opendata import service_ids

            refresh(ids)
            service_ids.refresh(ids)
        return done

    return kept


@pytest.fixture(autouse=True, scope="session")
def _tests_own_writes_keep_the_index() -> Iterator[None]:
    update, delete = QuerySet.update, QuerySet.delete
    QuerySet.update = _kept(update)  # type: ignore[method-assign]
    QuerySet.delete = _kept(delete)  # type: ignore[method-assign]
    yield
    QuerySet.update, QuerySet.delete = update, delete  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _match_index_exact(request: pytest.FixtureRequest) -> Iterator[None]:
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    wanted = (marker is not None or "db" in names) and not transactional
    if not wanted or request.node.get_closest_marker("stale_index"):
        yield
        return
    from django.db import connection

    if connection.vendor != "sqlite":
        # The paths are the same on both databases (the bulk writers send the same
        # signals): checked once, on the quicker run, to keep CI's time.
        yield
        return
    request.getfixturevalue("db")  # set up before this fixture's end: checked inside it
    yield
    from inspiring.matching.index import differences
    from inspiring.opendata import service_ids

    found = differences()
    assert not found, "Matching's index differs from the records: " + "; ".join(
        str(d) for d in found[:10]
    )
    wrong = service_ids.differences()
    assert not wrong, "Open Referral's stored ids differ from the records: " + "; ".join(wrong[:10])
