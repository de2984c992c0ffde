"""When to evaluate: a schedule by cost that stays the same from run to run.

A full evaluation is a forward pass over the training and the test set; an epoch is a forward and
a backward pass over the training set, in `steps_per_epoch` calls. Both are counted in samples'
forward passes, a call costing as much as `CALL_SAMPLES` samples (what small networks measure on
a CPU: `benchmarks/eval_cost.py` prints the measured share next to this one). The trainer then
evaluates every epoch where that costs at most `EVAL_SHARE` of the training time, and every few
epochs where it would cost more, so that evaluations stay near that share. The schedule depends
on the sizes only, never on a clock: the same seed stops at the same epoch with the same figures.

`tui-nn code` copies `evaluation_interval` and `train_target_met` into its scripts: they may use
only the standard library.
"""

from __future__ import annotations

import math

__all__ = ["CALL_SAMPLES", "EVAL_SHARE", "evaluation_interval", "train_target_met"]

EVAL_SHARE = 0.1
CALL_SAMPLES = 450


def evaluation_interval(n_train: int, n_test: int, steps_per_epoch: int) -> int:
    """Evaluate every this many epochs: 1 where an evaluation costs at most `EVAL_SHARE` of an
    epoch's training, else the fewest epochs whose training it costs that share of."""
    evaluation = n_train + n_test + (2 if n_test else 1) * CALL_SAMPLES
    epoch = 3 * (n_train + steps_per_epoch * CALL_SAMPLES)  # forward and backward
    return max(1, math.ceil(evaluation / (EVAL_SHARE * epoch) - 1e-9))


def train_target_met(epoch_loss: float, target_loss: float | None, n_test: int) -> bool:
    """Whether an epoch's training loss says that the target may be met, so that the trainer
    evaluates at once, at that epoch, instead of at the next scheduled evaluation (only where the
    stop rules watch the training set: with no test set)."""
    return target_loss is not None and n_test == 0 and epoch_loss <= target_loss
