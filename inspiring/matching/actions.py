"""Changing the area's barrier table (audited)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.areas.models import Area

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
