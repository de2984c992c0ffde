"""A diagnosis in words: rules a reader can check over what a run recorded, returning at most one
`Diagnosis` (the first rule that holds, in the order of `diagnose`) or None.

The rules read the training loss of each epoch (`LossPoint`), the evaluations on the whole
training and test sets (`EvalLike`), the reason the run stopped, the preset's settings and,
where the lesson views are on, the latest per-layer statistics. Each threshold is a named
constant whose docstring says what it means (the README quotes them):

- diverging: a loss that is not finite, a stop as diverged, or a training loss that rose in
  each of the last `DIVERGE_RISING` epochs to `DIVERGE_FACTOR` times its lowest;
- not separable: the perceptron rule cycled (its stop), or `PERCEPTRON_EPOCHS` epochs went by
  without an epoch free of errors;
- stuck: after `STUCK_EPOCHS` epochs the training loss never fell `STUCK_DROP` below its first
  epoch's, with the likely cause (zero init, a tiny learning rate, dead ReLUs, saturation);
- overfitting: the test loss rose `OVERFIT_RISE` above its best while the training loss fell
  `OVERFIT_TRAIN_DROP` below its value there (the epoch to stop at, and a patience);
- learning rate too high: in the last `OSC_WINDOW` evaluations the training loss jumped up by
  `OSC_JUMP` or more at least `OSC_JUMPS` times.

Pure Python: no torch, no textual.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from tui_nn.spec import Preset

__all__ = [
    "DEAD_GRAD",
    "DIVERGE_FACTOR",
    "DIVERGE_RISING",
    "OSC_JUMP",
    "OSC_JUMPS",
    "OSC_WINDOW",
    "OVERFIT_RISE",
    "OVERFIT_TRAIN_DROP",
    "PERCEPTRON_EPOCHS",
    "SATURATED_WEIGHT",
    "SMALL_LR",
    "STUCK_DROP",
    "STUCK_EPOCHS",
    "Diagnosis",
    "EvalLike",
    "LossPoint",
    "diagnose",
    "diverging",
    "not_separable",
    "oscillating",
    "overfitting",
    "stuck",
]

Kind = Literal["diverging", "not_separable", "stuck", "overfitting", "oscillating"]
LayerInfo = Mapping[str, object]  # the protocol's LayerStats: activation, max_abs, grad_norm

DIVERGE_FACTOR = 10.0
"""Diverging: the latest training loss is at least this many times the run's lowest so far..."""
DIVERGE_RISING = 3
"""...and it rose in each of the last this many epochs (a blow-up, not one noisy epoch)."""

PERCEPTRON_EPOCHS = 20
"""Not separable: this many perceptron epochs, none without a misclassified sample (with
shuffling the rule cannot see itself cycle, so the count stands in for it)."""

STUCK_EPOCHS = 20
"""Stuck: judged only after this many epochs..."""
STUCK_DROP = 0.01
"""...when the training loss never fell this share (1%) below its first epoch's loss."""
SMALL_LR = 1e-4
"""Stuck because of the step size: a learning rate below this moves the weights too little."""
SATURATED_WEIGHT = 5.0
"""Stuck because of saturation: a sigmoid or tanh layer with a weight this large (|w|) sits on
the flat tails of its S-curve, where the slope, and so the gradient, is about 0."""
DEAD_GRAD = 1e-6
"""Stuck because of dead ReLUs: a ReLU layer whose gradient norm is below this gets no signal."""

OVERFIT_RISE = 0.5
"""Overfitting: the latest test loss is at least this share (50%) above its best (a long run's
test loss wanders a little near its best: spiral's ends about 25% above it)..."""
OVERFIT_TRAIN_DROP = 0.1
"""...while the training loss is at least this share (10%) below its value at the best."""

OSC_WINDOW = 8
"""Learning rate too high: the last this many evaluations of the training loss..."""
OSC_JUMP = 0.3
"""...in which the loss rose by at least this share (30%) of the value before it..."""
OSC_JUMPS = 3
"""...at least this many times: each step overshoots the minimum, back and forth."""


class LossPoint(Protocol):
    """An epoch's training loss (the protocol's `EpochLoss`)."""

    @property
    def epoch(self) -> int: ...
    @property
    def train_loss(self) -> float: ...


class EvalLike(LossPoint, Protocol):
    """An evaluation on the whole sets (the protocol's `EvalPoint`; for the perceptron rule the
    training loss is the epoch's count of misclassified samples)."""

    @property
    def test_loss(self) -> float | None: ...


@dataclass(frozen=True)
class Diagnosis:
    kind: Kind
    message: str  # one line for a learner, with the numbers that triggered it
    stop_epoch: int | None = None  # overfitting: the epoch with the best test loss
    patience: int | None = None  # overfitting: a patience that would have stopped near it


def diagnose(
    epochs: Sequence[LossPoint],
    evals: Sequence[EvalLike],
    preset: Preset,
    *,
    stop_reason: str | None = None,
    learning_rate: float | None = None,
    layers: Sequence[LayerInfo] = (),
) -> Diagnosis | None:
    """The first rule that holds, most urgent first (points in epoch order; `learning_rate`: the
    run's, when it was changed since the preset)."""
    lr = preset.train.learning_rate if learning_rate is None else learning_rate
    return (
        diverging(epochs, evals, stop_reason, lr)
        or not_separable(evals, preset, stop_reason)
        or stuck(epochs, preset, lr, layers)
        or overfitting(evals)
        or oscillating(evals, lr)
    )


def diverging(
    epochs: Sequence[LossPoint], evals: Sequence[EvalLike], stop_reason: str | None, lr: float
) -> Diagnosis | None:
    advice = f"lower the learning rate {lr:g}, e.g. to {lr / 10:g}"
    bad = [p for p in [*epochs, *evals] if not math.isfinite(p.train_loss)]
    if bad or stop_reason == "diverged":
        where = f" at epoch {bad[0].epoch}" if bad else ""
        return Diagnosis("diverging", f"diverging: the loss blew up{where}; {advice}")
    losses = [p.train_loss for p in epochs]
    if len(losses) <= DIVERGE_RISING:
        return None
    tail = losses[-DIVERGE_RISING - 1 :]
    lowest = min(losses)
    rising = all(b > a for a, b in zip(tail, tail[1:], strict=False))
    if rising and lowest > 0 and losses[-1] >= DIVERGE_FACTOR * lowest:
        return Diagnosis(
            "diverging",
            f"diverging: loss {lowest:.3g} -> {losses[-1]:.3g}, NaN soon; {advice}",
        )
    return None


def not_separable(
    evals: Sequence[EvalLike], preset: Preset, stop_reason: str | None
) -> Diagnosis | None:
    if preset.model.kind != "perceptron":
        return None
    if stop_reason == "not_separable":
        return Diagnosis(
            "not_separable",
            "not linearly separable: the perceptron rule cycles; add a hidden layer (an MLP)",
        )
    if stop_reason in (None, "epochs") and evals and evals[-1].epoch >= PERCEPTRON_EPOCHS:
        if all(p.train_loss > 0 for p in evals):
            fewest = min(p.train_loss for p in evals)
            return Diagnosis(
                "not_separable",
                f"likely not linearly separable: {evals[-1].epoch} epochs, never under "
                f"{fewest:g} errors; add a hidden layer",
            )
    return None


def stuck(
    epochs: Sequence[LossPoint], preset: Preset, lr: float, layers: Sequence[LayerInfo] = ()
) -> Diagnosis | None:
    if preset.model.kind == "perceptron" or not epochs or epochs[-1].epoch < STUCK_EPOCHS:
        return None
    first = epochs[0].train_loss
    lowest = min(p.train_loss for p in epochs)
    if not (first > 0 and lowest >= first * (1 - STUCK_DROP)):
        return None
    head = f"stuck: {epochs[-1].epoch} epochs, loss >= {first:.3g}"
    return Diagnosis("stuck", f"{head}: {_stuck_cause(epochs, preset, lr, layers)}")


def _stuck_cause(
    epochs: Sequence[LossPoint], preset: Preset, lr: float, layers: Sequence[LayerInfo]
) -> str:
    model = preset.model
    hidden = [layer for layer in model.layers[:-1] if layer.trainable and layer.weights is None]
    if model.init == "zeros" and any(layer.units > 1 for layer in hidden):
        return "zero init cannot break symmetry; use init default"
    if lr < SMALL_LR:
        return f"learning rate {lr:g} too small; try 0.01"
    for index, stats in enumerate(layers):
        grad = stats.get("grad_norm")
        if stats.get("activation") == "relu" and isinstance(grad, float) and grad < DEAD_GRAD:
            return f"dead ReLUs in layer {index + 1} (no gradient)"
        largest = stats.get("max_abs")
        squashing = stats.get("activation") in ("sigmoid", "tanh")
        if squashing and isinstance(largest, float) and largest >= SATURATED_WEIGHT:
            return f"saturated {stats.get('activation')} (|w| {largest:.3g}); lower lr {lr:g}"
    if epochs[-1].train_loss > epochs[0].train_loss * (1 + STUCK_DROP):
        return f"jumped to {epochs[-1].train_loss:.3g}: saturated; lower lr {lr:g}"
    return "check learning rate, init and activations"


def overfitting(evals: Sequence[EvalLike]) -> Diagnosis | None:
    tested = [p for p in evals if p.test_loss is not None and math.isfinite(p.test_loss)]
    if len(tested) < 3:
        return None
    best = min(tested, key=lambda p: p.test_loss or 0.0)
    last = tested[-1]
    best_test, last_test = best.test_loss or 0.0, last.test_loss or 0.0
    rose = last_test >= best_test * (1 + OVERFIT_RISE) and last_test > best_test
    fell = last.train_loss <= best.train_loss * (1 - OVERFIT_TRAIN_DROP)
    if not (rose and fell):
        return None
    crossed = next(
        p.epoch
        for p in tested
        if p.epoch > best.epoch and (p.test_loss or 0.0) >= best_test * (1 + OVERFIT_RISE)
    )
    patience = max(1, crossed - best.epoch)
    return Diagnosis(
        "overfitting",
        f"overfitting: test {best_test:.3g} -> {last_test:.3g}, train {best.train_loss:.2g} -> "
        f"{last.train_loss:.2g}; stop at epoch {best.epoch}, patience {patience}",
        stop_epoch=best.epoch,
        patience=patience,
    )


def oscillating(evals: Sequence[EvalLike], lr: float) -> Diagnosis | None:
    losses = [p.train_loss for p in evals[-OSC_WINDOW:]]
    if len(losses) < OSC_WINDOW:
        return None
    jumps = sum(
        1 for a, b in zip(losses, losses[1:], strict=False) if a > 0 and b >= a * (1 + OSC_JUMP)
    )
    if jumps < OSC_JUMPS:
        return None
    return Diagnosis(
        "oscillating",
        f"learning rate {lr:g} too high: loss jumped up {jumps} times in {OSC_WINDOW} "
        f"evaluations; try {lr / 3:.2g}",
    )
