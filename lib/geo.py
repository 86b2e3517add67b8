"""Distances on the Earth's surface."""

from __future__ import annotations

import math

# Mean Earth radius (IUGG), in miles: the distances people are shown are in
# miles, as on UK road signs.
EARTH_RADIUS_MILES = 3958.7613
KM_PER_MILE = 1.609344


def miles_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in miles between two WGS84 points.

    Straight-line distance: a walk or a bus ride is longer. Accurate to about
    0.5% for the short distances that matter here.
    """
    for lat in (lat1, lat2):
        if not -90.0 <= lat <= 90.0:
            raise ValueError(f"latitude {lat} is outside -90..90")
    for lng in (lng1, lng2):
        if not -180.0 <= lng <= 180.0:
            raise ValueError(f"longitude {lng} is outside -180..180")
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def miles_to_km(miles: float) -> float:
    return miles * KM_PER_MILE


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE
