"""What the lesson views draw, as the trainer sends it inside `Loaded.overview` and `Snapshot`:
plain JSON shapes (TypedDicts), checked on arrival like every field of the protocol
(`tui_nn.trainer.protocol` re-exports them)."""

from __future__ import annotations

from typing import TypedDict


class DataPoints(TypedDict, total=False):
    train: list[list[float]]  # rows of inputs, then the label
    test: list[list[float]]


class DataOverview(TypedDict, total=False):
    """What the lesson views show of a data set, sent once when it is loaded."""

    set: str
    class_names: list[str] | None
    bounds: list[list[float]]  # per input: [low, high]
    points: DataPoints
    image_shape: list[int]
    images: list[list[float]]
    image_labels: list[int]


class LayerStats(TypedDict, total=False):
    activation: str
    shape: list[int]  # [out, in]
    trainable: bool
    mean_abs: float
    max_abs: float
    grad_norm: float | None
    weights: list[list[float]]  # small networks only
    bias: list[float]


class DecisionMap(TypedDict, total=False):
    rows: int
    cols: int
    bounds: list[list[float]]
    values: list[list[float]]  # class-1 score, top row first
    hidden: list[list[list[float]]]  # per hidden unit of the first layer, scaled to 0..1


class Curve(TypedDict):
    x: list[float]
    y: list[float]
