"""A line chart of a monitoring table: a line per column (an area), a point per row (a
quarter), drawn as inline SVG from the table's own cells, so it never shows more than
the table beside it.

Each line has its own marker shape and dash pattern as well as its colour (nothing is
told by colour alone), and a key says which is which. A hidden figure ("<5", "[c]") has
no point, and the line is not joined across it: it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tables import Table

WIDTH = 640
HEIGHT = 300
LEFT = 48  # room for the axis's figures
RIGHT = 36  # room for the last quarter's label
PAD = 14  # between the axis's figures and the first point
TOP = 12
BOTTOM = 40  # room for the quarters
# (marker, dash pattern, colour): NHS.UK blue, dark grey, purple, green, dark pink.
STYLES = (
    ("circle", "", "#005eb8"),
    ("square", "8 4", "#212b32"),
    ("triangle", "2 4", "#330072"),
    ("diamond", "10 4 2 4", "#007f3b"),
    ("cross", "4 2", "#7c2855"),
)
SHAPES = {
    "circle": "M -4 0 A 4 4 0 1 0 4 0 A 4 4 0 1 0 -4 0 Z",
    "square": "M -4 -4 H 4 V 4 H -4 Z",
    "triangle": "M 0 -5 L 5 4 L -5 4 Z",
    "diamond": "M 0 -5 L 5 0 L 0 5 L -5 0 Z",
    "cross": "M -4 -4 L 4 4 M -4 4 L 4 -4",
}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Line:
    name: str
    shape: str  # an SVG path around (0, 0): the marker
    filled: bool
    dash: str
    colour: str
    # Runs of consecutive points shown: each a polyline; a hidden figure starts a new one.
    runs: list[str]
    points: list[Point]


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int
    right: float
    bottom: float
    hidden: bool  # some figure is hidden: the key says what a gap means


def _nice_top(value: float) -> int:
    """The axis's top: 5, or the first of 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150...
    at or above `value` (a fifth of each is a whole number: the gridlines')."""
    if value <= 5:
        return 5
    step = 10
    while True:
        for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            if step * factor >= value:
                return int(step * factor)
        step *= 10


def chart(table: Table, columns: int) -> Chart:
    """The first `columns` columns of `table` (the areas, not their total) as lines."""
    top = _nice_top(
        max(
            (
                cell.value
                for row in table.rows
                for cell in row.cells[:columns]
                if cell.value is not None
            ),
            default=0,
        )
    )
    inner_w = WIDTH - LEFT - PAD - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    count = max(len(table.rows), 1)
    step = inner_w / max(count - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + PAD + index * step, 1)

    def y(value: float) -> float:
        return round(TOP + inner_h * (1 - value / top), 1)

    lines = []
    hidden = False
    for column in range(columns):
        shape, dash, colour = STYLES[column % len(STYLES)]
        runs: list[list[Point]] = [[]]
        points = []
        for index, row in enumerate(table.rows):
            cell = row.cells[column]
            if cell.value is None:
                hidden = hidden or cell.hidden
                if runs[-1]:
                    runs.append([])
                continue
            point = Point(x(index), y(cell.value), cell.text)
            points.append(point)
            runs[-1].append(point)
        lines.append(
            Line(
                name=table.columns[column],
                shape=SHAPES[shape],
                filled=shape != "cross",
                dash=dash,
                colour=colour,
                runs=[" ".join(f"{p.x},{p.y}" for p in run) for run in runs if len(run) > 1],
                points=points,
            )
        )
    ticks = [Tick(y(top * n / 5), f"{top * n / 5:g}") for n in range(6)]
    return Chart(
        id=f"lines-{table.key}",
        title=table.title,
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        x_ticks=[Tick(x(i), row.label) for i, row in enumerate(table.rows)],
        y_ticks=ticks,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=HEIGHT - BOTTOM,
        hidden=hidden,
    )
