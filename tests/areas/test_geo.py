"""The distance helper, against distances known independently."""

from __future__ import annotations

import pytest

from lib.geo import km_to_miles, miles_between, miles_to_km


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
