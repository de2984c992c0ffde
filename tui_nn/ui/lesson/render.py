"""Text for the lesson views, built from `tui_nn.lesson` results as Textual `Content`.

Nothing here touches widgets: each function takes plain numbers and returns styled text, so the
views only decide what to show and when. Every character used is on the Linux console (block
shades, box lines, ✓ ✗); `ascii_only` swaps them for plain ASCII (the app's `a` key). Colours
only repeat what the characters already say, so NO_COLOR loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual.content import Content

from tui_nn.lesson.decision_map import (
    DecisionMap,
    cell_centers,
    decision_map,
    linspace_cell_bounds,
)
from tui_nn.lesson.threshold import Layer, forward
from tui_nn.lesson.truth_table import DecisionRule, TruthTable, decision_rule
from tui_nn.trainer import protocol

# Styles by the decision map's style names (tui_nn.lesson.decision_map.STYLES).
MAP_STYLES = {
    "class0": "ansi_yellow",
    "class1": "ansi_cyan",
    "line": "bold $foreground",
    "point0": "bold ansi_bright_yellow",
    "point1": "bold ansi_bright_cyan",
    "test0": "bold ansi_bright_yellow underline",
    "test1": "bold ansi_bright_cyan underline",
}
OK_STYLE = "bold $success"
WRONG_STYLE = "bold $error"
POSITIVE_STYLE = "ansi_green"
NEGATIVE_STYLE = "ansi_red"

Part = str | tuple[str, str]


def num(value: float, digits: int = 3) -> str:
    """A short number: whole numbers without a point, others to `digits` significant digits."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == 0:
        return "0"
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    text = f"{value:.{digits}g}"
    return text


def symbols(ascii_only: bool) -> dict[str, str]:
    """The lesson's notation: eta, delta and the product dot, or ASCII stand-ins."""
    if ascii_only:
        return {"eta": "eta", "delta": "d", "dot": "*"}
    return {"eta": "η", "delta": "Δ", "dot": "·"}


def marks(ascii_only: bool) -> tuple[str, str]:
    """(match, mismatch) marks."""
    return ("ok", "X") if ascii_only else ("✓", "✗")


# -- decision maps ---------------------------------------------------------------------------


def resample(values: Sequence[Sequence[float]], rows: int, cols: int) -> list[list[float]]:
    """The grid at another size, each new cell taking the nearest old cell's value (both grids
    cover the same area, cell by cell)."""
    old_rows = len(values)
    old_cols = len(values[0]) if old_rows else 0
    if not old_rows or not old_cols:
        return [[0.0] * cols for _ in range(rows)]
    return [
        [
            float(
                values[min(old_rows - 1, int((r + 0.5) * old_rows / rows))][
                    min(old_cols - 1, int((c + 0.5) * old_cols / cols))
                ]
            )
            for c in range(cols)
        ]
        for r in range(rows)
    ]


def snapshot_map(
    grid: protocol.DecisionMap,
    values: Sequence[Sequence[float]],
    *,
    rows: int | None = None,
    cols: int | None = None,
    points: Sequence[Sequence[float]] = (),
    line: tuple[Sequence[float], float] | None = None,
    ascii_only: bool = False,
) -> DecisionMap:
    """A map of a trainer snapshot's grid (`Snapshot.map`: its bounds; `values` are its
    `values` or one of its `hidden` maps), sampled from edge to edge, optionally shown at another
    size; points and the line land in the right cells."""
    n_rows, n_cols = len(values), len(values[0]) if values else 0
    bounds = linspace_cell_bounds(grid["bounds"], n_rows, n_cols)
    shown = values
    if (rows or n_rows) != n_rows or (cols or n_cols) != n_cols:
        shown = resample(values, rows or n_rows, cols or n_cols)
    return decision_map(shown, bounds, points=points, line=line, ascii_only=ascii_only)


def map_points(overview: protocol.DataOverview | None) -> list[list[float]]:
    """The overview's 2-D points as (x1, x2, label, test) rows, training points first."""
    if not overview:
        return []
    points = overview.get("points", {})
    out: list[list[float]] = []
    for rows, test in ((points.get("train", []), 0.0), (points.get("test", []), 1.0)):
        for row in rows:
            if len(row) >= 3:
                out.append([float(row[0]), float(row[1]), 1.0 if row[2] > 0 else 0.0, test])
    return out


def map_content(dm: DecisionMap, *, ascii_only: bool = False, frame: bool = True) -> Content:
    """The map's characters with their styles, in a box."""
    lines: list[Content] = []
    h, v, corners = ("-", "|", "++++") if ascii_only else ("─", "│", "┌┐└┘")
    if frame:
        lines.append(Content(corners[0] + h * dm.cols + corners[1]))
    for chars, styles in zip(dm.chars, dm.styles, strict=True):
        parts: list[Part] = [v] if frame else []
        run, run_style = "", None
        for char, style in zip(chars, styles, strict=True):
            if ascii_only and style.startswith("class") and char == "o":
                char = "="  # the ASCII shade "o" would read as a class-0 point
            if style != run_style and run:
                parts.append((run, MAP_STYLES.get(run_style or "", "")))
                run = ""
            run += char
            run_style = style
        if run:
            parts.append((run, MAP_STYLES.get(run_style or "", "")))
        if frame:
            parts.append(v)
        lines.append(Content.assemble(*parts))
    if frame:
        lines.append(Content(corners[2] + h * dm.cols + corners[3]))
    return Content("\n").join(lines)


def with_axes(
    box: Content,
    x: tuple[str, float, float],
    y: tuple[str, float, float],
    *,
    ascii_only: bool = False,
) -> Content:
    """A framed map (`map_content`) with its axes: `y` = (name, low, high) up the left side
    (the name above the box, high at the top edge, low at the bottom), `x` likewise under it.

    ```
      Dry ↑
    1.25 ┌────────┐
         │        │
    -0.25└────────┘
         -0.25 Sunny → 1.25
    ```
    """
    lines = box.split("\n")
    width = max((len(line) for line in lines), default=0)
    (x_name, x_lo, x_hi), (y_name, y_lo, y_hi) = x, y
    top, bottom = num(y_hi), num(y_lo)
    gutter = max(len(top), len(bottom))
    up, right = ("^", "->") if ascii_only else ("↑", "→")
    out = [Content.assemble((" " * gutter), (f"{y_name} {up}", "bold"))]
    for index, line in enumerate(lines):
        label = top if index == 0 else bottom if index == len(lines) - 1 else ""
        out.append(Content.assemble((label.rjust(gutter), "dim"), line))
    lo, hi, name = num(x_lo), num(x_hi), f"{x_name} {right}"
    room = width - len(lo) - len(hi)
    if room < len(name) + 2:  # a long name: it keeps what fits between the two numbers
        name = name[: max(0, room - 2)].rstrip()
    middle = name.center(max(room, len(name)))
    out.append(Content.assemble(" " * gutter, (lo, "dim"), (middle, "bold"), (hi, "dim")))
    return Content("\n").join(out)


def threshold_notes(activations: Sequence[str], ascii_only: bool = False) -> list[str]:
    """The threshold conventions of the lecture (and of `tui_nn.model`) for the sign and step
    units among `activations`, one line each: sign(0) = -1, step(0) = 1."""
    ge = ">=" if ascii_only else "≥"
    notes = {
        "sign": "sign(0) = -1: 1 only if a > 0",
        "step": f"step(0) = 1: 1 if a {ge} 0, else 0",
    }
    return [notes[name] for name in ("sign", "step") if name in activations]


def map_legend(
    ascii_only: bool = False, *, test: bool = False, line: bool = False, signed: bool = False
) -> Content:
    """The decision map's key. `signed`: the model's output is -1..1 (sign, tanh), so are its
    targets (t = -1 / 1, as the truth table shows them); else 0..1 (t = 0 / 1)."""
    shades = " .:=#" if ascii_only else " ░▒▓█"
    low = "-1" if signed else "0"
    parts: list[Part] = [
        ("o", MAP_STYLES["point0"]),
        f" t = {low}  ",
        ("x", MAP_STYLES["point1"]),
        " t = 1",
    ]
    if test:
        parts += ["  ", ("O X", MAP_STYLES["test1"]), " test"]
    parts += [
        "\noutput: ",
        (f"'{shades[0]}'", MAP_STYLES["class0"]),
        f" {low} .. ",
        (f"'{shades[-1]}'", MAP_STYLES["class1"]),
        " 1",
    ]
    if line:
        dot = symbols(ascii_only)["dot"]
        parts += [
            "\n",
            ("/" if ascii_only else "╱", MAP_STYLES["line"]),
            f" the line w{dot}x + b = 0",
        ]
    return Content.assemble(*parts)


def class_one(y: Sequence[float], rule: DecisionRule, activation: str) -> float:
    """How much the output means class 1, in 0..1 (the shade of a map cell)."""
    if len(y) > 1:
        if activation == "softmax":
            return float(y[1])
        top = max(y)
        exps = [math.exp(v - top) for v in y]
        return exps[1] / sum(exps)
    value = float(y[0])
    if rule.signed:
        return min(1.0, max(0.0, (value + 1.0) / 2.0))
    if rule.threshold == 0.0:  # a logit
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, value))))
    return min(1.0, max(0.0, value))


def local_map(
    layers: Sequence[Layer],
    bounds: tuple[float, float, float, float],
    rows: int,
    cols: int,
    *,
    loss: str | None,
    kind: str,
    points: Sequence[Sequence[float]] = (),
    unit: tuple[int, int] | None = None,
    ascii_only: bool = False,
) -> DecisionMap:
    """A map computed here from plain weights (hand-set ones): the network's class-1 output at
    every cell centre, or hidden unit `unit` = (layer, index) scaled to 0..1; the line
    w·x + b = 0 for a single unit."""
    xs, ys = cell_centers(bounds, rows, cols)
    last = layers[-1]
    rule = decision_rule(last.activation, loss, last.units, kind)
    grid: list[list[float]] = []
    for y2 in ys:
        row: list[float] = []
        for x1 in xs:
            traces = forward(layers, (x1, y2))
            if unit is None:
                row.append(class_one(traces[-1].y, rule, last.activation))
            else:
                row.append(traces[unit[0]].y[unit[1]])
        grid.append(row)
    if unit is not None:
        low = min(min(row) for row in grid)
        high = max(max(row) for row in grid)
        span = high - low if high > low else 1.0
        grid = [[(v - low) / span for v in row] for row in grid]
    line: tuple[Sequence[float], float] | None = None
    if unit is None and len(layers) == 1 and last.units == 1 and last.inputs == 2:
        line = (last.weights[0], last.bias[0])
    elif unit is not None and layers[unit[0]].inputs == 2 and unit[0] == 0:
        line = (layers[0].weights[unit[1]], layers[0].bias[unit[1]])
    return decision_map(grid, bounds, points=points, line=line, ascii_only=ascii_only)


# -- truth tables ----------------------------------------------------------------------------


def truth_table_content(
    table: TruthTable, *, ascii_only: bool = False, show_hidden: bool = True
) -> Content:
    """The inputs by name, hidden outputs (small networks), a, y, t and a mark per row."""
    ok, wrong = marks(ascii_only)
    hidden_n = len(table.rows[0].hidden) if table.rows else 0
    hidden_cols: list[str] = []
    if show_hidden and hidden_n:
        sizes = [len(layer) for layer in table.rows[0].hidden]
        if sum(sizes) <= 4:
            for li, size in enumerate(sizes):
                for u in range(size):
                    hidden_cols.append(f"h{u}" if hidden_n == 1 else f"h{li + 1}.{u}")
    header = [*table.input_names, *hidden_cols, "a", "y", "t"]
    body: list[list[str]] = []
    for row in table.rows:
        hidden = [num(v, 2) for layer in row.hidden for v in layer] if hidden_cols else []
        body.append(
            [
                *(str(v) for v in row.inputs),
                *hidden,
                _cell(row.a),
                _cell(row.y),
                _cell(row.t),
            ]
        )
    widths = [max(len(line[j]) for line in [header, *body]) for j in range(len(header))]
    gap = "  "
    lines = [
        Content.styled(gap.join(h.rjust(w) for h, w in zip(header, widths, strict=True)), "bold")
    ]
    for row, cells in zip(table.rows, body, strict=True):
        text = gap.join(c.rjust(w) for c, w in zip(cells, widths, strict=True))
        mark = (f"  {ok}", OK_STYLE) if row.match else (f"  {wrong}", WRONG_STYLE)
        lines.append(Content.assemble(text, mark))
    return Content("\n").join(lines)


def _cell(value: float | tuple[float, ...]) -> str:
    if isinstance(value, tuple):
        return " ".join(num(v) for v in value)
    return num(value)


def verdict_content(table: TruthTable, ascii_only: bool = False) -> Content:
    ok, wrong = marks(ascii_only)
    n = len(table.rows)
    if table.all_match:
        return Content.styled(f"{ok} all {n} rows match", OK_STYLE)
    return Content.styled(f"{wrong} {table.errors} of {n} rows misclassified", WRONG_STYLE)
