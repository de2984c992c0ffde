"""The downsampling metric history behind the plots (pure Python, no textual)."""

from __future__ import annotations

import math
import time

import pytest

from tui_nn.ui.history import History, Series


def test_small_series_keeps_every_point():
    s = Series(capacity=8)
    for i in range(5):
        s.append(i, i * 10)
    assert s.points() == ([0, 1, 2, 3, 4], [0, 10, 20, 30, 40])
    assert len(s) == 5
    assert s.stride == 1
    assert s.last == (4.0, 40.0)


def test_full_series_merges_pairs_and_doubles_the_stride():
    s = Series(capacity=4)
    for i in range(4):
        s.append(i, float(i))
    # The fourth point filled the store: pairs merged, stride doubled.
    assert s.stride == 2
    assert s.points() == ([0.5, 2.5], [0.5, 2.5])
    s.append(4, 4.0)  # half a bucket: shown as its own mean
    assert s.points() == ([0.5, 2.5, 4.0], [0.5, 2.5, 4.0])
    s.append(5, 6.0)  # bucket complete: mean of 4 and 6
    assert s.points() == ([0.5, 2.5, 4.5], [0.5, 2.5, 5.0])
    s.append(6, 6.0)
    s.append(7, 7.0)  # store full again: merge to buckets of 4
    assert s.stride == 4
    assert s.points() == ([1.5, 5.5], [1.5, 5.75])


def test_averages_are_exact_means_of_consecutive_samples():
    capacity, n = 16, 1000
    s = Series(capacity=capacity)
    ys = [math.sin(i / 7) + i / 100 for i in range(n)]
    for i, y in enumerate(ys):
        s.append(i, y)
    xs_out, ys_out = s.points()
    assert len(xs_out) <= capacity
    stride = s.stride
    full = n // stride
    for k in range(full):
        chunk = ys[k * stride : (k + 1) * stride]
        assert ys_out[k] == pytest.approx(sum(chunk) / stride)
        assert xs_out[k] == pytest.approx(k * stride + (stride - 1) / 2)
    if n % stride:
        tail = ys[full * stride :]
        assert ys_out[-1] == pytest.approx(sum(tail) / len(tail))


def test_non_finite_values_are_ignored():
    s = Series(capacity=8)
    assert s.append(0, 1.0)
    assert not s.append(1, math.nan)
    assert not s.append(2, math.inf)
    assert not s.append(math.nan, 1.0)
    assert not s.append(3, None)
    assert not s.append(4, "1.0")
    assert not s.append(5, True)
    assert s.append(6, 2)
    assert s.points() == ([0.0, 6.0], [1.0, 2.0])
    assert s.count == 2


def test_a_million_points_stay_within_capacity_and_fast():
    s = Series(capacity=1024)
    for i in range(1_000_000):
        s.append(i, 1.0 / (i + 1))
    xs, ys = s.points()
    assert len(xs) == len(ys) <= 1024
    assert xs == sorted(xs)
    assert s.count == 1_000_000
    # points() is O(capacity): as cheap for a million samples as for a thousand.
    small = Series(capacity=1024)
    for i in range(1000):
        small.append(i, 1.0)
    started = time.perf_counter()
    for _ in range(200):
        s.points()
    big_cost = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(200):
        small.points()
    small_cost = time.perf_counter() - started
    assert big_cost < max(small_cost * 5, 0.05)


def test_capacity_must_be_even():
    with pytest.raises(ValueError):
        Series(capacity=3)
    with pytest.raises(ValueError):
        Series(capacity=0)


def test_history_versions_and_clear():
    h = History(capacity=8)
    v0 = h.version
    assert h.add("train", 1, 0.5)
    assert h.version == v0 + 1
    assert not h.add("train", 2, math.nan)
    assert h.version == v0 + 1
    assert h.points("train") == ([1.0], [0.5])
    assert h.points("missing") == ([], [])
    assert h.last("train") == (1.0, 0.5)
    h.clear()
    assert h.points("train") == ([], [])
    assert h.version == v0 + 2


def test_history_module_does_not_import_textual():
    import importlib

    import tui_nn.ui.history as module

    importlib.reload(module)
    source = open(module.__file__, encoding="utf-8").read()
    assert "import textual" not in source and "from textual" not in source


def test_add_metrics_places_losses_by_step_and_evaluations_by_epoch():
    from tui_nn.trainer import protocol as p
    from tui_nn.ui.history import add_metrics

    loss, acc = History(capacity=8), History(capacity=8)
    point = p.EvalPoint(epoch=2, step=8, train_loss=0.5, test_loss=0.75, train_acc=0.5, test_acc=1)
    metrics = p.Metrics(
        epoch=2, step=10, train_loss=0.25, samples_per_s=1.0, elapsed_s=1.0, lr=0.1,
        status="running", evals=[point],
    )  # fmt: skip
    assert add_metrics(loss, acc, metrics, steps_per_epoch=4) == 0.25  # test - train loss
    assert loss.points("train_loss") == ([2.5], [0.25])  # step 10 of 4 an epoch
    assert loss.points("test_loss") == ([2.0], [0.75])
    assert acc.points("test_acc") == ([2.0], [1.0])
    no_window = p.Metrics(
        epoch=3, step=12, train_loss=None, samples_per_s=1.0, elapsed_s=2.0, lr=0.1,
        status="paused", eval_train_loss=0.4, test_loss=math.nan,
    )  # fmt: skip
    assert add_metrics(loss, acc, no_window, steps_per_epoch=None) is None  # no finite test loss
    assert loss.points("train_loss") == ([2.5, 3.0], [0.25, 0.4])  # the evaluation's, at epoch 3


def test_history_replace_shares_the_series_and_moves_the_version():
    a, b = History(capacity=8), History(capacity=8)
    b.add("train", 1, 0.5)
    before = a.version
    a.replace(b)
    assert a.points("train") == ([1.0], [0.5]) and a.version > before
