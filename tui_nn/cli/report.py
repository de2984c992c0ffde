"""What `tui-nn train` prints: a progress bar on a terminal, plain lines when piped, or JSON
lines (the protocol's own `Metrics` and `Summary` lines).

Output that nobody reads any more (`tui-nn train ... | head`, a terminal that hung up) is no
error: the reporter notes it (`output_closed`), stops writing, and the run stops as on a signal.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from tui_nn.trainer.protocol import Metrics, Summary, encode

EXIT_OUTPUT_CLOSED = 141  # stdout was closed (`| head`): the status of a process SIGPIPE ended


def silence_stdout() -> None:
    """After a write to a closed pipe: what is still buffered, and what the interpreter flushes
    at exit, goes to /dev/null instead of raising again ("Exception ignored ... BrokenPipeError").
    Only the process's own stdout is redirected (not a test's stand-in)."""
    stream = sys.stdout
    if stream is not sys.__stdout__ or stream is None:
        return
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)


class Reporter:
    """Progress as a bar on a terminal, plain lines when piped, or JSON lines."""

    def __init__(self, *, json_lines: bool, epochs: int) -> None:
        self.json_lines = json_lines
        self.epochs = epochs
        self.progress: Any = None
        self.output_closed = False  # stdout's reader is gone: nothing more is written
        self._last_line = 0.0
        if not json_lines and sys.stdout.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("epoch {task.completed:>6.0f}/{task.total:.0f}"),
                BarColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                transient=True,
                auto_refresh=False,  # drawn at each event, here: a hung-up terminal is noticed
            )
            self.task = self.progress.add_task("", total=epochs)
            self.progress.start()

    def _write(self, action: Callable[[], None]) -> None:
        """Do one write to stdout, unless its reader is gone (then note that, and drop it)."""
        if self.output_closed:
            return
        try:
            action()
        except OSError:  # EPIPE: `| head` has ended; EIO: the terminal hung up
            self.output_closed = True
            silence_stdout()

    def event(self, event: Metrics) -> None:
        if self.json_lines:
            self.line(encode(event).rstrip("\n"))
            return
        line = describe(event)
        if self.progress is not None:
            if not _is_terminal():  # hung up: rich would stop drawing, and say nothing
                self.output_closed = True
                return
            progress = self.progress
            self._write(
                lambda: progress.update(
                    self.task, completed=event.epoch, description=line, refresh=True
                )
            )
        elif time.monotonic() - self._last_line >= 1.0:
            self._last_line = time.monotonic()
            self.line(f"epoch {event.epoch}/{self.epochs}  {line}".rstrip())

    def line(self, text: str) -> None:
        """One line on stdout, flushed."""

        def write() -> None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

        self._write(write)

    def close(self) -> None:
        progress, self.progress = self.progress, None
        if progress is not None:
            try:
                progress.stop()  # also when the output is gone: it ends the bar's thread
            except OSError:
                self.output_closed = True
                silence_stdout()

    def summary(self, summary: Summary) -> None:
        if self.json_lines:
            self.line(encode(summary).rstrip("\n"))
            return
        self.line(
            f"{summary.preset}: {summary.message} on {summary.device}; "
            f"{summary.epochs} epochs, {summary.steps} steps in {summary.elapsed_s:.2f} s "
            f"({summary.samples_per_s:,.0f} samples/s)"
        )
        described = describe(summary)  # nothing for a diverged run: its losses mean nothing
        if described:
            self.line("  " + described)


def _is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (OSError, ValueError):
        return False


def describe(metrics: Metrics | Summary) -> str:
    parts = []
    for value, label in ((metrics.train_loss, "train loss"), (metrics.test_loss, "test loss")):
        if value is not None:
            parts.append(f"{label} {value:.4g}")
    for value, label in ((metrics.train_acc, "train acc"), (metrics.test_acc, "test acc")):
        if value is not None:
            parts.append(f"{label} {value:.1%}")
    return "  ".join(parts)
