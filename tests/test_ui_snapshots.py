"""Snapshot tests of the main screen (pytest-textual-snapshot).

No trainer process runs here: the app gets a fixed device list and a scripted series of
trainer events, so the screens are the same on every machine. Update the baselines with
`pytest tests/test_ui_snapshots.py --snapshot-update` after a deliberate change, and look at
them (tests/__snapshots__/test_ui_snapshots/*.svg) before committing.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from support import wait_steady
from textual.widgets import Static

from tui_nn.presets import load_named, resolve_preset, save_preset, user_presets_dir
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.panes.network import NetworkPane
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.panes.presets import PresetsPane

DEVICES = [p.DeviceInfo(name="cpu", description="CPU (2 threads)", memory_bytes=None)]
STEPS_PER_EPOCH = 14  # 210 training samples, batches of 16


def make_app(name: str = "circle", **options: Any) -> TuiNnApp:
    return TuiNnApp(
        load_named(name), resolve_preset(name), trainer_factory=None, devices=DEVICES, **options
    )


def scripted_events(epochs: int = 60) -> list[p.Event]:
    events: list[p.Event] = [
        p.Loaded(
            preset="Circle",
            device="cpu",
            n_features=2,
            n_classes=2,
            input_names=["x", "y"],
            task="classification",
            n_train=210,
            n_test=90,
            parameters=33,
            steps_per_epoch=STEPS_PER_EPOCH,
            overview={},
        ),
        p.State(status="running", epoch=0, step=0, message="", lr=0.03),
    ]
    for epoch in range(1, epochs + 1):
        events.append(
            p.Metrics(
                epoch=epoch,
                step=epoch * STEPS_PER_EPOCH,
                train_loss=0.05 + 0.65 * math.exp(-epoch / 12),
                samples_per_s=20000.0,
                elapsed_s=epoch * 0.05,
                lr=0.03,
                status="running",
                eval_train_loss=0.05 + 0.6 * math.exp(-epoch / 12),
                test_loss=0.08 + 0.6 * math.exp(-epoch / 14),
                train_acc=1 - 0.5 * math.exp(-epoch / 8),
                test_acc=0.98 - 0.5 * math.exp(-epoch / 9),
            )
        )
    events.append(
        p.State(status="paused", epoch=epochs, step=epochs * STEPS_PER_EPOCH, message="", lr=0.03)
    )
    return events


async def drawn(pilot) -> None:
    """Until the plots show everything they were given (redraws are throttled in time: the
    picture must not depend on it)."""
    plots = pilot.app.query_one(PlotsPane)
    await wait_steady(pilot, lambda: plots.up_to_date, "the plots drawn")


async def feed(pilot) -> None:
    app = pilot.app
    events = scripted_events()
    for event in events:
        app.link.post(event)
    await wait_steady(pilot, lambda: app.link.state == events[-1], "the events handled")
    await drawn(pilot)


def test_main_screen_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=feed)


def test_main_screen_120x40(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=feed)


def test_network_tab_80x24(snap_compare):
    async def network(pilot) -> None:
        await feed(pilot)
        pilot.app.query_one("#sidebar").active = "tab-network"
        pane = pilot.app.query_one(NetworkPane)
        await wait_steady(pilot, lambda: pane.built, "the tab's fields")  # built on first show
        await drawn(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=network)


def test_training_tab_ascii_plots_80x24(snap_compare):
    async def training(pilot) -> None:
        await feed(pilot)
        pilot.app.query_one("#sidebar").active = "tab-training"
        await pilot.press("a")
        await drawn(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=training)


def test_presets_pane_80x24(snap_compare):
    """Every built-in preset on a line of its own, a user's marked, the highlighted one's
    description under the list (nand is loaded: highlighted)."""
    folder = user_presets_dir()
    folder.mkdir(parents=True)
    mine = dataclasses.replace(load_named("xor"), name="My XOR", description="My own XOR.")
    save_preset(mine, folder / "my-xor.toml")

    async def presets(pilot) -> None:
        about = pilot.app.query_one(PresetsPane).query_one("#preset-about", Static)
        await wait_steady(pilot, lambda: "NAND" in str(about.render()), "the description")

    assert snap_compare(make_app("nand"), terminal_size=(80, 24), run_before=presets)
