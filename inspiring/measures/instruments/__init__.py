"""The instrument library: one module per shipped instrument, each exporting INSTRUMENT.

`shipped()` lists them; `get(code)` finds one (custom instruments built in this
deployment are found by `inspiring.measures.library`, which also knows which are
switched on).
"""

from __future__ import annotations

from .base import Instrument
from .group_memberships import INSTRUMENT as GROUP_MEMBERSHIPS
from .neighbourhood_identification import INSTRUMENT as NEIGHBOURHOOD_IDENTIFICATION
from .ons4 import INSTRUMENT as ONS4
from .ons_loneliness import INSTRUMENT as ONS_LONELINESS
from .swemwbs import INSTRUMENT as SWEMWBS

# In the order the library lists them: ready ones, the licensed one, then templates.
SHIPPED: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (
        ONS4,
        ONS_LONELINESS,
        SWEMWBS,
        GROUP_MEMBERSHIPS,
        NEIGHBOURHOOD_IDENTIFICATION,
    )
}


def shipped() -> list[Instrument]:
    return list(SHIPPED.values())


def get(code: str) -> Instrument | None:
    return SHIPPED.get(code)
