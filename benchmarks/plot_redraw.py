"""Plot redraw cost against history length: a loss history of 1,000,000 points must redraw as fast
as one of 1,000 (the history downsamples to a fixed capacity).

    python benchmarks/plot_redraw.py

Feeds N metric events to the app's plots pane (headless, no trainer), then times the full redraw
(history -> plotext -> rendered lines) and prints the ratio 1M / 1k (target: about 1).
"""

from __future__ import annotations

import asyncio
import statistics
import time

from tui_nn.presets import load_named, resolve_preset
from tui_nn.trainer.protocol import DeviceInfo, Metrics
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.widgets.loss_plot import LossPlot

DEVICES = [DeviceInfo(name="cpu", description="CPU", memory_bytes=None)]


async def redraw_time(points: int, repeats: int = 20) -> float:
    app = TuiNnApp(
        load_named("circle"), resolve_preset("circle"), trainer_factory=None, devices=DEVICES
    )
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(PlotsPane)
        pane.set_shape(10, "classification")  # ten steps an epoch: x = step / 10
        for i in range(points):
            pane.add_metrics(
                Metrics(
                    epoch=i // 10,
                    step=i,
                    train_loss=1.0 / (1 + i),
                    samples_per_s=0.0,
                    elapsed_s=0.0,
                    lr=0.1,
                    status="running",
                    test_loss=1.2 / (1 + i),
                    train_acc=min(1.0, i / points),
                    test_acc=min(1.0, i / points),
                )
            )
        while pane.plots is None:  # mounted a moment after the pane
            await pilot.pause()
        plots = list(app.query(LossPlot))
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            for plot in plots:
                plot.replot()
                plot.render()  # plotext builds the canvas here
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)


async def main() -> None:
    small = await redraw_time(1_000)
    large = await redraw_time(1_000_000)
    print(
        f"redraw of both plots: 1,000 points {small * 1000:.1f} ms, 1,000,000 points "
        f"{large * 1000:.1f} ms, ratio {large / small:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
