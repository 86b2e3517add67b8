"""The report's pictures as SVG strings, drawn on the server (no JavaScript, nothing to load).

Every function takes plain numbers (the `result` dicts of the analyses, i.e. each core
result's `to_dict()`, plus the options that named the variables) and returns one `<svg>`
element that:

- has `role="img"` and is labelled by its own `<title>` and `<desc>`: the title says what
  the picture is, the description says every number it shows, so a screen reader (and the
  PDF's text layer) gets the whole content without the picture;
- prints its numbers next to what they belong to (estimates, intervals, counts, means), so
  nobody has to read a value off an axis;
- needs no colour: black and greys, filled against open markers, solid against dashed
  lines; the report prints on a black-and-white printer.

The same SVG goes on the page (inline) and in the PDF (WeasyPrint draws inline SVG), so the
two always agree. `plots_for` picks the pictures that suit an analysis.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from scipy import stats as sps

# Shared look: system sans-serif (readable, no web font to fetch), ink and two greys.
FONT = "font-family=\"Arial, 'Helvetica Neue', Helvetica, sans-serif\""
INK = "#212b32"  # NHS.UK's text colour
GREY = "#768692"
PALE = "#d8dde0"
ARROW_ID = "arrow"


@dataclass(frozen=True)
class Plot:
    """One picture for the report: a heading, the SVG, and a sentence under it."""

    title: str
    svg: str
    caption: str = ""


def fmt(value: float | None, digits: int = 2) -> str:
    """A number as printed on the pictures: fixed digits, a real minus sign, — for none."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # -0.00 reads as a sign that is not there
    return text.replace("-", "\u2212")


def interval(low: float | None, high: float | None, digits: int = 2) -> str:
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def _uid(kind: str, *parts: Any) -> str:
    """An id unique to this picture's content: several SVGs on one page must not share the
    ids their titles and arrow markers use."""
    digest = hashlib.sha1(repr((kind, parts)).encode(), usedforsecurity=False).hexdigest()
    return f"{kind}-{digest[:10]}"


def _svg(uid: str, width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    marker = (
        f'<defs><marker id="{uid}-{ARROW_ID}" viewBox="0 0 10 10" refX="10" refY="5"'
        ' markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-plot" role="img"'
        f' viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}"'
        f' aria-labelledby="{uid}-title {uid}-desc" {FONT} font-size="13" fill="{INK}">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
        f"{marker}{''.join(body)}</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int | None = None,
    weight: str | None = None,
    halo: bool = False,
) -> str:
    extra = f' font-size="{size}"' if size else ""
    extra += f' font-weight="{weight}"' if weight else ""
    # A white halo keeps a label readable where it crosses a line.
    extra += ' paint-order="stroke" stroke="#fff" stroke-width="4"' if halo else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    uid: str = "",
    dashed: bool = False,
    width: float = 1.5,
) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    end = f' marker-end="url(#{uid}-{ARROW_ID})"' if uid else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INK}"'
        f' stroke-width="{width}"{dash}{end}/>'
    )


def _box(cx: float, cy: float, w: float, h: float, label: str, *, oval: bool = False) -> str:
    if oval:
        shape = (
            f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}"'
            f' fill="#fff" stroke="{INK}" stroke-width="1.5"/>'
        )
    else:
        shape = (
            f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}"'
            f' rx="3" fill="#fff" stroke="{INK}" stroke-width="1.5"/>'
        )
    return shape + _text(cx, cy + 4.5, _short(label, int(w / 7.2)), anchor="middle")


def _short(label: str, room: int) -> str:
    """A label cut to fit its box; the full name stays in the description and the tables."""
    return label if len(label) <= room else label[: max(room - 1, 1)] + "…"


def _edge(ax: float, ay: float, bx: float, by: float, w: float, h: float) -> tuple[float, float]:
    """Where the line from a box's centre (ax, ay) towards (bx, by) leaves the box."""
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return ax, ay
    scale = min(
        (w / 2) / abs(dx) if dx else math.inf,
        (h / 2) / abs(dy) if dy else math.inf,
    )
    return ax + dx * scale, ay + dy * scale


def _arrow(
    uid: str,
    a: tuple[float, float],
    b: tuple[float, float],
    size: tuple[float, float],
    at: float = 0.5,
) -> tuple[str, tuple[float, float]]:
    """An arrow between two boxes of `size`; returns it and the point `at` of the way
    along it, for the label."""
    w, h = size
    x1, y1 = _edge(a[0], a[1], b[0], b[1], w, h)
    x2, y2 = _edge(b[0], b[1], a[0], a[1], w, h)
    return _line(x1, y1, x2, y2, uid=uid), (x1 + (x2 - x1) * at, y1 + (y2 - y1) * at)


# ---------------------------------------------------------------------------------------------
# Path diagrams


def mediation_diagram(result: Mapping[str, Any], x: str, mediators: Sequence[str], y: str) -> str:
    """X → each mediator → Y, with a and b on their arrows, c' (and the total c) on X → Y,
    and each indirect effect a·b with its bootstrap interval printed under the diagram."""
    mediators = list(mediators)
    a, b = result.get("a") or {}, result.get("b") or {}
    level = f"{round(float(result.get('confidence') or 0.95) * 100):d}%"
    method = str(result.get("ci_method") or "percentile")
    uid = _uid("mediation", x, tuple(mediators), y, result.get("c_prime"), result.get("seed"))
    box = (200.0, 36.0)
    width = 760.0
    top = 40.0
    rows = max(len(mediators), 1)
    m_gap = 84.0
    y_level = top + rows * m_gap + 50
    xs, ys = (110.0, y_level), (width - 110.0, y_level)
    body: list[str] = []
    desc = [f"Mediation model: {x} to {y} through {', '.join(mediators)}."]
    for i, name in enumerate(mediators):
        mx = width / 2
        my = top + 20 + i * m_gap
        body.append(_box(mx, my, *box, name))
        # Labels a third of the way along, by the box they leave: with several mediators
        # the arrows fan out there, so the labels do not sit on each other.
        arrow, (lx, ly) = _arrow(uid, xs, (mx, my), box, at=0.3)
        body.append(arrow)
        body.append(_text(lx + 6, ly - 6, f"a = {fmt(a.get(name))}", halo=True))
        arrow, (lx, ly) = _arrow(uid, (mx, my), ys, box, at=0.7)
        body.append(arrow)
        body.append(_text(lx - 6, ly - 6, f"b = {fmt(b.get(name))}", anchor="end", halo=True))
        desc.append(f"Path a from {x} to {name} is {fmt(a.get(name))};")
        desc.append(f"path b from {name} to {y} is {fmt(b.get(name))}.")
    body.append(_box(*xs, *box, x))
    body.append(_box(*ys, *box, y))
    arrow, (lx, ly) = _arrow(uid, xs, ys, box)
    body.append(arrow)
    direct = f"c' = {fmt(result.get('c_prime'))} (total c = {fmt(result.get('c'))})"
    body.append(_text(lx, ly + 22, direct, anchor="middle", halo=True))
    desc.append(
        f"The direct effect c' of {x} on {y} is {fmt(result.get('c_prime'))}"
        f" and the total effect c is {fmt(result.get('c'))}."
    )
    line_y = y_level + 56
    indirect = result.get("indirect") or {}
    lines: list[tuple[str, Mapping[str, Any]]] = [
        (f"via {m}", indirect.get(m) or {}) for m in mediators
    ]
    if len(mediators) > 1 and result.get("total_indirect"):
        lines.append(("total indirect", result["total_indirect"]))
    body.append(
        _text(
            20, line_y, f"Indirect effects a·b, {level} {method} bootstrap interval:", weight="bold"
        )
    )
    for n, (label, effect) in enumerate(lines):
        ci = effect.get("ci") or [None, None]
        text = f"{label}: {fmt(effect.get('est'))} {interval(ci[0], ci[1])}"
        body.append(_text(20, line_y + 20 * (n + 1), text))
        desc.append(
            f"Indirect effect {label}: {fmt(effect.get('est'))}, {level} interval"
            f" {fmt(ci[0])} to {fmt(ci[1])}."
        )
    height = line_y + 20 * len(lines) + 16
    return _svg(
        uid,
        width,
        height,
        f"Path diagram: {x} → {', '.join(mediators)} → {y}",
        " ".join(desc),
        body,
    )


def sem_diagram(result: Mapping[str, Any]) -> str:
    """Factors (ovals) with their indicators (boxes) to the left, loadings on the arrows;
    regressions and covariances between the factors and any observed variable in the
    structural part as arcs on the right (covariances dashed, ↔), estimates printed."""
    estimates = [e for e in result.get("estimates") or [] if isinstance(e, Mapping)]
    loadings = [e for e in estimates if e.get("op") == "=~"]
    regressions = [e for e in estimates if e.get("op") == "~"]
    covariances = [e for e in estimates if e.get("op") == "~~" and e.get("lhs") != e.get("rhs")]
    factors: list[str] = []
    for e in loadings:
        if e["lhs"] not in factors:
            factors.append(str(e["lhs"]))
    indicators = {str(e["rhs"]) for e in loadings}
    # The structural column: factors, then observed variables that take part in a regression
    # or covariance without being an indicator.
    column = list(factors)
    for e in regressions + covariances:
        for name in (str(e["lhs"]), str(e["rhs"])):
            if name not in column and name not in indicators:
                column.append(name)
    uid = _uid(
        "sem", tuple((e.get("lhs"), e.get("op"), e.get("rhs"), e.get("est")) for e in estimates)
    )
    item_box, factor_box = (130.0, 28.0), (150.0, 40.0)
    row = 36.0
    item_x, factor_x = 90.0, 330.0
    y = 30.0
    centre: dict[str, float] = {}
    body: list[str] = []
    desc = ["Structural equation model."]
    for name in column:
        items = [e for e in loadings if e["lhs"] == name]
        block = max(len(items), 1) * row + 16
        cy = y + block / 2
        centre[name] = cy
        body.append(_box(factor_x, cy, *factor_box, name, oval=name in factors))
        for k, e in enumerate(items):
            iy = y + 8 + row * k + row / 2
            body.append(_box(item_x, iy, *item_box, str(e["rhs"])))
            # Boxes of two sizes: the line leaves the oval and ends at the indicator's box.
            x1, y1 = _edge(factor_x, cy, item_x, iy, *factor_box)
            x2, y2 = _edge(item_x, iy, factor_x, cy, *item_box)
            body.append(_line(x1, y1, x2, y2, uid=uid))
            mid = ((x1 + x2) / 2, (y1 + y2) / 2)
            fixed = e.get("se") is None
            body.append(
                _text(
                    mid[0],
                    mid[1] - 3,
                    fmt(e.get("est")) + (" (fixed)" if fixed else ""),
                    anchor="middle",
                    size=12,
                    halo=True,
                )
            )
            desc.append(
                f"{name} is measured by {e['rhs']} with loading {fmt(e.get('est'))}"
                + (" (fixed)." if fixed else ".")
            )
        y += block + 14
    # Arcs on the right of the structural column, wider for rows further apart.
    right = factor_x + factor_box[0] / 2
    labels_x = right
    for n, e in enumerate(regressions + covariances):
        source, target = str(e["rhs"]), str(e["lhs"])
        if source not in centre or target not in centre:
            continue
        y1, y2 = centre[source], centre[target]
        bend = 60 + 0.35 * abs(y2 - y1) + 18 * (n % 3)
        cx = right + bend
        covariance = e.get("op") == "~~"
        dash = ' stroke-dasharray="6 4"' if covariance else ""
        ends = f' marker-end="url(#{uid}-{ARROW_ID})"'
        if covariance:
            ends += f' marker-start="url(#{uid}-{ARROW_ID})"'
        body.append(
            f'<path d="M{right:.1f},{y1:.1f} C{cx:.1f},{y1:.1f} {cx:.1f},{y2:.1f}'
            f' {right + 2:.1f},{y2:.1f}" fill="none" stroke="{INK}"'
            f' stroke-width="1.5"{dash}{ends}/>'
        )
        mid_x = right + 0.75 * bend
        label = ("↔ " if covariance else "") + fmt(e.get("est"))
        body.append(_text(mid_x + 4, (y1 + y2) / 2 + 4, label, size=12, halo=True))
        labels_x = max(labels_x, mid_x + 60)
        if covariance:
            desc.append(f"{source} and {target} covary: {fmt(e.get('est'))}.")
        else:
            desc.append(f"{target} is regressed on {source}: {fmt(e.get('est'))}.")
    fit = (
        f"χ² = {fmt(result.get('chi2'))}, df = {result.get('df')},"
        f" CFI = {fmt(result.get('cfi'), 3)},"
        f" RMSEA = {fmt(result.get('rmsea'), 3)}, SRMR = {fmt(result.get('srmr'), 3)}"
    )
    body.append(_text(20, y + 8, fit, size=12))
    desc.append(f"Fit: {fit}.")
    width = max(560.0, labels_x + 20)
    return _svg(
        uid, width, y + 24, "Path diagram of the structural equation model", " ".join(desc), body
    )


# ---------------------------------------------------------------------------------------------
# Axes and charts


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _range(values: Sequence[float], include_zero: bool) -> tuple[float, float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if include_zero:
        finite.append(0.0)
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.06
    ticks = _ticks(low - pad, high + pad)
    return min(ticks[0], low - pad), max(ticks[-1], high + pad)


def _axis(x_of: Any, low: float, high: float, y: float, top: float, digits: int = 2) -> list[str]:
    parts = [_line(x_of(low), y, x_of(high), y, width=1)]
    for tick in _ticks(low, high):
        if low <= tick <= high:
            x = x_of(tick)
            parts.append(_line(x, y, x, y + 5, width=1))
            parts.append(
                f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{y:.1f}"'
                f' stroke="{PALE}" stroke-width="1"/>'
            )
            parts.append(
                _text(
                    x,
                    y + 19,
                    fmt(tick, digits if step_digits(tick) else 0),
                    anchor="middle",
                    size=12,
                )
            )
    return parts


def step_digits(tick: float) -> bool:
    """Whether a tick needs decimals (0.5 does, 10 does not)."""
    return abs(tick - round(tick)) > 1e-9


@dataclass(frozen=True)
class Effect:
    """One row of a forest plot: an estimate and its interval."""

    label: str
    est: float | None
    low: float | None
    high: float | None


def effects_plot(
    title: str,
    effects: Sequence[Effect],
    *,
    note: str = "",
    reference: float = 0.0,
    minimum: float | None = None,
) -> str:
    """A forest plot: each effect a square on its interval, the number and interval printed
    at the right, the line of no effect dashed."""
    label_w, plot_w, number_w = 230.0, 300.0, 170.0
    row = 30.0
    top = 30.0
    values = [v for e in effects for v in (e.est, e.low, e.high) if v is not None]
    low, high = _range([*values, reference], include_zero=False)
    if minimum is not None:  # an odds ratio's axis does not run below 0
        low = max(low, minimum)
    span = high - low or 1.0

    def x_of(value: float) -> float:
        return label_w + (value - low) / span * plot_w

    uid = _uid("effects", title, tuple(effects))
    bottom = top + row * len(effects) + 6
    body = _axis(x_of, low, high, bottom, top - 10)
    body.append(_line(x_of(reference), top - 10, x_of(reference), bottom, dashed=True, width=1))
    desc = [f"{title}."]
    for n, e in enumerate(effects):
        cy = top + row * n + row / 2
        body.append(_text(label_w - 10, cy + 4, _short(e.label, 32), anchor="end"))
        if (
            e.low is not None
            and e.high is not None
            and math.isfinite(e.low)
            and math.isfinite(e.high)
        ):
            body.append(_line(x_of(e.low), cy, x_of(e.high), cy, width=2))
            for end in (e.low, e.high):
                body.append(_line(x_of(end), cy - 6, x_of(end), cy + 6, width=2))
        if e.est is not None and math.isfinite(e.est):
            body.append(
                f'<rect x="{x_of(e.est) - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10"'
                f' fill="{INK}"/>'
            )
        body.append(_text(label_w + plot_w + 14, cy + 4, f"{fmt(e.est)} {interval(e.low, e.high)}"))
        desc.append(f"{e.label}: {fmt(e.est)}, interval {fmt(e.low)} to {fmt(e.high)}.")
    height = bottom + 30
    if note:
        body.append(_text(20, height + 4, note, size=12))
        desc.append(note)
        height += 18
    return _svg(uid, label_w + plot_w + number_w, height, title, " ".join(desc), body)


@dataclass(frozen=True)
class ChangeRow:
    """Baseline and follow-up means of one scale or group, with their intervals."""

    label: str
    n: int
    before: float | None
    before_ci: tuple[float | None, float | None]
    after: float | None
    after_ci: tuple[float | None, float | None]


def mean_interval(
    mean: float | None, sd: float | None, n: int, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """The t interval of a mean from its sd and n (None when it cannot be formed)."""
    if mean is None or sd is None or n < 2 or not math.isfinite(sd):
        return None, None
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


def change_row(label: str, result: Mapping[str, Any]) -> ChangeRow:
    """A change analysis's result (paired_change().to_dict()) as a row of the change plot."""
    n = int(result.get("n") or 0)
    confidence = float((result.get("diff") or {}).get("confidence") or 0.95)
    before, after = result.get("before") or {}, result.get("after") or {}
    return ChangeRow(
        label,
        n,
        before.get("mean"),
        mean_interval(before.get("mean"), before.get("sd"), n, confidence),
        after.get("mean"),
        mean_interval(after.get("mean"), after.get("sd"), n, confidence),
    )


def change_plot(title: str, rows: Sequence[ChangeRow], *, note: str = "") -> str:
    """Baseline (open circle) and follow-up (filled square) means per row, each with its 95%
    interval, an arrow from one to the other, and the means printed at the right."""
    label_w, plot_w, number_w = 200.0, 300.0, 200.0
    row_h = 44.0
    top = 46.0
    values = [
        v for r in rows for v in (r.before, r.after, *r.before_ci, *r.after_ci) if v is not None
    ]
    low, high = _range(values, include_zero=False)
    span = high - low or 1.0

    def x_of(value: float) -> float:
        return label_w + (value - low) / span * plot_w

    uid = _uid("change", title, tuple(rows))
    bottom = top + row_h * len(rows) + 4
    body = _axis(x_of, low, high, bottom, top - 8)
    # The key, in words and shapes, not colours.
    body.append(
        f'<circle cx="{label_w + 6:.1f}" cy="16" r="5" fill="#fff" stroke="{INK}"'
        ' stroke-width="2"/>'
    )
    body.append(_text(label_w + 16, 20, "baseline", size=12))
    body.append(f'<rect x="{label_w + 86:.1f}" y="11" width="10" height="10" fill="{INK}"/>')
    body.append(_text(label_w + 102, 20, "follow-up (bars: 95% interval of the mean)", size=12))
    desc = [f"{title}."]
    for n, r in enumerate(rows):
        y_b = top + row_h * n + 12
        y_a = y_b + 16
        body.append(_text(label_w - 10, y_b + 12, _short(f"{r.label} (n {r.n})", 30), anchor="end"))
        for (lo, hi), y in ((r.before_ci, y_b), (r.after_ci, y_a)):
            if lo is not None and hi is not None:
                body.append(_line(x_of(lo), y, x_of(hi), y, width=1.5))
        if r.before is not None and r.after is not None and abs(x_of(r.after) - x_of(r.before)) > 8:
            body.append(_line(x_of(r.before), y_b + 3, x_of(r.after), y_a - 3, uid=uid, width=1))
        if r.before is not None:
            body.append(
                f'<circle cx="{x_of(r.before):.1f}" cy="{y_b:.1f}" r="5" fill="#fff"'
                f' stroke="{INK}" stroke-width="2"/>'
            )
        if r.after is not None:
            body.append(
                f'<rect x="{x_of(r.after) - 5:.1f}" y="{y_a - 5:.1f}" width="10"'
                f' height="10" fill="{INK}"/>'
            )
        body.append(_text(label_w + plot_w + 14, y_b + 12, f"{fmt(r.before)} → {fmt(r.after)}"))
        desc.append(
            f"{r.label}, {r.n} people: baseline mean {fmt(r.before)}"
            f" (interval {fmt(r.before_ci[0])} to {fmt(r.before_ci[1])}), follow-up mean"
            f" {fmt(r.after)} (interval {fmt(r.after_ci[0])} to {fmt(r.after_ci[1])})."
        )
    height = bottom + 30
    if note:
        body.append(_text(20, height + 4, note, size=12))
        desc.append(note)
        height += 18
    return _svg(uid, label_w + plot_w + number_w, height, title, " ".join(desc), body)


def histogram(label: str, values: Sequence[float | None], *, bins: int | None = None) -> str:
    """The distribution of one variable: bars with their counts printed on top, how many
    were missing said in the title. Whole-number data with few values get one bar each."""
    present = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
    missing = len(values) - len(present)
    edges = _bin_edges(present, bins)
    counts = [0] * (len(edges) - 1)
    for v in present:
        k = min(max(_bisect(edges, v), 0), len(counts) - 1)
        counts[k] += 1
    plot_w, plot_h, left, top = 520.0, 180.0, 50.0, 30.0
    peak = max(counts) if counts else 1
    bar_w = plot_w / max(len(counts), 1)
    uid = _uid("histogram", label, tuple(present), missing)
    bottom = top + plot_h
    body = [_line(left, bottom, left + plot_w, bottom, width=1)]
    whole = (
        all(v == int(v) for v in present)
        and len(counts) == len(edges) - 1
        and all(edges[k + 1] - edges[k] == 1 for k in range(len(counts)))
    )
    desc = [f"Distribution of {label}: {len(present)} values, {missing} missing."]
    for k, count in enumerate(counts):
        x = left + k * bar_w
        h = plot_h * count / peak if peak else 0
        body.append(
            f'<rect x="{x + 2:.1f}" y="{bottom - h:.1f}" width="{bar_w - 4:.1f}"'
            f' height="{h:.1f}" fill="{PALE}" stroke="{INK}" stroke-width="1"/>'
        )
        body.append(_text(x + bar_w / 2, bottom - h - 5, str(count), anchor="middle", size=12))
        if whole:
            name = fmt(edges[k] + 0.5, 0)
            body.append(_text(x + bar_w / 2, bottom + 17, name, anchor="middle", size=12))
            desc.append(f"{name}: {count}.")
        else:
            desc.append(f"{fmt(edges[k])} to {fmt(edges[k + 1])}: {count}.")
    if not whole:
        for k, edge in enumerate(edges):
            if len(edges) <= 12 or k % 2 == 0:
                body.append(
                    _text(left + k * bar_w, bottom + 17, fmt(edge, 1), anchor="middle", size=12)
                )
    title = f"Distribution of {label} (n {len(present)}, {missing} missing)"
    body.append(_text(left, 18, title, size=12))
    return _svg(uid, left + plot_w + 20, bottom + 30, title, " ".join(desc), body)


def _bisect(edges: Sequence[float], value: float) -> int:
    for k in range(len(edges) - 1):
        if value < edges[k + 1]:
            return k
    return len(edges) - 2


def _bin_edges(values: Sequence[float], bins: int | None) -> list[float]:
    if not values:
        return [0.0, 1.0]
    low, high = values[0], values[-1]
    integers = all(v == int(v) for v in values)
    if integers and high - low <= 20 and bins is None:
        # One bar per whole number, centred on it.
        return [low - 0.5 + k for k in range(int(high - low) + 2)]
    if high == low:
        return [low - 0.5, high + 0.5]
    # Sturges' rule: the default of R's hist().
    count = bins or max(1, math.ceil(math.log2(len(values)) + 1))
    step = (high - low) / count
    return [low + step * k for k in range(count + 1)]


# Fewer people than this in a cell are not shown to anyone but the area's coordinators and
# researchers (as lib.disclosure does for the report's tables).
SMALLEST_SHOWN = 5


def _is_binary(summary: Mapping[str, Any]) -> bool:
    return summary.get("min") in (0, 0.0, 1, 1.0) and summary.get("max") in (0, 0.0, 1, 1.0)


def shares_plot(
    title: str, shares: Sequence[tuple[str, int, float | None]], *, reveal: bool
) -> str:
    """Yes-or-no variables as the share of people saying yes: one bar each, the percentage
    and the count printed. `shares` is (label, n answering, share 0-1). Unless `reveal`, a
    share that would give away 1 to 4 people (saying yes, or saying no) is not drawn and
    says "hidden"."""
    label_w, plot_w, number_w = 260.0, 300.0, 150.0
    row = 24.0
    top = 16.0
    uid = _uid("shares", title, tuple(shares), reveal)
    bottom = top + row * len(shares) + 4

    def x_of(value: float) -> float:
        return label_w + value * plot_w

    body = _axis(x_of, 0.0, 1.0, bottom, top - 6)
    desc = [f"{title}."]
    for k, (label, n, share) in enumerate(shares):
        cy = top + row * k + row / 2
        body.append(_text(label_w - 10, cy + 4, _short(label, 36), anchor="end", size=12))
        yes = round((share or 0.0) * n)
        hidden = not reveal and (0 < yes < SMALLEST_SHOWN or 0 < n - yes < SMALLEST_SHOWN)
        if share is None or hidden:
            words = "hidden (fewer than 5 people)" if hidden else "no answers"
            body.append(_text(label_w + 4, cy + 4, words, size=12))
            desc.append(f"{label}: {words}.")
            continue
        body.append(
            f'<rect x="{label_w:.1f}" y="{cy - 7:.1f}" width="{share * plot_w:.1f}" height="14"'
            f' fill="{PALE}" stroke="{INK}" stroke-width="1"/>'
        )
        text = f"{share * 100:.0f}% of {n}"
        body.append(_text(label_w + plot_w + 12, cy + 4, text, size=12))
        desc.append(f"{label}: {text}.")
    return _svg(uid, label_w + plot_w + number_w, bottom + 30, title, " ".join(desc), body)


def summary_plot(title: str, columns: Mapping[str, Mapping[str, Any]]) -> str:
    """Numeric variables' distributions from their summaries (no raw data kept): for each,
    a thin line from the minimum to the maximum, a pale bar one sd either side of the mean,
    the mean a filled square and the median an open diamond, each row on its own range
    (the variables' scales differ), numbers printed."""
    label_w, plot_w, number_w = 220.0, 260.0, 300.0
    row = 30.0
    top = 30.0
    items = list(columns.items())
    uid = _uid("summary", title, tuple((k, tuple(v.items())) for k, v in items))
    body = [
        f'<rect x="{label_w:.1f}" y="8" width="10" height="10" fill="{INK}"/>',
        _text(label_w + 14, 17, "mean", size=12),
        f'<path d="M{label_w + 56:.1f},13 l5,-5 l5,5 l-5,5 z" fill="#fff" stroke="{INK}"'
        ' stroke-width="1.5"/>',
        _text(label_w + 70, 17, "median; bar: mean ± 1 sd; line: min to max", size=12),
    ]
    desc = [f"{title}."]
    for k, (name, s) in enumerate(items):
        cy = top + row * k + row / 2
        body.append(_text(label_w - 10, cy + 4, _short(name, 30), anchor="end", size=12))
        low, high = s.get("min"), s.get("max")
        mean, sd, median = s.get("mean"), s.get("sd"), s.get("median")
        if low is None or high is None:
            body.append(_text(label_w + 4, cy + 4, "no values", size=12))
            desc.append(f"{name}: no values.")
            continue
        start: float = float(low)
        span: float = (float(high) - start) or 1.0

        def x_of(value: float, start: float = start, span: float = span) -> float:
            return label_w + (value - start) / span * plot_w

        body.append(_line(x_of(low), cy, x_of(high), cy, width=1))
        if mean is not None and sd is not None:
            a, b = max(low, mean - sd), min(high, mean + sd)
            body.append(
                f'<rect x="{x_of(a):.1f}" y="{cy - 5:.1f}" width="{x_of(b) - x_of(a):.1f}"'
                f' height="10" fill="{PALE}" stroke="{INK}" stroke-width="1"/>'
            )
        if mean is not None:
            body.append(
                f'<rect x="{x_of(mean) - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8"'
                f' fill="{INK}"/>'
            )
        if median is not None:
            body.append(
                f'<path d="M{x_of(median) - 6:.1f},{cy:.1f} l6,-6 l6,6 l-6,6 z" fill="#fff"'
                f' stroke="{INK}" stroke-width="1.5"/>'
            )
        text = (
            f"mean {fmt(mean)} (sd {fmt(sd)}), median {fmt(median)},"
            f" {fmt(low, 1)} to {fmt(high, 1)}"
        )
        body.append(_text(label_w + plot_w + 12, cy + 4, text, size=12))
        desc.append(f"{name}: n {s.get('n')}, {text}.")
    height = top + row * len(items) + 12
    return _svg(uid, label_w + plot_w + number_w, height, title, " ".join(desc), body)


# ---------------------------------------------------------------------------------------------
# Which pictures an analysis gets


def _coefficient_effects(result: Mapping[str, Any]) -> list[Effect]:
    """Regression coefficients (not the intercept) with intervals: the core's own `ci` when
    it gives one, else estimate +/- t(n - p) * se, the interval R's confint() gives."""
    coefficients = result.get("coefficients") or {}
    n = int(result.get("n") or 0)
    df = n - len(coefficients)
    level = float(result.get("confidence") or 0.95)
    quantile = float(sps.t.ppf(0.5 + level / 2, df)) if df > 0 else math.nan
    effects = []
    for name, c in coefficients.items():
        if name in ("Intercept", "(Intercept)", "1"):
            continue
        est, se = c.get("est"), c.get("se")
        if c.get("ci"):
            low, high = c["ci"]
        elif est is not None and se is not None and math.isfinite(quantile):
            low, high = est - quantile * se, est + quantile * se
        else:
            low = high = None
        effects.append(Effect(str(name), est, low, high))
    return effects


def plots_for(
    spec: Mapping[str, Any],
    result: Mapping[str, Any],
    frame: Any = None,
    *,
    reveal: bool = False,
) -> list[Plot]:
    """The pictures for one analysis, from its spec and stored result; with `frame` (the
    extracted rows, a DataFrame) also histograms, which the stored result does not keep.
    `reveal` as the report's (access.reveals_small_numbers): without it, a share that would
    give away fewer than 5 people is not drawn. An analysis with no picture gives []."""
    kind = spec.get("analysis")
    options = spec.get("options") or {}
    plots: list[Plot] = []
    if not result:
        return plots
    if kind == "describe":
        columns: Mapping[str, Mapping[str, Any]] = result.get("columns") or {}
        labels = spec.get("labels") or {}
        binary = [(name, s) for name, s in columns.items() if _is_binary(s)]
        numeric = {name: s for name, s in columns.items() if not _is_binary(s)}
        if binary:
            shares = [
                (str(labels.get(name) or name), int(s.get("n") or 0), s.get("mean"))
                for name, s in binary
            ]
            title = "Share saying yes (1) of those who answered"
            plots.append(Plot(title, shares_plot(title, shares, reveal=reveal)))
        if numeric:
            title = "Distributions: range, mean and sd, median"
            plots.append(Plot(title, summary_plot(title, numeric)))
    if kind == "mediate":
        x, y = str(options.get("x", "X")), str(options.get("y", "Y"))
        mediators = _as_list(options.get("m")) or list((result.get("indirect") or {}).keys())
        plots.append(
            Plot(
                "Path diagram",
                mediation_diagram(result, x, mediators, y),
                "Unstandardised paths; the indirect effects' intervals are bootstrap intervals.",
            )
        )
        indirect = result.get("indirect") or {}
        effects = [
            Effect(f"via {m}", e.get("est"), *(e.get("ci") or (None, None)))
            for m, e in indirect.items()
        ]
        total = result.get("total_indirect")
        if total and len(effects) > 1:
            effects.append(
                Effect("total indirect", total.get("est"), *(total.get("ci") or (None, None)))
            )
        plots.append(
            Plot(
                "Indirect effects with their intervals",
                effects_plot("Indirect effects with bootstrap intervals", effects),
            )
        )
    elif kind == "sem":
        plots.append(Plot("Path diagram", sem_diagram(result), "Unstandardised estimates."))
    elif kind == "logistic":
        # Odds ratios, the scale a steering group reads (1 = no difference), with the
        # core's own intervals for them.
        level = f"{round(float(result.get('confidence') or 0.95) * 100):d}%"
        effects = [
            Effect(str(name), c.get("odds_ratio"), *(c.get("odds_ratio_ci") or (None, None)))
            for name, c in (result.get("coefficients") or {}).items()
            if name not in ("Intercept", "(Intercept)", "1")
        ]
        if effects:
            title = f"Odds ratios with {level} intervals"
            plots.append(
                Plot(
                    title,
                    effects_plot(title, effects, reference=1.0, minimum=0.0),
                    "1 means no difference.",
                )
            )
    elif kind == "regress":
        effects = _coefficient_effects(result)
        if effects:
            plots.append(
                Plot(
                    "Coefficients with their intervals",
                    effects_plot("Coefficients with 95% intervals", effects),
                )
            )
    elif kind == "change":
        before, after = (
            str(options.get("before", "baseline")),
            str(options.get("after", "follow-up")),
        )
        rows = [change_row(_change_label(spec, before, after), result)]
        plots.append(
            Plot(
                "Change from baseline to follow-up",
                change_plot("Means at baseline and follow-up", rows),
            )
        )
        diff = result.get("diff") or {}
        ci = diff.get("ci") or (None, None)
        plots.append(
            Plot(
                "Mean change with its interval",
                effects_plot(
                    "Mean change with its interval", [Effect("mean change", diff.get("mean"), *ci)]
                ),
            )
        )
    if frame is not None:
        for column in _distribution_columns(spec, result, frame):
            plots.append(
                Plot(f"Distribution of {column}", histogram(column, frame[column].tolist()))
            )
    return plots


def _change_label(spec: Mapping[str, Any], before: str, after: str) -> str:
    """The change plot's row label: the measure's label when the spec has one, else what the
    two columns share (baseline_X and followup_X: X), else both names."""
    labels = spec.get("labels") or {}
    if labels.get(before):
        return str(labels[before]).removesuffix(" at baseline")
    if before.startswith("baseline_") and after == "followup_" + before.removeprefix("baseline_"):
        return before.removeprefix("baseline_")
    return f"{before} → {after}"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


MAX_HISTOGRAMS = 6


def _distribution_columns(
    spec: Mapping[str, Any], result: Mapping[str, Any], frame: Any
) -> list[str]:
    """The analysis's own variables that are numeric columns of the data (at most six)."""
    options = spec.get("options") or {}
    kind = spec.get("analysis")
    names: list[str] = []
    if kind == "describe":
        names = _as_list(options.get("columns")) or list((result.get("columns") or {}).keys())
    elif kind == "change":
        names = [str(options.get("before", "")), str(options.get("after", ""))]
    elif kind == "mediate":
        names = [str(options.get("x", "")), *_as_list(options.get("m")), str(options.get("y", ""))]
    elif kind in ("alpha", "omega", "efa"):
        names = _as_list(options.get("items"))
    elif kind in ("regress", "logistic"):
        formula = str(options.get("formula", ""))
        names = [formula.split("~", 1)[0].strip()] if "~" in formula else []
    columns = set(map(str, getattr(frame, "columns", [])))
    chosen = []
    for name in names:
        if name in columns and name not in chosen and _numeric(frame[name]):
            chosen.append(name)
    return chosen[:MAX_HISTOGRAMS]


def _numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series))


__all__ = [
    "ChangeRow",
    "Effect",
    "Plot",
    "change_plot",
    "change_row",
    "effects_plot",
    "histogram",
    "interval",
    "mean_interval",
    "mediation_diagram",
    "plots_for",
    "sem_diagram",
    "shares_plot",
    "summary_plot",
]
