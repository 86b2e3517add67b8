"""An area's community survey, its sections and its anonymous responses.

A survey is built from sections (the kinds of activity, barriers, measures, groups,
demographics, postcode), opened to residents, then closed: a closed survey's
responses never change. A response holds nothing that identifies the resident: no
name, no address, no IP address, no time of day; the postcode is kept only as its
LSOA and deprivation decile, the age only as a band.

What the summary counts is stored as columns, so 100,000 responses are summed by one
query (bench/surveys.py): the categories a resident knows of, goes to and wants as
three bit masks over the survey's categories (SurveyCategory.position), the barriers
as a bit mask over choices.BARRIER_BITS. Measures' answers and scores are JSON, keyed
by instrument code.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from inspiring.casework.choices import Disability, EthnicGroup, Sex
from lib.text import limited

from .choices import AgeBand, Mode, SectionKind

# Bit masks are 63-bit signed integers on every database: a survey asks about at most
# this many categories.
MAX_CATEGORIES = 63


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(max_length=150)
    introduction = models.TextField(blank=True, **limited(3000, "The introduction"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The template a new area's survey starts from (the original community survey's shape).
    is_template = models.BooleanField(default=False)
    # Demo data: made-up responses, labelled as such wherever they are shown.
    synthetic = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Section(models.Model):
    """One part of the survey, asked on its own page, in `position` order."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=SectionKind.choices)
    title = models.CharField(max_length=150, blank=True)
    # For an instrument section: which instrument, at which version.
    instrument_code = models.CharField(max_length=60, blank=True)
    instrument_version = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="section_position_unique"),
            models.CheckConstraint(
                condition=~models.Q(kind="instrument") | ~models.Q(instrument_code=""),
                name="instrument_section_names_instrument",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class SurveyCategory(models.Model):
    """A kind of activity the survey asks about, usually one of the directory's
    categories (so wishes can be set beside the calendar), at a fixed bit position."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="categories")
    position = models.PositiveSmallIntegerField()
    category = models.ForeignKey(
        "directory.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=80)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"], name="survey_category_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(position__lt=MAX_CATEGORIES),
                name="survey_category_position_fits_mask",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def bit(self) -> int:
        return 1 << self.position


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    # The day only: a time of day could single someone out beside a paper diary.
    submitted_on = models.DateField()
    knows_mask = models.BigIntegerField(default=0)
    uses_mask = models.BigIntegerField(default=0)
    wants_mask = models.BigIntegerField(default=0)
    barriers_mask = models.BigIntegerField(default=0)
    # Where they live, only as the neighbourhood (LSOA) and its deprivation.
    lsoa_code = models.CharField(max_length=9, blank=True)
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    imd_quintile = models.PositiveSmallIntegerField(null=True, blank=True)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    ethnic_group = models.CharField(max_length=30, choices=EthnicGroup.choices, blank=True)
    disability = models.CharField(max_length=12, choices=Disability.choices, blank=True)
    # How many groups they belong to (the group memberships section), when asked.
    groups_count = models.PositiveSmallIntegerField(null=True, blank=True)
    # {instrument_code: {"version": "1", "answers": {item: value}, "scores": {...},
    #  "complete": bool}}
    measures = models.JSONField(default=dict, blank=True)
    # Made-up demo data (the survey's flag, kept per row so a mixed export says so).
    synthetic = models.BooleanField(default=False)
    # Entered by staff (paper returns) or imported: who, for the survey's own record.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["survey", "imd_quintile", "age_band"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="response_imd_decile_1_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(imd_quintile__isnull=True)
                | models.Q(imd_quintile__gte=1, imd_quintile__lte=5),
                name="response_imd_quintile_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.public_id}"


class SurveyImport(models.Model):
    """One spreadsheet imported into a survey: who, when, what came of it; and, by its
    sealed token's one-time nonce (hashed, unique), proof that the file was imported, so
    the same upload posted twice imports nothing the second time."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="imports")
    # SHA-256 of the sealed token's nonce: used once, whichever process gets there first.
    token_hash = models.CharField(max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    not_reached = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["imported_at", "pk"]

    def __str__(self) -> str:
        return f"{self.filename or 'Import'} into {self.survey}"
