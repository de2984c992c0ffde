"""The Training pane keeps the preset's own values while the trainer reports its devices."""

from __future__ import annotations

from tui_nn.presets import load_named, resolve_preset
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.training_pane import TrainingPane

CPU = [{"name": "cpu", "description": "CPU (2 threads)", "memory_bytes": None}]


async def test_a_cpu_preset_stays_on_the_cpu_when_devices_arrive() -> None:
    app = TuiNnApp(load_named("nand"), resolve_preset("nand"), trainer_factory=None, devices=CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#sidebar").active = "tab-training"
        await pilot.pause(0.3)
        pane = app.query_one(TrainingPane)
        pane.set_devices(CPU)
        await pilot.pause(0.3)
        assert pane.choices["device"] == "cpu"
        assert app.committed.train.device == "cpu"
        assert pane.read()[0].device == "cpu"
