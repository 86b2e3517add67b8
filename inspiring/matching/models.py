"""The barrier table each area's coordinators can adjust."""

from __future__ import annotations

from django.db import models

from inspiring.casework.choices import Barrier

from .rules import DEFAULT_BARRIER_FEATURES


class BarrierRuleQuerySet(models.QuerySet["BarrierRule"]):
    def table_for(self, area_id: int) -> dict[str, frozenset[str]]:
        """The area's barrier -> features table: its own rows, or the defaults if it has none."""
        rows = list(self.filter(area_id=area_id).values_list("barrier", "feature"))
        if not rows:
            return {
                barrier: frozenset(codes) for barrier, codes in DEFAULT_BARRIER_FEATURES.items()
            }
        table: dict[str, set[str]] = {barrier: set() for barrier in Barrier.values}
        for barrier, feature in rows:
            if feature:
                table.setdefault(barrier, set()).add(feature)
        return {barrier: frozenset(codes) for barrier, codes in table.items()}


class BarrierRule(models.Model):
    """One barrier answered by one feature, in one area. A barrier with only a row whose
    feature is "" has been set to answer nothing (so the defaults do not come back)."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="barrier_rules")
    barrier = models.CharField(max_length=30, choices=Barrier.choices)
    # A directory SupportFeature code, or "free" (the activity's cost).
    feature = models.CharField(max_length=40, blank=True)

    objects = BarrierRuleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "barrier", "feature"], name="one_rule_per_barrier_feature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.barrier} -> {self.feature or 'nothing'}"
