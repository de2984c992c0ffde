"""The steps, samples and loss since the last metrics event, and the training loss of each epoch
since then (the run's history at the resolution of training).

Reading a loss back from a GPU makes the CPU wait for it, so on a GPU the window sums the losses
on the device and reads them once per event (about ten times a second): the window's sum and the
epochs' means in one read-back. On the CPU reading costs nothing, so each step's loss is read at
once and a loss that is not finite is caught on its own step.

Epochs are recorded one by one up to `DENSE_EPOCHS`; beyond, a point stands for the mean of
`epoch_stride(epoch)` epochs (2 up to twice `DENSE_EPOCHS`, 4 up to four times, ...), so that a
run keeps at most `DENSE_EPOCHS / 2` points per doubling of its length: a run of a million epochs
has about 43,000, in memory and in metrics.jsonl.
"""

from __future__ import annotations

import math
import time

import torch

from tui_nn.trainer.protocol import EpochLoss

__all__ = ["DENSE_EPOCHS", "MetricsWindow", "epoch_stride"]

DENSE_EPOCHS = 10_000


def epoch_stride(epoch: int) -> int:
    """How many epochs the point that ends at `epoch` stands for (1 up to `DENSE_EPOCHS`)."""
    if epoch <= DENSE_EPOCHS:
        return 1
    return 1 << math.ceil(math.log2(epoch / DENSE_EPOCHS))


class MetricsWindow:
    def __init__(self, device: torch.device) -> None:
        self.read_each_step = device.type == "cpu"
        self._epochs: list[tuple[int, int, float | torch.Tensor]] = []  # not yet taken
        self._epoch_sum: float | torch.Tensor = 0.0  # the steps of the epoch in progress
        self._epoch_losses = 0
        self._point_sum: float | torch.Tensor = 0.0  # the epochs since the last point
        self._point_losses = 0
        # The mean loss of the last epoch that ended, where it is on the host (CPU runs).
        self.last_epoch_loss: float | None = None
        self.reset()

    def reset(self) -> None:
        """A new window (after an event); the epoch in progress goes on."""
        self.loss_sum: float | torch.Tensor = 0.0  # on the device when not read each step
        self.losses = 0  # steps whose loss is in loss_sum
        self.steps = 0
        self.samples = 0
        self.started = time.perf_counter()

    def add(self, samples: int, loss: torch.Tensor | None = None) -> float | None:
        """Count one step over `samples` samples, and its loss (the perceptron rule has none).
        Returns the loss when it is known at once not to be finite, else None."""
        self.steps += 1
        self.samples += samples
        if loss is None:
            return None
        value: float | torch.Tensor
        if self.read_each_step:
            value = loss.item()
            if not math.isfinite(value):
                return value
        else:
            value = loss.detach()
        self.loss_sum = self.loss_sum + value
        self.losses += 1
        self._epoch_sum = self._epoch_sum + value
        self._epoch_losses += 1
        return None

    def end_epoch(self, epoch: int, step: int) -> None:
        """`epoch` has ended at `step`: its mean loss is a point of the history (beyond
        `DENSE_EPOCHS`, the mean of `epoch_stride(epoch)` epochs, once every so many)."""
        mean = self._epoch_sum / self._epoch_losses if self._epoch_losses else None
        self.last_epoch_loss = mean if isinstance(mean, float) else None
        self._point_sum = self._point_sum + self._epoch_sum
        self._point_losses += self._epoch_losses
        self._epoch_sum, self._epoch_losses = 0.0, 0
        if epoch % epoch_stride(epoch) or not self._point_losses:
            return
        self._epochs.append((epoch, step, self._point_sum / self._point_losses))
        self._point_sum, self._point_losses = 0.0, 0

    def take_epochs(self) -> list[EpochLoss]:
        """The epochs' points since the last call (one read-back from a GPU); points that are
        not finite are left out (the run has diverged)."""
        pending, self._epochs = self._epochs, []
        if not pending:
            return []
        values = [value for _, _, value in pending]
        if any(isinstance(value, torch.Tensor) for value in values):
            read = torch.stack([torch.as_tensor(value) for value in values]).tolist()
        else:
            read = [float(value) for value in values]
        return [
            EpochLoss(epoch, step, loss)
            for (epoch, step, _), loss in zip(pending, read, strict=True)
            if math.isfinite(loss)
        ]

    def mean_loss(self) -> float | None:
        """The mean loss of the window's steps (None without any); may be not finite."""
        if not self.losses:
            return None
        return float(self.loss_sum) / self.losses

    def drop_losses(self) -> None:
        """Forget the losses (after a failed step: they no longer describe the run)."""
        self.loss_sum, self.losses = 0.0, 0
        self._epoch_sum, self._epoch_losses = 0.0, 0
        self._point_sum, self._point_losses = 0.0, 0

    def samples_per_s(self, now: float) -> float:
        return self.samples / max(now - self.started, 1e-9)
