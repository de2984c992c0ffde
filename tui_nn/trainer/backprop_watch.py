"""The trainer's side of the Backprop view: which training sample is watched, when its `Backprop`
is sent, and the one-sample step (`WatchBackprop`, `BackpropStep` of `tui_nn.trainer.protocol`).

Nothing is computed while no sample is watched: a hidden view costs the trainer nothing. While
one is watched, `send` follows every change of the weights (the server calls it where it sends a
snapshot: after Loaded, Reset, SetWeights and a run) and `due` lets it follow training at most
twice a second, as the lesson snapshots do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_nn.errors import TuiNnError
from tui_nn.trainer import protocol

if TYPE_CHECKING:
    from tui_nn.training import Trainer

BACKPROP_INTERVAL_S = 0.5  # while training, at most twice a second


class BackpropWatch:
    """See the module docstring; `send_event` writes one event to the app."""

    def __init__(self, send_event: Callable[[protocol.Event], None]) -> None:
        self._send_event = send_event
        self.sample: int | None = None  # the watched training sample; None: nothing is sent
        self.check = False  # with the gradient check
        self._next = 0.0

    def watch(self, sample: int | None, trainer: Trainer | None, check: bool = False) -> None:
        """Watch `sample` (None: stop), and send its `Backprop` at once."""
        self.sample, self.check = sample, check
        self.send(trainer)

    def due(self) -> bool:
        """While training: whether a watched sample's `Backprop` is due again."""
        return self.sample is not None and time.monotonic() >= self._next

    def send(self, trainer: Trainer | None) -> None:
        """The watched sample's `Backprop` at the trainer's weights now (nothing if unwatched)."""
        sample = self.sample
        if sample is None or trainer is None:
            return
        from tui_nn.training.backprop import backprop_trainer

        self._next = time.monotonic() + BACKPROP_INTERVAL_S
        state = trainer.state
        try:
            result = backprop_trainer(trainer, sample, check=self.check)
        except TuiNnError as error:
            self._send_event(protocol.Backprop(state.epoch, state.step, None, str(error)))
            return
        self._send_event(protocol.Backprop(state.epoch, state.step, result))

    def step(self, trainer: Trainer, sample: int) -> None:
        """One step of the trainer's own optimizer on training sample `sample` alone, counted
        as one of the engine's steps; the caller then sends `State` and `send`s."""
        step_on_sample(trainer, sample)
        self.sample = sample


def step_on_sample(trainer: Trainer, sample: int) -> None:
    """The lecture's W <- W - eta dW for one sample (x, t): `gradient_step` with the trainer's
    optimizer on that sample alone, counted in the trainer's steps and samples."""
    from tui_nn.errors import TrainingError
    from tui_nn.training.steps import gradient_step

    optimizer = trainer.optimizer
    if trainer.is_perceptron or optimizer is None:
        reason = "a perceptron learns by its rule" if trainer.is_perceptron else "all frozen"
        raise TrainingError(f"no gradient step to take on a sample: {reason}")
    if not 0 <= sample < trainer.n_train:
        raise TrainingError(
            f"sample {sample} is out of range: the training set has {trainer.n_train} samples"
        )
    x, t = trainer.x_train[sample : sample + 1], trainer.t_train[sample : sample + 1]
    gradient_step(trainer.head.train_net, trainer.head.loss_fn, optimizer, x, t)
    trainer.state.step += 1
    trainer.state.samples += 1
