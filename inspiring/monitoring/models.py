"""What monitoring keeps of its own: grants, and an area's recorded population figures."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from lib.text import limited


class Grant(models.Model):
    """Money given to support the programme, some partners or some activities, for a period.

    Cost per person supported, per connection and per attendance divide `amount` by the
    counts of what it supports in its period (monitoring.funding)."""

    class Supports(models.TextChoices):
        PROGRAMME = "programme", "The whole programme in the area"
        PARTNERS = "partners", "Some partner organisations"
        ACTIVITIES = "activities", "Some activities"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="grants")
    funder = models.CharField(
        max_length=200, help_text="For example, The National Lottery Community Fund"
    )
    reference = models.CharField(
        "name or reference",
        max_length=200,
        blank=True,
        help_text="The grant's name or reference, if it has one",
    )
    amount = models.DecimalField(
        "amount (£)",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    starts_on = models.DateField("starts")
    ends_on = models.DateField("ends")
    supports = models.CharField(
        "what it supports", max_length=20, choices=Supports.choices, default=Supports.PROGRAMME
    )
    organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="grants", verbose_name="partners"
    )
    activities = models.ManyToManyField("directory.Activity", blank=True, related_name="grants")
    notes = models.TextField(blank=True, **limited(2000, "Notes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking, as casework's records: an edit from a stale page is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "funder", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="grant_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="grant_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder}: £{self.amount:,.2f}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:grant", kwargs={"public_id": self.public_id})


class PopulationFigure(models.Model):
    """How many of an area's residents are in one group (by sex, or ethnic group), as a
    coordinator recorded it from a published source (Census 2021 tables TS008 and TS021
    for the district), for the equity tables' "population" column. Deprivation and age
    come from the shipped LSOA data instead."""

    class Dimension(models.TextChoices):
        SEX = "sex", "Sex"
        ETHNIC_GROUP = "ethnic_group", "Ethnic group"

    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="population_figures"
    )
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    # The casework choice's code ("female", "white_british").
    group = models.CharField(max_length=40)
    count = models.PositiveIntegerField()
    source = models.CharField(
        max_length=200, help_text="Where the figure comes from, for example Census 2021, TS008"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["area", "dimension", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "dimension", "group"], name="one_population_figure_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.dimension} {self.group} {self.count}"
