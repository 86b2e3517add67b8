"""The distance helper, against distances known independently."""

from __future__ import annotations

import math

import pytest

from lib.geo import (
    EARTH_RADIUS_MILES,
    box_around,
    flat_reach,
    km_to_miles,
    miles_between,
    miles_to_km,
)


def test_zero_distance() -> None:
    assert miles_between(53.1, -1.2, 53.1, -1.2) == 0


def test_one_degree_of_latitude_is_about_69_miles() -> None:
    assert miles_between(53.0, -1.0, 54.0, -1.0) == pytest.approx(69.09, abs=0.05)


def test_equator_to_pole_is_a_quarter_of_the_circumference() -> None:
    # pi * R / 2 with the mean Earth radius of 3,958.76 miles.
    assert miles_between(0, 0, 90, 0) == pytest.approx(6218.4, abs=0.1)


def test_a_degree_of_longitude_shrinks_with_latitude() -> None:
    # At 53 degrees north (Mansfield), cos(53) * 69.09 = 41.6 miles.
    assert miles_between(53.0, -1.5, 53.0, -0.5) == pytest.approx(41.58, abs=0.05)


def test_distance_is_symmetric() -> None:
    a = miles_between(53.14, -1.2, 53.08, -1.27)
    b = miles_between(53.08, -1.27, 53.14, -1.2)
    assert a == pytest.approx(b)


def test_kilometres_and_miles() -> None:
    assert miles_to_km(1) == pytest.approx(1.609344)
    assert km_to_miles(1.609344) == pytest.approx(1)


@pytest.mark.parametrize("bad", [(91, 0, 0, 0), (0, 181, 0, 0), (0, 0, -91, 0)])
def test_out_of_range_coordinates_are_refused(bad: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        miles_between(*bad)


@pytest.mark.parametrize(
    ("lat", "lng", "miles"),
    [
        (53.1, -1.25, 1.0),
        (53.1, -1.25, 5.0),
        (52.0, 0.0, 100.0),
        (70.0, 20.0, 300.0),
        (-45, 170, 50),
    ],
)
def test_the_box_around_a_point_holds_its_whole_circle(
    lat: float, lng: float, miles: float
) -> None:
    """Every point on the circle of `miles` around the point (sampled every half degree
    of bearing) is inside the box: the index's cut never loses a place in reach."""
    south, north, west, east = box_around(lat, lng, miles)
    radius = miles / EARTH_RADIUS_MILES
    phi1, lambda1 = math.radians(lat), math.radians(lng)
    for step in range(720):
        bearing = math.radians(step / 2)
        phi2 = math.asin(
            math.sin(phi1) * math.cos(radius)
            + math.cos(phi1) * math.sin(radius) * math.cos(bearing)
        )
        lambda2 = lambda1 + math.atan2(
            math.sin(bearing) * math.sin(radius) * math.cos(phi1),
            math.cos(radius) - math.sin(phi1) * math.sin(phi2),
        )
        point = math.degrees(phi2), math.degrees(lambda2)
        assert miles_between(lat, lng, *point) == pytest.approx(miles)
        assert south <= point[0] <= north and west <= point[1] <= east, (step, point)


def test_the_box_is_wider_than_a_flat_approximation_far_out() -> None:
    # 99.999 miles east of (52, 0): outside a box of d / cos(latitude), inside this one.
    assert miles_between(52.0, 0.0, 52.0234, 2.35122) < 100
    west, east = box_around(52.0, 0.0, 100.0)[2:]
    assert east > 2.35122 and west < -2.35122


def test_a_box_reaching_a_pole_spans_every_longitude() -> None:
    assert box_around(89.5, 10.0, 100.0) == pytest.approx((88.0527, 90.0, -180.0, 180.0), abs=1e-3)


@pytest.mark.parametrize(
    ("lat", "lng", "miles"),
    [(53.1, -1.25, 5.0), (52.0, 0.0, 100.0), (70.0, 20.0, 300.0), (-60, 5, 80)],
)
def test_the_flat_reach_holds_the_whole_circle(lat: float, lng: float, miles: float) -> None:
    """Points on the circle (and just inside it) pass the flat cut; points well outside
    it, beyond the cut's slack, do not."""
    reach = flat_reach(lat, miles)
    assert reach is not None
    scale, limit = reach
    radius = miles / EARTH_RADIUS_MILES
    phi1, lambda1 = math.radians(lat), math.radians(lng)
    for step in range(720):
        bearing = math.radians(step / 2)
        for share in (0.5, 0.999999, 1.0):
            angle = radius * share
            phi2 = math.asin(
                math.sin(phi1) * math.cos(angle)
                + math.cos(phi1) * math.sin(angle) * math.cos(bearing)
            )
            lambda2 = lambda1 + math.atan2(
                math.sin(bearing) * math.sin(angle) * math.cos(phi1),
                math.cos(angle) - math.sin(phi1) * math.sin(phi2),
            )
            dlat, dlng = math.degrees(phi2) - lat, math.degrees(lambda2) - lng
            assert dlat * dlat + (scale * dlng) ** 2 <= limit, (step, share)
    # Due north at 1.01 times the distance is cut.
    beyond = math.degrees(radius) * 1.01
    assert beyond * beyond > limit


def test_no_flat_reach_near_a_pole() -> None:
    assert flat_reach(89.5, 100.0) is None
