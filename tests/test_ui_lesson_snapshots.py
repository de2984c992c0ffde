"""Snapshot tests of the Lesson tab (pytest-textual-snapshot), at 80x24 and 120x40.

No trainer process: the app gets a fixed device list and scripted trainer events (the
`loaded` overview, a `snapshot` of fixed weights or predictions), computed here in pure
Python, so the screens are the same on every machine. Update the baselines with
`pytest tests/test_ui_lesson_snapshots.py --snapshot-update` after a deliberate change, and look
at them (tests/__snapshots__/test_ui_lesson_snapshots/*.svg) before committing.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import itertools
from typing import Any

from tui_nn.codegen import DIGITS_FILE
from tui_nn.lesson.gates import gate_table
from tui_nn.lesson.threshold import forward
from tui_nn.lesson.truth_table import decision_rule
from tui_nn.presets import load_named, resolve_preset
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.lesson_render import class_one
from tui_nn.ui.messages import TrainerEvent

DEVICES = [{"name": "cpu", "description": "CPU (2 threads)", "memory_bytes": None}]


def make_app(name: str) -> TuiNnApp:
    # device "auto": a preset's "cpu" is re-applied as "auto" once the devices are listed,
    # which would ask to reset the scripted run (a Training tab matter, not the lesson's)
    preset = load_named(name)
    preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, device="auto"))
    return TuiNnApp(preset, resolve_preset(name), trainer_factory=None, devices=DEVICES)


def state(epoch: int, status: str = "paused") -> dict[str, Any]:
    return {
        "event": "state",
        "status": status,
        "epoch": epoch,
        "step": epoch * 4,
        "message": "",
        "lr": 1.0,
        "stops": [],
    }


# -- logic gates -----------------------------------------------------------------------------


def logic_events(gate: str, layers: list[tuple], loss: str, kind: str) -> list[dict[str, Any]]:
    rows = gate_table(gate)
    lo, hi, n_rows, n_cols = -0.25, 1.25, 16, 32
    rule = decision_rule(layers[-1][2], loss, len(layers[-1][1]), kind)
    values = [
        [
            round(
                class_one(
                    forward(
                        layers,
                        (lo + (hi - lo) * c / (n_cols - 1), hi - (hi - lo) * r / (n_rows - 1)),
                    )[-1].y,
                    rule,
                    layers[-1][2],
                ),
                3,
            )
            for c in range(n_cols)
        ]
        for r in range(n_rows)
    ]
    grid: dict[str, Any] = {
        "rows": n_rows,
        "cols": n_cols,
        "bounds": [[lo, hi], [lo, hi]],
        "values": values,
    }
    if len(layers) > 1:
        hidden = []
        for unit in range(len(layers[0][1])):
            unit_values = [
                [
                    forward(
                        layers[:1],
                        (lo + (hi - lo) * c / (n_cols - 1), hi - (hi - lo) * r / (n_rows - 1)),
                    )[0].y[unit]
                    for c in range(n_cols)
                ]
                for r in range(n_rows)
            ]
            hidden.append(unit_values)
        low = min(v for m in hidden for row in m for v in row)
        high = max(v for m in hidden for row in m for v in row)
        grid["hidden"] = [
            [[round((v - low) / (high - low), 3) for v in row] for row in m] for m in hidden
        ]
    return [
        {
            "event": "loaded",
            "preset": gate,
            "device": "cpu",
            "n_features": 2,
            "n_classes": 2,
            "input_names": ["Sunny", "Dry"] if gate == "sprinkler" else ["A", "B"],
            "task": "classification",
            "n_train": 4,
            "n_test": 0,
            "parameters": 3,
            "overview": {
                "set": gate,
                "class_names": ["0", "1"],
                "bounds": [[lo, hi], [lo, hi]],
                "points": {
                    "train": [[float(a), float(b), float(t)] for (a, b), t in rows],
                    "test": [],
                },
            },
        },
        state(3),
        {
            "event": "snapshot",
            "epoch": 3,
            "step": 12,
            "layers": [
                {
                    "activation": activation,
                    "shape": [len(weights), len(weights[0])],
                    "trainable": True,
                    "mean_abs": 1.0,
                    "max_abs": 1.0,
                    "grad_norm": None,
                    "weights": weights,
                    "bias": bias,
                }
                for weights, bias, activation in layers
            ],
            "map": grid,
        },
    ]


SPRINKLER = [([[1.0, 1.0]], [-1.5], "sign")]
XOR = [  # four tanh units and a sigmoid, weights as a trained run leaves them (rounded)
    (
        [[-2.26, 3.01], [-2.95, -3.02], [2.01, 1.53], [-2.82, 2.76]],
        [1.23, 1.15, -2.64, -1.41],
        "tanh",
    ),
    ([[-3.54, -2.85, -2.67, 2.73]], [0.55], "sigmoid"),
]


def lesson_view(events: list[dict[str, Any]], view: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        for event in events:
            app.post_message(TrainerEvent(event, app.generation))
        await pilot.pause(0.1)
        await pilot.press("v")
        app.query_one("#lesson-tabs").active = view
        await pilot.pause(0.3)

    return run_before


def test_sprinkler_truth_table_80x24(snap_compare):
    events = logic_events("sprinkler", SPRINKLER, "perceptron", "perceptron")
    assert snap_compare(
        make_app("sprinkler"),
        terminal_size=(80, 24),
        run_before=lesson_view(events, "lesson-table"),
    )


def test_sprinkler_truth_table_120x40(snap_compare):
    events = logic_events("sprinkler", SPRINKLER, "perceptron", "perceptron")
    assert snap_compare(
        make_app("sprinkler"),
        terminal_size=(120, 40),
        run_before=lesson_view(events, "lesson-table"),
    )


def test_xor_decision_map_with_hidden_units_120x40(snap_compare):
    events = logic_events("xor", XOR, "mse", "mlp")
    assert snap_compare(
        make_app("xor"), terminal_size=(120, 40), run_before=lesson_view(events, "lesson-map")
    )


# -- digits ----------------------------------------------------------------------------------


def digits_events() -> list[dict[str, Any]]:
    with gzip.open(DIGITS_FILE, "rt", newline="") as handle:
        rows = [[int(v) for v in row] for row in itertools.islice(csv.reader(handle), 24)]
    images = [[round(v / 16, 3) for v in row[:64]] for row in rows]
    labels = [row[64] for row in rows]
    predicted = list(labels)
    predicted[3], predicted[10] = (labels[3] + 5) % 10, (labels[10] + 1) % 10  # two mistakes
    confusion = [[0] * 10 for _ in range(10)]
    for t, p in zip(labels, predicted, strict=True):
        confusion[t][p] += 1
    for c in range(10):
        confusion[c][c] += 30 + 3 * c  # the rest of the test set: right
    confusion[8][1] += 4
    confusion[9][7] += 2
    return [
        {
            "event": "loaded",
            "preset": "MNIST-like digits",
            "device": "cpu",
            "n_features": 64,
            "n_classes": 10,
            "input_names": [f"px{i}" for i in range(16)],
            "task": "classification",
            "n_train": 1438,
            "n_test": 359,
            "parameters": 9610,
            "overview": {
                "set": "digits",
                "class_names": [str(i) for i in range(10)],
                "image_shape": [8, 8],
                "images": images,
                "image_labels": labels,
            },
        },
        state(12),
        {
            "event": "snapshot",
            "epoch": 12,
            "step": 276,
            "layers": [
                {
                    "activation": "relu",
                    "shape": [128, 64],
                    "trainable": True,
                    "mean_abs": 0.071,
                    "max_abs": 0.43,
                    "grad_norm": 0.021,
                },
                {
                    "activation": "softmax",
                    "shape": [10, 128],
                    "trainable": True,
                    "mean_abs": 0.12,
                    "max_abs": 0.61,
                    "grad_norm": 0.034,
                },
            ],
            "predicted": predicted,
            "confusion": confusion,
            "confusion_of": "test",
        },
    ]


def test_digits_80x24(snap_compare):
    assert snap_compare(
        make_app("mnist-like"),
        terminal_size=(80, 24),
        run_before=lesson_view(digits_events(), "lesson-digits"),
    )


def test_digits_120x40(snap_compare):
    assert snap_compare(
        make_app("mnist-like"),
        terminal_size=(120, 40),
        run_before=lesson_view(digits_events(), "lesson-digits"),
    )
