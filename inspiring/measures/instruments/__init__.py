"""The instrument library: one module per shipped instrument, each exporting INSTRUMENT.

`shipped()` lists them; `get(code)` finds one (custom instruments built in this
deployment are found by `inspiring.measures.library`, which also knows which are
switched on).
"""

from __future__ import annotations

from .base import Instrument
from .ons4 import INSTRUMENT as ONS4

SHIPPED: dict[str, Instrument] = {instrument.code: instrument for instrument in (ONS4,)}


def shipped() -> list[Instrument]:
    return list(SHIPPED.values())


def get(code: str) -> Instrument | None:
    return SHIPPED.get(code)
