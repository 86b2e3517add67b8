"""Areas (local programmes) and the geography they sit on.

An area is one local programme ("Inspiring Mansfield"), usually one local
authority district (its lead district, `Area.local_authority_code`); a
programme covering several names the others as `AreaDistrict` rows. A district
belongs to one area at most, so a place has at most one programme. Areas choose
which neighbouring areas see their activities (`Area.shares_with`).

Geography is reference data loaded by `manage.py load_geography`: districts,
LSOAs (2011) with their population-weighted centroid and English Indices of
Deprivation 2019 rank and decile, and postcodes with coordinates and the LSOA
they fall in (or, when the source has no LSOA column, the nearest LSOA
centroid, flagged as approximate).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.urls import reverse

# First path segments that belong to the site, so no area can take them as its slug.
RESERVED_SLUGS = frozenset(
    {
        "about",
        "accounts",
        "admin",
        "api",
        "help",
        "invitations",
        "listings",
        "media",
        "static",
        "staff",
        "health",
    }
)

gss_code_validator = RegexValidator(
    r"^[EWSN][0-9]{8}$",
    "Enter a GSS code: a letter and 8 digits, like E07000170",
)


def validate_area_slug(value: str) -> None:
    # Lower-cased here: validators run before clean(), which lower-cases the slug.
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            "%(slug)s is used by the site itself. Choose another web address.",
            params={"slug": value},
        )


class AreaQuerySet(models.QuerySet["Area"]):
    def sharing_with(self, area: Area) -> AreaQuerySet:
        """The areas whose activities people in `area` see: itself and those sharing with it."""
        return self.filter(models.Q(pk=area.pk) | models.Q(shares_with=area)).distinct()

    def covering(self, district_code: str) -> AreaQuerySet:
        """The area covering a district (lead or further): one at most."""
        return self.filter(
            models.Q(local_authority_code=district_code)
            | models.Q(further_districts__code=district_code)
        ).distinct()


def in_districts_of(area_ids: Any, field: str = "district_code") -> models.Q:
    """Rows whose `field` is a district of the areas `area_ids` (ids, or a subquery of
    them): lead and further districts, as one condition (no query of its own)."""
    return models.Q(
        **{f"{field}__in": Area.objects.filter(pk__in=area_ids).values("local_authority_code")}
    ) | models.Q(**{f"{field}__in": AreaDistrict.objects.filter(area__in=area_ids).values("code")})


class Area(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="For example, Mansfield")
    programme_name = models.CharField(
        max_length=150, help_text="The local programme's name, for example Inspiring Mansfield"
    )
    slug = models.SlugField(
        max_length=60,
        unique=True,
        validators=[validate_area_slug],
        help_text="The web address of the area's public pages: /<slug>/",
    )
    local_authority_code = models.CharField(
        "local authority code",
        max_length=9,
        validators=[gss_code_validator],
        help_text=(
            "The lead district's GSS code, for example E07000174 for Mansfield (any further "
            "districts the programme covers are listed below it)"
        ),
    )
    lead_organisation = models.CharField(
        max_length=200,
        help_text="The organisation that coordinates the programme, for example the local CVS",
    )
    # A TextField's max_length is not enforced by the database or by full_clean: the
    # validator is.
    summary = models.TextField(
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000, "Summary must be 1,000 characters or fewer")],
        help_text="A short introduction for residents",
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    shares_with = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="shared_by",
        help_text="Neighbouring areas that see this area's activities",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("areas:home", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.slug:
            self.slug = self.slug.lower()
        if self.local_authority_code:
            self.local_authority_code = self.local_authority_code.strip().upper()
            other = covered_by(self.local_authority_code, excluding=self.pk)
            if other is not None:
                raise ValidationError(
                    {
                        "local_authority_code": (
                            f"{self.local_authority_code} is already covered by {other.name}."
                        )
                    }
                )

    def district(self) -> District | None:
        """The lead district, if the geography has it."""
        return District.objects.filter(code=self.local_authority_code).first()

    def district_codes(self) -> list[str]:
        """Every district the area covers: the lead first, then the further ones by code."""
        further = sorted(d.code for d in self.further_districts.all()) if self.pk else []
        return [self.local_authority_code, *(c for c in further if c != self.local_authority_code)]

    def districts_named(self) -> list[tuple[str, str]]:
        """(code, name) of each district, in `district_codes` order; the name is "" for a
        district the geography has not loaded."""
        codes = self.district_codes()
        names = dict(District.objects.filter(code__in=codes).values_list("code", "name"))
        return [(code, names.get(code, "")) for code in codes]


class AreaDistrict(models.Model):
    """A further local authority district an area covers beyond its lead one (a CVS
    serving two districts, or a county-wide programme). A district is one area's at
    most: `code` is unique here, and `Area.clean`/`clean` refuse one that is another
    area's lead district."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="further_districts")
    code = models.CharField(
        "district code",
        max_length=9,
        unique=True,
        validators=[gss_code_validator],
        help_text="The district's GSS code, for example E07000173 for Gedling",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "further district"

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = (self.code or "").strip().upper()
        other = covered_by(self.code, excluding=self.area_id)
        if other is not None:
            raise ValidationError({"code": f"{self.code} is already covered by {other.name}."})
        if self.area_id is not None and self.area.local_authority_code == self.code:
            raise ValidationError({"code": f"{self.code} is this area's lead district already."})


def covered_by(code: str, *, excluding: int | None = None) -> Area | None:
    """The area (other than `excluding`) that covers district `code`, if one does."""
    found = Area.objects.covering(code)
    if excluding is not None:
        found = found.exclude(pk=excluding)
    return found.first()


class District(models.Model):
    """A local authority district (lower tier), named by its GSS code."""

    code = models.CharField(max_length=9, unique=True, validators=[gss_code_validator])
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class LSOA(models.Model):
    """A Lower Layer Super Output Area (2011 boundaries, as the IMD 2019 uses)."""

    code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=100)
    district_code = models.CharField(max_length=9, blank=True, db_index=True)
    # Population-weighted centroid (WGS84).
    latitude = models.FloatField()
    longitude = models.FloatField()
    # English Indices of Deprivation 2019: rank 1 is the most deprived of
    # 32,844 LSOAs; decile 1 is the most deprived tenth of England.
    imd_rank = models.PositiveIntegerField(null=True, blank=True)
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    # Mid-2015 population (excluding prisoners), from the English Indices of Deprivation
    # 2019 File 6 (population denominators): equity figures compare with these.
    population = models.PositiveIntegerField(null=True, blank=True)
    population_0_15 = models.PositiveIntegerField("population aged 0-15", null=True, blank=True)
    population_16_59 = models.PositiveIntegerField("population aged 16-59", null=True, blank=True)
    population_60_plus = models.PositiveIntegerField(
        "population aged 60 and over", null=True, blank=True
    )

    class Meta:
        verbose_name = "LSOA"
        verbose_name_plural = "LSOAs"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="lsoa_imd_decile_1_to_10",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Postcode(models.Model):
    # Canonical form, "NG18 1AA": the key every lookup uses.
    postcode = models.CharField(max_length=8, unique=True)
    district_code = models.CharField(max_length=9, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    lsoa = models.ForeignKey(
        LSOA, null=True, blank=True, on_delete=models.SET_NULL, related_name="postcodes"
    )
    # True when `lsoa` is the nearest population-weighted centroid rather than
    # the LSOA the postcode is in (the shipped data has no postcode-to-LSOA
    # lookup). Shown to people as "approximate".
    lsoa_approximate = models.BooleanField(default=True)

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return self.postcode


class GPPractice(models.Model):
    """A GP practice from the NHS Organisation Data Service (the `epraccur` file), with
    its primary care network and registered list size when those files are loaded
    (`manage.py load_gp_practices`). Reference data: no personal data."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Open"
        CLOSED = "closed", "Closed"
        DORMANT = "dormant", "Dormant"
        PROPOSED = "proposed", "Proposed"

    # The ODS code: a letter and five digits for a practice ("C84001").
    code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=8, blank=True)
    # From the postcode, when it is among the loaded postcodes: which area's list it is on.
    district_code = models.CharField(max_length=9, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    pcn_code = models.CharField("PCN code", max_length=10, blank=True, db_index=True)
    pcn_name = models.CharField("primary care network", max_length=200, blank=True)
    # Patients registered at the practice (NHS Digital's monthly publication).
    list_size = models.PositiveIntegerField("registered patients", null=True, blank=True)
    list_size_on = models.DateField("list size as at", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "GP practice"
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class GeographyLoad(models.Model):
    """One run of load_geography: what it read and what it changed.

    Also lets `make run` skip a reload when the source files are unchanged.
    """

    loaded_at = models.DateTimeField(auto_now_add=True)
    sources = models.JSONField(help_text="File name and SHA-256 of each source read")
    fingerprint = models.CharField(max_length=64, db_index=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"

    def __str__(self) -> str:
        return f"Geography load at {self.loaded_at:%Y-%m-%d %H:%M}"
