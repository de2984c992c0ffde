"""Reading NVIDIA GPUs through NVML (nvidia-ml-py's `pynvml`), without torch: `tui-nn devices`
(devices.py) and the trainer's device panel (trainer/device_stats.py) both read them here.

pynvml is imported by name at run time (it is an optional extra and ships no types); every call
into it may raise one of its many `NVMLError` kinds, so each reading is taken on its own and a
failed one is left out, named in the reading's `missing`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

# (UUID, (PCI domain, bus, device), handle) of one GPU NVML sees.
Handle = tuple[str, tuple[int, int, int] | None, Any]


class NvmlUnavailable(Exception):
    """NVML cannot be used here: `installed` is False where nvidia-ml-py is missing, else the
    message is what NVML said."""

    def __init__(self, message: str, *, installed: bool) -> None:
        super().__init__(message)
        self.installed = installed


def open_nvml() -> Any:
    """pynvml, initialised (pair with `close_nvml`), or raise NvmlUnavailable."""
    try:
        nvml = importlib.import_module("pynvml")
    except ImportError as error:
        raise NvmlUnavailable("nvidia-ml-py is not installed", installed=False) from error
    try:
        nvml.nvmlInit()
    except Exception as error:  # NVMLError and its many kinds: say what it said
        raise NvmlUnavailable(nvml_text(error), installed=True) from error
    return nvml


def close_nvml(nvml: Any) -> None:
    try:
        nvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - the readings are taken; a failed shutdown is no news
        pass


def nvml_text(error: BaseException) -> str:
    return str(error) or type(error).__name__


def normal_uuid(given: Any) -> str:
    """A GPU's UUID as torch and NVML both can give it: lower case, no "GPU-" prefix."""
    if isinstance(given, bytes):
        given = given.decode("ascii", "replace")
    text = str(given).strip().lower()
    for prefix in ("gpu-", "mig-"):
        text = text.removeprefix(prefix)
    return text


def list_handles(nvml: Any) -> list[Handle]:
    """Every GPU NVML sees, in NVML's order."""
    handles = []
    for index in range(int(nvml.nvmlDeviceGetCount())):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        try:
            uuid = normal_uuid(nvml.nvmlDeviceGetUUID(handle))
        except Exception:  # noqa: BLE001 - without a UUID the PCI address may still match
            uuid = ""
        try:
            pci = nvml.nvmlDeviceGetPciInfo(handle)
            address: tuple[int, int, int] | None = (int(pci.domain), int(pci.bus), int(pci.device))
        except Exception:  # noqa: BLE001 - without an address the UUID may still match
            address = None
        handles.append((uuid, address, handle))
    return handles


def match_handle(
    handles: list[Handle], uuid: str, address: tuple[Any, ...] | None, visible: int
) -> Any:
    """The NVML handle of a CUDA device known by its UUID (any case or prefix) or PCI address,
    as CUDA_VISIBLE_DEVICES and CUDA's own order need not be NVML's; `visible`: how many CUDA
    devices the process sees (0 where it cannot tell). None where none matches."""
    uuid = normal_uuid(uuid)
    if uuid:
        for their_uuid, _, handle in handles:
            if their_uuid == uuid:
                return handle
    if address is not None and all(isinstance(part, int) for part in address):
        for _, their_address, handle in handles:
            if their_address == address:
                return handle
    if visible <= 1 and len(handles) == 1:
        return handles[0][2]  # one GPU on either side: it is that one
    return None


@dataclass(frozen=True)
class GpuReading:
    """One GPU now; a field is None where NVML did not give it, and `missing` names those."""

    memory_total_bytes: int | None
    memory_used_bytes: int | None  # by every process (a GPU shared with others: theirs too)
    utilisation_percent: float | None
    temperature_c: float | None
    missing: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        return f"NVML does not give {' or '.join(self.missing)} here" if self.missing else ""


def read_gpu(nvml: Any, handle: Any) -> GpuReading:
    """Memory, utilisation and temperature; never raises (a failed reading is left out)."""
    missing = []
    total = used = None
    utilisation = temperature = None
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
    return GpuReading(total, used, utilisation, temperature, tuple(missing))


def gpu_name(nvml: Any, handle: Any) -> str | None:
    try:
        name = nvml.nvmlDeviceGetName(handle)
    except Exception:  # noqa: BLE001 - the figures do without a name
        return None
    if isinstance(name, bytes):  # older nvidia-ml-py
        name = name.decode("utf-8", "replace")
    return str(name) or None
