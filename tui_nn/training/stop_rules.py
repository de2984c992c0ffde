"""Stop rules: pure functions of the latest evaluation and the run's counters that return why to
stop (a `Stop`) or None.

Gradient descent watches the test set when there is one, else the training set: a target loss,
a target accuracy, patience (epochs without a better loss). The perceptron rule stops when an
epoch meets no misclassified sample, or when it cycles (only seen without shuffling). `tui-nn
code` copies these functions into its scripts: they may use only torch and `Evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tui_nn.training.evaluation import Evaluation

__all__ = [
    "BLOW_UP_FACTOR",
    "Stop",
    "blew_up",
    "budget_stop",
    "diverged",
    "frozen_stop",
    "gradient_stop",
    "perceptron_stop",
    "track_best",
    "watched",
    "weights_repeat",
]


@dataclass(frozen=True)
class Stop:
    reason: str  # converged, target_loss, target_accuracy, patience, not_separable, epochs, frozen
    message: str  # one line for the user
    converged: bool = True


def watched(result: Evaluation) -> tuple[str, float, float | None]:
    """The set the stop rules watch ("test" when there is one, else "train"), its loss and its
    accuracy (None for regression)."""
    if result.test_loss is not None:
        return "test", result.test_loss, result.test_acc
    return "train", result.train_loss, result.train_acc


def track_best(
    result: Evaluation, epoch: int, best_loss: float, best_epoch: int
) -> tuple[float, int]:
    """The lowest watched loss so far and the epoch it was reached (patience counts from it)."""
    _, loss, _ = watched(result)
    if loss < best_loss:
        return loss, epoch
    return best_loss, best_epoch


def gradient_stop(
    result: Evaluation,
    epoch: int,
    best_epoch: int,
    *,
    target_loss: float | None,
    target_accuracy: float | None,
    patience: int | None,
) -> Stop | None:
    """After an evaluation at an epoch's end: the first of the preset's stop rules that holds."""
    which, loss, accuracy = watched(result)
    if target_loss is not None and loss <= target_loss:
        return Stop("target_loss", f"reached the target {which} loss {target_loss:g}")
    if target_accuracy is not None and accuracy is not None and accuracy >= target_accuracy:
        return Stop(
            "target_accuracy", f"reached the target {which} accuracy {100 * target_accuracy:.6g}%"
        )
    if patience is not None and epoch - best_epoch >= patience:
        return Stop(
            "patience",
            f"stopped early: no better {which} loss for {patience} epochs "
            f"(best at epoch {best_epoch})",
            converged=False,
        )
    return None


def weights_repeat(unit: nn.Linear, seen: set[tuple[float, ...]]) -> bool:
    """At an epoch's start, without shuffling: whether the unit's weights are ones met at an
    earlier epoch's start (which it then adds to `seen`). The rule is deterministic then, so a
    repeat means it cycles for ever, which happens only when the data is not linearly separable."""
    key = tuple(torch.cat([unit.weight[0], unit.bias]).tolist())
    repeated = key in seen
    seen.add(key)
    return repeated


def perceptron_stop(epoch_errors: int, epoch: int, cycling: bool) -> Stop | None:
    """After a perceptron epoch that met `epoch_errors` misclassified samples."""
    if epoch_errors == 0:
        return Stop("converged", f"converged: no misclassified samples in epoch {epoch}")
    if cycling:
        return Stop(
            "not_separable",
            "did not converge: the perceptron rule cycles through the same weights, "
            "so the data is not linearly separable",
            converged=False,
        )
    return None


def budget_stop(epoch: int, still_wrong: int | None = None) -> Stop:
    """The epoch budget ran out (`still_wrong`: the perceptron's misclassified samples)."""
    if still_wrong is not None:
        return Stop(
            "epochs",
            f"did not converge within {epoch} epochs: {still_wrong} samples still misclassified",
            converged=False,
        )
    return Stop("epochs", f"finished {epoch} epochs", converged=False)


def diverged(loss: float, step: int, learning_rate: float) -> Stop:
    """The loss is not finite (too large a step overshot): the run cannot go on."""
    return Stop(
        "diverged",
        f"diverged at step {step}: the loss became {loss} (not finite); "
        f"try a smaller learning rate than {learning_rate:g}",
        converged=False,
    )


BLOW_UP_FACTOR = 100.0  # a training loss this many times its start (and over 1 above it) blew up


def blew_up(loss: float, start_loss: float, epoch: int, learning_rate: float) -> Stop | None:
    """The training loss at an evaluation is finite but far above the loss the run started
    from (its first step's): over `BLOW_UP_FACTOR` times it and more than 1 above it. Too large
    a step overshoots every time; the weights grow and the loss with them, long before it is
    NaN. A healthy run never climbs that far above where it began (the margin of 1 keeps a run
    that started near a loss of 0 from counting a small rise)."""
    if not (loss > BLOW_UP_FACTOR * start_loss and loss - start_loss > 1.0):
        return None
    times = f"{loss / start_loss:.3g} times" if start_loss > 0 else "far above"
    return Stop(
        "diverged",
        f"diverged by epoch {epoch}: the training loss {loss:.3g} is {times} its start "
        f"{start_loss:.3g}; try a smaller learning rate than {learning_rate:g}",
        converged=False,
    )


def frozen_stop(result: Evaluation) -> Stop:
    """Every layer is frozen: the network is evaluated as it is set, and that is the run."""
    accuracy = (
        f": {result.train_acc:.0%} of the training samples right"
        if result.train_acc is not None
        else " the loss shown"
    )
    return Stop(
        "frozen",
        "every layer is frozen (trainable = false), so there is nothing to train; "
        f"the network as set gets{accuracy}",
        converged=result.train_acc == 1.0,
    )
