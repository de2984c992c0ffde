"""What `tui-nn train` prints: a progress bar on a terminal, plain lines when piped, or JSON
lines (the protocol's own `Metrics` and `Summary` lines)."""

from __future__ import annotations

import sys
import time
from typing import Any

from tui_nn.trainer.protocol import Metrics, Summary, encode


class Reporter:
    """Progress as a bar on a terminal, plain lines when piped, or JSON lines."""

    def __init__(self, *, json_lines: bool, epochs: int) -> None:
        self.json_lines = json_lines
        self.epochs = epochs
        self.progress: Any = None
        self._last_line = 0.0
        if not json_lines and sys.stdout.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("epoch {task.completed:>6.0f}/{task.total:.0f}"),
                BarColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                transient=True,
            )
            self.task = self.progress.add_task("", total=epochs)
            self.progress.start()

    def event(self, event: Metrics) -> None:
        if self.json_lines:
            sys.stdout.write(encode(event))
            sys.stdout.flush()
            return
        line = describe(event)
        if self.progress is not None:
            self.progress.update(self.task, completed=event.epoch, description=line)
        elif time.monotonic() - self._last_line >= 1.0:
            self._last_line = time.monotonic()
            print(f"epoch {event.epoch}/{self.epochs}  {line}", flush=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    def summary(self, summary: Summary) -> None:
        if self.json_lines:
            sys.stdout.write(encode(summary))
            sys.stdout.flush()
            return
        print(
            f"{summary.preset}: {summary.message} on {summary.device}; "
            f"{summary.epochs} epochs, {summary.steps} steps in {summary.elapsed_s:.2f} s "
            f"({summary.samples_per_s:,.0f} samples/s)"
        )
        print("  " + describe(summary))


def describe(metrics: Metrics | Summary) -> str:
    parts = []
    for value, label in ((metrics.train_loss, "train loss"), (metrics.test_loss, "test loss")):
        if value is not None:
            parts.append(f"{label} {value:.4g}")
    for value, label in ((metrics.train_acc, "train acc"), (metrics.test_acc, "test acc")):
        if value is not None:
            parts.append(f"{label} {value:.1%}")
    return "  ".join(parts)
