"""Evaluation: loss and accuracy on the whole training and test sets, without autograd.

`tui-nn code` copies `Evaluation`, `evaluate` and `perceptron_costs` into its scripts: they may
use only torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["Evaluation", "evaluate", "perceptron_costs"]


@dataclass
class Evaluation:
    train_loss: float
    test_loss: float | None  # None without a test set
    train_acc: float | None  # None for regression
    test_acc: float | None
    train_errors: int | None  # misclassified training samples (classification)


@torch.no_grad()
def evaluate(
    train_net: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    predict: Callable[[torch.Tensor], torch.Tensor] | None,
    train: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
) -> Evaluation:
    """The loss and accuracy of the network on `train` and `test`, each (inputs, targets as the
    loss sees them, class labels); `predict` turns outputs into classes (None: regression)."""
    train_net.eval()
    x, t, y = train
    out = train_net(x)
    train_loss = float(loss_fn(out, t))
    train_acc = errors = None
    if predict is not None:
        errors = int((predict(out) != y).sum())
        train_acc = 1.0 - errors / max(1, len(x))
    test_loss = test_acc = None
    x, t, y = test
    if len(x):
        out = train_net(x)
        test_loss = float(loss_fn(out, t))
        if predict is not None:
            test_acc = float((predict(out) == y).float().mean())
    train_net.train()
    return Evaluation(train_loss, test_loss, train_acc, test_acc, errors)


def perceptron_costs(result: Evaluation, epoch_errors: int, n_test: int) -> Evaluation:
    """The perceptron rule's cost instead of a loss: the misclassified samples met during the
    epoch (train) and the misclassified test samples."""
    test_loss = result.test_loss
    if result.test_acc is not None:
        test_loss = float(round((1 - result.test_acc) * n_test))
    return Evaluation(
        float(epoch_errors), test_loss, result.train_acc, result.test_acc, result.train_errors
    )
