"""The decision map: a network's output over the 2-D input square as shaded terminal cells, with
the data points and (for a perceptron) the line w.x + b = 0.

Computing and rendering are separate: `evaluate_grid` / `linear_values` give the raw grid,
`decision_map` turns a grid into characters plus a style name per cell (so the UI can colour
them), and `DecisionMap.text()` is the plain text for tests and NO_COLOR terminals.

Row 0 is the top of the map (the largest x2), column 0 the left (the smallest x1); a grid
value is sampled at the cell's centre. Values are read as "how much class 1": in [0, 1]
(use `to_unit` for -1..1 outputs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

__all__ = [
    "ASCII_LINE_CHARS",
    "ASCII_SHADES",
    "LINE_CHARS",
    "LOGIC_BOUNDS",
    "SHADES",
    "STYLES",
    "TEST_MARKS",
    "TRAIN_MARKS",
    "Bounds",
    "as_bounds",
    "linspace_cell_bounds",
    "DecisionMap",
    "MapPoint",
    "boundary_cells",
    "cell_centers",
    "cell_of",
    "decision_map",
    "evaluate_grid",
    "grid_inputs",
    "line_cells",
    "linear_values",
    "padded_bounds",
    "shade",
    "to_unit",
]

Bounds = tuple[float, float, float, float]  # (x1_min, x1_max, x2_min, x2_max)

SHADES = " ░▒▓█"
ASCII_SHADES = " .:o#"
LINE_CHARS = {"flat": "─", "steep": "│", "up": "╱", "down": "╲"}
ASCII_LINE_CHARS = {"flat": "-", "steep": "|", "up": "/", "down": "\\"}
TRAIN_MARKS = ("o", "x")  # class 0, class 1
TEST_MARKS = ("O", "X")  # held-out points
# Style names: the region by class, the boundary line, and points by class and part.
STYLES = ("class0", "class1", "line", "point0", "point1", "test0", "test1")
LOGIC_BOUNDS: Bounds = (-0.25, 1.25, -0.25, 1.25)
CELL_ASPECT = 2.0  # a terminal cell is about twice as tall as it is wide


def as_bounds(bounds: Bounds | Sequence[Sequence[float]]) -> Bounds:
    """(x1_min, x1_max, x2_min, x2_max) from itself or from per-input pairs
    [[x1_min, x1_max], [x2_min, x2_max]] (the trainer snapshot's form)."""
    values = list(bounds)
    if len(values) == 2 and all(isinstance(v, Sequence) for v in values):
        (x_min, x_max), (y_min, y_max) = cast(list[Sequence[float]], values)
    elif len(values) == 4:
        x_min, x_max, y_min, y_max = cast(list[float], values)
    else:
        raise ValueError(f"bounds must be (x1_min, x1_max, x2_min, x2_max), not {bounds!r}")
    return (float(x_min), float(x_max), float(y_min), float(y_max))


def linspace_cell_bounds(
    bounds: Bounds | Sequence[Sequence[float]], rows: int, cols: int
) -> Bounds:
    """The cells' bounds for a grid sampled with linspace from edge to edge (both ends
    included, as the trainer's snapshot does): half a sample spacing wider on every side, so
    that each sample is its cell's centre and points land in the right cells."""
    x_min, x_max, y_min, y_max = as_bounds(bounds)
    half_x = (x_max - x_min) / (cols - 1) / 2 if cols > 1 else 0.5
    half_y = (y_max - y_min) / (rows - 1) / 2 if rows > 1 else 0.5
    return (x_min - half_x, x_max + half_x, y_min - half_y, y_max + half_y)


def _check_bounds(bounds: Bounds | Sequence[Sequence[float]], rows: int, cols: int) -> Bounds:
    checked = as_bounds(bounds)
    x_min, x_max, y_min, y_max = checked
    if not (x_min < x_max and y_min < y_max):
        raise ValueError(f"empty bounds {bounds}: need x1_min < x1_max and x2_min < x2_max")
    if rows < 1 or cols < 1:
        raise ValueError(f"a map needs at least one row and column, not {rows}x{cols}")
    return checked


def padded_bounds(points: Iterable[Sequence[float]], pad: float = 0.1) -> Bounds:
    """The points' range widened by `pad` times its size on each side (a unit square if empty)."""
    xs, ys = [], []
    for p in points:
        xs.append(float(p[0]))
        ys.append(float(p[1]))
    if not xs:
        return (0.0, 1.0, 0.0, 1.0)
    bounds = []
    for lo, hi in ((min(xs), max(xs)), (min(ys), max(ys))):
        span = hi - lo if hi > lo else 1.0
        bounds += [lo - pad * span, hi + pad * span]
    return (bounds[0], bounds[1], bounds[2], bounds[3])


def cell_centers(bounds: Bounds, rows: int, cols: int) -> tuple[list[float], list[float]]:
    """(x1 of each column's centre, x2 of each row's centre, top row first)."""
    x_min, x_max, y_min, y_max = _check_bounds(bounds, rows, cols)
    dx, dy = (x_max - x_min) / cols, (y_max - y_min) / rows
    return (
        [x_min + (c + 0.5) * dx for c in range(cols)],
        [y_max - (r + 0.5) * dy for r in range(rows)],
    )


def grid_inputs(bounds: Bounds, rows: int, cols: int) -> list[tuple[float, float]]:
    """Every cell centre, row by row (a batch a trainer can evaluate and send back as a grid)."""
    xs, ys = cell_centers(bounds, rows, cols)
    return [(x, y) for y in ys for x in xs]


def evaluate_grid(
    f: Callable[[float, float], float], bounds: Bounds, rows: int, cols: int
) -> list[list[float]]:
    """f(x1, x2) at every cell centre, as rows (top first) of columns."""
    xs, ys = cell_centers(bounds, rows, cols)
    return [[float(f(x, y)) for x in xs] for y in ys]


def linear_values(
    w: Sequence[float], b: float, bounds: Bounds, rows: int, cols: int
) -> list[list[float]]:
    """a = w1*x1 + w2*x2 + b at every cell centre."""
    w1, w2 = float(w[0]), float(w[1])
    return evaluate_grid(lambda x, y: w1 * x + w2 * y + b, bounds, rows, cols)


def cell_of(x1: float, x2: float, bounds: Bounds, rows: int, cols: int) -> tuple[int, int] | None:
    """The (row, column) of the cell holding the point, or None outside the bounds."""
    x_min, x_max, y_min, y_max = _check_bounds(bounds, rows, cols)
    if not (x_min <= x1 <= x_max and y_min <= x2 <= y_max):
        return None
    col = min(cols - 1, int((x1 - x_min) / (x_max - x_min) * cols))
    row = min(rows - 1, int((y_max - x2) / (y_max - y_min) * rows))
    return row, col


def _line_kind(w: Sequence[float], bounds: Bounds, rows: int, cols: int) -> str:
    """Which character draws the line w.x + b = 0 best, by its slope on screen."""
    x_min, x_max, y_min, y_max = bounds
    w1, w2 = float(w[0]), float(w[1])
    # The line runs along (w2, -w1) in data units; in screen units (cell widths, up):
    across = w2 / ((x_max - x_min) / cols)
    up = -w1 / ((y_max - y_min) / rows) * CELL_ASPECT
    if across < 0:
        across, up = -across, -up
    angle = math.degrees(math.atan2(up, across))  # -90..90
    if abs(angle) < 22.5:
        return "flat"
    if abs(angle) > 67.5:
        return "steep"
    return "up" if angle > 0 else "down"


def line_cells(
    w: Sequence[float], b: float, bounds: Bounds, rows: int, cols: int, *, ascii_only: bool = False
) -> dict[tuple[int, int], str]:
    """The cells the line w1*x1 + w2*x2 + b = 0 passes through (the sign of a differs between
    the cell's corners), each with the character that draws it. Empty when w = 0."""
    bounds = _check_bounds(bounds, rows, cols)
    w1, w2 = float(w[0]), float(w[1])
    if w1 == 0 and w2 == 0:
        return {}
    x_min, x_max, y_min, y_max = bounds
    dx, dy = (x_max - x_min) / cols, (y_max - y_min) / rows
    corner = [
        [w1 * (x_min + c * dx) + w2 * (y_max - r * dy) + b >= 0 for c in range(cols + 1)]
        for r in range(rows + 1)
    ]
    char = (ASCII_LINE_CHARS if ascii_only else LINE_CHARS)[_line_kind(w, bounds, rows, cols)]
    out: dict[tuple[int, int], str] = {}
    for r in range(rows):
        for c in range(cols):
            signs = {corner[r][c], corner[r][c + 1], corner[r + 1][c], corner[r + 1][c + 1]}
            if len(signs) == 2:
                out[(r, c)] = char
    return out


def boundary_cells(grid: Sequence[Sequence[float]], threshold: float = 0.5) -> set[tuple[int, int]]:
    """Cells whose class (value >= threshold) differs from the cell to the right or below: the
    decision boundary of any network, drawn on the side of the cell above / to the left."""
    out: set[tuple[int, int]] = set()
    rows = len(grid)
    for r in range(rows):
        cols = len(grid[r])
        for c in range(cols):
            here = grid[r][c] >= threshold
            if c + 1 < cols and (grid[r][c + 1] >= threshold) != here:
                out.add((r, c))
            if r + 1 < rows and c < len(grid[r + 1]) and (grid[r + 1][c] >= threshold) != here:
                out.add((r, c))
    return out


def to_unit(value: float, signed: bool) -> float:
    """A -1..1 output (tanh, sign) as 0..1; 0..1 outputs as they are."""
    return (value + 1.0) / 2.0 if signed else value


def shade(value: float, shades: str = SHADES) -> str:
    """The shade character for a value in [0, 1] (clamped; NaN is blank)."""
    if math.isnan(value):
        return shades[0]
    level = min(len(shades) - 1, max(0, int(value * len(shades))))
    return shades[level]


@dataclass(frozen=True)
class MapPoint:
    x1: float
    x2: float
    label: int  # class 0 or 1
    test: bool = False  # held out for testing


@dataclass
class DecisionMap:
    values: list[list[float]]  # the raw grid, rows top first
    chars: list[list[str]]  # one character per cell
    styles: list[list[str]]  # one of STYLES per cell
    bounds: Bounds

    @property
    def rows(self) -> int:
        return len(self.chars)

    @property
    def cols(self) -> int:
        return len(self.chars[0]) if self.chars else 0

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.chars]

    def text(self, *, frame: bool = False) -> str:
        """The map as plain text; `frame` adds a border and the bounds below it."""
        lines = self.lines()
        if not frame:
            return "\n".join(lines)
        x_min, x_max, y_min, y_max = self.bounds
        top = "+" + "-" * self.cols + "+"
        out = [top, *(f"|{line}|" for line in lines), top]
        out.append(f"x1 {x_min:g}..{x_max:g}, x2 {y_min:g}..{y_max:g}")
        return "\n".join(out)


def _points(points: Iterable[MapPoint | Sequence[float]]) -> list[MapPoint]:
    out = []
    for p in points:
        if isinstance(p, MapPoint):
            out.append(p)
        else:
            values = list(p)
            test = bool(values[3]) if len(values) > 3 else False
            out.append(MapPoint(float(values[0]), float(values[1]), int(values[2]), test))
    return out


def decision_map(
    values: Sequence[Sequence[float]],
    bounds: Bounds,
    *,
    points: Iterable[MapPoint | Sequence[float]] = (),
    line: tuple[Sequence[float], float] | None = None,
    boundary: bool = False,
    threshold: float = 0.5,
    ascii_only: bool = False,
) -> DecisionMap:
    """Characters and styles for a grid of class-1 values in [0, 1].

    `points` are `MapPoint`s or (x1, x2, label[, test]) tuples, drawn on top; `line` = (w, b)
    draws a perceptron's line w.x + b = 0; `boundary` marks where the class changes
    between neighbouring cells (for any network). Points win over the line, the line over
    the shading."""
    rows = len(values)
    cols = len(values[0]) if rows else 0
    bounds = _check_bounds(bounds, rows, cols)
    if any(len(row) != cols for row in values):
        raise ValueError("the grid's rows differ in length")
    shades = ASCII_SHADES if ascii_only else SHADES
    grid = [[float(v) for v in row] for row in values]
    chars = [[shade(v, shades) for v in row] for row in grid]
    styles = [["class1" if v >= threshold else "class0" for v in row] for row in grid]
    marks: dict[tuple[int, int], str] = {}
    if boundary:
        char = "+" if ascii_only else "·"
        marks.update({cell: char for cell in boundary_cells(grid, threshold)})
    if line is not None:
        w, b = line
        marks.update(line_cells(w, b, bounds, rows, cols, ascii_only=ascii_only))
    for (r, c), char in marks.items():
        chars[r][c], styles[r][c] = char, "line"
    for p in sorted(_points(points), key=lambda p: p.test):  # test points on top
        cell = cell_of(p.x1, p.x2, bounds, rows, cols)
        if cell is None:
            continue
        cls = 1 if p.label else 0
        r, c = cell
        chars[r][c] = (TEST_MARKS if p.test else TRAIN_MARKS)[cls]
        styles[r][c] = f"{'test' if p.test else 'point'}{cls}"
    return DecisionMap(grid, chars, styles, bounds)
