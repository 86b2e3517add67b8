"""Postcode entry: any spacing and case; malformed and unknown postcodes get a clear message."""

from __future__ import annotations

import pytest

from inspiring.areas.forms import PostcodeField
from inspiring.areas.geography import UnknownPostcode, resolve_postcode
from lib.postcodes import PostcodeError, normalise_postcode


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("NG18 1AA", "NG18 1AA"),
        ("ng181aa", "NG18 1AA"),
        ("  Ng18   1aA ", "NG18 1AA"),
        ("N G 1 8 1 A A", "NG18 1AA"),
        ("ng1 1aa", "NG1 1AA"),
        ("NG11AA", "NG1 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("sw1a1aa", "SW1A 1AA"),
        ("w1a 0ax", "W1A 0AX"),
        ("gir0aa", "GIR 0AA"),
        ("NG18\t1AA", "NG18 1AA"),
    ],
)
def test_any_spacing_and_case_is_accepted(typed: str, canonical: str) -> None:
    assert normalise_postcode(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a postcode"),
        ("   ", "Enter a postcode"),
        ("NG18", "Enter a full postcode, like NG18 1AA"),
        ("NG18 1AAA", "Enter a full postcode, like NG18 1AA"),
        ("NG18-1AA", "Enter a postcode using only letters and numbers, like NG18 1AA"),
        ("18NG 1AA", "Enter a real postcode, like NG18 1AA"),
        ("NG18 AA1", "Enter a real postcode, like NG18 1AA"),
        ("NGX8 1AA", "Enter a real postcode, like NG18 1AA"),
        ("ÑG18 1AA", "Enter a postcode using only letters and numbers, like NG18 1AA"),
    ],
)
def test_malformed_postcodes_are_refused_with_a_message(typed: str, message: str) -> None:
    with pytest.raises(PostcodeError) as error:
        normalise_postcode(typed)
    assert str(error.value) == message


@pytest.mark.django_db
def test_a_postcode_resolves_to_coordinates_district_lsoa_and_deprivation() -> None:
    # NG18 1AA is in central Mansfield.
    place = resolve_postcode("ng181aa")
    assert place.postcode == "NG18 1AA"
    assert place.district_code == "E07000174"
    assert place.district_name == "Mansfield"
    assert place.latitude == pytest.approx(53.14, abs=0.02)
    assert place.longitude == pytest.approx(-1.20, abs=0.02)
    assert place.lsoa_code is not None and place.lsoa_code.startswith("E01")
    assert place.lsoa_name is not None and place.lsoa_name.startswith("Mansfield")
    assert place.lsoa_approximate is True
    assert place.imd_decile is not None and 1 <= place.imd_decile <= 10


@pytest.mark.django_db
def test_the_lsoa_is_labelled_approximate() -> None:
    place = resolve_postcode("NG17 1AA")
    assert "approximate" in place.lsoa_label
    assert place.lsoa_code is not None and place.lsoa_code in place.lsoa_label


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["NG99 9ZZ", "SW1A 1AA", "NG1 1AA"])
def test_a_well_formed_postcode_we_do_not_know_says_so(typed: str) -> None:
    # NG1 is Nottingham: a real postcode, but not in the districts loaded.
    with pytest.raises(UnknownPostcode) as error:
        resolve_postcode(typed)
    assert "We could not find the postcode" in str(error.value)
    assert typed.upper() in str(error.value)


@pytest.mark.django_db
def test_the_form_field_cleans_to_a_place_or_a_message() -> None:
    field = PostcodeField()
    place = field.clean("ng17 7ae")
    assert place is not None and place.district_name == "Ashfield"
    for bad, message in [("", "Enter a postcode"), ("NG17", "Enter a full postcode")]:
        with pytest.raises(Exception) as error:
            field.clean(bad)
        assert message in str(error.value)


@pytest.mark.django_db
def test_distance_between_two_resolved_postcodes_is_in_miles() -> None:
    mansfield = resolve_postcode("NG18 1AA")
    sutton = resolve_postcode("NG17 1AA")
    miles = mansfield.miles_to(sutton.latitude, sutton.longitude)
    # Mansfield to Sutton-in-Ashfield town centres: about 3 miles as the crow flies.
    assert 2 < miles < 4.5
