"""Text for the Network view, as Textual `Content`: the network as a picture
(`tui_nn.lesson.network_picture`) with its key, every weight and bias as a glyph with its value,
the per-layer statistics, and the largest weights of a network too large to draw.

Nothing here touches widgets. The colours only repeat what the characters say (a line's sign
and size, a neuron's value), so NO_COLOR loses nothing; `ascii_only` draws in plain ASCII.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual.content import Content

from tui_nn.lesson.backprop import BackpropResult
from tui_nn.lesson.network_picture import (
    ASCII_GLYPHS,
    GLYPHS,
    HEAVY,
    NEAR_ZERO,
    Picture,
    draw,
    largest_weights,
    too_large,
    weight_scale,
)
from tui_nn.lesson.network_stats import render_layer_stats, stats_from_snapshot, weight_cell
from tui_nn.lesson.threshold import Layer, as_layers
from tui_nn.trainer import protocol

from .render import NEGATIVE_STYLE, POSITIVE_STYLE, Part, num

# Styles by the picture's style names.
PICTURE_STYLES = {
    "positive": POSITIVE_STYLE,
    "positive_heavy": f"bold {POSITIVE_STYLE}",
    "negative": NEGATIVE_STYLE,
    "negative_heavy": f"bold {NEGATIVE_STYLE}",
    "zero": "dim",
    "head": "bold underline",
    "label": "bold",
    "value": "",
    "delta": "ansi_yellow",
    "blame": "bold ansi_yellow",
}


def picture_content(picture: Picture) -> Content:
    """The picture's characters with their styles, a run of one style at a time."""
    lines: list[Content] = []
    for chars, styles in zip(picture.chars, picture.styles, strict=True):
        parts: list[Part] = []
        run, run_style = "", ""
        for char, style in zip(chars.rstrip(), styles, strict=False):
            if style != run_style and run:
                parts.append((run, PICTURE_STYLES.get(run_style, "")))
                run = ""
            run += char
            run_style = style
        if run:
            parts.append((run, PICTURE_STYLES.get(run_style, "")))
        lines.append(Content.assemble(*parts))
    return Content("\n").join(lines)


def picture_key(scale: float, *, deltas: bool, ascii_only: bool = False) -> Content:
    """What the lines and numbers of the picture mean, in two lines."""
    glyphs = ASCII_GLYPHS if ascii_only else GLYPHS
    (pos, pos_heavy), (neg, neg_heavy) = glyphs.positive, glyphs.negative
    parts: list[Part] = [
        (pos * 2, PICTURE_STYLES["positive"]),
        (pos_heavy * 2, PICTURE_STYLES["positive_heavy"]),
        " w > 0  ",
        (neg * 2, PICTURE_STYLES["negative"]),
        (neg_heavy * 2, PICTURE_STYLES["negative_heavy"]),
        f" w < 0  heavy: |w| >= {num(HEAVY * scale, 2)}  ",
    ]
    if glyphs.zero.strip():
        parts += [(glyphs.zero * 2, "dim"), f" |w| < {num(NEAR_ZERO * scale, 2)}"]
    else:
        parts.append(f"|w| < {num(NEAR_ZERO * scale, 2)} not drawn")
    delta = "d" if ascii_only else "δ"
    second = "(i) y: unit i's output f(a) for the sample"
    if deltas:
        second += f"; {delta} = dL/da, the bar: its share of the blame"
    return Content.assemble(*parts, "\n", (second, "dim"))


def network_picture(
    layers: Sequence[Layer],
    *,
    input_names: Sequence[str] = (),
    values: Sequence[Sequence[float]] | None = None,
    deltas: Sequence[Sequence[float]] | None = None,
    width: int,
    height: int | None = None,
    ascii_only: bool = False,
) -> Content | None:
    """The picture with its key above it; None when it does not fit in `width` columns."""
    picture = draw(
        layers,
        input_names=input_names,
        values=values,
        deltas=deltas,
        width=width,
        height=None if height is None else height - 2,
        ascii_only=ascii_only,
    )
    if picture is None:
        return None
    key = picture_key(weight_scale(layers), deltas=deltas is not None, ascii_only=ascii_only)
    return Content("\n").join([key, picture_content(picture)])


def backprop_picture(
    result: BackpropResult, *, width: int, ascii_only: bool = False
) -> Content | None:
    """A Backprop event's network as the picture: its weights, each neuron's y and delta (None
    when the network is too large to draw or too wide for `width`)."""
    layers = as_layers([(layer.W, layer.b, layer.activation) for layer in result.layers])
    if too_large([(layer.units, layer.inputs) for layer in layers]) is not None:
        return None
    values = [list(result.x), *(list(layer.y) for layer in result.layers)]
    deltas = [list(layer.delta) for layer in result.layers]
    return network_picture(layers, values=values, deltas=deltas, width=width, ascii_only=ascii_only)


# -- the numbers ----------------------------------------------------------------------------


def weights_content(layers: Sequence[protocol.LayerStats], *, ascii_only: bool = False) -> Content:
    """Every weight and bias of a small network: its sign and size as a glyph (on one scale for
    the whole network), and its value when a unit has few inputs."""
    matrices = [layer["weights"] for layer in layers]
    biases = [layer.get("bias", []) for layer in layers]
    scale = max(
        [abs(float(w)) for m in matrices for row in m for w in row]
        + [abs(float(b)) for bias in biases for b in bias]
        + [0.0]
    )
    scale = scale if scale > 0 else 1.0
    full = "9" if ascii_only else "█"
    out: list[Content] = [
        Content.assemble(
            ("sign and size: ", "dim"),
            ("+", POSITIVE_STYLE),
            ("/", "dim"),
            ("-", NEGATIVE_STYLE),
            (f" then a level; {full} = |w| {num(scale)}", "dim"),
        )
    ]
    for index, (m, bias, layer) in enumerate(zip(matrices, biases, layers, strict=True)):
        units = len(m)
        inputs = len(m[0]) if units else 0
        frozen = "" if layer.get("trainable", True) else ", frozen"
        out.append(
            Content.styled(
                f"layer {index + 1}: {units} x {inputs} ({layer.get('activation', '?')}{frozen})",
                "bold",
            )
        )
        show_values = inputs <= 6
        for u, row in enumerate(m):
            parts: list[Part] = [f"{u:>3} "]
            for w in row:
                parts += [" ", _glyph(w, scale, ascii_only)]
                if show_values:
                    parts.append(f"{num(w, 2):>6}")
            if u < len(bias):
                parts += ["  b ", _glyph(bias[u], scale, ascii_only)]
                if show_values:
                    parts.append(f"{num(bias[u], 2):>6}")
            out.append(Content.assemble(*parts))
    return Content("\n").join(out)


def _glyph(w: float, scale: float, ascii_only: bool) -> tuple[str, str]:
    cell = weight_cell(w, scale, ascii_only=ascii_only)
    style = {"positive": POSITIVE_STYLE, "negative": NEGATIVE_STYLE}.get(cell.style, "dim")
    return cell.text, style


def stats_content(layers: Sequence[protocol.LayerStats]) -> Content:
    """Per-layer statistics: shape, mean |w|, max |w|, gradient norm."""
    try:
        stats = [replace(s, index=s.index + 1) for s in stats_from_snapshot(layers)]
        text = render_layer_stats(stats)
    except (KeyError, TypeError, ValueError) as error:
        return Content(f"(no layer statistics: {error})")
    head, _, rest = text.partition("\n")
    return Content.assemble((head, "bold"), "\n", rest)


def largest_content(
    layers: Sequence[protocol.LayerStats], input_names: Sequence[str], count: int = 3
) -> Content:
    """Each layer's largest weights by name, "unit <- input" (the inputs by the data's names,
    units counted from 1 as the picture does); nothing for layers sent without weights."""
    lines: list[Content] = []
    for index, layer in enumerate(layers, start=1):
        weights = layer.get("weights")
        if not weights:
            continue
        parts: list[Part] = [(f"layer {index}: ", "bold")]
        for n, (i, j, w) in enumerate(largest_weights(weights, count)):
            source = (
                (input_names[j] if j < len(input_names) else f"x{j + 1}")
                if index == 1
                else f"({j + 1}) of layer {index - 1}"
            )
            style = POSITIVE_STYLE if w > 0 else NEGATIVE_STYLE if w < 0 else "dim"
            parts += [", " if n else "", (f"{w:+.3g}", style), f" ({i + 1}) <- {source}"]
        lines.append(Content.assemble(*parts))
    if not lines:
        return Content("")
    return Content("\n").join([Content.styled("Largest weights", "bold"), *lines])
