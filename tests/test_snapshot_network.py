"""Snapshot tests of the Lesson tab's Network view (pytest-textual-snapshot): XOR's 2-4-1 network
as a picture at 80x24 (each neuron's y for a sample) and at 120x40 in backprop mode (each
neuron's delta from a real backpropagation, deterministic on the CPU).

No trainer process: scripted protocol events as in test_ui_lesson_snapshots.py. Update the
baselines with `pytest tests/test_snapshot_network.py --snapshot-update` after a deliberate
change, and look at them (tests/__snapshots__/test_snapshot_network/*.svg) before committing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from lesson_support import logic_loaded, logic_snapshot, state
from support import wait_steady
from test_ui_lesson_snapshots import XOR, lesson_view, make_app, text_of
from textual.app import App
from textual.pilot import Pilot

from tui_nn.presets import load_named
from tui_nn.trainer import protocol as p
from tui_nn.ui.lesson.network import NetView


def xor_events(*, backprop_sample: int | None = None) -> list[p.Event]:
    """XOR's Loaded, a State, then (when asked) the real backpropagation of one training sample
    at the snapshot's weights, and the snapshot of those weights."""
    events: list[p.Event] = [logic_loaded(load_named("xor"), name="xor"), state("paused")]
    if backprop_sample is not None:
        from tui_nn.training import Trainer
        from tui_nn.training.backprop import backprop_trainer

        preset = load_named("xor")
        layers = [
            dataclasses.replace(spec, weights=weights, bias=bias)
            for spec, (weights, bias, _) in zip(preset.model.layers, XOR, strict=True)
        ]
        preset = dataclasses.replace(preset, model=dataclasses.replace(preset.model, layers=layers))
        result = backprop_trainer(Trainer(preset), backprop_sample)
        events.append(p.Backprop(0, 0, result))
    events.append(logic_snapshot(XOR, loss="mse", kind="mlp", epoch=0))
    return events


def picture_drawn(app: App[Any]) -> bool:
    return "(4)" in text_of(app, "#net-picture") and "sample" in text_of(app, "#net-title")


def deltas_view() -> Callable[[Pilot[Any]], Awaitable[None]]:
    shown = lesson_view(xor_events(backprop_sample=1), "lesson-net", picture_drawn)

    async def run_before(pilot: Pilot[Any]) -> None:
        await shown(pilot)
        view = pilot.app.query_one(NetView)
        view.sample, view.deltas = 1, True  # as after "." and "d"
        view.show()
        await wait_steady(pilot, lambda: "δ " in text_of(pilot.app, "#net-picture"), "deltas")

    return run_before


def test_xor_network_80x24(snap_compare: Any) -> None:
    assert snap_compare(
        make_app("xor"),
        terminal_size=(80, 24),
        run_before=lesson_view(xor_events(), "lesson-net", picture_drawn),
    )


def test_xor_network_with_deltas_120x40(snap_compare: Any) -> None:
    assert snap_compare(make_app("xor"), terminal_size=(120, 40), run_before=deltas_view())
