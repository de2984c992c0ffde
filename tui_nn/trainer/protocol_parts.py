"""The parts that the protocol's messages (`tui_nn.trainer.protocol`, which re-exports them) are
made of: frozen dataclasses, checked field by field on arrival like the messages themselves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # "cpu", "cuda:0", "mps"
    description: str
    memory_bytes: int | None


@dataclass(frozen=True)
class StopMark:
    """Where a stop rule fired (drawn on the plots)."""

    epoch: int
    step: int
    reason: str


@dataclass(frozen=True)
class VariantState:
    """Where one network of a comparison stands (`State.variants`, in the order of
    `Loaded.variants`)."""

    status: str  # a `protocol.Status`
    epoch: int
    step: int
    message: str = ""


@dataclass(frozen=True)
class EvalPoint:
    """One evaluation on the whole training (and test) set, at an epoch's end."""

    epoch: int
    step: int
    train_loss: float
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None


@dataclass(frozen=True)
class LayerWeights:
    """Hand-set weights of one layer: rows of the weight matrix, and the biases (None: keep)."""

    weights: list[list[float]] | None = None
    bias: list[float] | None = None


@dataclass(frozen=True)
class EpochLoss:
    """The mean training loss of the steps of one epoch (with an epoch of one step: of that
    step), read from the device in batches. Beyond `DENSE_EPOCHS` a point stands for several
    epochs: see `tui_nn.training.metrics_window`."""

    epoch: int  # the epoch it ends (1: the first)
    step: int
    train_loss: float


@dataclass(frozen=True)
class GpuStats:
    """The GPU a run uses, as NVML reports it (None: not reported)."""

    name: str
    memory_used_bytes: int | None
    memory_total_bytes: int | None
    utilization_percent: float | None
    temperature_c: float | None
