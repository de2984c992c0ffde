"""`DeviceStatsSampler`: what the trainer process and its device are doing, as one
`protocol.DeviceStats` a call, for the app's device panel (about once a second while an app is
attached).

The process's CPU share and resident memory come from psutil; a CUDA device's name, memory,
utilisation and temperature from NVML (nvidia-ml-py, the `nvml` extra), initialised once per
sampler. A call on a CPU run costs about 0.09 ms (psutil's two readings; measured on a 2-core
machine), under 0.01% of the second between calls. Nothing here raises: a reading that fails is
None, and the event's `note` says why the panel shows less.

Torch-free to import, though it runs in the trainer process: where torch is already loaded there,
it tells which NVML GPU is the run's "cuda:N" (CUDA's order need not be NVML's).
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

import psutil

from tui_nn import nvml_reading
from tui_nn.trainer import protocol

CPU_NOTE = "CPU run: no GPU figures"
NVML_MISSING = "nvidia-ml-py is not installed: pip install 'tui-nn[nvml]'"
_CUDA = re.compile(r"^cuda(?::(\d+))?$")


class DeviceStatsSampler:
    def __init__(self, device: str) -> None:
        self.device = device
        self._process: psutil.Process | None = None
        self._process_note = ""
        try:
            self._process = psutil.Process()
            self._process.cpu_percent(None)  # the first call starts the interval it reports on
        except (psutil.Error, OSError) as error:
            self._process = None
            self._process_note = f"the trainer's CPU and memory cannot be read: {error}"
        self._nvml: Any = None
        self._handle: Any = None
        self._gpu_name = device
        self._gpu_note = ""
        self._open_gpu()

    # -- the GPU, found once ------------------------------------------------------------------

    def _open_gpu(self) -> None:
        match = _CUDA.match(self.device.strip().lower())
        if match is None:
            self._gpu_note = CPU_NOTE if self.device == "cpu" else "GPU figures: NVIDIA GPUs only"
            return
        try:
            nvml = nvml_reading.open_nvml()
        except nvml_reading.NvmlUnavailable as error:
            self._gpu_note = (
                f"NVML cannot read the GPUs here: {error}" if error.installed else NVML_MISSING
            )
            return
        try:
            handle = _find_handle(nvml, int(match.group(1) or 0))
        except Exception as error:  # noqa: BLE001 - any NVMLError: the panel shows less
            handle = None
            self._gpu_note = f"NVML cannot read the GPUs here: {nvml_reading.nvml_text(error)}"
        else:
            if handle is None:
                self._gpu_note = f"NVML cannot tell which GPU is {self.device}"
        if handle is None:
            nvml_reading.close_nvml(nvml)
            return
        self._nvml, self._handle = nvml, handle
        self._gpu_name = nvml_reading.gpu_name(nvml, handle) or self.device

    def close(self) -> None:
        """Shut NVML down (the sampler then reports no GPU)."""
        if self._nvml is not None:
            nvml_reading.close_nvml(self._nvml)
        self._nvml = self._handle = None

    # -- one reading -------------------------------------------------------------------------

    def sample(self, *, samples_per_s: float | None, eta_s: float | None) -> protocol.DeviceStats:
        """The trainer's CPU share (of one core, since the last call) and resident memory, the
        GPU's figures where it has one, and the training rate and time left passed through."""
        cpu_percent, rss, process_note = self._read_process()
        gpu, gpu_note = self._read_gpu()
        note = "; ".join(text for text in (gpu_note, process_note) if text)
        return protocol.DeviceStats(
            device=self.device,
            cpu_percent=cpu_percent,
            rss_bytes=rss,
            samples_per_s=_finite(samples_per_s),
            eta_s=_finite(eta_s),
            gpu=gpu,
            note=note,
        )

    def _read_process(self) -> tuple[float | None, int | None, str]:
        if self._process is None:
            return None, None, self._process_note
        try:
            with self._process.oneshot():
                return self._process.cpu_percent(None), self._process.memory_info().rss, ""
        except Exception as error:  # noqa: BLE001 - never raise into the training loop
            return None, None, f"the trainer's CPU and memory cannot be read: {error}"

    def _read_gpu(self) -> tuple[protocol.GpuStats | None, str]:
        if self._nvml is None:
            return None, self._gpu_note
        reading = nvml_reading.read_gpu(self._nvml, self._handle)
        gpu = protocol.GpuStats(
            name=self._gpu_name,
            memory_used_bytes=reading.memory_used_bytes,
            memory_total_bytes=reading.memory_total_bytes,
            utilization_percent=reading.utilisation_percent,
            temperature_c=reading.temperature_c,
        )
        return gpu, reading.note


def _find_handle(nvml: Any, index: int) -> Any:
    """The NVML handle of cuda:`index`: matched through torch's UUID and PCI address where the
    trainer has loaded torch (and CUDA), else the only GPU there is."""
    handles = nvml_reading.list_handles(nvml)
    torch: Any = sys.modules.get("torch")
    uuid, address, visible = "", None, 0
    if torch is not None and torch.cuda.is_available() and index < torch.cuda.device_count():
        props = torch.cuda.get_device_properties(index)
        uuid = str(getattr(props, "uuid", ""))
        address = tuple(
            getattr(props, name, None) for name in ("pci_domain_id", "pci_bus_id", "pci_device_id")
        )
        visible = int(torch.cuda.device_count())
    return nvml_reading.match_handle(handles, uuid, address, visible)


def _finite(value: float | None) -> float | None:
    """A rate or time that JSON can carry and the panel can show: None for NaN, inf or < 0."""
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return float(value)
