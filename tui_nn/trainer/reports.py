"""The events that describe a trainer, made of its state: `Loaded` (once a preset is built),
`State` (after every command), and `DeviceStats` (about once a second, by `StatsTicker`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_nn.trainer import protocol
from tui_nn.trainer.device_stats import DeviceStatsSampler

if TYPE_CHECKING:  # imports torch, which loads once the trainer is up
    from tui_nn.training import Trainer

__all__ = ["STATS_INTERVAL_S", "StatsTicker", "loaded_event", "rate_and_time_left", "state_event"]


def loaded_event(
    trainer: Trainer, *, name: str, compared: str = "", variants: list[str] | None = None
) -> protocol.Loaded:
    """What the app shows of a loaded preset `name` (the sizes are its lead network's)."""
    from tui_nn.model import model_parameter_count
    from tui_nn.snapshot import data_overview

    preset, data = trainer.preset, trainer.dataset
    return protocol.Loaded(
        preset=name,
        device=str(trainer.device),
        n_features=data.n_features,
        n_classes=data.n_classes,
        input_names=data.input_names[:16],
        task=data.task,
        n_train=trainer.n_train,
        n_test=len(trainer.x_test),
        parameters=model_parameter_count(preset.model, data.n_features),
        steps_per_epoch=trainer.steps_per_epoch,
        overview=data_overview(trainer),
        data_note=data.note or "",
        compared=compared,
        variants=list(variants or []),
    )


def state_event(
    trainer: Trainer | None,
    status: protocol.Status | None,
    pace: float | None,
    others: list[Trainer] | None = None,
) -> protocol.State:
    """The state of `trainer`, and of a comparison's `others` beside it: the comparison is
    "done" once they all are, "paused" while any can train on."""
    if trainer is None:
        return protocol.State("idle", pace=pace)
    state = trainer.state
    networks = [trainer, *(others or [])]
    variants = (
        [
            protocol.VariantState(t.state.status, t.state.epoch, t.state.step, t.state.message)
            for t in networks
        ]
        if others
        else []
    )
    if status is None and others:
        if not all(t.finished for t in networks):
            status = "paused" if trainer.finished else None
        elif any(t.state.status == "done" for t in networks):
            status = "done"
    return protocol.State(
        status=status or ("idle" if state.status == "ready" else state.status),
        epoch=state.epoch,
        step=state.step,
        message=state.message,
        lr=trainer.learning_rate,
        stops=list(state.stops),
        pace=pace,
        variants=variants,
    )


def rate_and_time_left(trainer: Trainer) -> tuple[float | None, float | None]:
    """Samples a second of the run so far, and the time left to its epoch budget at that rate
    (both None unless it is training)."""
    state = trainer.state
    if state.status != "running" or state.elapsed_s <= 0 or not state.samples:
        return None, None
    rate = state.samples / state.elapsed_s
    epochs_left = max(0, trainer.preset.train.epochs - state.epoch)
    return rate, epochs_left * trainer.n_train / rate


STATS_INTERVAL_S = 1.0


class StatsTicker:
    """`DeviceStats` about once a second (`due` says when to look again), from one sampler per
    device (NVML opens once per device, not per preset)."""

    def __init__(self, send: Callable[[protocol.Event], None]) -> None:
        self.send = send
        self._sampler: DeviceStatsSampler | None = None
        self._next = 0.0

    def use_device(self, device: str) -> None:
        if self._sampler is None or self._sampler.device != device:
            self.close()
            self._sampler = DeviceStatsSampler(device)

    def due(self, trainer: Trainer | None, attached: bool) -> float:
        """Send the stats when a second has passed (with an app attached); the seconds to the
        next."""
        now = time.monotonic()
        if now < self._next:
            return self._next - now
        self._next = now + STATS_INTERVAL_S
        if attached and self._sampler is not None and trainer is not None:
            rate, eta = rate_and_time_left(trainer)
            self.send(self._sampler.sample(samples_per_s=rate, eta_s=eta))
        return STATS_INTERVAL_S

    def close(self) -> None:
        if self._sampler is not None:
            self._sampler.close()
            self._sampler = None
