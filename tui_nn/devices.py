"""Which devices exist here, turning a preset's device string into a torch.device, and what each
device is doing now (`device_usage`: utilisation and memory in use, for `tui-nn devices`), and
handing a device's cached memory back (`release_device_memory`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

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


def release_device_memory(device: torch.device) -> None:
    """Hand cached blocks back to the GPU so that a new run (or another program) can use them."""
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def format_memory(n_bytes: int | None) -> str:
    if n_bytes is None:
        return "-"
    return f"{n_bytes / 2**30:.1f} GiB"


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
    import importlib

    try:
        nvml: Any = importlib.import_module("pynvml")
    except ImportError:
        return [bare(device, NVML_MISSING) for device in devices]
    try:
        nvml.nvmlInit()
    except Exception as error:  # noqa: BLE001 - NVMLError and its many kinds: say what it said
        return [bare(d, f"NVML cannot read the GPUs here: {_nvml_text(error)}") for d in devices]
    try:
        handles = _nvml_handles(nvml)
        usages = []
        for device in devices:
            index = int(device.name.split(":")[1])
            handle = _match_handle(handles, index, len(devices))
            if handle is None:
                usages.append(bare(device, "NVML lists no GPU with this one's UUID or address"))
                continue
            usages.append(_read_nvml(nvml, handle, device))
        return usages
    finally:
        try:
            nvml.nvmlShutdown()
        except Exception:  # noqa: BLE001 - the readings are taken; a failed shutdown is no news
            pass


def _nvml_text(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _normal_uuid(given: Any) -> str:
    """A GPU's UUID as torch and NVML both can give it: lower case, no "GPU-" prefix."""
    if isinstance(given, bytes):
        given = given.decode("ascii", "replace")
    text = str(given).strip().lower()
    for prefix in ("gpu-", "mig-"):
        text = text.removeprefix(prefix)
    return text


def _nvml_handles(nvml: Any) -> list[tuple[str, tuple[int, int, int] | None, Any]]:
    """(UUID, (domain, bus, device), handle) of every GPU NVML sees."""
    handles = []
    for index in range(int(nvml.nvmlDeviceGetCount())):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        try:
            uuid = _normal_uuid(nvml.nvmlDeviceGetUUID(handle))
        except Exception:  # noqa: BLE001 - without a UUID the PCI address may still match
            uuid = ""
        try:
            pci = nvml.nvmlDeviceGetPciInfo(handle)
            address: tuple[int, int, int] | None = (int(pci.domain), int(pci.bus), int(pci.device))
        except Exception:  # noqa: BLE001 - without an address the UUID may still match
            address = None
        handles.append((uuid, address, handle))
    return handles


def _match_handle(
    handles: list[tuple[str, tuple[int, int, int] | None, Any]], index: int, visible: int
) -> Any:
    props = torch.cuda.get_device_properties(index)
    uuid = _normal_uuid(getattr(props, "uuid", ""))
    if uuid:
        for their_uuid, _, handle in handles:
            if their_uuid == uuid:
                return handle
    address = tuple(
        getattr(props, field, None) for field in ("pci_domain_id", "pci_bus_id", "pci_device_id")
    )
    if all(isinstance(part, int) for part in address):
        for _, their_address, handle in handles:
            if their_address == address:
                return handle
    if visible == 1 and len(handles) == 1:
        return handles[0][2]  # one GPU on either side: it is that one
    return None


def _read_nvml(nvml: Any, handle: Any, device: DeviceInfo) -> DeviceUsage:
    missing = []
    total: int | None = device.memory_bytes
    used = utilisation = temperature = None
    try:
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        total, used = int(memory.total), int(memory.used)
    except Exception:  # noqa: BLE001 - one reading missing leaves the others
        missing.append("memory in use")
    try:
        utilisation = float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)
    except Exception:  # noqa: BLE001 - e.g. not supported on this GPU (a MIG slice)
        missing.append("utilisation")
    try:
        temperature = float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
    except Exception:  # noqa: BLE001 - e.g. not supported on this GPU
        missing.append("temperature")
    note = f"NVML does not give {' or '.join(missing)} here" if missing else ""
    return DeviceUsage(device.name, device.description, total, used, utilisation, temperature, note)
