"""Instruments put into words for the staff pages: each one's state in this deployment,
and how each scale is scored."""

from __future__ import annotations

from dataclasses import dataclass

from .instruments import shipped
from .instruments.base import BandKind, Instrument, Rule, Scale, Status
from .library import Switches
from .models import CustomInstrument

BAND_KINDS = {
    BandKind.OFFICIAL: "Official: published by the instrument's owner",
    BandKind.CONVENTIONAL: "Conventional: used in the literature, not published by the owner",
    BandKind.LOCAL: "Set in this deployment by whoever built the instrument",
}


@dataclass(frozen=True)
class Entry:
    instrument: Instrument
    usable: bool
    # What the library says about it ("Ready", "Needs a licence", "To confirm", "Custom v2"),
    # and the NHS.UK tag colour beside the words (never the colour alone).
    status: str
    tag: str


def entry(instrument: Instrument, switches: Switches) -> Entry:
    usable = instrument.status == Status.CUSTOM or switches.allows(instrument)
    if instrument.status == Status.CUSTOM:
        return Entry(instrument, True, f"Custom v{instrument.version}", "nhsuk-tag--blue")
    if instrument.status == Status.TEMPLATE:
        if usable:
            return Entry(instrument, True, "Ready (confirmed)", "nhsuk-tag--green")
        return Entry(instrument, False, "To confirm", "nhsuk-tag--orange")
    if instrument.needs_licence:
        if usable:
            return Entry(instrument, True, "Ready (licensed)", "nhsuk-tag--green")
        return Entry(instrument, False, "Needs a licence", "nhsuk-tag--yellow")
    return Entry(instrument, True, "Ready", "nhsuk-tag--green")


@dataclass(frozen=True)
class Library:
    shipped: list[Entry]
    templates: list[Entry]
    custom: list[Entry]


def library_entries() -> Library:
    """Every instrument with its state: three queries whatever the number of them."""
    switches = Switches.load()
    ready = [entry(i, switches) for i in shipped()]
    return Library(
        shipped=[e for e in ready if e.instrument.status == Status.SHIPPED],
        templates=[e for e in ready if e.instrument.status == Status.TEMPLATE],
        custom=[
            entry(c.to_instrument(), switches) for c in CustomInstrument.objects.latest_versions()
        ],
    )


def _range(low: float, high: float) -> str:
    return f"{low:g} to {high:g}"


def scoring(instrument: Instrument, scale: Scale) -> list[str]:
    """How `scale` is scored, as sentences for the instrument page."""
    count = len(scale.items)
    reversed_items = [
        n
        for n, item in enumerate(instrument.items, start=1)
        if item.id in scale.items and item.reverse
    ]
    said: list[str] = []
    if scale.rule == Rule.SINGLE:
        said.append("The value of the answer, reported on its own.")
    else:
        what = "sum" if scale.rule == Rule.SUM else "mean"
        said.append(f"The {what} of the values of {count} items.")
        if reversed_items:
            numbers = ", ".join(str(n) for n in reversed_items)
            said.append(
                f"Reverse keyed: item{'s' if len(reversed_items) > 1 else ''} {numbers}, "
                "scored as the lowest value plus the highest minus the answer."
            )
    needed = count if scale.min_answered is None else scale.min_answered
    if needed >= count:
        said.append("The item must be answered." if count == 1 else "Every item must be answered.")
    else:
        extra = (
            " With some missing, the sum is prorated: the mean of the answered items times "
            f"{count}."
            if scale.rule == Rule.SUM
            else ""
        )
        said.append(f"At least {needed} of the {count} items must be answered.{extra}")
    if scale.conversion is not None:
        said.append("The raw sum is converted to the reported score with the table below.")
    if scale.high > scale.low:
        said.append(f"Scores run from {_range(scale.low, scale.high)}.")
    if instrument.status != Status.CUSTOM:
        # Whoever built a custom instrument did not say which way is better.
        said.append("Higher is better." if scale.higher_is_better else "Lower is better.")
    return said
