"""The training pieces one by one: the gradient step is the lecture's five lines, the batch order
resumes mid-epoch, the metrics window reads the loss back only when asked, the stop rules are
pure functions, and a trainer's epoch progress is public and round-trips."""

from __future__ import annotations

import copy
import dataclasses
import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from tui_nn.presets import load_named
from tui_nn.training import Evaluation, Trainer, gradient_step
from tui_nn.training.batch_order import BatchOrder, epoch_order
from tui_nn.training.metrics_window import MetricsWindow
from tui_nn.training.stop_rules import (
    Stop,
    budget_stop,
    gradient_stop,
    perceptron_stop,
    track_best,
    watched,
)

CPU = torch.device("cpu")


def test_gradient_step_is_the_lectures_five_lines() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    by_hand = copy.deepcopy(net)
    x, t = torch.randn(8, 3), torch.randn(8, 1)
    ours = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD(by_hand.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        loss = gradient_step(net, F.mse_loss, ours, x, t)
        theirs.zero_grad()
        expected = F.mse_loss(by_hand(x), t)
        expected.backward()
        theirs.step()
        assert not loss.requires_grad and torch.equal(loss, expected.detach())
    for a, b in zip(net.parameters(), by_hand.parameters(), strict=True):
        assert torch.equal(a, b)


def batches(order: BatchOrder, count: int) -> list[list[int]]:
    out = []
    for _ in range(count):
        batch = order.next_batch()
        out.append(batch.tolist() if batch is not None else "all")
        if order.epoch_done:
            order.next_epoch()
    return out


def test_the_batch_order_resumes_mid_epoch_with_the_same_batches() -> None:
    def order() -> BatchOrder:
        generator = torch.Generator().manual_seed(5)
        return BatchOrder(10, 4, shuffle=True, generator=generator, device=CPU)

    whole = batches(order(), 9)  # three epochs of batches of 4, 4 and 2
    assert [len(batch) for batch in whole[:3]] == [4, 4, 2]
    first = order()
    head = batches(first, 4)  # into the second epoch
    assert first.mid_epoch and first.position == 4
    resumed = order()
    resumed.generator.set_state(first.generator.get_state())
    assert first.permutation is not None
    resumed.resume(first.permutation, first.position)
    assert head + batches(resumed, 5) == whole


def test_the_batch_order_in_order_and_full_batch() -> None:
    generator = torch.Generator().manual_seed(0)
    assert epoch_order(4, False, generator, CPU).tolist() == [0, 1, 2, 3]
    state = generator.get_state()
    full = BatchOrder(4, 32, shuffle=True, generator=generator, device=CPU)
    assert full.steps_per_epoch == 1 and batches(full, 2) == ["all", "all"]
    assert torch.equal(generator.get_state(), state)  # a full batch draws no permutation
    with pytest.raises(ValueError, match="does not fit"):
        full.resume(torch.arange(3), 1)


def test_the_metrics_window_sums_and_reads_back_once() -> None:
    window = MetricsWindow(CPU)
    assert window.read_each_step and window.mean_loss() is None
    for value in (1.0, 2.0, 6.0):
        assert window.add(32, torch.tensor(value)) is None
    window.add(1)  # a perceptron step: counted, no loss
    assert (window.steps, window.samples, window.mean_loss()) == (4, 97, 3.0)
    assert window.add(32, torch.tensor(math.inf)) == math.inf  # caught on its own step
    window.drop_losses()
    assert window.mean_loss() is None and window.samples == 129


def test_on_a_gpu_the_window_keeps_the_sum_on_the_device() -> None:
    window = MetricsWindow(torch.device("meta"))  # any device but the CPU
    assert not window.read_each_step
    window.add(8, torch.tensor(2.0))
    window.add(8, torch.tensor(math.nan))  # not known until read
    assert isinstance(window.loss_sum, torch.Tensor)
    assert math.isnan(window.mean_loss())


def result(
    train_loss: float, test_loss: float | None = None, acc: float | None = None
) -> Evaluation:
    return Evaluation(train_loss, test_loss, acc, acc if test_loss is not None else None, None)


def test_stop_rules_watch_the_test_set_when_there_is_one() -> None:
    assert watched(result(0.5)) == ("train", 0.5, None)
    assert watched(result(0.5, 0.7, 0.9)) == ("test", 0.7, 0.9)
    assert track_best(result(0.5, 0.7), 3, math.inf, 0) == (0.7, 3)
    assert track_best(result(0.5, 0.8), 4, 0.7, 3) == (0.7, 3)


def test_gradient_stop_rules_in_order() -> None:
    rules = {"target_loss": 0.1, "target_accuracy": 0.9, "patience": 2}
    assert gradient_stop(result(0.5, 0.6, 0.5), 3, 2, **rules) is None
    assert gradient_stop(result(0.05), 3, 3, **rules) == Stop(
        "target_loss", "reached the target train loss 0.1"
    )
    assert gradient_stop(result(0.5, 0.6, 0.95), 3, 3, **rules) == Stop(
        "target_accuracy", "reached the target test accuracy 90%"
    )
    stop = gradient_stop(result(0.5, 0.6, 0.5), 5, 3, **rules)
    assert stop is not None and stop.reason == "patience" and not stop.converged
    off = {"target_loss": None, "target_accuracy": None, "patience": None}
    assert gradient_stop(result(0.0, 0.0, 1.0), 99, 0, **off) is None


def test_perceptron_and_budget_stops() -> None:
    assert perceptron_stop(0, 6, cycling=True) == Stop(
        "converged", "converged: no misclassified samples in epoch 6"
    )
    cycling = perceptron_stop(2, 6, cycling=True)
    assert cycling is not None and cycling.reason == "not_separable" and not cycling.converged
    assert perceptron_stop(2, 6, cycling=False) is None
    assert budget_stop(30).message == "finished 30 epochs"
    assert "2 samples still misclassified" in budget_stop(30, 2).message


@pytest.mark.parametrize("name", ["circle", "xor-perceptron"])
def test_epoch_progress_is_public_and_resumes_exactly(name: str) -> None:
    preset = load_named(name)
    preset = dataclasses.replace(
        preset, train=dataclasses.replace(preset.train, shuffle=True, epochs=4, patience=None)
    )
    reference = Trainer(preset)
    reference.run()
    interrupted = Trainer(preset)
    for _ in range(interrupted.steps_per_epoch + 2):
        interrupted.step_batch()
    progress = interrupted.epoch_progress
    assert progress.position > 0 and progress.permutation is not None
    resumed = Trainer(preset)
    with torch.no_grad():
        for mine, theirs in zip(
            resumed.network.parameters(), interrupted.network.parameters(), strict=True
        ):
            mine.copy_(theirs)
    if interrupted.optimizer is not None and resumed.optimizer is not None:
        resumed.optimizer.load_state_dict(interrupted.optimizer.state_dict())
    resumed.generator.set_state(interrupted.generator.get_state())
    resumed.state = copy.deepcopy(interrupted.state)
    resumed.resume_epoch(progress)
    assert resumed.epoch_progress.errors == progress.errors
    resumed.run()
    assert resumed.state.epoch == reference.state.epoch
    for a, b in zip(reference.network.parameters(), resumed.network.parameters(), strict=True):
        assert torch.equal(a, b)


def test_targets_are_said_with_the_precision_they_were_given() -> None:
    from tui_nn.training.stop_rules import gradient_stop

    result = Evaluation(0.1, 0.05, 0.99, 0.98, 0)
    stop = gradient_stop(result, 5, 5, target_loss=None, target_accuracy=0.9751, patience=None)
    assert stop is not None and "97.51%" in stop.message  # not "98%"
    stop = gradient_stop(result, 5, 5, target_loss=0.0625, target_accuracy=None, patience=None)
    assert stop is not None and "0.0625" in stop.message
