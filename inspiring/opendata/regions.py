"""The region of an address (OpenActive's `addressRegion`): the county of its district.

Counties from the ONS Local Authority District to County (April 2023) lookup
(Open Government Licence v3.0; see data/SOURCE.md): the districts this
programme serves. A district not listed (a unitary authority such as
Nottingham, which is its own region) is named by the district itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from inspiring.areas.models import District

COUNTIES = {
    "E07000170": "Nottinghamshire",  # Ashfield
    "E07000171": "Nottinghamshire",  # Bassetlaw
    "E07000172": "Nottinghamshire",  # Broxtowe
    "E07000173": "Nottinghamshire",  # Gedling
    "E07000174": "Nottinghamshire",  # Mansfield
    "E07000175": "Nottinghamshire",  # Newark and Sherwood
    "E07000176": "Nottinghamshire",  # Rushcliffe
}


def regions(district_codes: Iterable[str]) -> dict[str, str]:
    """Each district code's region: its county, else the district's name (one query at most)."""
    codes = {code for code in district_codes if code}
    found = {code: COUNTIES[code] for code in codes if code in COUNTIES}
    others = codes - set(found)
    if others:
        found.update(District.objects.filter(code__in=others).values_list("code", "name"))
    return found
