"""A client's outcomes read for people: per instrument, each scale's baseline and latest
follow-up, the change, and whether it is a reliable change; and the chart's geometry.

Read from the stored scores and bands (never recomputed): the instrument, found
through the library at each administration's own version, gives only the words (scale
labels, which way is better, the reliability a reliable change is judged from).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from inspiring.measures import library
from inspiring.measures.instruments.base import BandKind, Instrument, Rule, Scale

from .models import Administration, Client, GroupMembership
from .models.outcomes import Timepoint

NO_BASELINE = "No baseline: change cannot be shown"
CANNOT_JUDGE = "Reliable change cannot be judged for this measure"


@dataclass(frozen=True)
class ScaleChange:
    name: str
    label: str
    baseline: float | None
    baseline_band: str | None
    latest: float | None
    latest_band: str | None
    conventional: bool  # the bands are a convention, not the instrument owner's
    higher_is_better: bool
    low: float
    high: float
    # "Reliable change (better)", "… (worse)", "No reliable change", CANNOT_JUDGE;
    # "" when there is nothing to compare.
    reliable: str = ""
    criterion: float | None = None

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.latest is None:
            return None
        return round(self.latest - self.baseline, 2)

    @property
    def change_text(self) -> str:
        """ "+2", "-1.5", "No change", or "" when there is nothing to compare."""
        change = self.change
        if change is None:
            return ""
        if change == 0:
            return "No change"
        return f"{change:+g}"

    @property
    def direction(self) -> str:
        """Which way the change went, in words that do not need colour."""
        change = self.change
        if not change:
            return ""
        better = (change > 0) == self.higher_is_better
        return "better" if better else "worse"

    @property
    def better_way(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


@dataclass
class InstrumentOutcome:
    code: str
    title: str
    instrument: Instrument | None
    administrations: list[Administration] = field(default_factory=list)
    baseline: Administration | None = None
    latest: Administration | None = None
    scales: list[ScaleChange] = field(default_factory=list)

    @property
    def no_baseline(self) -> bool:
        return self.baseline is None and self.latest is not None

    @property
    def versions_differ(self) -> bool:
        return bool(
            self.baseline
            and self.latest
            and self.baseline.instrument_version != self.latest.instrument_version
        )

    @property
    def chart(self) -> Chart | None:
        if not self.scales or not any(
            s.baseline is not None or s.latest is not None for s in self.scales
        ):
            return None
        return Chart.for_scales(self.scales)


def _first_complete(items: list[Administration], *, last: bool) -> Administration | None:
    """The first (or last) complete administration, else the first (or last) of any: an
    incomplete one is shown (marked incomplete) only when there is nothing complete."""
    ordered = list(reversed(items)) if last else items
    for administration in ordered:
        if administration.complete:
            return administration
    return ordered[0] if ordered else None


def _reliable(scale: Scale | None, change: float | None) -> tuple[str, float | None]:
    if change is None:
        return "", None
    if scale is None or scale.reliability is None:
        return CANNOT_JUDGE, None
    criterion = round(scale.reliability.criterion, 2)
    # Jacobson and Truax: reliable when the change is larger than 1.96 standard errors
    # of the difference (the criterion).
    if abs(change) <= scale.reliability.criterion:
        return "No reliable change", criterion
    better = (change > 0) == scale.higher_is_better
    return ("Reliable change (better)" if better else "Reliable change (worse)"), criterion


def _range(instrument: Instrument, scale: Scale) -> tuple[float, float]:
    """The scale's lowest and highest possible scores: as the instrument gives them, or
    (an instrument that leaves them out) from its items' answers and scoring rule."""
    if scale.high > scale.low:
        return scale.low, scale.high
    if scale.conversion:
        return min(scale.conversion.values()), max(scale.conversion.values())
    items = [item for item in (instrument.item(i) for i in scale.items) if item is not None]
    if not items:
        return 0, 1
    low, high = min(i.lowest for i in items), max(i.highest for i in items)
    if scale.rule == Rule.SUM:
        return sum(i.lowest for i in items), sum(i.highest for i in items)
    return low, high


def _scale_changes(
    instrument: Instrument | None, baseline: Administration | None, latest: Administration | None
) -> list[ScaleChange]:
    if instrument is None:
        return []
    rows = []
    for scale in instrument.scales:
        before = baseline.scores.get(scale.name) if baseline else None
        after = latest.scores.get(scale.name) if latest else None
        low, high = _range(instrument, scale)
        row = ScaleChange(
            name=scale.name,
            label=scale.label,
            baseline=before,
            baseline_band=baseline.bands.get(scale.name) if baseline else None,
            latest=after,
            latest_band=latest.bands.get(scale.name) if latest else None,
            conventional=scale.bands_kind == BandKind.CONVENTIONAL,
            higher_is_better=scale.higher_is_better,
            low=low,
            high=high,
        )
        reliable, criterion = _reliable(scale, row.change)
        rows.append(ScaleChange(**{**row.__dict__, "reliable": reliable, "criterion": criterion}))
    return rows


def client_outcomes(administrations: list[Administration]) -> list[InstrumentOutcome]:
    """One entry per instrument the client has answered, in the order first answered.
    `administrations`: the client's, oldest first (one query, by the caller)."""
    found: dict[tuple[str, str], Instrument | None] = {}

    def instrument(code: str, version: str) -> Instrument | None:
        # Each (code, version) is looked up once however many times it was answered.
        if (code, version) not in found:
            found[code, version] = library.get(code, version)
        return found[code, version]

    outcomes: dict[str, InstrumentOutcome] = {}
    for administration in administrations:
        code = administration.instrument_code
        if code not in outcomes:
            outcomes[code] = InstrumentOutcome(code=code, title=code, instrument=None)
        outcomes[code].administrations.append(administration)
    for outcome in outcomes.values():
        items = outcome.administrations
        outcome.baseline = _first_complete(
            [a for a in items if a.timepoint == Timepoint.BASELINE], last=False
        )
        outcome.latest = _first_complete(
            [a for a in items if a.timepoint == Timepoint.FOLLOW_UP], last=True
        )
        shown = outcome.latest or outcome.baseline or items[-1]
        # Words from the latest version answered (a scale's label and direction do not
        # change between versions; its stored scores are what they were).
        outcome.instrument = instrument(shown.instrument_code, shown.instrument_version)
        if outcome.instrument is None:
            outcome.instrument = library.get(code)
        if outcome.instrument is not None:
            outcome.title = outcome.instrument.title
        outcome.scales = _scale_changes(outcome.instrument, outcome.baseline, outcome.latest)
    return list(outcomes.values())


@dataclass(frozen=True)
class GroupCounts:
    baseline: int | None
    follow_up: int | None
    now: int

    @property
    def text(self) -> str:
        """ "Groups: 1 at baseline, 3 now" (with the follow-up's count when there is one)."""
        parts = []
        if self.baseline is not None:
            parts.append(f"{self.baseline} at baseline")
        if self.follow_up is not None:
            parts.append(f"{self.follow_up} at follow-up")
        parts.append(f"{self.now} now")
        return "Groups: " + ", ".join(parts)


def group_counts(client: Client, outcomes: list[InstrumentOutcome]) -> GroupCounts:
    """How many groups they had at their first baseline, their latest follow-up, and now."""
    baselines = [o.baseline.administered_on for o in outcomes if o.baseline]
    follow_ups = [o.latest.administered_on for o in outcomes if o.latest]
    days = {"now": timezone.localdate()}
    if baselines:
        days["baseline"] = min(baselines)
    if follow_ups:
        days["follow_up"] = max(follow_ups)
    counts = GroupMembership.objects.filter(client=client).counts_on(**days)
    return GroupCounts(
        baseline=counts.get("baseline"), follow_up=counts.get("follow_up"), now=counts["now"]
    )


# --- The chart: a dumbbell per scale, server-rendered SVG --------------------------

ROW = 44
LEFT = 130
WIDTH = 460
TOP = 28


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: int
    baseline_x: float | None
    latest_x: float | None
    baseline: float | None
    latest: float | None
    low: float
    high: float


@dataclass(frozen=True)
class Chart:
    """Baseline as a hollow circle, follow-up as a filled square, each with its number
    beside it: the shapes and numbers carry the meaning, never colour alone."""

    rows: list[ChartRow]
    height: int
    width: int = WIDTH
    left: int = LEFT
    right: int = WIDTH - 24

    @classmethod
    def for_scales(cls, scales: list[ScaleChange]) -> Chart:
        rows = []
        span = WIDTH - 24 - LEFT
        for index, scale in enumerate(scales):
            width = (scale.high - scale.low) or 1

            def x(
                value: float | None, scale: ScaleChange = scale, width: float = width
            ) -> float | None:
                if value is None:
                    return None
                return round(LEFT + (value - scale.low) / width * span, 1)

            rows.append(
                ChartRow(
                    label=scale.label,
                    y=TOP + index * ROW + ROW // 2,
                    baseline_x=x(scale.baseline),
                    latest_x=x(scale.latest),
                    baseline=scale.baseline,
                    latest=scale.latest,
                    low=scale.low,
                    high=scale.high,
                )
            )
        return cls(rows=rows, height=TOP + len(rows) * ROW + 8)
