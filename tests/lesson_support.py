"""Trainer events for the lesson tests, built as protocol messages in pure Python.

The trainer (`tui_nn.snapshot`) computes its snapshots with torch; these compute the same fields
from known weights with the lesson's own forward pass, so every number a test sees is known in
advance: the class-1 map over the logic square sampled edge to edge (16 x 32, top row first,
rounded to 3 digits), the hidden units' maps of the first layer scaled to 0..1 together, the
layer statistics. Used by test_ui_lesson.py and test_ui_lesson_snapshots.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tui_nn.lesson.gates import gate_table
from tui_nn.lesson.threshold import forward
from tui_nn.lesson.truth_table import decision_rule
from tui_nn.spec import Preset
from tui_nn.trainer import protocol as p
from tui_nn.ui.lesson.render import class_one

# (weights, bias, activation) per layer, as the lesson's `forward` takes them
Layers = Sequence[tuple[list[list[float]], list[float], str]]

LOGIC_LOW, LOGIC_HIGH = -0.25, 1.25
GRID_ROWS, GRID_COLS = 16, 32


def steps_per_epoch(preset: Preset, n_train: int) -> int:
    """Optimizer steps in an epoch: one per sample for the perceptron rule, else per batch."""
    if preset.model.kind == "perceptron":
        return n_train
    return int(math.ceil(n_train / max(1, preset.train.batch_size)))


def input_names(gate: str) -> list[str]:
    return ["Sunny", "Dry"] if gate == "sprinkler" else ["A", "B"]


def logic_loaded(preset: Preset, *, name: str | None = None, n_test: int = 0) -> p.Loaded:
    """The `Loaded` of a logic-gate preset: four training rows, the truth table's."""
    gate = preset.data.set
    rows = gate_table(gate)
    bounds = [[LOGIC_LOW, LOGIC_HIGH], [LOGIC_LOW, LOGIC_HIGH]]
    return p.Loaded(
        preset=preset.name if name is None else name,
        device="cpu",
        n_features=2,
        n_classes=2,
        input_names=input_names(gate),
        task="classification",
        n_train=4,
        n_test=n_test,
        parameters=3,
        steps_per_epoch=steps_per_epoch(preset, 4),
        overview={
            "set": gate,
            "class_names": ["0", "1"],
            "bounds": bounds,
            "points": {
                "train": [[float(a), float(b), float(t)] for (a, b), t in rows],
                "test": [],
            },
        },
    )


def _grid_inputs() -> list[list[tuple[float, float]]]:
    """The map's cells, sampled edge to edge: (x1, x2) per cell, top row first."""
    span = LOGIC_HIGH - LOGIC_LOW
    return [
        [
            (LOGIC_LOW + span * c / (GRID_COLS - 1), LOGIC_HIGH - span * r / (GRID_ROWS - 1))
            for c in range(GRID_COLS)
        ]
        for r in range(GRID_ROWS)
    ]


def logic_map(layers: Layers, loss: str, kind: str) -> p.DecisionMap:
    """The snapshot's map of a two-input network over the logic square, with one map per hidden
    unit of the first layer when there are several layers."""
    activation = layers[-1][2]
    rule = decision_rule(activation, loss, len(layers[-1][1]), kind)
    cells = _grid_inputs()
    grid: p.DecisionMap = {
        "rows": GRID_ROWS,
        "cols": GRID_COLS,
        "bounds": [[LOGIC_LOW, LOGIC_HIGH], [LOGIC_LOW, LOGIC_HIGH]],
        "values": [
            [round(class_one(forward(layers, x)[-1].y, rule, activation), 3) for x in row]
            for row in cells
        ],
    }
    if len(layers) > 1:
        hidden = [
            [[forward(layers[:1], x)[0].y[unit] for x in row] for row in cells]
            for unit in range(len(layers[0][1]))
        ]
        low = min(v for m in hidden for row in m for v in row)
        high = max(v for m in hidden for row in m for v in row)
        grid["hidden"] = [
            [[round((v - low) / (high - low), 3) for v in row] for row in m] for m in hidden
        ]
    return grid


def layer_stats(layers: Layers) -> list[p.LayerStats]:
    """Each layer's statistics and, as for a small network, its weights and biases."""
    out: list[p.LayerStats] = []
    for weights, bias, activation in layers:
        flat = [abs(w) for row in weights for w in row]
        out.append(
            {
                "activation": activation,
                "shape": [len(weights), len(weights[0])],
                "trainable": True,
                "mean_abs": sum(flat) / len(flat),
                "max_abs": max(flat),
                "grad_norm": None,
                "weights": weights,
                "bias": bias,
            }
        )
    return out


def logic_snapshot(
    layers: Layers, *, loss: str, kind: str, epoch: int = 0, step: int | None = None
) -> p.Snapshot:
    """A snapshot of a small two-input network: its weights and its decision map."""
    return p.Snapshot(
        epoch=epoch,
        step=4 * epoch if step is None else step,
        layers=layer_stats(layers),
        map=logic_map(layers, loss, kind),
    )


def state(
    status: p.Status = "idle", *, epoch: int = 0, stops: Sequence[p.StopMark] = ()
) -> p.State:
    return p.State(
        status=status, epoch=epoch, step=4 * epoch, message="", lr=1.0, stops=list(stops)
    )


def confusion_of(true: Sequence[int], predicted: Sequence[int], n: int = 10) -> list[list[int]]:
    matrix = [[0] * n for _ in range(n)]
    for t, q in zip(true, predicted, strict=True):
        matrix[t][q] += 1
    return matrix
