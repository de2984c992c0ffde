"""Metric histories that stay small: a fixed number of points, whatever the run's length.

Pure Python (no textual, no torch), so it is cheap to test and to use from any thread.

`add_metrics` puts a trainer's `Metrics` into the loss and accuracy histories; the live plots and
the reader of a run's metrics.jsonl both use it, so a run's history and its live points join up.

A `Series` keeps at most `capacity` points. Points are appended one by one; when the store is
full, adjacent pairs are merged (averaged) and the bucket stride doubles, so that every later
point is the mean of `stride` consecutive samples. `points()` therefore costs O(capacity)
whether 1,000 or 1,000,000 samples were appended, and a plot of a long run redraws as fast as a
plot of a short one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from tui_nn.trainer.protocol import Metrics

__all__ = ["DEFAULT_CAPACITY", "History", "Series", "add_metrics"]

DEFAULT_CAPACITY = 1024


def _finite(value: object) -> float | None:
    """The value as a float when it is a finite real number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        out = float(value)
    except (OverflowError, ValueError):
        return None
    return out if math.isfinite(out) else None


class Series:
    """One downsampling (x, y) series; non-finite values are ignored."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError(f"capacity must be an even number of at least 2, got {capacity}")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._xs: list[float] = []
        self._ys: list[float] = []
        self.stride = 1  # samples per stored point
        self._sum_x = 0.0  # the bucket being filled
        self._sum_y = 0.0
        self._pending = 0
        self.count = 0  # finite samples appended since the last clear
        self.last: tuple[float, float] | None = None

    def __len__(self) -> int:
        return len(self._xs) + (1 if self._pending else 0)

    def append(self, x: object, y: object) -> bool:
        """Add one sample; False (and nothing stored) when x or y is not a finite number."""
        fx, fy = _finite(x), _finite(y)
        if fx is None or fy is None:
            return False
        self.count += 1
        self.last = (fx, fy)
        self._sum_x += fx
        self._sum_y += fy
        self._pending += 1
        if self._pending >= self.stride:
            self._xs.append(self._sum_x / self._pending)
            self._ys.append(self._sum_y / self._pending)
            self._sum_x = self._sum_y = 0.0
            self._pending = 0
            if len(self._xs) >= self.capacity:
                self._halve()
        return True

    def extend(self, pairs: Iterable[tuple[object, object]]) -> None:
        for x, y in pairs:
            self.append(x, y)

    def _halve(self) -> None:
        xs, ys = self._xs, self._ys
        self._xs = [(xs[i] + xs[i + 1]) / 2 for i in range(0, len(xs) - 1, 2)]
        self._ys = [(ys[i] + ys[i + 1]) / 2 for i in range(0, len(ys) - 1, 2)]
        self.stride *= 2

    def points(self) -> tuple[list[float], list[float]]:
        """Copies of the stored xs and ys, the partly filled bucket's mean last (O(capacity))."""
        xs, ys = list(self._xs), list(self._ys)
        if self._pending:
            xs.append(self._sum_x / self._pending)
            ys.append(self._sum_y / self._pending)
        return xs, ys


class History:
    """Named series with a version number that changes whenever any of them does."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.series: dict[str, Series] = {}
        self.version = 0

    def add(self, name: str, x: object, y: object) -> bool:
        series = self.series.get(name)
        if series is None:
            series = self.series[name] = Series(self.capacity)
        added = series.append(x, y)
        if added:
            self.version += 1
        return added

    def points(self, name: str) -> tuple[list[float], list[float]]:
        series = self.series.get(name)
        return series.points() if series is not None else ([], [])

    def last(self, name: str) -> tuple[float, float] | None:
        series = self.series.get(name)
        return series.last if series is not None else None

    def clear(self) -> None:
        self.series.clear()
        self.version += 1

    def replace(self, other: History) -> None:
        """Hold `other`'s series in place of these (O(1): they are shared, not copied)."""
        self.series = other.series
        self.version += 1 + other.version


def add_metrics(
    loss: History, acc: History, metrics: Metrics, steps_per_epoch: int | None
) -> float | None:
    """Record one `Metrics` event: the window's mean loss at its position in epochs (its step
    over `steps_per_epoch` when known, else its epoch), each evaluation at its epoch. Returns the
    test - train loss gap of its last evaluation with both (None: none had both)."""
    epoch = float(metrics.epoch)
    train_loss = metrics.train_loss  # numbers are floats (or None) once decoded
    if train_loss is not None and not math.isfinite(train_loss):
        train_loss = None
    if train_loss is not None:
        x = metrics.step / steps_per_epoch if steps_per_epoch else epoch
        loss.add("train_loss", x, train_loss)
    evaluations: list[tuple[int, float | None, float | None, float | None, float | None]] = [
        (point.epoch, point.train_loss, point.test_loss, point.train_acc, point.test_acc)
        for point in metrics.evals
    ]
    latest = (metrics.eval_train_loss, metrics.test_loss, metrics.train_acc, metrics.test_acc)
    if not evaluations and latest != (None, None, None, None):
        evaluations = [(metrics.epoch, *latest)]  # the latest evaluation, repeated
    gap = None
    for at_epoch, given_train, given_test, train_acc, test_acc in evaluations:
        at = float(at_epoch) or epoch
        eval_train = _finite(given_train)
        test = _finite(given_test)
        if train_loss is None and eval_train is not None:
            loss.add("train_loss", at, eval_train)
        if test is not None:
            loss.add("test_loss", at, test)
            if eval_train is not None:
                gap = test - eval_train
        if train_acc is not None and math.isfinite(train_acc):
            acc.add("train_acc", at, train_acc)
        if test_acc is not None and math.isfinite(test_acc):
            acc.add("test_acc", at, test_acc)
    return gap
