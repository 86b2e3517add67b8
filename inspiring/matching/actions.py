"""Matching's changes: proposing suggested activities to a client, and the area's
barrier table (audited)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.areas.models import Area
from inspiring.casework.actions.connections import do_connect
from inspiring.casework.models import Client, Connection
from inspiring.directory.models import Activity

from .models import BarrierRule


def do_set_barrier_rules(
    request: HttpRequest, area: Area, table: dict[str, frozenset[str]]
) -> None:
    """Replace the area's table. A barrier answered by nothing keeps a row with no feature,
    so that it does not fall back to the default."""
    with transaction.atomic():
        BarrierRule.objects.filter(area=area).delete()
        BarrierRule.objects.bulk_create(
            [
                BarrierRule(area=area, barrier=barrier, feature=feature)
                for barrier, features in sorted(table.items())
                for feature in (sorted(features) or [""])
            ]
        )
        audit.record(
            request,
            "barrier_rules.changed",
            area=area,
            detail={barrier: sorted(features) for barrier, features in table.items()},
        )


class Proposed(int):
    """How many connections do_propose made (an int, as callers count it), with the
    connections themselves: the message after it links straight to the first one's
    page for changing it (`connections[0].get_edit_url()`), to add support or a first
    session while the client is on the line."""

    connections: tuple[Connection, ...]

    def __new__(cls, connections: Sequence[Connection]) -> Proposed:
        made = super().__new__(cls, len(connections))
        made.connections = tuple(connections)
        return made


def do_propose(
    request: HttpRequest, client: Client, activity_ids: list[str], *, agreed: bool = False
) -> Proposed:
    """Connections (signposts) for up to five of these activities (public ids, as
    posted): suggested, to be agreed with the client; or agreed already, so they are on
    the client's plan. Activities not found in the area, or already connected, are
    skipped. Returns how many were made, and which; all or none."""
    made: list[Connection] = []
    with transaction.atomic():
        for activity_id in activity_ids[:5]:
            try:
                key = uuid.UUID(activity_id)
            except ValueError:
                continue
            activity = Activity.objects.visible_in(client.area).filter(public_id=key).first()
            if activity is None:
                continue
            if client.connections.filter(activity=activity, status__in=Connection.LIVE).exists():
                continue
            status = Connection.Status.AGREED if agreed else Connection.Status.SUGGESTED
            made.append(
                do_connect(
                    request,
                    client,
                    Connection(activity=activity, level="signpost", status=status),
                )
            )
    return Proposed(made)
