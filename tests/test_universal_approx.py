"""The universal-approximation pair: `sine` cannot follow its target at any budget, `sine-wide` can.

One tanh unit draws y = w2 * tanh(w1 * x + b1) + b2, a curve that only rises or only falls, so on
its test points it can do no better than the best monotone fit (isotonic regression). That bound
holds whatever the training; it lies several times above the noise floor, the error of sin(x)
itself. Reference figures with scikit-learn: benchmarks/universal_approx.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import torch

from tui_nn.devices import training_threads
from tui_nn.presets.library import load_named
from tui_nn.training import Trainer


@pytest.fixture(autouse=True)
def trainer_threads() -> Iterator[None]:
    """Train on the threads the app's trainer and `tui-nn train` use: torch's default of every
    core took 10 times as long here on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(training_threads() or before)
    yield
    torch.set_num_threads(before)


def monotone_mse(ys: list[float]) -> float:
    """The least mean squared error of a non-decreasing fit to `ys` (pool adjacent violators)."""
    blocks: list[tuple[float, int]] = []  # (sum, count) of each pooled run
    for y in ys:
        total, count = y, 1
        while blocks and blocks[-1][0] * count > total * blocks[-1][1]:
            s, n = blocks.pop()
            total, count = total + s, count + n
        blocks.append((total, count))
    fitted = [total / count for total, count in blocks for _ in range(count)]
    return sum((y - f) ** 2 for y, f in zip(ys, fitted, strict=True)) / len(ys)


def floors(trainer: Trainer) -> tuple[float, float]:
    """The noise floor and the best any monotone curve can do, on the run's test points."""
    x = trainer.raw_x[trainer.test_idx].double().ravel()
    y = trainer.y_test.double().ravel()
    noise = float(((y - torch.sin(x)) ** 2).mean())
    ys = y[torch.argsort(x)].tolist()
    return noise, min(monotone_mse(ys), monotone_mse([-v for v in ys]))


def test_monotone_mse_pools_what_falls() -> None:
    assert monotone_mse([1.0, 2.0, 5.0]) == 0.0
    assert abs(monotone_mse([3.0, 1.0, 2.0]) - 2 / 3) < 1e-12  # all pooled to 2
    assert abs(monotone_mse([0.0, 4.0, 2.0, 5.0]) - 0.5) < 1e-12  # 4, 2 pooled to 3


def test_one_tanh_unit_stays_far_from_the_sine_at_any_budget() -> None:
    preset = load_named("sine")
    hidden, output = preset.model.layers
    assert (hidden.units, hidden.activation, output.activation) == (1, "tanh", "identity")
    # A third of the preset's 300 epochs, to keep the test fast: already near the bound.
    trainer = Trainer(
        dataclasses.replace(preset, train=dataclasses.replace(preset.train, epochs=100))
    )
    noise, monotone = floors(trainer)
    assert 0.005 < noise < 0.02  # the preset's noise of 0.1, squared, on 40 test points
    assert monotone > 4 * noise  # no curve that only rises or only falls gets closer
    trainer.run()
    loss = trainer.summary().test_loss
    assert loss is not None
    # The width is the limit, not the budget: training lands near the bound it can never cross.
    assert monotone - 1e-6 <= loss < 1.25 * monotone


def test_sixteen_tanh_units_follow_the_sine_to_the_noise_floor() -> None:
    trainer = Trainer(load_named("sine-wide"))
    noise, monotone = floors(trainer)
    trainer.run()
    loss = trainer.summary().test_loss
    assert loss is not None
    assert loss < 1.5 * noise < monotone / 2
