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


# The covering index's columns: the box first (the area, the strip of longitude, the
# latitude's range in it, the longitude), then what the walk reads of each row in it
# (the activity's id last, for PostgreSQL's index-only scans; SQLite's rowid).
REACH = [
    "home_area",
    "strip",
    "latitude",
    "longitude",
    "online",
    "capacity_status",
    "last_confirmed_at",
    "cost",
    "min_age",
    "max_age",
    "category_bits",
    "feature_bits",
    "kind",
    "times",
    "times_from",
    "times_until",
    "activity",
]


class MatchEntry(models.Model):
    """What matching needs of one published activity, in one narrow row (the match index,
    ADR 0010): kept exact by inspiring.matching.index from every path that writes
    activities, their categories and features, venues or sessions, so that suggestions
    rank the activities in reach in SQL, best bound first, and read only the first few.

    The bit columns are for SQL only and only ever widen what it keeps (a category's or
    feature's bit is its id modulo 63, so two could share one); the ids columns are exact
    and are what the engine is given."""

    activity = models.OneToOneField(
        "directory.Activity",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="match_entry",
    )
    home_area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=150)
    # The venue's position; null for an activity with no venue (or one with no position).
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    # The strip of longitude the venue is in (index.strip_of): the reach's index seeks
    # the latitude's range in each strip the box overlaps, not across the whole band of
    # latitude (three times the box's entries in the benchmark's region, and more the
    # wider the areas sharing). Null where the longitude is.
    strip = models.IntegerField(null=True)
    online = models.BooleanField(default=False)
    cost = models.CharField(max_length=20)
    min_age = models.PositiveSmallIntegerField(null=True)
    max_age = models.PositiveSmallIntegerField(null=True)
    capacity_status = models.CharField(max_length=20)
    last_confirmed_at = models.DateTimeField()
    category_ids = models.TextField(blank=True)  # "3,7": the activity's categories
    feature_ids = models.TextField(blank=True)  # its support features
    category_bits = models.BigIntegerField(default=0)
    feature_bits = models.BigIntegerField(default=0)
    # The kind of group it is (engine._kind_of its categories), for the widening bonus.
    kind = models.CharField(max_length=30)
    # Which (weekday, part of the day) its sessions going ahead fall on, between
    # times_from and times_until (local dates, the end excluded): bit weekday * 3 + part
    # (morning, afternoon, evening). Used only when that span holds the whole window
    # matching looks at; otherwise the time of week is not narrowed in SQL.
    times = models.IntegerField(default=0)
    times_from = models.DateField()
    times_until = models.DateField()

    class Meta:
        indexes = [
            # The venues' box: each strip's latitude range, the longitude checked in the index,
            # and every column the walk's limits and bound read after it (index.walk),
            # so the rows in reach are ranked from the index alone: no look-up of the
            # table for each (that was half the walk's time on SQLite, ADR 0010).
            models.Index(fields=REACH, name="match_entry_reach"),
            models.Index(
                fields=["home_area"],
                name="match_entry_online",
                condition=models.Q(online=True),
            ),
        ]
        verbose_name_plural = "match entries"

    def __str__(self) -> str:
        return f"match entry of activity {self.activity_id}"
