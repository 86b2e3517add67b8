"""Partner organisations and the venues where activities happen."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from lib.identifiers import IdentifierError, normalise_charity_number, normalise_company_number

from .text import limited


class Organisation(models.Model):
    """A partner: a charity, group, council service, library, museum, business, …"""

    class Kind(models.TextChoices):
        CHARITY = "charity", "Charity"
        CIC = "cic", "Community interest company"
        COMMUNITY_GROUP = "community_group", "Community group"
        COUNCIL = "council", "Council"
        NHS = "nhs", "NHS"
        FAITH = "faith", "Faith group"
        BUSINESS = "business", "Business"

    class Agreement(models.TextChoices):
        NONE = "none", "No agreement"
        INVITED = "invited", "Invited"
        SIGNED = "signed", "Signed"
        LAPSED = "lapsed", "Lapsed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    home_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="organisations"
    )
    areas_served = models.ManyToManyField(
        "areas.Area", blank=True, related_name="organisations_serving"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    charity_number = models.CharField(max_length=12, blank=True)
    company_number = models.CharField(max_length=8, blank=True)
    description = models.TextField(blank=True, **limited(2000, "Description"))
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    agreement = models.CharField(
        "partner agreement", max_length=10, choices=Agreement.choices, default=Agreement.NONE
    )
    # Trusted partners publish new and changed activities without approval.
    trusted = models.BooleanField(default=False)
    # Partner leads who keep this organisation's listings current.
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="led_organisations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["home_area", "name"], name="organisation_area_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:staff_organisation", kwargs={"public_id": self.public_id})

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.charity_number:
            try:
                self.charity_number = normalise_charity_number(self.charity_number)
            except IdentifierError as exc:
                errors["charity_number"] = str(exc)
        if self.company_number:
            try:
                self.company_number = normalise_company_number(self.company_number)
            except IdentifierError as exc:
                errors["company_number"] = str(exc)
        if errors:
            raise ValidationError(errors)


class Venue(models.Model):
    """A place, owned by an organisation, with its access information."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(max_length=200)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8)
    # From the postcode (areas.geography), so venues stay where they were put
    # even if the postcode data is reloaded.
    latitude = models.FloatField()
    longitude = models.FloatField()
    district_code = models.CharField(max_length=9, blank=True)
    step_free = models.BooleanField("step-free access", default=False)
    accessible_toilet = models.BooleanField(default=False)
    hearing_loop = models.BooleanField(default=False)
    parking = models.BooleanField(default=False)
    near_bus_stop = models.BooleanField(default=False)
    bus_routes = models.CharField(
        max_length=100, blank=True, help_text="For example, 1, 141, Pronto"
    )
    access_notes = models.TextField(
        "other access information", blank=True, **limited(1000, "Other access information")
    )
    # The owner decides whether other organisations may list activities here.
    open_to_other_organisations = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # Distance searches (What's on, matching) cut by a bounding box: a range on
        # latitude, then longitude.
        indexes = [models.Index(fields=["latitude", "longitude"], name="venue_position")]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}"

    @property
    def address(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return ", ".join(part for part in parts if part)

    ACCESS_LABELS = (
        ("step_free", "Step-free access"),
        ("accessible_toilet", "Accessible toilet"),
        ("hearing_loop", "Hearing loop"),
        ("parking", "Parking"),
    )

    def access_features(self) -> list[str]:
        labels = [label for name, label in self.ACCESS_LABELS if getattr(self, name)]
        if self.near_bus_stop:
            labels.append(
                f"Near a bus stop ({self.bus_routes})" if self.bus_routes else "Near a bus stop"
            )
        return labels
