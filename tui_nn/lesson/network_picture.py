"""A small network as a picture: its layers as columns of neurons, each neuron with its output y
for one sample (and its error delta = dL/da when a backpropagation is at hand), and every weight
as a line from its input neuron to its unit, the line's characters saying its sign and size.

Pure layout, no torch and no textual: `draw` returns rows of characters with a style name per
cell (as `decision_map` does), which the UI colours; `Picture.text()` is the plain text. The
forward pass is `tui_nn.lesson.threshold.forward`, the engine's activations in pure Python
(sign(0) = -1, step(0) = 1).

Sign and size are in the characters, so NO_COLOR loses nothing: a positive weight is a solid line
(─ light, ━ heavy), a negative one a dashed line (┄ light, ┅ heavy), a weight near zero dots (·);
in ASCII `-` `=` positive, `.` `:` negative, nothing near zero. Heavy means at least half the
network's largest |w|, near zero under a tenth of it. Where lines cross, the larger |w| is on top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tui_nn.lesson.threshold import Layer, forward

__all__ = [
    "ASCII_GLYPHS",
    "GLYPHS",
    "MAX_LAYER_WEIGHTS",
    "MAX_UNITS",
    "EdgeGlyph",
    "Glyphs",
    "Picture",
    "draw",
    "edge_glyph",
    "largest_weights",
    "outputs_for",
    "too_large",
    "weight_scale",
]

MAX_UNITS = 8  # a layer with more units than this is not drawn
MAX_LAYER_WEIGHTS = 64  # nor one with more weights
NEAR_ZERO = 0.1  # |w| under this share of the largest is drawn as "near zero"
HEAVY = 0.5  # |w| from this share of the largest is drawn heavy
MIN_GAP = 6  # columns between two layers' neurons, at least, for the lines
MAX_GAP = 24
BLAME_BAR = 4  # the longest delta bar (the largest |delta| in its layer)


@dataclass(frozen=True)
class Glyphs:
    positive: tuple[str, str]  # (light, heavy)
    negative: tuple[str, str]
    zero: str  # near zero; " " is not drawn


GLYPHS = Glyphs(positive=("─", "━"), negative=("┄", "┅"), zero="·")
ASCII_GLYPHS = Glyphs(positive=("-", "="), negative=(".", ":"), zero=" ")


@dataclass(frozen=True)
class EdgeGlyph:
    char: str
    style: str  # "positive", "positive_heavy", "negative", "negative_heavy" or "zero"


def weight_scale(layers: Sequence[Layer]) -> float:
    """The largest finite |w| over the network's weights (not its biases); 1 when all are 0."""
    biggest = max(
        (abs(w) for layer in layers for row in layer.weights for w in row if math.isfinite(w)),
        default=0.0,
    )
    return biggest if biggest > 0 else 1.0


def edge_glyph(w: float, scale: float, *, ascii_only: bool = False) -> EdgeGlyph:
    """The character a weight's line is drawn with: its sign, and light or heavy by its size."""
    glyphs = ASCII_GLYPHS if ascii_only else GLYPHS
    size = abs(w) / scale if scale > 0 and math.isfinite(w) else 0.0
    if size < NEAR_ZERO:
        return EdgeGlyph(glyphs.zero, "zero")
    heavy = size >= HEAVY
    if w > 0:
        return EdgeGlyph(glyphs.positive[heavy], "positive" + "_heavy" * heavy)
    return EdgeGlyph(glyphs.negative[heavy], "negative" + "_heavy" * heavy)


def too_large(shapes: Sequence[tuple[int, int]]) -> str | None:
    """Why a network of these (units, inputs) layers is not drawn, or None when it is."""
    for index, (units, inputs) in enumerate(shapes, start=1):
        if units > MAX_UNITS or inputs > MAX_UNITS:
            return f"layer {index} has more than {MAX_UNITS} units or inputs"
        if units * inputs > MAX_LAYER_WEIGHTS:
            return f"layer {index} has more than {MAX_LAYER_WEIGHTS} weights"
    return None


def outputs_for(layers: Sequence[Layer], x: Sequence[float]) -> list[list[float]]:
    """Every neuron's output for input `x`: the inputs first, then each layer's y = f(W y + b)."""
    return [[float(v) for v in x], *(trace.y for trace in forward(layers, x))]


def largest_weights(
    weights: Sequence[Sequence[float]], count: int = 3
) -> list[tuple[int, int, float]]:
    """The `count` weights of a layer largest in |w|, as (unit, input, w), largest first."""
    flat = [(i, j, float(w)) for i, row in enumerate(weights) for j, w in enumerate(row)]
    flat.sort(key=lambda item: (-abs(item[2]) if math.isfinite(item[2]) else 0.0, item[0], item[1]))
    return flat[:count]


# -- the picture -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """Rows of characters, with one style name per character."""

    chars: list[str]
    styles: list[list[str]]

    def text(self) -> str:
        return "\n".join(row.rstrip() for row in self.chars)


def _value(v: float) -> str:
    """A neuron's output, short: two decimals (so a column lines up), small ones in e-notation."""
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1000:
        return str(int(v))
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 0.01:
        return f"{v:.2f}"
    return f"{v:.0e}"


def _delta(v: float) -> str:
    text = f"{v:.2g}" if math.isfinite(v) else str(v)
    return "0" if text in ("0", "-0") else text


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[""] * width for _ in range(height)]

    def put(self, row: int, col: int, text: str, style: str) -> None:
        for offset, char in enumerate(text):
            c = col + offset
            if 0 <= row < len(self.chars) and 0 <= c < len(self.chars[row]):
                self.chars[row][c] = char
                self.styles[row][c] = style

    def picture(self) -> Picture:
        return Picture(["".join(row) for row in self.chars], [list(row) for row in self.styles])


@dataclass(frozen=True)
class _Column:
    head: str
    lines: list[list[list[tuple[str, str]]]]  # per neuron, its lines: (text, style) runs
    width: int


def _neuron_lines(
    label: str,
    value: float | None,
    delta: float | None,
    blame: int,
    ascii_only: bool,
) -> list[list[tuple[str, str]]]:
    first = [(label, "label"), (" " + (_value(value) if value is not None else "?"), "value")]
    if delta is None:
        return [first]
    name = "d" if ascii_only else "δ"
    bar, empty = ("#", ".") if ascii_only else ("█", "·")
    second = [
        (f"{name} {_delta(delta)} ", "delta"),
        (bar * blame, "blame"),
        (empty * (BLAME_BAR - blame), "zero"),
    ]
    return [first, second]


def _blame(deltas: Sequence[float]) -> list[int]:
    """Each |delta| as a bar length, relative to the largest in its layer."""
    finite = [abs(d) for d in deltas if math.isfinite(d)]
    biggest = max(finite, default=0.0)
    if biggest == 0:
        return [0] * len(deltas)
    return [round(BLAME_BAR * abs(d) / biggest) if math.isfinite(d) else 0 for d in deltas]


def _columns(
    layers: Sequence[Layer],
    input_names: Sequence[str],
    values: Sequence[Sequence[float]] | None,
    deltas: Sequence[Sequence[float]] | None,
    ascii_only: bool,
) -> list[_Column]:
    n_inputs = layers[0].inputs
    names = [(input_names[j] if j < len(input_names) else f"x{j + 1}")[:8] for j in range(n_inputs)]
    heads = ["inputs", *(f"{i} {layer.activation}" for i, layer in enumerate(layers, start=1))]
    columns: list[_Column] = []
    for k, head in enumerate(heads):
        units = n_inputs if k == 0 else layers[k - 1].units
        layer_deltas = deltas[k - 1] if deltas is not None and k > 0 else None
        bars = _blame(layer_deltas) if layer_deltas is not None else [0] * units
        neurons = []
        for i in range(units):
            label = names[i] if k == 0 else f"({i + 1})"
            value = values[k][i] if values is not None else None
            delta = layer_deltas[i] if layer_deltas is not None else None
            neurons.append(_neuron_lines(label, value, delta, bars[i], ascii_only))
        width = max(
            [len(head)]
            + [sum(len(text) for text, _ in line) for lines in neurons for line in lines]
        )
        columns.append(_Column(head, neurons, width))
    return columns


def _pitch(counts: Sequence[int], rows: int, height: int | None) -> int:
    """Rows from one neuron's top to the next: room for a blank line or two where `height`
    allows; even where a column is centred an odd number of places off the tallest (a unit
    between two inputs sits in the middle), unless only no blank line would be even."""
    most = max(counts)
    fits = rows + 1 if height is None else (height - rows) // max(1, most - 1)
    candidates = list(range(max(rows, min(rows + 2, fits)), rows - 1, -1))
    if any((most - n) % 2 for n in counts):
        even = [pitch for pitch in candidates if pitch % 2 == 0 and pitch > rows]
        return even[0] if even else candidates[0]
    return candidates[0]


def _tops(units: int, most: int, pitch: int) -> list[int]:
    """The top row of each of `units` neurons, centred on the tallest column's `most`."""
    return [math.floor((most - units) * pitch / 2 + 0.5) + i * pitch for i in range(units)]


def draw(
    layers: Sequence[Layer],
    *,
    input_names: Sequence[str] = (),
    values: Sequence[Sequence[float]] | None = None,
    deltas: Sequence[Sequence[float]] | None = None,
    width: int = 78,
    height: int | None = None,
    ascii_only: bool = False,
) -> Picture | None:
    """The network as columns of neurons joined by their weights' lines, at most `width` wide
    (None when the layers do not fit: too many for the width) and, given `height`, at most
    that tall where it can be.

    `values`: every neuron's output for the sample (`outputs_for`), inputs first; `deltas`: each
    layer's dL/da (no inputs), which adds a line under each neuron with a bar of its |delta|
    relative to the largest in its layer (the blame)."""
    if not layers:
        return None
    columns = _columns(layers, input_names, values, deltas, ascii_only)
    total = sum(c.width for c in columns)
    gap = min(MAX_GAP, (width - total) // (len(columns) - 1)) if len(columns) > 1 else 0
    if gap < MIN_GAP:
        return None
    rows_per = 2 if deltas is not None else 1
    most = max(len(c.lines) for c in columns)
    pitch = _pitch([len(c.lines) for c in columns], rows_per, height)
    body = (most - 1) * pitch + rows_per
    starts: list[int] = []
    x = 0
    for column in columns:
        starts.append(x)
        x += column.width + gap
    canvas = _Canvas(x - gap, body + 1)
    for column, start in zip(columns, starts, strict=True):
        canvas.put(0, start, column.head, "head")
    tops = [[1 + t for t in _tops(len(c.lines), most, pitch)] for c in columns]
    spans = [
        (starts[k - 1] + columns[k - 1].width + 1, starts[k] - 2) for k in range(1, len(columns))
    ]
    _draw_lines(canvas, layers, spans, tops, ascii_only)
    for k, (column, start) in enumerate(zip(columns, starts, strict=True)):
        for top, lines in zip(tops[k], column.lines, strict=True):
            for offset, line in enumerate(lines):
                length = sum(len(text) for text, _style in line)
                col = start + (column.width - length if k == 0 else 0)  # inputs to the right
                for text, style in line:
                    canvas.put(top + offset, col, text, style)
                    col += len(text)
    return canvas.picture()


def _draw_lines(
    canvas: _Canvas,
    layers: Sequence[Layer],
    spans: Sequence[tuple[int, int]],
    tops: Sequence[Sequence[int]],
    ascii_only: bool,
) -> None:
    """Every weight as a line from its input's row to its unit's row, over the columns `spans`
    gives between the two layers: one cell per column, so a steep line is a stair of steps."""
    scale = weight_scale(layers)
    lines: list[tuple[float, int, int, int, int, float]] = []
    for k, (layer, (x0, x1)) in enumerate(zip(layers, spans, strict=True)):
        for i, row in enumerate(layer.weights):
            for j, w in enumerate(row):
                size = abs(w) if math.isfinite(w) else 0.0
                lines.append((size, x0, x1, tops[k][j], tops[k + 1][i], w))
    for _size, x0, x1, r0, r1, w in sorted(lines, key=lambda line: line[0]):  # largest on top
        glyph = edge_glyph(w, scale, ascii_only=ascii_only)
        if glyph.char == " ":
            continue
        span = max(1, x1 - x0)
        for c in range(x0, x1 + 1):
            canvas.put(round(r0 + (r1 - r0) * (c - x0) / span), c, glyph.char, glyph.style)
