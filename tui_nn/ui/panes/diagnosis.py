"""The line under the plots that says in words what is going wrong with the run (diverging, stuck,
overfitting, not separable, too high a learning rate), by the rules of `tui_nn.lesson.diagnosis`;
hidden while nothing is.

It keeps a bounded sample of the run's points (`KeptPoints`: the latest dense, older ones
thinned, the best by loss always), which is all the rules need, and runs them at most every `DIAGNOSE_INTERVAL_S`, on
a timer that new points start, never once per event.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from textual.widgets import Static

from tui_nn.lesson.diagnosis import Diagnosis, LossPoint, diagnose
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import EpochLoss, EvalPoint, History, LayerStats, Metrics

DIAGNOSE_INTERVAL_S = 0.5
CAPACITY = 256  # points kept of each kind (the rules look back at most a few dozen)

P = TypeVar("P", bound=LossPoint)


class KeptPoints(Generic[P]):
    """A run's points in at most `capacity` (plus the lowest by each of `keys`), in epoch order:
    the latest half of them dense (the rules look back a few dozen), the older ones evenly
    thinned (every `stride`-th, the first always), so the whole run stays covered."""

    def __init__(self, keys: Sequence[Callable[[P], float]], capacity: int = CAPACITY) -> None:
        self.keys = list(keys)
        self.half = max(capacity // 2, 1)
        self.best: list[P | None] = [None] * len(self.keys)
        self.recent: deque[P] = deque(maxlen=self.half)
        self.older: list[P] = []  # every `stride`-th point before `recent`
        self.stride, self.evicted = 1, 0

    def add(self, points: Sequence[P]) -> None:
        for point in points:
            for index, key in enumerate(self.keys):
                kept = self.best[index]
                if kept is None or _lower(key(point), key(kept)):
                    self.best[index] = point
            if len(self.recent) == self.half:
                if self.evicted % self.stride == 0:
                    self.older.append(self.recent[0])
                    if len(self.older) > self.half:
                        self.older = self.older[::2]
                        self.stride *= 2
                self.evicted += 1
            self.recent.append(point)

    def clear(self) -> None:
        self.best = [None] * len(self.keys)
        self.recent.clear()
        self.older = []
        self.stride, self.evicted = 1, 0

    def points(self) -> list[P]:
        kept = [*self.older, *self.recent]
        ids = {id(p) for p in kept}
        best = {id(p): p for p in self.best if p is not None and id(p) not in ids}
        return sorted([*kept, *best.values()], key=lambda p: p.epoch)


def _lower(value: float, than: float) -> bool:
    return math.isfinite(value) and (not math.isfinite(than) or value < than)


def _train(point: LossPoint) -> float:
    return point.train_loss


def _test(point: EvalPoint) -> float:
    return math.inf if point.test_loss is None else point.test_loss


class DiagnosisLine(Static):
    """One line (two on a narrow pane) of diagnosis, fed by the trainer's events."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.preset: Preset | None = None
        self.epochs: KeptPoints[EpochLoss] = KeptPoints([_train])
        self.evals: KeptPoints[EvalPoint] = KeptPoints([_train, _test])
        self.stop_reason: str | None = None
        self.learning_rate: float | None = None
        self.layer_stats: list[LayerStats] = []
        self.diagnosis: Diagnosis | None = None
        self._timer: Any = None
        self._last_run = 0.0

    # -- what the trainer says --------------------------------------------------------------

    def set_preset(self, preset: Preset) -> None:
        self.preset = preset
        self.schedule()

    def add_metrics(self, metrics: Metrics) -> None:
        self.epochs.add(metrics.epochs)
        self.evals.add(metrics.evals)
        self.learning_rate = metrics.lr
        if metrics.epochs or metrics.evals:
            self.schedule()

    def set_history(self, history: History) -> None:
        self.epochs.clear()
        self.evals.clear()
        self.epochs.add(history.epochs)
        self.evals.add(history.evals)
        self.schedule()

    def set_stop(self, reason: str | None) -> None:
        if reason != self.stop_reason:
            self.stop_reason = reason
            self.schedule()

    def set_layers(self, layers: list[LayerStats]) -> None:
        self.layer_stats = layers  # read at the next diagnosis; a snapshot alone starts none

    def clear(self) -> None:
        """A new run (a reset, another preset): nothing to say."""
        self.epochs.clear()
        self.evals.clear()
        self.stop_reason, self.learning_rate, self.layer_stats = None, None, []
        self._show(None)

    # -- the rules, throttled ---------------------------------------------------------------

    def schedule(self) -> None:
        if self._timer is None and self.is_mounted:
            wait = self._last_run + DIAGNOSE_INTERVAL_S - time.monotonic()
            self._timer = self.set_timer(max(wait, 0.01), self._timed)

    def _timed(self) -> None:
        self._timer = None
        self.run_rules()

    def run_rules(self) -> Diagnosis | None:
        """Diagnose what is kept now, and show it."""
        self._last_run = time.monotonic()
        found = None
        if self.preset is not None:
            found = diagnose(
                self.epochs.points(),
                self.evals.points(),
                self.preset,
                stop_reason=self.stop_reason,
                learning_rate=self.learning_rate,
                layers=self.layer_stats,
            )
        self._show(found)
        return found

    def _show(self, found: Diagnosis | None) -> None:
        if found == self.diagnosis:
            return
        self.diagnosis = found
        self.update("" if found is None else found.message)
        self.display = found is not None
