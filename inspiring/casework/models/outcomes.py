"""Client outcomes: an instrument (ONS4, loneliness, …) administered at baseline and at
follow-up, and the one-time links a client answers one through on their own phone.

An administration keeps the answers as given and the scores, bands and problems the
instrument's scoring rule gave when it was saved, with the instrument's version: a
later version (or a corrected custom instrument) never rewrites a past score. The
instrument is always found through `inspiring.measures.library`, never the
instruments package, so custom instruments built in this deployment work the same.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, score

# A one-time link works for this long after it is sent.
LINK_LIFETIME = timedelta(days=14)
# The follow-up is due this long after the baseline, unless the worker chooses otherwise.
FOLLOW_UP_AFTER = timedelta(weeks=12)
FOLLOW_UP_PREFIX = "Follow-up: "


def follow_up_title(instrument_title: str) -> str:
    """The follow-up task's title, the one way a baseline's reminder is found again."""
    return f"{FOLLOW_UP_PREFIX}{instrument_title}"[:200]


def hash_token(token: str) -> str:
    """What is stored of a link's token: its SHA-256 (the token itself is only ever in
    the message sent, so a copy of the database opens no link)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Timepoint(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    FOLLOW_UP = "follow_up", "Follow-up"


class Administration(models.Model):
    """One time an instrument was answered for or by a client."""

    class How(models.TextChoices):
        CALL = "call", "Entered by the link worker during a call"
        LINK = "link", "Completed by the client through a link"

    Timepoint = Timepoint

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="administrations"
    )
    instrument_code = models.CharField("instrument", max_length=60)
    instrument_version = models.CharField("instrument version", max_length=20)
    timepoint = models.CharField("when in their support", max_length=10, choices=Timepoint.choices)
    # {item_id: value} as given (an item not answered is absent).
    answers = models.JSONField("answers", default=dict, blank=True)
    # {scale: number or None} and {scale: band label or None}, from the version above.
    scores = models.JSONField("scores", default=dict, blank=True)
    bands = models.JSONField("bands", default=dict, blank=True)
    # Why it is incomplete, or why a scale has no score, in words.
    problems = models.JSONField("problems", default=list, blank=True)
    complete = models.BooleanField("every question answered", default=False)
    administered_on = models.DateField("answered on")
    how = models.CharField("how it was answered", max_length=10, choices=How.choices)
    # The link worker who entered it; None when the client completed it themselves.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["administered_on", "created_at", "pk"]
        indexes = [
            models.Index(fields=["client", "instrument_code", "timepoint"]),
            # Monitoring: follow-ups (and baselines) by when they were answered.
            models.Index(fields=["timepoint", "administered_on"], name="casework_admin_when"),
        ]

    def __str__(self) -> str:
        when = self.get_timepoint_display().lower()
        return f"{self.instrument_code} {when} on {self.administered_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Scored once, when first saved: a stored score is never recomputed, so a new
        # version of the instrument cannot change what a past administration said.
        if self._state.adding and not self.scores:
            instrument = library.get(self.instrument_code, self.instrument_version or None)
            if instrument is None:
                raise ValueError(
                    f"No instrument {self.instrument_code!r} version "
                    f"{self.instrument_version!r} to score with"
                )
            self.score_with(instrument)
        super().save(*args, **kwargs)

    @property
    def instrument(self) -> Instrument | None:
        """The instrument at the version it was answered in (None if it is gone)."""
        return library.get(self.instrument_code, self.instrument_version)

    def score_with(self, instrument: Instrument) -> None:
        """Score the answers by `instrument`, keeping its version with the scores."""
        result = score(instrument, self.answers)
        self.instrument_code = instrument.code
        self.instrument_version = instrument.version
        self.scores = result.scores
        self.bands = result.bands
        self.problems = result.problems
        self.complete = result.complete


class OutcomeLinkQuerySet(models.QuerySet["OutcomeLink"]):
    def for_token(self, token: str) -> OutcomeLinkQuerySet:
        return self.filter(token_hash=hash_token(token))


class OutcomeLink(models.Model):
    """A one-time link for a client to answer an instrument on their own phone."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="outcome_links"
    )
    instrument_code = models.CharField("instrument", max_length=60)
    instrument_version = models.CharField("instrument version", max_length=20)
    timepoint = models.CharField("when in their support", max_length=10, choices=Timepoint.choices)
    # SHA-256 of the token (see hash_token); the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("works until")
    used_at = models.DateTimeField("answered", null=True, blank=True)
    # The message that carried it, and what was answered through it.
    message = models.ForeignKey(
        "casework.SentMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    administration = models.OneToOneField(
        Administration, null=True, blank=True, on_delete=models.SET_NULL, related_name="link"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OutcomeLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Link to answer {self.instrument_code} ({self.get_timepoint_display().lower()})"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def problem(self) -> str:
        """Why the link cannot be used now, in words for the client, or ""."""
        if self.used_at is not None:
            return (
                f"These questions were already completed on "
                f"{timezone.localtime(self.used_at):%-d %B %Y}. Each link works once: "
                "thank you for answering them."
            )
        if self.expired:
            return (
                "This link has expired: links work for 14 days. If you would still like to "
                "answer the questions, ask your link worker to send you a new link."
            )
        return ""


def follow_up_due(baseline_on: date) -> date:
    return baseline_on + FOLLOW_UP_AFTER
