"""The steps, samples and loss since the last metrics event.

Reading a loss back from a GPU makes the CPU wait for it, so on a GPU the window sums the losses
on the device and reads the sum once per event (about ten times a second). On the CPU reading
costs nothing, so each step's loss is read at once and a loss that is not finite is caught on
its own step.
"""

from __future__ import annotations

import math
import time

import torch

__all__ = ["MetricsWindow"]


class MetricsWindow:
    def __init__(self, device: torch.device) -> None:
        self.read_each_step = device.type == "cpu"
        self.reset()

    def reset(self) -> None:
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
        if self.read_each_step:
            value = loss.item()
            if not math.isfinite(value):
                return value
            self.loss_sum += value
        else:
            self.loss_sum = self.loss_sum + loss
        self.losses += 1
        return None

    def mean_loss(self) -> float | None:
        """The mean loss of the window's steps (None without any); may be not finite."""
        if not self.losses:
            return None
        return float(self.loss_sum) / self.losses

    def drop_losses(self) -> None:
        """Forget the losses (after a failed step: they no longer describe the run)."""
        self.loss_sum, self.losses = 0.0, 0

    def samples_per_s(self, now: float) -> float:
        return self.samples / max(now - self.started, 1e-9)
