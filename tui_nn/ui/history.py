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

from tui_nn.trainer.protocol import EpochLoss, EvalPoint, Metrics

__all__ = ["DEFAULT_CAPACITY", "History", "Series", "add_history", "add_metrics"]

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
    loss: History, acc: History, metrics: Metrics, steps_per_epoch: int | None, suffix: str = ""
) -> float | None:
    """Record one `Metrics` event: the training loss of each epoch it carries at that epoch, or,
    where none ended since the last event (a long epoch), the window's mean loss at its position
    in epochs (its step over `steps_per_epoch` when known, else its epoch); each evaluation at
    its epoch. Returns the test - train loss gap of its last evaluation with both (None: none had
    both). `suffix` follows every series name (one network of several: see `overlay_key`)."""
    if metrics.epochs:
        add_epochs(loss, metrics.epochs, suffix)
    elif metrics.train_loss is not None and math.isfinite(metrics.train_loss):
        x = metrics.step / steps_per_epoch if steps_per_epoch else float(metrics.epoch)
        loss.add("train_loss" + suffix, x, metrics.train_loss)
    evals = list(metrics.evals)
    if not evals and metrics.eval_train_loss is not None:  # the latest evaluation, repeated
        evals = [
            EvalPoint(
                metrics.epoch,
                metrics.step,
                metrics.eval_train_loss,
                metrics.test_loss,
                metrics.train_acc,
                metrics.test_acc,
            )
        ]
    has_losses = bool(metrics.epochs) or metrics.train_loss is not None
    return add_evals(loss, acc, evals, train_loss_from_evals=not has_losses, suffix=suffix)


def add_history(
    loss: History,
    acc: History,
    epochs: list[EpochLoss],
    evals: list[EvalPoint],
    suffix: str = "",
) -> float | None:
    """Record what a run has recorded so far (the trainer's `History`)."""
    add_epochs(loss, epochs, suffix)
    return add_evals(loss, acc, evals, train_loss_from_evals=not epochs, suffix=suffix)


def add_epochs(loss: History, epochs: list[EpochLoss], suffix: str = "") -> None:
    for point in epochs:
        loss.add("train_loss" + suffix, float(point.epoch), point.train_loss)


def add_evals(
    loss: History,
    acc: History,
    evals: list[EvalPoint],
    *,
    train_loss_from_evals: bool,
    suffix: str = "",
) -> float | None:
    """Each evaluation at its epoch: the test loss, both accuracies, and the training loss where
    the run records no other (the perceptron rule's errors). Returns the last test - train gap."""
    gap = None
    for point in evals:
        at = float(point.epoch)
        eval_train = _finite(point.train_loss)
        test = _finite(point.test_loss)
        if train_loss_from_evals and eval_train is not None:
            loss.add("train_loss" + suffix, at, eval_train)
        if test is not None:
            loss.add("test_loss" + suffix, at, test)
            if eval_train is not None:
                gap = test - eval_train
        if point.train_acc is not None and math.isfinite(point.train_acc):
            acc.add("train_acc" + suffix, at, point.train_acc)
        if point.test_acc is not None and math.isfinite(point.test_acc):
            acc.add("test_acc" + suffix, at, point.test_acc)
    return gap
