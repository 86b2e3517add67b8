"""Assessment: what matters to the person, their barriers, their week, their groups."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from lib.text import limited

from .. import choices

if TYPE_CHECKING:
    from .clients import Client


class Assessment(models.Model):
    """The latest is the client's current assessment; earlier ones are kept as history."""

    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="assessments"
    )
    referral = models.ForeignKey(
        "casework.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what_matters = models.TextField(
        "what matters to them, in their words", **limited(5000, "What matters to them")
    )
    needs = models.TextField("needs", blank=True, **limited(5000, "Needs"))
    interests = models.ManyToManyField("directory.Category", blank=True, related_name="+")
    barriers = models.JSONField(default=list, blank=True)
    # {"MO": ["morning", "afternoon"], "TU": [], ...}: when they could go.
    availability = models.JSONField(default=dict, blank=True)
    max_travel_miles = models.DecimalField(
        "how far they can travel (miles)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    goals = models.TextField("goals", blank=True, **limited(5000, "Goals"))
    assessed_on = models.DateField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        # Monitoring: interests and barriers of those assessed in a period.
        indexes = [models.Index(fields=["assessed_on"], name="casework_assess_on")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_travel_miles__isnull=True)
                | models.Q(max_travel_miles__gte=0, max_travel_miles__lte=100),
                name="assessment_travel_0_to_100_miles",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment on {self.assessed_on}"

    @property
    def barrier_labels(self) -> list[str]:
        labels = dict(choices.Barrier.choices)
        return [labels.get(code, code) for code in self.barriers]

    @property
    def availability_by_day(self) -> list[tuple[str, list[str]]]:
        """("Monday", ["morning", "evening"]), ... for the days they could go."""
        parts = dict(choices.DayPart.choices)
        return [
            (
                name,
                [
                    parts[p].lower()
                    for p in choices.DayPart.values
                    if p in self.availability.get(day, [])
                ],
            )
            for day, name in choices.DAYS
            if self.availability.get(day)
        ]

    def available(self, day: str, part: str) -> bool:
        return part in self.availability.get(day, [])


class GroupMembershipQuerySet(models.QuerySet["GroupMembership"]):
    def current(self) -> GroupMembershipQuerySet:
        return self.filter(left_on__isnull=True)

    def held_on(self, day: date) -> GroupMembershipQuerySet:
        return self.filter(held_on(day))

    def counts_on(self, **days: date) -> dict[str, int]:
        """How many groups were held on each of `days` ({"baseline": day, …}), in one
        query."""
        return self.aggregate(
            **{name: Count("pk", filter=held_on(day)) for name, day in days.items()}
        )


def held_on(day: date) -> Q:
    """Groups held on `day`: joined by then and not yet left. A group recorded before
    joining was dated (joined_on empty) counts from the day it was recorded, the
    earliest it is known they held it."""
    joined = Q(joined_on__lte=day) | Q(joined_on__isnull=True, created_at__date__lte=day)
    return joined & (Q(left_on__isnull=True) | Q(left_on__gt=day))


class GroupMembership(models.Model):
    """One of the person's groups (their social identity map), with when they joined and
    left it: leaving keeps the row, so how many groups they had at their baseline can be
    compared with how many they have at follow-up."""

    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="groups")
    name = models.CharField("group", max_length=150, help_text="For example, 'my walking friends'")
    kind = models.CharField("type", max_length=20, choices=choices.GroupKind.choices)
    importance = models.PositiveSmallIntegerField(
        "how important it is to them (1 not at all, 5 very)"
    )
    positivity = models.PositiveSmallIntegerField("how positive it feels (1 not at all, 5 very)")
    contact = models.CharField(
        "how often they are in contact", max_length=10, choices=choices.ContactFrequency.choices
    )
    # Empty only for groups recorded before memberships were dated.
    joined_on = models.DateField(
        "joined", null=True, blank=True, default=timezone.localdate, help_text="Roughly is fine"
    )
    left_on = models.DateField("left", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        # Monitoring: groups joined in a period.
        indexes = [models.Index(fields=["joined_on"], name="casework_group_joined")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(importance__gte=1, importance__lte=5)
                & models.Q(positivity__gte=1, positivity__lte=5),
                name="group_ratings_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(joined_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="group_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def groups_on(client: Client, day: date) -> int:
    """How many groups `client` belonged to on `day` (compared at baseline and follow-up)."""
    return GroupMembership.objects.filter(client=client).held_on(day).count()
