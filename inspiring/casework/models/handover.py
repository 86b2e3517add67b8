"""Handovers: a client moved from one link worker's caseload to another's, kept so the
case's timeline tells who held it when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Handover(models.Model):
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="handovers"
    )
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="from",
    )
    to_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="to",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="handed over by",
    )
    at = models.DateTimeField("when", default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Handed over {timezone.localtime(self.at):%-d %B %Y}"
