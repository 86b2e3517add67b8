"""The controlled vocabularies: activity categories and support features.

Both are seeded by migrations (see taxonomy_data.py). Categories can be edited
by site administrators; support features are a fixed list because matching
(barrier -> feature) and the public filters depend on their codes.
"""

from __future__ import annotations

from django.db import models


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class SupportFeature(models.Model):
    """Something that makes it easier to go: "come alone welcome", "step-free", …"""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name
