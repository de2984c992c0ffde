"""A run's curves from its folder's `metrics.jsonl`, read off the UI thread.

The file can be long (a day of training at ten events a second is most of a million lines). It is
read line by line in a daemon thread into `History` objects, which downsample as they fill (the
plots' own kind: whatever the length, they hold `capacity` points), and handed to the UI thread in
one piece: installing them costs O(capacity). The x of each point is computed exactly as the live
plots do (`PlotsPane.add_metrics`), so a history and the live events after it join up.

A daemon thread, not a Textual worker: a worker's thread is waited for when the app exits, and a
long file must not hold up a quit.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App

from .history import DEFAULT_CAPACITY, History
from .plots_pane import PlotsPane

CHECK_EVERY_LINES = 4096  # how often a reader looks whether it was cancelled


@dataclass
class RunHistory:
    """What a run's metrics.jsonl holds, ready for the plots."""

    path: Path
    loss: History
    acc: History
    events: int = 0  # metrics events read
    last_step: int = -1  # the highest step among them (live events up to it are duplicates)
    last: dict[str, Any] | None = None  # the last metrics event
    summary: dict[str, Any] | None = None
    steps_per_epoch: int | None = None
    error: str | None = None  # why the file could not be read (None: read, maybe empty)


class _Sink:
    """The part of a `PlotsPane` that `PlotsPane.add_metrics` uses, without a widget."""

    def __init__(self, capacity: int, steps_per_epoch: int | None) -> None:
        self.loss_history = History(capacity)
        self.acc_history = History(capacity)
        self.steps_per_epoch = steps_per_epoch

    def schedule_redraw(self) -> None:
        pass

    def add(self, event: dict[str, Any]) -> None:
        PlotsPane.add_metrics(self, event)  # type: ignore[arg-type]


def _steps_from_evals(event: dict[str, Any]) -> int | None:
    """Steps per epoch from an evaluation (they happen at an epoch's end: step = epoch * n)."""
    for evaluation in event.get("evals") or []:
        if not isinstance(evaluation, dict):
            continue
        epoch, step = evaluation.get("epoch"), evaluation.get("step")
        if isinstance(epoch, int) and isinstance(step, int) and epoch > 0 and step > 0:
            if step % epoch == 0:
                return step // epoch
    return None


# The engine writes metrics lines with these keys first, in this order (json.dumps of its dict);
# most lines carry nothing else the plots use, and a regular expression reads them four times
# faster than json.loads. Any other line (one with evaluations, or written otherwise) is parsed.
_TRAIN_LOSS_LINE = re.compile(
    rb'^\{"event": "metrics", "epoch": (\d+), "step": (\d+), "train_loss": ([^,}]+)[,}]'
)


def read_history(
    folder: Path | str,
    *,
    capacity: int = DEFAULT_CAPACITY,
    steps_per_epoch: int | None = None,
    until_step: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunHistory:
    """Read `folder/metrics.jsonl` (events after `until_step` left out: a run continued from its
    checkpoint repeats them). Damaged lines (a write cut short by a kill) are skipped."""
    folder = Path(folder)
    sink = _Sink(capacity, steps_per_epoch if steps_per_epoch and steps_per_epoch > 0 else None)
    result = RunHistory(folder, sink.loss_history, sink.acc_history)
    # Until the steps per epoch are known (from the first evaluation), points wait here.
    waiting: list[dict[str, Any]] = []
    low, high = 0.0, math.inf  # what the (epoch, step) pairs seen say about the steps per epoch
    try:
        stream = open(folder / "metrics.jsonl", "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return result  # no metrics yet
    except OSError as error:
        result.error = f"cannot read {folder / 'metrics.jsonl'}: {error.strerror or error}"
        return result
    add_loss = sink.loss_history.add
    with stream:
        for number, line in enumerate(stream):
            if cancelled is not None and number % CHECK_EVERY_LINES == 0 and cancelled():
                result.error = "cancelled"
                return result
            if b'"metrics"' not in line:
                if b'"summary"' in line:
                    with contextlib.suppress(ValueError):
                        summary = json.loads(line)
                        if isinstance(summary, dict) and summary.get("event") == "summary":
                            result.summary = summary
                continue
            event: dict[str, Any] | None = None
            fast = _TRAIN_LOSS_LINE.match(line) if b'"evals"' not in line else None
            if fast is not None:
                epoch, step = int(fast.group(1)), int(fast.group(2))
            else:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(event, dict) or event.get("event") != "metrics":
                    continue
                epoch, step = event.get("epoch"), event.get("step")
            if until_step is not None and isinstance(step, int) and step > until_step:
                continue
            result.events += 1
            if isinstance(step, int):
                result.last_step = max(result.last_step, step)
            if event is None:
                assert fast is not None
                event = {"epoch": epoch, "step": step, "train_loss": _number(fast.group(3))}
                event_is_light = True
            else:
                event_is_light = False
            result.last = event
            if sink.steps_per_epoch is None:
                found = None if event_is_light else _steps_from_evals(event)
                if found is None:
                    if isinstance(step, int) and isinstance(epoch, int) and epoch > 0:
                        high = min(high, step / epoch)
                        low = max(low, step / (epoch + 1))
                    waiting.append(event)
                    continue
                sink.steps_per_epoch = found
                for held in waiting:
                    sink.add(held)
                waiting.clear()
            if event_is_light:
                y = event["train_loss"]
                if y is not None:
                    add_loss("train_loss", step / sink.steps_per_epoch, y)
            else:
                sink.add(event)
    if waiting:
        if math.isfinite(high) and math.floor(high) > low:
            sink.steps_per_epoch = math.floor(high)
        for held in waiting:
            sink.add(held)
    result.steps_per_epoch = sink.steps_per_epoch
    return result


def _number(text: bytes) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # null


def load_history(
    app: App[Any],
    folder: Path | str,
    done: Callable[[RunHistory], Any],
    **options: Any,
) -> threading.Event:
    """Read a run's history in a daemon thread, then call `done(history)` on the UI thread.
    Returns an event: set it to cancel (`done` is then not called)."""
    cancel = threading.Event()

    def work() -> None:
        try:
            history = read_history(folder, cancelled=cancel.is_set, **options)
        except Exception as error:  # noqa: BLE001 - reported to the UI, never a crash
            history = RunHistory(
                Path(folder),
                History(options.get("capacity", DEFAULT_CAPACITY)),
                History(options.get("capacity", DEFAULT_CAPACITY)),
                error=f"cannot read the run's metrics: {type(error).__name__}: {error}",
            )
        if cancel.is_set():
            return

        def deliver() -> None:
            if not cancel.is_set():
                done(history)

        with contextlib.suppress(Exception):  # the app may be gone
            app.post_message(events.Callback(callback=partial(deliver)))

    threading.Thread(target=work, daemon=True, name="tui-nn-history").start()
    return cancel


def install_history(plots: PlotsPane, history: RunHistory) -> None:
    """Put `history` into `plots` in place of what they hold (O(capacity))."""
    for mine, theirs in ((plots.loss_history, history.loss), (plots.acc_history, history.acc)):
        mine.series = theirs.series
        mine.version += 1 + theirs.version
    if history.steps_per_epoch and not plots.steps_per_epoch:
        plots.steps_per_epoch = history.steps_per_epoch
    plots.schedule_redraw()
