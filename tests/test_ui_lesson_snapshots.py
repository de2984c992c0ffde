"""Snapshot tests of the Lesson tab (pytest-textual-snapshot), at 80x24 and 120x40.

No trainer process: the app gets a fixed device list and scripted protocol events (the `Loaded`
overview, a `Snapshot` of fixed weights or predictions), computed here in pure Python, so the
screens are the same on every machine. Update the baselines with
`pytest tests/test_ui_lesson_snapshots.py --snapshot-update` after a deliberate change, and look
at them (tests/__snapshots__/test_ui_lesson_snapshots/*.svg) before committing.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from lesson_support import confusion_of, logic_loaded, logic_snapshot, state, steps_per_epoch
from support import wait_for, wait_steady
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from tui_nn.codegen import DIGITS_FILE
from tui_nn.presets import load_named, resolve_preset
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.lesson.pane import LessonPane

DEVICES = [p.DeviceInfo(name="cpu", description="CPU (2 threads)", memory_bytes=None)]

Ready = Callable[[App[Any]], object]


def make_app(name: str) -> TuiNnApp:
    # device "auto": a preset's "cpu" is re-applied as "auto" once the devices are listed,
    # which would ask to reset the scripted run (a Training tab matter, not the lesson's)
    preset = load_named(name)
    preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, device="auto"))
    return TuiNnApp(preset, resolve_preset(name), trainer_factory=None, devices=DEVICES)


def post(app: TuiNnApp, event: p.Event) -> None:
    """Hand the app `event` as though a trainer had sent it."""
    app.link.post(event)


def lesson_view(
    events: Sequence[p.Event], view: str, ready: Ready
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Play `events` to the app, open the lesson at `view` (`v`), and wait until `ready(app)`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, TuiNnApp)
        for event in events:
            post(app, event)
        last = events[-1]

        def played() -> bool:
            panes = app.query(LessonPane)
            data = panes.first().data if panes else None
            return data is not None and data.snapshot is last

        await wait_for(pilot, played, "the scripted events")
        await pilot.press("v")
        pane = app.query_one(LessonPane)
        app.query_one("#lesson-tabs", TabbedContent).active = view
        await wait_steady(
            pilot, lambda: pane.shown and pane.active_view == view and ready(app), f"the {view}"
        )

    return run_before


def text_of(app: App[Any], selector: str) -> str:
    return str(app.query_one(selector).render())


# -- logic gates -----------------------------------------------------------------------------

SPRINKLER = [([[1.0, 1.0]], [-1.5], "sign")]
XOR = [  # four tanh units and a sigmoid, weights as a trained run leaves them (rounded)
    (
        [[-2.26, 3.01], [-2.95, -3.02], [2.01, 1.53], [-2.82, 2.76]],
        [1.23, 1.15, -2.64, -1.41],
        "tanh",
    ),
    ([[-3.54, -2.85, -2.67, 2.73]], [0.55], "sigmoid"),
]


def logic_events(name: str, layers: Any, loss: str, kind: str) -> list[p.Event]:
    return [
        logic_loaded(load_named(name), name=name),
        state("paused", epoch=3),
        logic_snapshot(layers, loss=loss, kind=kind, epoch=3),
    ]


def truth_table_drawn(app: App[Any]) -> bool:
    return "all 4 rows match" in text_of(app, "#verdict")


def map_drawn(app: App[Any]) -> bool:
    return "unit 3" in text_of(app, "#map-hidden")


def test_sprinkler_truth_table_80x24(snap_compare: Any) -> None:
    events = logic_events("sprinkler", SPRINKLER, "perceptron", "perceptron")
    assert snap_compare(
        make_app("sprinkler"),
        terminal_size=(80, 24),
        run_before=lesson_view(events, "lesson-table", truth_table_drawn),
    )


def test_sprinkler_truth_table_120x40(snap_compare: Any) -> None:
    events = logic_events("sprinkler", SPRINKLER, "perceptron", "perceptron")
    assert snap_compare(
        make_app("sprinkler"),
        terminal_size=(120, 40),
        run_before=lesson_view(events, "lesson-table", truth_table_drawn),
    )


def test_xor_decision_map_with_hidden_units_120x40(snap_compare: Any) -> None:
    events = logic_events("xor", XOR, "mse", "mlp")
    assert snap_compare(
        make_app("xor"),
        terminal_size=(120, 40),
        run_before=lesson_view(events, "lesson-map", map_drawn),
    )


# -- digits ----------------------------------------------------------------------------------


def digits_events() -> list[p.Event]:
    with gzip.open(DIGITS_FILE, "rt", newline="") as handle:
        rows = [[int(v) for v in row] for row in itertools.islice(csv.reader(handle), 24)]
    images = [[round(v / 16, 3) for v in row[:64]] for row in rows]
    labels = [row[64] for row in rows]
    predicted = list(labels)
    predicted[3], predicted[10] = (labels[3] + 5) % 10, (labels[10] + 1) % 10  # two mistakes
    confusion = confusion_of(labels, predicted)
    for c in range(10):
        confusion[c][c] += 30 + 3 * c  # the rest of the test set: right
    confusion[8][1] += 4
    confusion[9][7] += 2
    return [
        p.Loaded(
            preset="MNIST-like digits",
            device="cpu",
            n_features=64,
            n_classes=10,
            input_names=[f"px{i}" for i in range(16)],
            task="classification",
            n_train=1438,
            n_test=359,
            parameters=9610,
            steps_per_epoch=steps_per_epoch(load_named("mnist-like"), 1438),
            overview={
                "set": "digits",
                "class_names": [str(i) for i in range(10)],
                "image_shape": [8, 8],
                "images": images,
                "image_labels": labels,
            },
        ),
        state("paused", epoch=12),
        p.Snapshot(
            epoch=12,
            step=276,
            layers=[
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
            predicted=predicted,
            confusion=confusion,
            confusion_of="test",
        ),
    ]


def digits_drawn(app: App[Any]) -> bool:
    return "/" in text_of(app, "#digits-grid") and "recall" in text_of(app, "#digits-confusion")


def test_digits_80x24(snap_compare: Any) -> None:
    assert snap_compare(
        make_app("mnist-like"),
        terminal_size=(80, 24),
        run_before=lesson_view(digits_events(), "lesson-digits", digits_drawn),
    )


def test_digits_120x40(snap_compare: Any) -> None:
    assert snap_compare(
        make_app("mnist-like"),
        terminal_size=(120, 40),
        run_before=lesson_view(digits_events(), "lesson-digits", digits_drawn),
    )


# -- backprop ----------------------------------------------------------------------------------


def backprop_events() -> list[p.Event]:
    """The backprop preset at its initial weights, and training sample 1's backpropagation (the
    real computation: it is deterministic on the CPU)."""
    from tui_nn.training import Trainer
    from tui_nn.training.backprop import backprop_trainer

    preset = load_named("backprop")
    result = backprop_trainer(Trainer(preset), 1)
    layers = [(layer.W, layer.b, layer.activation) for layer in result.layers]
    return [
        logic_loaded(preset, name="backprop"),
        state("idle"),
        p.Backprop(0, 0, result),
        logic_snapshot(layers, loss="mse", kind="mlp", epoch=0),
    ]


def backprop_drawn(app: App[Any]) -> bool:
    return "sample 1 of 4" in text_of(app, "#backprop-title")


def backprop_view() -> Callable[[Pilot[Any]], Awaitable[None]]:
    shown = lesson_view(backprop_events(), "lesson-backprop", lambda app: True)

    async def run_before(pilot: Pilot[Any]) -> None:
        from tui_nn.ui.lesson.backprop import BackpropView

        await shown(pilot)
        view = pilot.app.query_one(BackpropView)
        view.sample = 1  # the event's sample, as after "." once
        view.show()
        await wait_steady(pilot, lambda: backprop_drawn(pilot.app), "the backprop view")

    return run_before


def test_backprop_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app("backprop"), terminal_size=(80, 24), run_before=backprop_view())


def test_backprop_120x40(snap_compare: Any) -> None:
    assert snap_compare(make_app("backprop"), terminal_size=(120, 40), run_before=backprop_view())
