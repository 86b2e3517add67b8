"""Finding instruments: the shipped ones and those built in this deployment.

Every other app asks here, never the instruments package or the models directly:
`get(code, version)` for scoring a stored administration (any version, switched on or
not: scoring administers nothing), `usable()` and `is_usable(code)` for what may be
administered now:
- a shipped instrument, unless it needs a licence no site administrator has recorded
  (SWEMWBS);
- a template, once someone who builds instruments has confirmed its wording against
  the published paper;
- the latest version of each custom instrument.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import instruments
from .instruments.base import Instrument, Status
from .models import CustomInstrument, InstrumentLicence, TemplateConfirmation


def _version_number(version: str | int | None) -> int | None:
    if version is None:
        return None
    text = str(version).strip().lstrip("vV")
    return int(text) if text.isdigit() else -1


def get(code: str, version: str | int | None = None) -> Instrument | None:
    """The instrument `code` at `version` (the current one when None), or None."""
    instrument = instruments.get(code)
    if instrument is not None:
        if version is None or str(version) == instrument.version:
            return instrument
        return None
    custom = get_custom(code, version)
    return custom.to_instrument() if custom is not None else None


def get_custom(code: str, version: str | int | None = None) -> CustomInstrument | None:
    """A custom instrument's stored version (the latest when None)."""
    number = _version_number(version)
    found = CustomInstrument.objects.filter(code=code)
    if number is not None:
        return found.filter(version=number).first()
    return found.order_by("-version").first()


def known_codes() -> list[str]:
    """Every code `get` answers: shipped first, then custom ones."""
    custom = CustomInstrument.objects.order_by("code").values_list("code", flat=True).distinct()
    return [*instruments.SHIPPED, *custom]


@dataclass(frozen=True)
class Switches:
    """What this deployment has recorded: licences held, template versions confirmed.
    Two queries; every check below reads from it."""

    licensed: frozenset[str]
    confirmed: frozenset[tuple[str, str]]

    @classmethod
    def load(cls) -> Switches:
        return cls(
            licensed=frozenset(
                InstrumentLicence.objects.current().values_list("instrument_code", flat=True)
            ),
            confirmed=frozenset(
                TemplateConfirmation.objects.values_list("instrument_code", "instrument_version")
            ),
        )

    def allows(self, instrument: Instrument) -> bool:
        if instrument.status == Status.TEMPLATE:
            return (instrument.code, instrument.version) in self.confirmed
        if instrument.needs_licence:
            return instrument.code in self.licensed
        return True


def usable() -> list[Instrument]:
    """The instruments that may be administered now, shipped ones first."""
    switches = Switches.load()
    shipped = [i for i in instruments.shipped() if switches.allows(i)]
    custom = [c.to_instrument() for c in CustomInstrument.objects.latest_versions()]
    return shipped + custom


def is_usable(code: str) -> bool:
    """Whether `code` may be administered now (its current version)."""
    instrument = instruments.get(code)
    if instrument is None:
        return CustomInstrument.objects.filter(code=code).exists()
    if instrument.status == Status.TEMPLATE:
        return TemplateConfirmation.objects.filter(
            instrument_code=code, instrument_version=instrument.version
        ).exists()
    if instrument.needs_licence:
        return InstrumentLicence.objects.current().filter(instrument_code=code).exists()
    return True
