"""A run's curves from its folder's `metrics.jsonl`, read off the UI thread.

The file can be long (a day of training at ten events a second is most of a million lines, ~200
MB). The lines a curve needs (`tui_nn.runs.history_index`) come from the folder's curve.jsonl
when it has one (some 11,000 window-loss lines for a day, with the epochs' and evaluations'),
else from metrics.jsonl, thinned by the same rule as it streams; they are read in a daemon
thread, each decoded as the protocol event it is (`protocol.decode_event`: damaged lines, a
write cut short by a kill, are skipped), into `History` objects, which downsample as they fill
(the plots' own kind: whatever the length, they hold `capacity` points), and handed to the UI
thread in one piece: installing them costs O(capacity).
The points are made exactly as the live plots make them (`history.add_metrics`), so a history and
the live events after it join up.

The x of a loss point is its step over the steps per epoch. Those are given when known (the
trainer's `Loaded` of the run); else the first evaluation in the file tells them (evaluations
happen at an epoch's end: step = epoch * steps per epoch); only a file without one leaves an
estimate from the (epoch, step) pairs of its lines.

A daemon thread, not a Textual worker: a worker's thread is waited for when the app exits, and a
long file must not hold up a quit.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import App

from tui_nn.runs.history_index import METRICS, curve_file, curve_lines
from tui_nn.trainer.protocol import Metrics, ProtocolError, Summary, decode_event

from .background import in_thread
from .history import DEFAULT_CAPACITY, History, add_metrics

CHECK_EVERY_LINES = 4096  # how often a reader looks whether it was cancelled


@dataclass
class RunHistory:
    """What a run's metrics.jsonl holds, ready for the plots (its lines that a curve keeps)."""

    path: Path
    loss: History
    acc: History
    events: int = 0  # metrics events read (those that a curve keeps)
    last_step: int = -1  # the highest step among them (live events up to it are duplicates)
    last: Metrics | None = None  # the last metrics event
    summary: Summary | None = None
    steps_per_epoch: int | None = None
    error: str | None = None  # why the file could not be read (None: read, maybe empty)


def steps_from_evals(metrics: Metrics) -> int | None:
    """Steps per epoch from an evaluation (they happen at an epoch's end: step = epoch * n)."""
    for point in metrics.evals:
        if point.epoch > 0 and point.step > 0 and point.step % point.epoch == 0:
            return point.step // point.epoch
    return None


def read_history(
    folder: Path | str,
    *,
    capacity: int = DEFAULT_CAPACITY,
    steps_per_epoch: int | None = None,
    until_step: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunHistory:
    """Read `folder/metrics.jsonl`, or its index curve.jsonl (events after `until_step` left out:
    a run continued from its checkpoint repeats them). Damaged lines (a write cut short by a kill)
    are skipped."""
    folder = Path(folder)
    loss, acc = History(capacity), History(capacity)
    result = RunHistory(folder, loss, acc)
    spe = steps_per_epoch if steps_per_epoch and steps_per_epoch > 0 else None
    # Until the steps per epoch are known (from the first evaluation), points wait here.
    waiting: list[Metrics] = []
    low, high = 0.0, math.inf  # what the (epoch, step) pairs seen say about the steps per epoch
    source = curve_file(folder / METRICS)
    try:
        stream = open(source, "rb")
    except FileNotFoundError:
        return result  # no metrics yet
    except OSError as error:
        result.error = f"cannot read {source}: {error.strerror or error}"
        return result
    with stream:
        for line in curve_lines(stream, cancelled=cancelled, check_every=CHECK_EVERY_LINES):
            try:
                event = decode_event(line)
            except ProtocolError:
                continue
            if not isinstance(event, Metrics):
                if isinstance(event, Summary):
                    result.summary = event
                continue
            epoch, step = event.epoch, event.step
            if until_step is not None and step > until_step:
                continue
            result.events += 1
            result.last_step = max(result.last_step, step)
            result.last = event
            if spe is None:
                spe = steps_from_evals(event)
                if spe is None:
                    if epoch > 0:
                        high = min(high, step / epoch)
                        low = max(low, step / (epoch + 1))
                    waiting.append(event)
                    continue
                for held in waiting:
                    add_metrics(loss, acc, held, spe)
                waiting.clear()
            add_metrics(loss, acc, event, spe)
    if cancelled is not None and cancelled():
        result.error = "cancelled"
        return result
    if waiting:  # no evaluation in the file: the estimate, when the pairs pin one down
        if math.isfinite(high) and math.floor(high) > low:
            spe = math.floor(high)
        for held in waiting:
            add_metrics(loss, acc, held, spe)
    result.steps_per_epoch = spe
    return result


def load_history(
    app: App[Any],
    folder: Path | str,
    done: Callable[[RunHistory], Any],
    **options: Any,
) -> threading.Event:
    """Read a run's history in a daemon thread, then call `done(history)` on the UI thread.
    Returns an event: set it to cancel (`done` is then not called)."""
    cancel = threading.Event()

    def work() -> RunHistory:
        try:
            return read_history(folder, cancelled=cancel.is_set, **options)
        except Exception as error:  # noqa: BLE001 - reported to the UI, never a crash
            return RunHistory(
                Path(folder),
                History(options.get("capacity", DEFAULT_CAPACITY)),
                History(options.get("capacity", DEFAULT_CAPACITY)),
                error=f"cannot read the run's metrics: {type(error).__name__}: {error}",
            )

    return in_thread(app, work, done, name="tui-nn-history", cancel=cancel)
