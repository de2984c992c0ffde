"""Which devices exist here, and turning a preset's device string into a torch.device."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import torch

from tui_nn.errors import DeviceError

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # what a preset or --device takes: "cpu", "cuda:0", "mps"
    description: str  # e.g. "NVIDIA H100 80GB HBM3"
    memory_bytes: int | None  # total memory where torch can tell


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def list_devices() -> list[DeviceInfo]:
    devices = [DeviceInfo("cpu", f"CPU ({torch.get_num_threads()} threads)", None)]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            devices.append(DeviceInfo(f"cuda:{index}", props.name, props.total_memory))
    if _mps_available():
        devices.append(DeviceInfo("mps", "Apple Metal (MPS)", None))
    return devices


def _available_names() -> str:
    return ", ".join(["auto"] + [d.name for d in list_devices()])


def resolve_device(name: str) -> torch.device:
    """Map "auto", "cpu", "cuda", "cuda:N" or "mps" to a device that exists, or raise DeviceError."""
    name = name.strip().lower()
    if not _DEVICE_PATTERN.match(name):
        raise DeviceError(
            f"unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps "
            f"(devices here: {_available_names()})"
        )
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not _mps_available():
            raise DeviceError(
                f"device 'mps' is not available here (devices here: {_available_names()})"
            )
        return torch.device("mps")
    if not torch.cuda.is_available():
        raise DeviceError(
            f"device {name!r} is not available: no CUDA GPU found (devices here: {_available_names()})"
        )
    index = int(name.split(":")[1]) if ":" in name else torch.cuda.current_device()
    if index >= torch.cuda.device_count():
        raise DeviceError(
            f"device {name!r} does not exist: this machine has {torch.cuda.device_count()} "
            f"CUDA device(s) (devices here: {_available_names()})"
        )
    return torch.device("cuda", index)


def format_memory(n_bytes: int | None) -> str:
    if n_bytes is None:
        return "-"
    return f"{n_bytes / 2**30:.1f} GiB"


def training_threads() -> int | None:
    """Torch's intra-op threads in a trainer: every core but one, which the app's UI keeps. The
    networks here gain little from more threads (mnist-like: 1,030 steps/s on one thread, 992 on
    two, on a 2-core machine), and a UI redrawing on a core the trainer also wanted slowed
    training by up to ~15%. None (torch's default) where OMP_NUM_THREADS says otherwise."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)
