"""Distances on the Earth's surface."""

from __future__ import annotations

import math
from collections.abc import Callable

# Mean Earth radius (IUGG), in miles: the distances people are shown are in
# miles, as on UK road signs.
EARTH_RADIUS_MILES = 3958.7613
KM_PER_MILE = 1.609344


def _check(lat: float, lng: float) -> None:
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside -90..90")
    if not -180.0 <= lng <= 180.0:
        raise ValueError(f"longitude {lng} is outside -180..180")


def miles_from(lat1: float, lng1: float) -> Callable[[float, float], float]:
    """The great-circle (haversine) distance in miles from one point, as a function of
    the other: for many distances from one place (the other points are not checked)."""
    _check(lat1, lng1)
    phi1 = math.radians(lat1)
    cos_phi1 = math.cos(phi1)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt

    def miles_to(lat2: float, lng2: float) -> float:
        phi2 = radians(lat2)
        a = sin((phi2 - phi1) / 2) ** 2 + cos_phi1 * cos(phi2) * sin(radians(lng2 - lng1) / 2) ** 2
        return 2 * EARTH_RADIUS_MILES * asin(min(1.0, sqrt(a)))

    return miles_to


def miles_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in miles between two WGS84 points.

    Straight-line distance: a walk or a bus ride is longer. Accurate to about
    0.5% for the short distances that matter here.
    """
    _check(lat2, lng2)
    return miles_from(lat1, lng1)(lat2, lng2)


def box_around(lat: float, lng: float, miles: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): the smallest latitude/longitude box holding every
    point within `miles` (great-circle) of the point, for an indexed range before the
    exact distance. Its east-west half-width is asin(sin d / cos lat), wider than
    d / cos lat far from the point; a hair of margin covers rounding."""
    _check(lat, lng)
    angle = miles / EARTH_RADIUS_MILES * (1 + 1e-9)
    dlat = math.degrees(angle)
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    spread = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-12)
    if angle >= math.pi / 2 or spread >= 1 or north >= 90.0 or south <= -90.0:
        return south, north, -180.0, 180.0  # reaches a pole or half the globe
    dlng = math.degrees(math.asin(spread)) * (1 + 1e-9)
    return south, north, lng - dlng, lng + dlng


def flat_reach(lat: float, miles: float) -> tuple[float, float] | None:
    """(scale, limit): every point within `miles` (great-circle) of a point at `lat` has
    dlat**2 + (scale * dlng)**2 <= limit, in degrees from it. The flat metric uses the
    cosine of the most poleward latitude in reach, which nowhere exceeds the sphere's,
    so the great-circle path to any point in reach is no shorter under it: a cheap
    arithmetic cut, in SQL, before the exact distance. None when reach touches a pole."""
    reach = math.degrees(miles / EARTH_RADIUS_MILES)
    poleward = abs(lat) + reach
    if poleward >= 90.0:
        return None
    return math.cos(math.radians(poleward)), reach * reach * (1 + 1e-9)


def miles_to_km(miles: float) -> float:
    return miles * KM_PER_MILE


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE
