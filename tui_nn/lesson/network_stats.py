"""The network view's numbers: each weight as a glyph by sign and size (small networks), and
per-layer statistics (large ones).

Layers are given as weight matrices (one row per unit, one weight per input), optionally with
biases and gradient norms, as plain lists: the trainer process sends them, this module only
formats them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "ASCII_LEVELS",
    "LEVELS",
    "LayerStats",
    "WeightCell",
    "layer_stats",
    "render_layer_stats",
    "render_weights",
    "stats_from_snapshot",
    "weight_cell",
    "weight_grid",
    "weight_scale",
]

LEVELS = "·▁▂▃▄▅▆▇█"  # |w| relative to the scale: zero-ish up to the largest
ASCII_LEVELS = ".123456789"
SMALL_NETWORK_WEIGHTS = 400  # above this many weights, show statistics instead of glyphs

Matrix = Sequence[Sequence[float]]


@dataclass(frozen=True)
class WeightCell:
    text: str  # sign and size, two characters: "+▆", "-▂", " ·"
    style: str  # "positive", "negative" or "zero"
    value: float


def weight_scale(layers: Sequence[Matrix]) -> float:
    """The largest |w| over all layers (1 when every weight is 0), the glyphs' full scale."""
    biggest = max(
        (abs(float(w)) for m in layers for row in m for w in row if math.isfinite(float(w))),
        default=0.0,
    )
    return biggest if biggest > 0 else 1.0


def weight_cell(w: float, scale: float, *, ascii_only: bool = False) -> WeightCell:
    """The glyph for one weight: its sign, then its size relative to `scale` in levels."""
    w = float(w)
    levels = ASCII_LEVELS if ascii_only else LEVELS
    if math.isnan(w):
        return WeightCell(" ?", "zero", w)
    size = min(1.0, abs(w) / scale) if scale > 0 else 0.0
    level = math.ceil(size * (len(levels) - 1))
    if level == 0:
        return WeightCell(" " + levels[0], "zero", w)
    sign, style = ("+", "positive") if w > 0 else ("-", "negative")
    return WeightCell(sign + levels[level], style, w)


def weight_grid(
    layers: Sequence[Matrix], *, scale: float | None = None, ascii_only: bool = False
) -> list[list[list[WeightCell]]]:
    """Per layer, per unit (row), per input: the weight's glyph, on a scale shared by all layers."""
    full = weight_scale(layers) if scale is None else scale
    return [
        [[weight_cell(w, full, ascii_only=ascii_only) for w in row] for row in m] for m in layers
    ]


def render_weights(
    layers: Sequence[Matrix],
    biases: Sequence[Sequence[float]] | None = None,
    *,
    ascii_only: bool = False,
) -> str:
    """A block per layer: one line per unit with its input weights' glyphs (and its bias)."""
    scale = weight_scale([*layers, *([[list(b)] for b in biases] if biases else [])])
    grid = weight_grid(layers, scale=scale, ascii_only=ascii_only)
    out = [f"scale: full glyph = |w| {scale:.3g}"]
    for index, layer in enumerate(grid):
        n_in = len(layer[0]) if layer else 0
        out.append(f"layer {index}: {len(layer)} units x {n_in} inputs")
        for unit, row in enumerate(layer):
            line = f"  {unit:>3} " + " ".join(cell.text for cell in row)
            if biases is not None:
                line += "  b " + weight_cell(biases[index][unit], scale, ascii_only=ascii_only).text
            out.append(line)
    return "\n".join(out)


@dataclass(frozen=True)
class LayerStats:
    index: int
    units: int  # rows
    inputs: int  # columns
    count: int  # weights (not biases)
    mean_abs: float
    max_abs: float
    mean: float | None  # None when only summary numbers were sent
    std: float | None
    bias_mean_abs: float | None
    grad_norm: float | None  # the layer's gradient norm when the trainer sent one
    trainable: bool = True


def layer_stats(
    layers: Sequence[Matrix],
    biases: Sequence[Sequence[float]] | None = None,
    grad_norms: Sequence[float | None] | None = None,
    trainable: Sequence[bool] | None = None,
) -> list[LayerStats]:
    """mean |w|, max |w|, mean and standard deviation of each layer's weights."""
    out = []
    for index, m in enumerate(layers):
        values = [float(w) for row in m for w in row]
        n = len(values)
        mean = math.fsum(values) / n if n else 0.0
        var = math.fsum((v - mean) ** 2 for v in values) / n if n else 0.0
        bias = None
        if biases is not None and len(biases[index]):
            bias = math.fsum(abs(float(b)) for b in biases[index]) / len(biases[index])
        out.append(
            LayerStats(
                index=index,
                units=len(m),
                inputs=len(m[0]) if len(m) else 0,
                count=n,
                mean_abs=math.fsum(abs(v) for v in values) / n if n else 0.0,
                max_abs=max((abs(v) for v in values), default=0.0),
                mean=mean,
                std=math.sqrt(var),
                bias_mean_abs=bias,
                grad_norm=None if grad_norms is None else grad_norms[index],
                trainable=True if trainable is None else bool(trainable[index]),
            )
        )
    return out


def render_layer_stats(stats: Sequence[LayerStats]) -> str:
    """One line per layer: shape, count, mean |w|, max |w|, std, gradient norm (fits 80 columns)."""
    names = ("shape", "weights", "mean|w|", "max|w|", "std", "grad")
    header = f"{'layer':<6}" + "".join(f"{name:>{12 if name == 'shape' else 10}}" for name in names)
    lines = [header]
    for s in stats:
        grad = "-" if s.grad_norm is None else f"{s.grad_norm:.3g}"
        std = "-" if s.std is None else f"{s.std:.3g}"
        shape = f"{s.units}x{s.inputs}"
        name = f"{s.index}" + ("" if s.trainable else "*")
        lines.append(
            f"{name:<6}{shape:>12}{s.count:>10,}{s.mean_abs:>10.3g}{s.max_abs:>10.3g}"
            f"{std:>10}{grad:>10}"
        )
    if any(not s.trainable for s in stats):
        lines.append("* frozen (trainable = false)")
    return "\n".join(lines)


def stats_from_snapshot(layers: Sequence[Mapping[str, Any]]) -> list[LayerStats]:
    """LayerStats from a trainer snapshot's "layers" entries (`tui_nn.snapshot`: shape,
    mean_abs, max_abs, grad_norm, trainable, and weights/bias for small networks)."""
    out = []
    for index, layer in enumerate(layers):
        if layer.get("weights") is not None:
            (full,) = layer_stats(
                [layer["weights"]],
                [layer["bias"]] if layer.get("bias") is not None else None,
                [layer.get("grad_norm")],
                [bool(layer.get("trainable", True))],
            )
            out.append(replace(full, index=index))  # computed from the weights sent
            continue
        units, inputs = (int(v) for v in layer["shape"])
        out.append(
            LayerStats(
                index=index,
                units=units,
                inputs=inputs,
                count=units * inputs,
                mean_abs=float(layer["mean_abs"]),
                max_abs=float(layer["max_abs"]),
                mean=None,
                std=None,
                bias_mean_abs=None,
                grad_norm=layer.get("grad_norm"),
                trainable=bool(layer.get("trainable", True)),
            )
        )
    return out
