"""Finding instruments: the shipped ones and those built in this deployment.

Every other app asks here, never the instruments package or the models directly:
`get(code, version)` for scoring a stored administration (any version, switched on or
not: scoring administers nothing), `usable()` for what may be administered now.
"""

from __future__ import annotations

from . import instruments
from .instruments.base import Instrument, Status


def get(code: str, version: str | None = None) -> Instrument | None:
    """The instrument `code` at `version` (the current one when None)."""
    instrument = instruments.get(code)
    if instrument is not None and (version is None or version == instrument.version):
        return instrument
    return None


def usable() -> list[Instrument]:
    """The instruments that may be administered now: shipped ones switched on."""
    return [i for i in instruments.shipped() if i.status == Status.SHIPPED and not i.needs_licence]
