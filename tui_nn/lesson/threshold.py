"""Evaluate a small network given as plain lists, in pure Python (no torch).

A network is a sequence of layers; a layer is `(weights, bias, activation)` (or a `Layer`):
`weights` has one row per unit with one weight per input, `bias` one number per unit and
`activation` a name from `tui_nn.spec.ACTIVATIONS`. `forward` returns every layer's
pre-activations `a = W x + b` and outputs `y = f(a)`, which is what the lesson's tables show.

The activations follow the engine's (`tui_nn.model`): step is 1 if a >= 0 else 0 (McCulloch-Pitts),
sign is 1 if a > 0 else -1 (so sign(0) = -1, as on the perceptron slide), leaky_relu has slope
0.01 below zero, gelu is the exact (erf) form and softmax acts on the whole layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui_nn.spec import ACTIVATIONS, ModelSpec

__all__ = [
    "LEAKY_SLOPE",
    "SCALAR_ACTIVATIONS",
    "Layer",
    "LayerTrace",
    "activate",
    "as_layers",
    "forward",
    "layers_from_spec",
    "predict",
]

LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative slope


def _step(a: float) -> float:
    return 1.0 if a >= 0 else 0.0


def _sign(a: float) -> float:
    return 1.0 if a > 0 else -1.0


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)  # no overflow for large negative a
    return e / (1.0 + e)


def _relu(a: float) -> float:
    return a if a > 0 else 0.0


def _leaky_relu(a: float) -> float:
    return a if a >= 0 else LEAKY_SLOPE * a


def _gelu(a: float) -> float:
    return 0.5 * a * (1.0 + math.erf(a / math.sqrt(2.0)))


SCALAR_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "identity": float,
    "step": _step,
    "sign": _sign,
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "gelu": _gelu,
}


def _softmax(a: Sequence[float]) -> list[float]:
    if not a:
        return []
    top = max(a)
    exps = [math.exp(v - top) for v in a]
    total = sum(exps)
    return [e / total for e in exps]


def activate(name: str, a: Sequence[float]) -> list[float]:
    """The activation `name` applied to a layer's pre-activations (softmax over all of them)."""
    if name == "softmax":
        return _softmax([float(v) for v in a])
    f = SCALAR_ACTIVATIONS.get(name)
    if f is None:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return [f(float(v)) for v in a]


@dataclass(frozen=True)
class Layer:
    weights: tuple[tuple[float, ...], ...]  # one row per unit, one weight per input
    bias: tuple[float, ...]  # one per unit
    activation: str = "identity"

    @property
    def units(self) -> int:
        return len(self.weights)

    @property
    def inputs(self) -> int:
        return len(self.weights[0]) if self.weights else 0


@dataclass(frozen=True)
class LayerTrace:
    a: list[float]  # pre-activations (weighted sums plus bias), one per unit
    y: list[float]  # outputs f(a), one per unit


def _layer(item: Any, index: int) -> Layer:
    if isinstance(item, Layer):
        layer = item
    else:
        try:
            weights, bias, activation = item
        except (TypeError, ValueError):
            raise ValueError(
                f"layer {index}: expected (weights, bias, activation), got {item!r}"
            ) from None
        layer = Layer(
            tuple(tuple(float(w) for w in row) for row in weights),
            tuple(float(b) for b in bias),
            str(activation),
        )
    if not layer.weights:
        raise ValueError(f"layer {index}: needs at least one unit")
    if len(layer.bias) != layer.units:
        raise ValueError(f"layer {index}: {layer.units} weight rows but {len(layer.bias)} biases")
    if any(len(row) != layer.inputs for row in layer.weights):
        raise ValueError(f"layer {index}: the weight rows differ in length")
    if layer.activation not in ACTIVATIONS:
        raise ValueError(
            f"layer {index}: unknown activation {layer.activation!r}; "
            f"choose one of: {', '.join(ACTIVATIONS)}"
        )
    return layer


def as_layers(layers: Sequence[Any]) -> list[Layer]:
    """The layers as checked `Layer`s; each consecutive pair must fit (units = next inputs)."""
    out = [_layer(item, i) for i, item in enumerate(layers)]
    for i in range(1, len(out)):
        if out[i].inputs != out[i - 1].units:
            raise ValueError(
                f"layer {i}: has {out[i].inputs} inputs "
                f"but layer {i - 1} has {out[i - 1].units} units"
            )
    return out


def forward(layers: Sequence[Any], x: Sequence[float]) -> list[LayerTrace]:
    """Every layer's pre-activations and outputs for the input vector `x`."""
    checked = as_layers(layers)
    if checked and len(x) != checked[0].inputs:
        raise ValueError(f"the input has {len(x)} values but layer 0 takes {checked[0].inputs}")
    values = [float(v) for v in x]
    traces: list[LayerTrace] = []
    for layer in checked:
        a = [
            math.fsum([w * v for w, v in zip(row, values, strict=True)]) + b
            for row, b in zip(layer.weights, layer.bias, strict=True)
        ]
        y = activate(layer.activation, a)
        traces.append(LayerTrace(a, y))
        values = y
    return traces


def predict(layers: Sequence[Any], x: Sequence[float]) -> list[float]:
    """The network's output for `x` (the last layer's y)."""
    traces = forward(layers, x)
    return list(traces[-1].y) if traces else [float(v) for v in x]


def layers_from_spec(model: ModelSpec, n_inputs: int | None = None) -> list[Layer]:
    """The preset's layers, when every layer has hand-set weights and biases.

    Randomly initialised networks cannot be evaluated here: their weights come from torch (the
    trainer process sends them); `init = "zeros"` counts as hand-set (all zeros), which needs
    `n_inputs` for the first layer."""
    out: list[Layer] = []
    fan_in = n_inputs
    for index, spec in enumerate(model.layers):
        if spec.weights is not None:
            rows = tuple(tuple(float(w) for w in row) for row in spec.weights)
        elif model.init == "zeros" and fan_in is not None:
            rows = tuple((0.0,) * fan_in for _ in range(spec.units))
        else:
            raise ValueError(
                f"model.layers[{index}] has no hand-set weights; its initial weights come from "
                "torch (ask the trainer for them)"
            )
        if spec.bias is not None:
            bias = tuple(float(b) for b in spec.bias)
        elif model.init == "zeros":
            bias = (0.0,) * spec.units
        else:
            raise ValueError(
                f"model.layers[{index}] has no hand-set bias; its initial bias comes from torch "
                "(ask the trainer for it)"
            )
        out.append(Layer(rows, bias, spec.activation))
        fan_in = spec.units
    return as_layers(out)
