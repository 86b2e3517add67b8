"""An analysis: what was asked of which data set, and what came of it, kept so that it
can be read again, checked and run again with the same numbers.

`spec` is everything needed to repeat it:

    {"dataset": {"source": "survey", "survey": "<uuid>"}
                or {"source": "outcomes", "areas": ["<slug>", ...]},
     "analysis": "describe" | "alpha" | "omega" | "efa" | "sem" | "regress" | "mediate"
                 | "change" (runner.KINDS),
     "options": {the inspiring-stats option names: "items": [...], "formula": "...", ...},
     "seed": int,
     "question": a built-in question's code, or ""}

`salt` makes the extract's pseudonyms particular to this analysis (a rerun keeps it, so
the same data give the same bytes and the same fingerprint). `data_fingerprint` is the
SHA-256 of the extracted CSV's bytes: a rerun whose fingerprint differs says the data
have changed.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from lib.text import limited


def new_salt() -> str:
    return secrets.token_hex(16)


class Analysis(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be completed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The areas whose data it analyses: seen only by people whose scope covers them all.
    areas = models.ManyToManyField("areas.Area", related_name="analyses")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    spec = models.JSONField(default=dict)
    salt = models.CharField(max_length=64, default=new_salt, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    data_fingerprint = models.CharField(max_length=64, blank=True)
    software_version = models.CharField(max_length=200, blank=True)
    # The result's to_dict() (as `inspiring-stats --json` prints it), with n_extracted,
    # n_used, n_excluded, warnings and the details the report's tables need.
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, **limited(2000, "The error"))
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:analysis", kwargs={"public_id": self.public_id})

    @property
    def kind(self) -> str:
        return str(self.spec.get("analysis", ""))

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.spec.get("options") or {})

    @property
    def seed(self) -> int | None:
        seed = self.spec.get("seed")
        return int(seed) if seed is not None else None

    @property
    def dataset(self) -> dict[str, Any]:
        return dict(self.spec.get("dataset") or {})

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def warnings(self) -> list[str]:
        return list((self.result or {}).get("warnings") or [])

    def same_data_as_original(self) -> bool | None:
        """For a rerun that has finished: whether its data matched the original's."""
        original = self.rerun_of
        if original is None or not self.data_fingerprint or not original.data_fingerprint:
            return None
        return self.data_fingerprint == original.data_fingerprint
