"""The Training pane keeps the preset's own values while the trainer reports its devices."""

from __future__ import annotations

from support import wait_for, wait_steady

from tui_nn.presets import load_named, resolve_preset
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.panes.training import TrainingPane

CPU = [p.DeviceInfo(name="cpu", description="CPU (2 threads)", memory_bytes=None)]


async def test_a_cpu_preset_stays_on_the_cpu_when_devices_arrive() -> None:
    app = TuiNnApp(load_named("nand"), resolve_preset("nand"), trainer_factory=None, devices=CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#sidebar").active = "tab-training"
        pane = app.query_one(TrainingPane)
        await wait_for(pilot, lambda: pane.built, "the tab's fields")
        pane.set_devices(CPU)
        app.link.post(p.Ready(protocol=p.PROTOCOL_VERSION, devices=CPU, pid=0))
        await wait_steady(pilot, lambda: app.link.ready is not None, "the devices")
        assert pane.choices["device"] == "cpu"
        assert app.editor.committed.train.device == "cpu"
        assert pane.read()[0].device == "cpu"
