"""Clients: the people referred to the programme, and their consents."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lib.identifiers import format_nhs_number

from .. import choices


class ClientQuerySet(models.QuerySet["Client"]):
    def in_area(self, area_id: int) -> ClientQuerySet:
        return self.filter(area_id=area_id, erased_at__isnull=True)

    def open(self) -> ClientQuerySet:
        return self.filter(closed_at__isnull=True)


class Client(models.Model):
    """A person the programme supports. Special category data: reached only through
    casework.access, and every read and change is audited."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="clients")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
        verbose_name="link worker",
    )

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(
        max_length=100, blank=True, help_text="What they like to be called, if different"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True, db_index=True)

    address_line_1 = models.CharField("address line 1", max_length=200, blank=True)
    address_line_2 = models.CharField("address line 2", max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    # From the postcode (areas.geography): where they live, for equity reporting.
    lsoa_code = models.CharField("LSOA", max_length=9, blank=True)
    lsoa_approximate = models.BooleanField(default=False)
    imd_decile = models.PositiveSmallIntegerField("IMD decile", null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(
        "preferred way to contact them",
        max_length=10,
        choices=choices.ContactMethod.choices,
        blank=True,
    )
    contact_times = models.CharField(
        "best times to contact them",
        max_length=200,
        blank=True,
        help_text="For example, weekday mornings, not after 6pm",
    )

    sex = models.CharField(max_length=20, choices=choices.Sex.choices, blank=True)
    gender_identity = models.CharField(
        "is the gender they identify with the same as their sex registered at birth?",
        max_length=20,
        choices=choices.GenderIdentity.choices,
        blank=True,
    )
    ethnic_group = models.CharField(max_length=40, choices=choices.EthnicGroup.choices, blank=True)
    disability = models.CharField(
        "are their day-to-day activities limited by a health problem or disability?",
        max_length=20,
        choices=choices.Disability.choices,
        blank=True,
    )
    unpaid_carer = models.CharField(
        "do they look after or support someone, unpaid?",
        max_length=20,
        choices=choices.UnpaidCarer.choices,
        blank=True,
    )
    employment = models.CharField(max_length=20, choices=choices.Employment.choices, blank=True)
    gp_practice = models.CharField("GP practice", max_length=200, blank=True)
    # The practice from the loaded list (NHS ODS code), when it is there; `gp_practice`
    # keeps the name as typed for a practice not in the list.
    registered_practice = models.ForeignKey(
        "areas.GPPractice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="GP practice",
    )

    # Consents. Holding their data is required; the rest are their choice.
    consent_to_hold = models.BooleanField(default=False)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_to_contact = models.BooleanField(default=False)
    # To the message back to their GP and referrer when the case closes.
    consent_to_inform_gp = models.BooleanField(default=False)
    consent_to_research = models.BooleanField(default=False)

    # Flagged on entry: same NHS number, or same name and date of birth.
    possible_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Bumped on every save through the forms: two people editing at once cannot
    # silently overwrite each other (the second is told and shown the change).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Anything recorded about them (contacts, steps, changes): retention counts from it.
    last_activity_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Erased: personal fields blanked, this row kept as an audited tombstone.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["area", "last_name", "first_name"]),
            models.Index(fields=["last_name", "first_name", "date_of_birth"]),
            # Monitoring: an area's clients from the index alone when a period's rows
            # are joined to them.
            models.Index(fields=["area", "id"], name="casework_client_area_pk"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=False) | models.Q(consent_to_hold=True),
                name="client_held_with_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="client_imd_decile_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        # Not their name: this is what the audit log keeps, and must outlive an erasure.
        return f"Client {str(self.public_id)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("casework:client", kwargs={"public_id": self.public_id})

    def touch(self) -> None:
        """Something was recorded about them: the retention period counts from now."""
        now = timezone.now()
        Client.objects.filter(pk=self.pk).update(last_activity_at=now, updated_at=now)

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return "Erased client"
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    def age_on(self, day: date) -> int | None:
        born = self.date_of_birth
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
