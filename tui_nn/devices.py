"""Which devices exist here, turning a preset's device string into a torch.device, and what each
device is doing now (`device_usage`: utilisation and memory in use, for `tui-nn devices`), and
handing a device's cached memory back (`release_device_memory`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import torch

from tui_nn import nvml_reading
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


def release_device_memory(device: torch.device) -> None:
    """Hand cached blocks back to the GPU so that a new run (or another program) can use them."""
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def training_threads() -> int | None:
    """Torch's intra-op threads in a trainer, the app's and `tui-nn train`'s alike: every core
    but one (the app's UI, or whatever else the machine runs). The networks here gain little from
    more threads (mnist-like: 1,030 steps/s on one thread, 992 on two, on a 2-core machine), a UI
    redrawing on a core the trainer also wanted slowed training by up to ~15%, and threads that
    wait for a busy core cost far more: `tui-nn train` mnist-like took 1.7 s of training with
    torch's default 2 threads against 0.17 s on one, 11.9 s against 0.38 s beside one busy
    process (benchmarks/train_threads.py). None (torch's default) where OMP_NUM_THREADS says
    otherwise."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


# -- what each device is doing now (`tui-nn devices`) -----------------------------------------

NVML_MISSING = (
    "utilisation, memory in use and temperature are read with nvidia-ml-py, "
    "which is not installed here (pip install nvidia-ml-py)"
)


@dataclass(frozen=True)
class DeviceUsage:
    """A device and what it is doing now; a field is None where it cannot be told, and `note`
    says why (empty when nothing is missing)."""

    name: str  # "cpu", "cuda:0", "mps"
    description: str
    memory_total_bytes: int | None
    memory_used_bytes: int | None  # by every process (a GPU shared with others: theirs too)
    utilisation_percent: float | None  # the CPU: busy time of all cores over about 0.1 s
    temperature_c: float | None
    note: str = ""


def device_usage() -> list[DeviceUsage]:
    """Every device of `list_devices`, with its utilisation and memory in use: the CPU's from
    /proc (Linux), NVIDIA GPUs' from NVML (nvidia-ml-py, where it is installed)."""
    usages = []
    cuda: list[DeviceInfo] = []
    for device in list_devices():
        if device.name == "cpu":
            usages.append(_cpu_usage(device))
        elif device.name.startswith("cuda"):
            cuda.append(device)
        else:
            usages.append(
                DeviceUsage(
                    device.name,
                    device.description,
                    device.memory_bytes,
                    None,
                    None,
                    None,
                    "utilisation and memory in use are not known on this device",
                )
            )
    if cuda:
        usages[1:1] = _gpu_usage(cuda)
    return usages


def _cpu_usage(device: DeviceInfo) -> DeviceUsage:
    total, used = _meminfo()
    busy = _cpu_busy_percent()
    missing = [what for what, value in (("utilisation", busy), ("memory", used)) if value is None]
    note = f"{' and '.join(missing)} not known on this system (no /proc)" if missing else ""
    return DeviceUsage(device.name, device.description, total, used, busy, None, note)


def _meminfo() -> tuple[int | None, int | None]:
    """Total and used memory from /proc/meminfo (used: total less what is available)."""
    values: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if parts and parts[0].isdigit():
                    values[key] = int(parts[0]) * 1024
    except OSError:
        return None, None
    total, available = values.get("MemTotal"), values.get("MemAvailable")
    if total is None:
        return None, None
    return total, (total - available if available is not None else None)


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    numbers = [int(field) for field in fields[1:9] if field.isdigit()]
    if len(numbers) < 5:
        return None
    idle = numbers[3] + numbers[4]  # idle and iowait
    return sum(numbers) - idle, sum(numbers)


def _cpu_busy_percent(interval_s: float = 0.1) -> float | None:
    import time

    before = _cpu_times()
    if before is None:
        return None
    time.sleep(interval_s)
    after = _cpu_times()
    if after is None or after[1] <= before[1]:
        return None
    return 100.0 * (after[0] - before[0]) / (after[1] - before[1])


def _gpu_usage(devices: list[DeviceInfo]) -> list[DeviceUsage]:
    """NVML's reading of each CUDA device torch sees, matched by UUID (else PCI address, as
    CUDA_VISIBLE_DEVICES and CUDA's own order need not be NVML's)."""

    def bare(device: DeviceInfo, note: str) -> DeviceUsage:
        return DeviceUsage(
            device.name, device.description, device.memory_bytes, None, None, None, note
        )

    if getattr(torch.version, "hip", None):
        return [bare(d, "utilisation is read with NVML, on NVIDIA GPUs only") for d in devices]
    try:
        nvml = nvml_reading.open_nvml()
    except nvml_reading.NvmlUnavailable as error:
        note = f"NVML cannot read the GPUs here: {error}" if error.installed else NVML_MISSING
        return [bare(device, note) for device in devices]
    try:
        handles = nvml_reading.list_handles(nvml)
        usages = []
        for device in devices:
            handle = _match_handle(handles, int(device.name.split(":")[1]), len(devices))
            if handle is None:
                usages.append(bare(device, "NVML lists no GPU with this one's UUID or address"))
                continue
            reading = nvml_reading.read_gpu(nvml, handle)
            total = reading.memory_total_bytes
            usages.append(
                DeviceUsage(
                    device.name,
                    device.description,
                    device.memory_bytes if total is None else total,
                    reading.memory_used_bytes,
                    reading.utilisation_percent,
                    reading.temperature_c,
                    reading.note,
                )
            )
        return usages
    finally:
        nvml_reading.close_nvml(nvml)


def _match_handle(handles: list[nvml_reading.Handle], index: int, visible: int) -> Any:
    props = torch.cuda.get_device_properties(index)
    address = tuple(
        getattr(props, field, None) for field in ("pci_domain_id", "pci_bus_id", "pci_device_id")
    )
    return nvml_reading.match_handle(handles, str(getattr(props, "uuid", "")), address, visible)
