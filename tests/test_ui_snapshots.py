"""Snapshot tests of the main screen (pytest-textual-snapshot).

No trainer process runs here: the app gets a fixed device list and a scripted series of
trainer events, so the screens are the same on every machine. Update the baselines with
`pytest tests/test_ui_snapshots.py --snapshot-update` after a deliberate change, and look at
them (tests/__snapshots__/test_ui_snapshots/*.svg) before committing.
"""

from __future__ import annotations

import math
from typing import Any

from tui_nn.presets import load_named, resolve_preset
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.messages import TrainerEvent
from tui_nn.ui.plots_pane import PlotsPane

DEVICES = [{"name": "cpu", "description": "CPU (2 threads)", "memory_bytes": None}]


def make_app(name: str = "circle", **options: Any) -> TuiNnApp:
    return TuiNnApp(
        load_named(name), resolve_preset(name), trainer_factory=None, devices=DEVICES, **options
    )


def scripted_events(epochs: int = 60) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "event": "loaded",
            "preset": "Circle",
            "device": "cpu",
            "n_features": 2,
            "n_classes": 2,
            "input_names": ["x", "y"],
            "task": "classification",
            "n_train": 210,
            "n_test": 90,
            "parameters": 33,
        },
        {
            "event": "state",
            "status": "running",
            "epoch": 0,
            "step": 0,
            "message": "",
            "lr": 0.03,
            "stops": [],
        },
    ]
    for epoch in range(1, epochs + 1):
        events.append(
            {
                "event": "metrics",
                "epoch": epoch,
                "step": epoch * 14,
                "train_loss": 0.05 + 0.65 * math.exp(-epoch / 12),
                "samples_per_s": 20000.0,
                "elapsed_s": epoch * 0.05,
                "lr": 0.03,
                "status": "running",
                "eval_train_loss": 0.05 + 0.6 * math.exp(-epoch / 12),
                "test_loss": 0.08 + 0.6 * math.exp(-epoch / 14),
                "train_acc": 1 - 0.5 * math.exp(-epoch / 8),
                "test_acc": 0.98 - 0.5 * math.exp(-epoch / 9),
            }
        )
    events.append(
        {
            "event": "state",
            "status": "paused",
            "epoch": epochs,
            "step": epochs * 14,
            "message": "",
            "lr": 0.03,
            "stops": [],
        }
    )
    return events


async def feed(pilot) -> None:
    app = pilot.app
    for event in scripted_events():
        app.post_message(TrainerEvent(event, app.generation))
    await pilot.pause(0.1)
    # Redraws are throttled in time; draw the last data now so the picture does not depend on it.
    app.query_one(PlotsPane).redraw_if_needed()
    await pilot.pause(0.2)


def test_main_screen_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=feed)


def test_main_screen_120x40(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=feed)


def test_network_tab_80x24(snap_compare):
    async def network(pilot) -> None:
        await feed(pilot)
        pilot.app.query_one("#sidebar").active = "tab-network"
        await pilot.pause(0.5)  # the tab's fields mount after a refresh; let everything settle

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=network)


def test_training_tab_ascii_plots_80x24(snap_compare):
    async def training(pilot) -> None:
        await feed(pilot)
        pilot.app.query_one("#sidebar").active = "tab-training"
        await pilot.press("a")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=training)
