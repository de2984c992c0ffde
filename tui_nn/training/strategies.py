"""The two ways the trainer learns, as two small strategies with the same methods.

`GradientDescent` takes one optimizer step per batch (`gradient_step`); `PerceptronRule` applies
the perceptron rule to one sample per step (`perceptron_update`) and counts the misclassified
samples of the epoch, which are its cost. The trainer drives either one the same way: `step`,
`end_epoch`, then `cost` and `stop_rule` on an evaluation, `budget_stop` when the epochs run out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn

from tui_nn.errors import TrainingError
from tui_nn.model import TaskHead
from tui_nn.spec import TrainSpec
from tui_nn.training.batch_order import BatchOrder
from tui_nn.training.eval_schedule import evaluation_interval
from tui_nn.training.evaluation import Evaluation, perceptron_costs
from tui_nn.training.steps import gradient_step, perceptron_update
from tui_nn.training.stop_rules import (
    Stop,
    budget_stop,
    gradient_stop,
    perceptron_stop,
    track_best,
    weights_repeat,
)

if TYPE_CHECKING:
    from tui_nn.training.run_state import RunState
    from tui_nn.training.trainer import Trainer

__all__ = [
    "EpochProgress",
    "GradientDescent",
    "PerceptronRule",
    "check_gradient_flows",
    "learning_rule",
    "make_optimizer",
]


@dataclass(frozen=True)
class EpochProgress:
    """Where the current epoch stands, which a checkpoint keeps to resume mid-epoch: its order of
    samples (None before its first batch), how many were taken, and the misclassified samples
    met so far (the perceptron rule's count; 0 for gradient descent)."""

    permutation: torch.Tensor | None
    position: int
    errors: int = 0


def make_optimizer(network: nn.Module, train: TrainSpec) -> torch.optim.Optimizer | None:
    """The preset's optimizer over the trainable parameters; None when every layer is frozen
    (a hand-wired network, evaluated as it is)."""
    params = [p for p in network.parameters() if p.requires_grad]
    if not params:
        return None
    if train.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=train.learning_rate, momentum=train.momentum, weight_decay=train.weight_decay
        )
    if train.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=train.learning_rate, weight_decay=train.weight_decay)
    return torch.optim.Adam(params, lr=train.learning_rate, weight_decay=train.weight_decay)


def check_gradient_flows(train_net: nn.Module) -> None:
    """Step and sign have no gradient: gradient descent cannot train a layer before one."""
    trainable_seen = False
    for index, module in enumerate(train_net.children()):
        if any(p.requires_grad for p in module.parameters()):
            trainable_seen = True
        name = type(module).__name__
        if trainable_seen and name in ("Step", "Sign"):
            raise TrainingError(
                f"model.layers[{index // 2}] uses {name.lower()}, which has no gradient, so "
                "gradient descent cannot train the layers before it: use a smooth activation "
                "(sigmoid, tanh, relu), the perceptron loss for a step/sign output, or "
                "trainable = false on those layers"
            )


class GradientDescent:
    """Mini-batch gradient descent: one optimizer step per batch, in a seeded shuffled order.
    Without an optimizer (every layer frozen) there is nothing to step: `can_train` is False."""

    def __init__(
        self,
        head: TaskHead,
        x: torch.Tensor,
        t: torch.Tensor,
        order: BatchOrder,
        new_optimizer: Callable[[], torch.optim.Optimizer | None],
        *,
        evaluate_every: int,
    ) -> None:
        self.head, self.x, self.t, self.order = head, x, t, order
        self.new_optimizer = new_optimizer
        self.optimizer = new_optimizer()
        if self.optimizer is not None:
            check_gradient_flows(head.train_net)
        self.evaluate_every = evaluate_every  # epochs: see `tui_nn.training.eval_schedule`

    @property
    def can_train(self) -> bool:
        return self.optimizer is not None

    def step(self) -> tuple[int, torch.Tensor]:
        """One step of gradient descent on the next batch: (its sample count, its loss)."""
        optimizer = self.optimizer
        assert optimizer is not None, "a frozen network has nothing to step"
        batch = self.order.next_batch()
        x, t = (self.x, self.t) if batch is None else (self.x[batch], self.t[batch])
        return len(x), gradient_step(self.head.train_net, self.head.loss_fn, optimizer, x, t)

    def end_epoch(self) -> None:
        self.order.next_epoch()

    def cost(self, result: Evaluation) -> Evaluation:
        return result  # the loss itself

    def stop_rule(self, result: Evaluation, state: RunState, train: TrainSpec) -> Stop | None:
        state.best_loss, state.best_epoch = track_best(
            result, state.epoch, state.best_loss, state.best_epoch
        )
        return gradient_stop(
            result,
            state.epoch,
            state.best_epoch,
            target_loss=train.target_loss,
            target_accuracy=train.target_accuracy,
            patience=train.patience,
        )

    def budget_stop(self, state: RunState) -> Stop:
        return budget_stop(state.epoch)

    def set_learning_rate(self, lr: float) -> None:
        if self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = lr

    def weights_changed(self) -> None:
        if self.optimizer is not None:
            self.optimizer = self.new_optimizer()  # moments of the old weights no longer apply

    def progress(self) -> EpochProgress:
        return EpochProgress(self.order.permutation, self.order.position)

    def resume(self, progress: EpochProgress) -> None:
        if progress.permutation is not None:
            self.order.resume(progress.permutation, progress.position)


class PerceptronRule:
    """The perceptron rule on one linear unit, one sample per step (t in -1/1). An epoch's cost
    is the misclassified samples it met; none means converged. Without shuffling the rule is
    deterministic, so weights met at an earlier epoch's start mean it cycles (not separable)."""

    can_train = True
    optimizer: torch.optim.Optimizer | None = None
    evaluate_every = 1  # epochs: every epoch's end is a verdict

    def __init__(
        self,
        unit: nn.Linear,
        x: torch.Tensor,
        t: torch.Tensor,
        order: BatchOrder,
        *,
        eta: float,
        strict: bool,
        n_test: int,
    ) -> None:
        self.unit, self.x, self.t, self.order = unit, x, t, order
        self.eta, self.strict, self.n_test = eta, strict, n_test
        self.epoch_errors = 0  # misclassified samples met so far in this epoch
        self.last_epoch_errors: int | None = None  # those of the last epoch that ended
        self.seen: set[tuple[float, ...]] = set()  # the weights at each epoch's start
        self.cycling = False

    def step(self) -> tuple[int, None]:
        """The rule on the next sample: (1 sample, no loss)."""
        if self.order.position == 0 and not self.order.shuffle:
            self.cycling = weights_repeat(self.unit, self.seen) or self.cycling
        index = self.order.next_index()
        x, t = self.x[index], float(self.t[index])  # t is -1 or 1
        if perceptron_update(self.unit.weight[0], self.unit.bias[0], x, t, self.eta, self.strict):
            self.epoch_errors += 1
        return 1, None

    def end_epoch(self) -> None:
        self.order.next_epoch()
        self.last_epoch_errors, self.epoch_errors = self.epoch_errors, 0

    def cost(self, result: Evaluation) -> Evaluation:
        """The errors met in the last epoch (before any epoch ended: the samples wrong now)."""
        errors = self.last_epoch_errors
        if errors is None:
            errors = result.train_errors if result.train_errors is not None else 0
        return perceptron_costs(result, errors, self.n_test)

    def stop_rule(self, result: Evaluation, state: RunState, train: TrainSpec) -> Stop | None:
        return perceptron_stop(int(result.train_loss), state.epoch, self.cycling)

    def budget_stop(self, state: RunState) -> Stop:
        still_wrong = state.last_eval.train_errors if state.last_eval is not None else None
        return budget_stop(state.epoch, still_wrong if still_wrong is not None else 0)

    def set_learning_rate(self, lr: float) -> None:
        self.eta = lr

    def weights_changed(self) -> None:
        self.seen.clear()  # hand-set weights start a new sequence
        self.cycling = False

    def progress(self) -> EpochProgress:
        return EpochProgress(self.order.permutation, self.order.position, self.epoch_errors)

    def resume(self, progress: EpochProgress) -> None:
        if progress.permutation is not None:
            self.order.resume(progress.permutation, progress.position)
        self.epoch_errors = progress.errors


def learning_rule(trainer: Trainer) -> GradientDescent | PerceptronRule:
    """The rule the trainer's preset asks for, on its network and training data."""
    train = trainer.preset.train
    if trainer.is_perceptron:
        # One sample at a time; the order stays on the CPU, where the rule reads its indices.
        order = BatchOrder(
            trainer.n_train,
            1,
            shuffle=train.shuffle,
            generator=trainer.generator,
            device=torch.device("cpu"),
        )
        unit = trainer.network[0]
        assert isinstance(unit, nn.Linear)  # a perceptron is one linear unit and its threshold
        return PerceptronRule(
            unit,
            trainer.x_train,
            trainer.t_train,
            order,
            eta=train.learning_rate,
            strict=trainer.head.strict,
            n_test=len(trainer.x_test),
        )
    order = BatchOrder(
        trainer.n_train,
        train.batch_size,
        shuffle=train.shuffle,
        generator=trainer.generator,
        device=trainer.device,
    )
    every = evaluation_interval(trainer.n_train, len(trainer.x_test), order.steps_per_epoch)
    return GradientDescent(
        trainer.head,
        trainer.x_train,
        trainer.t_train,
        order,
        trainer.make_optimizer,
        evaluate_every=every,
    )
