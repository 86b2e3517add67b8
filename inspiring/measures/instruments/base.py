"""What every instrument is: items with their wording and options, scales scored from them.

An instrument is data, not code: one module per instrument (`ons4.py`, …) builds an
`Instrument` with the same small interface, and `score(instrument, answers)` scores any
of them by the one set of rules below, so a scoring rule can be checked from outside
(`manage.py score CODE --json`) and custom instruments are scored exactly like shipped
ones.

Answers are `{item_id: value}`: the option's value (an int), or None / absent for an
item not answered. Anything else (an unknown item, a value that is not one of the
item's options) is listed in `problems` and treated as not answered; scoring never
raises on bad answers.

Scales:
- `single`: the item's value as it is (each ONS4 question is its own scale, never
  summed).
- `sum` / `mean`: of the items' values after reverse keying (reversed = lowest + highest
  - value). Missing data: a scale needs at least `min_answered` of its items (default:
  all of them). A `sum` with some items missing (allowed by `min_answered`) is prorated:
  the mean of the answered items times the number of items, rounded to 2 places, so it
  stays on the scale's range.
- `conversion`: a table from the raw sum to the reported score (SWEMWBS's metric
  score); the raw sum is reported beside it.

An administration is `complete` only when every item was answered with a valid value;
a scale may still have a score when its missing-data rule allows, but the
administration is never called complete.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any


class Rule(StrEnum):
    SINGLE = "single"
    SUM = "sum"
    MEAN = "mean"


class BandKind(StrEnum):
    # Published by the instrument's owner (ONS thresholds).
    OFFICIAL = "official"
    # A convention in the literature, not the owner's: always labelled as such.
    CONVENTIONAL = "conventional"
    # Set by this deployment for a custom instrument: neither published nor conventional.
    LOCAL = "local"


class Status(StrEnum):
    # Ready to use as it is.
    SHIPPED = "shipped"
    # Wording not verified here: a deployment confirms it against the paper first.
    TEMPLATE = "template"
    # Built by a coordinator or researcher in this deployment.
    CUSTOM = "custom"


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    options: tuple[Option, ...]
    reverse: bool = False

    # Cached: scoring asks these for every answer (100,000 stored administrations are
    # scored in bulk: bench/surveys.py).
    @cached_property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    @cached_property
    def lowest(self) -> int:
        return min(self.values)

    @cached_property
    def highest(self) -> int:
        return max(self.values)

    def label_for(self, value: int | None) -> str | None:
        for option in self.options:
            if option.value == value:
                return option.label
        return None


@dataclass(frozen=True)
class Band:
    """Scores from `low` to `high` inclusive are `label`."""

    low: float
    high: float
    label: str

    def holds(self, score: float) -> bool:
        return self.low <= score <= self.high


@dataclass(frozen=True)
class Reliability:
    """What a reliable change for one person is judged from (Jacobson & Truax, 1991):
    the scale's reliability and the standard deviation of a reference sample, with
    where they come from."""

    r: float
    sd: float
    source: str

    @property
    def criterion(self) -> float:
        """The smallest change that is reliable at 95%: 1.96 · SD · sqrt(2 · (1 - r))."""
        return 1.96 * self.sd * (2 * (1 - self.r)) ** 0.5


@dataclass(frozen=True)
class Scale:
    name: str
    label: str
    items: tuple[str, ...]
    rule: Rule = Rule.SINGLE
    # Items that must be answered for a score; None: all of them.
    min_answered: int | None = None
    bands: tuple[Band, ...] = ()
    bands_kind: BandKind = BandKind.OFFICIAL
    # Raw sum -> reported score (SWEMWBS's metric score), every raw score listed.
    conversion: Mapping[int, float] | None = None
    higher_is_better: bool = True
    reliability: Reliability | None = None
    # The lowest and highest possible scores (the valid range), for charts and checks.
    low: float = 0
    high: float = 0

    def band_for(self, score: float | None) -> str | None:
        if score is None:
            return None
        for band in self.bands:
            if band.holds(score):
                return band.label
        return None


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title: str
    introduction: str
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    source: str
    licence: str
    status: Status = Status.SHIPPED
    # Off until a deployment records that it holds the licence (SWEMWBS).
    needs_licence: bool = False
    # Shown wherever the instrument is used, when its owner requires it.
    copyright_notice: str = ""
    # Why a template must be confirmed before use, shown wherever it is offered.
    template_note: str = ""

    def item(self, item_id: str) -> Item | None:
        return self.items_by_id.get(item_id)

    @cached_property
    def items_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def scale_items(self) -> dict[str, tuple[Item, ...]]:
        """Each scale's items, checked once: a scale naming an unknown item is a bug in
        the instrument's module, not in anyone's answers."""
        found = {}
        for scale in self.scales:
            unknown = [i for i in scale.items if i not in self.items_by_id]
            assert not unknown, f"{self.code}: scale {scale.name} names unknown items {unknown}"
            found[scale.name] = tuple(self.items_by_id[i] for i in scale.items)
        return found

    def scale(self, name: str) -> Scale | None:
        for scale in self.scales:
            if scale.name == name:
                return scale
        return None


@dataclass
class Result:
    instrument: str
    version: str
    complete: bool
    scores: dict[str, float | None] = field(default_factory=dict)
    bands: dict[str, str | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "complete": self.complete,
            "scores": self.scores,
            "bands": self.bands,
            "problems": self.problems,
        }


def _number(raw: Any) -> int | None:
    """An answer as the int it stands for, or None when it is not one ("3" and 3.0 are 3)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        # ASCII digits only, and few of them ("²" is a digit to str.isdigit; int()
        # refuses a string of thousands of digits): anything else is not an answer.
        if re.fullmatch(r"-?[0-9]{1,9}", text):
            return int(text)
    return None


def valid_answers(
    instrument: Instrument, answers: Mapping[str, Any]
) -> tuple[dict[str, int], list[str]]:
    """The answers that are one of their item's options, and a problem for every other."""
    valid: dict[str, int] = {}
    problems: list[str] = []
    known = instrument.items_by_id
    for item_id, raw in answers.items():
        item = known.get(str(item_id))
        if item is None:
            problems.append(f"{item_id!s}: not an item of {instrument.code}")
            continue
        if raw is None or raw == "":
            continue
        value = _number(raw)
        if value is None or value not in item.values:
            allowed = ", ".join(str(option.value) for option in item.options)
            problems.append(f"{item.id}: {raw!r} is not one of the answers ({allowed})")
            continue
        valid[item.id] = value
    return valid, problems


def _scale_score(
    instrument: Instrument, scale: Scale, answers: Mapping[str, int]
) -> tuple[float | None, str | None]:
    """The scale's score, or None with the reason it has none."""
    items = instrument.scale_items[scale.name]
    values = [
        item.lowest + item.highest - answers[item.id] if item.reverse else answers[item.id]
        for item in items
        if item.id in answers
    ]
    needed = len(items) if scale.min_answered is None else scale.min_answered
    if len(values) < needed:
        missing = len(items) - len(values)
        if len(items) == 1:
            return None, f"{scale.name}: not answered"
        return None, (
            f"{scale.name}: {missing} of {len(items)} items not answered "
            f"(at least {needed} needed for a score)"
        )
    # Scored from fewer than all its items (allowed by min_answered): said, so an
    # incomplete administration always gives its reason.
    partial = (
        f"{scale.name}: {len(items) - len(values)} of {len(items)} items not answered; "
        f"scored from the {len(values)} answered"
        + (" (prorated)" if scale.rule == Rule.SUM else "")
        if len(values) < len(items)
        else None
    )
    if scale.rule == Rule.SINGLE:
        return float(values[0]), None
    if scale.rule == Rule.MEAN:
        return round(sum(values) / len(values), 2), partial
    total: float = sum(values)
    if len(values) < len(items):
        total = round(total / len(values) * len(items), 2)
    if scale.conversion is not None:
        if total not in scale.conversion:
            return None, f"{scale.name}: raw score {total:g} has no converted score"
        return float(scale.conversion[int(total)]), partial
    return float(total), partial


def score(instrument: Instrument, answers: Mapping[str, Any]) -> Result:
    valid, problems = valid_answers(instrument, answers)
    result = Result(
        instrument=instrument.code,
        version=instrument.version,
        complete=all(item.id in valid for item in instrument.items),
        problems=problems,
    )
    for scale in instrument.scales:
        value, reason = _scale_score(instrument, scale, valid)
        result.scores[scale.name] = (
            int(value) if value is not None and value.is_integer() else value
        )
        result.bands[scale.name] = scale.band_for(value)
        if reason and result.complete is False and reason not in result.problems:
            # Only say why a scale has no score when answers are missing.
            result.problems.append(reason)
    return result


def items_json(instrument: Instrument) -> list[dict[str, Any]]:
    """The items in the order they are asked, as `manage.py score --items --json` prints."""
    return [
        {
            "id": item.id,
            "text": item.text,
            "options": [{"value": o.value, "label": o.label} for o in item.options],
        }
        for item in instrument.items
    ]


def options(pairs: Sequence[tuple[int, str]]) -> tuple[Option, ...]:
    return tuple(Option(value, label) for value, label in pairs)
