"""`backprop_trainer`: backprop by hand for one training sample of a `Trainer`, at its weights
now, going on from its optimizer's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_nn.errors import TrainingError
from tui_nn.lesson.backprop import BackpropResult
from tui_nn.training.backprop.sample import backprop_sample

if TYPE_CHECKING:
    from tui_nn.training.trainer import Trainer

__all__ = ["backprop_trainer"]


def backprop_trainer(trainer: Trainer, sample: int, *, check: bool = False) -> BackpropResult:
    """`backprop_sample` for training sample `sample` (from 0) of the trainer, at its weights
    now, going on from its optimizer's state."""
    if trainer.is_perceptron:
        raise TrainingError(
            f'preset {trainer.preset.name!r} is a perceptron (kind = "perceptron"): it learns '
            "by the perceptron rule, without gradients; backprop needs an MLP"
        )
    if not 0 <= sample < trainer.n_train:
        raise TrainingError(
            f"sample {sample} is out of range: the training set has {trainer.n_train} samples "
            f"(0 to {trainer.n_train - 1})"
        )
    layers = trainer.preset.model.layers
    return backprop_sample(
        trainer.network,
        [layer.activation for layer in layers],
        trainer.head,
        trainer.x_train[sample],
        trainer.t_train[sample],
        trainer.preset.train,
        optimizer=trainer.optimizer,
        preset=trainer.preset.name,
        sample=sample,
        n_samples=trainer.n_train,
        epoch=trainer.state.epoch,
        step=trainer.state.step,
        check=check,
    )
