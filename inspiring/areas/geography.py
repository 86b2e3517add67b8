"""Resolving a typed postcode to a place: coordinates, district, LSOA, deprivation.

Every app that takes a postcode (venues, clients, the public "near me" search)
goes through `resolve_postcode`, or the `PostcodeField` form field built on it,
so the rules and the messages are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from lib.geo import miles_between
from lib.postcodes import PostcodeError, normalise_postcode

from .models import Area, District, Postcode


class UnknownPostcode(PostcodeError):
    """A well-formed postcode that is not in the loaded geography."""


@dataclass(frozen=True)
class Place:
    """Where a postcode is. `lsoa_approximate` must be shown wherever the LSOA is."""

    postcode: str
    latitude: float
    longitude: float
    district_code: str
    district_name: str
    lsoa_code: str | None
    lsoa_name: str | None
    lsoa_approximate: bool
    imd_decile: int | None
    imd_rank: int | None

    def miles_to(self, latitude: float, longitude: float) -> float:
        return miles_between(self.latitude, self.longitude, latitude, longitude)

    @property
    def lsoa_label(self) -> str:
        """The LSOA as people should read it, saying when it is an approximation."""
        if not self.lsoa_code:
            return "Not known"
        label = f"{self.lsoa_name} ({self.lsoa_code})"
        return (
            f"{label}, approximate (nearest neighbourhood centre)"
            if self.lsoa_approximate
            else label
        )


def resolve_postcode(value: str) -> Place:
    """Resolve what someone typed to a Place.

    Raises PostcodeError (malformed) or UnknownPostcode (well formed, not
    found); str(error) is a message to show the person.
    """
    canonical = normalise_postcode(value)
    # One query: the postcode, its LSOA and its district's name.
    district_name = District.objects.filter(code=OuterRef("district_code")).values("name")[:1]
    row = (
        Postcode.objects.filter(postcode=canonical)
        .annotate(district_name=Subquery(district_name))
        .values(
            "postcode",
            "latitude",
            "longitude",
            "district_code",
            "district_name",
            "lsoa_approximate",
            "lsoa__code",
            "lsoa__name",
            "lsoa__imd_decile",
            "lsoa__imd_rank",
        )
        .first()
    )
    if row is None:
        raise UnknownPostcode(
            f"We could not find the postcode {canonical}. Check it is right: this site only "
            "knows postcodes in the areas it serves."
        )
    return Place(
        postcode=row["postcode"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        district_code=row["district_code"],
        district_name=row["district_name"] or row["district_code"],
        lsoa_code=row["lsoa__code"],
        lsoa_name=row["lsoa__name"],
        lsoa_approximate=row["lsoa_approximate"],
        imd_decile=row["lsoa__imd_decile"],
        imd_rank=row["lsoa__imd_rank"],
    )


def area_for_place(place: Place) -> Area | None:
    """The programme covering a place's district (its lead or a further one), if one does."""
    return Area.objects.covering(place.district_code).first()
