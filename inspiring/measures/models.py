"""What a deployment records about its instruments: licences held, templates confirmed,
and the instruments its coordinators and researchers build.

Shipped instruments are code (`instruments/`); these models only say which of them
this deployment may administer, and hold the definitions of custom ones. None of it
is personal data about a client.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.text import limited

from .instruments.base import (
    Band,
    BandKind,
    Instrument,
    Item,
    Option,
    Rule,
    Scale,
    Status,
)


class LicenceQuerySet(models.QuerySet["InstrumentLicence"]):
    def current(self) -> LicenceQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class InstrumentLicence(models.Model):
    """This deployment holds the licence for a shipped instrument that needs one
    (SWEMWBS): recorded by a site administrator, which switches the instrument on.

    Withdrawing keeps the row (withdrawn_at) so the record of who said the licence was
    held, and when, survives; at most one licence per instrument is current."""

    instrument_code = models.SlugField(max_length=60)
    holder = models.CharField(
        max_length=200, help_text="The organisation the licence was granted to"
    )
    registration_reference = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_code"],
                condition=Q(withdrawn_at__isnull=True),
                name="measures_one_current_licence",
            )
        ]

    def __str__(self) -> str:
        return f"Licence for {self.instrument_code} held by {self.holder}"


class TemplateConfirmation(models.Model):
    """Someone who may build instruments checked a template's wording against the
    published paper (named in `citation`): the template becomes usable. Tied to the
    template's version, so a changed template must be confirmed again."""

    instrument_code = models.SlugField(max_length=60)
    instrument_version = models.CharField(max_length=20)
    citation = models.TextField(**limited(1000, "The citation"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_code", "instrument_version"],
                name="measures_one_confirmation_per_template_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} v{self.instrument_version} confirmed"


class CustomInstrumentQuerySet(models.QuerySet["CustomInstrument"]):
    def latest_versions(self) -> CustomInstrumentQuerySet:
        """The newest version of each code, in one query (a correlated subquery on the
        (code, version) unique index)."""
        newer = CustomInstrument.objects.filter(
            code=models.OuterRef("code"), version__gt=models.OuterRef("version")
        )
        return self.filter(~models.Exists(newer)).order_by("title", "code")


class CustomInstrument(models.Model):
    """One version of an instrument built in this deployment.

    A version is never changed once saved: administrations store (code, version) and
    are re-scored from it, so changing a definition saves a new version
    (`actions.do_save_custom_instrument`)."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True, **limited(2000, "The introduction"))
    # [{"text": str, "reverse": bool}, ...] in the order asked; item ids are q1, q2, ...
    items = models.JSONField()
    # Answer labels from the lowest score to the highest, scored first_value upwards.
    option_labels = models.JSONField()
    first_value = models.IntegerField(default=1)
    rule = models.CharField(
        max_length=10, choices=[(Rule.MEAN.value, "Mean"), (Rule.SUM.value, "Sum")]
    )
    # None: every item must be answered.
    min_answered = models.PositiveIntegerField(null=True, blank=True)
    # [[low, high, label], ...]
    bands = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CustomInstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="measures_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    def definition(self) -> dict[str, Any]:
        """Everything that changes how the instrument is asked or scored: a save whose
        definition equals the latest version's makes no new version."""
        return {
            "title": self.title,
            "introduction": self.introduction,
            "items": [{"text": i["text"], "reverse": bool(i["reverse"])} for i in self.items],
            "option_labels": list(self.option_labels),
            "first_value": self.first_value,
            "rule": self.rule,
            "min_answered": self.min_answered,
            "bands": [[float(low), float(high), label] for low, high, label in self.bands],
        }

    def to_instrument(self) -> Instrument:
        answers = tuple(
            Option(self.first_value + n, label) for n, label in enumerate(self.option_labels)
        )
        items = tuple(
            Item(f"q{n}", item["text"], answers, reverse=bool(item["reverse"]))
            for n, item in enumerate(self.items, start=1)
        )
        lowest, highest = answers[0].value, answers[-1].value
        count = len(items)
        rule = Rule(self.rule)
        return Instrument(
            code=self.code,
            version=str(self.version),
            title=self.title,
            introduction=self.introduction,
            items=items,
            scales=(
                Scale(
                    name="score",
                    label=self.title,
                    items=tuple(item.id for item in items),
                    rule=rule,
                    min_answered=self.min_answered,
                    bands=tuple(Band(low, high, label) for low, high, label in self.bands),
                    bands_kind=BandKind.LOCAL,
                    low=lowest * count if rule == Rule.SUM else lowest,
                    high=highest * count if rule == Rule.SUM else highest,
                ),
            ),
            source="Built in this deployment; not a published instrument.",
            licence="Owned by the deployment that built it.",
            status=Status.CUSTOM,
        )
