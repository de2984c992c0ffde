"""The device panel: the trainer's sampler (psutil on this machine; NVML through a fake `pynvml`
module, one whose calls fail too), the panel's text, and the panel in the Training tab showing a
`DeviceStats` the scripted trainer sends."""

from __future__ import annotations

import subprocess
import sys
import time
import types
from dataclasses import dataclass
from typing import Any

import psutil
import pytest
from support import SIZE, FakeTrainer, show_tab, wait_for

from tui_nn.trainer import protocol as p
from tui_nn.trainer.device_stats import CPU_NOTE, NVML_MISSING, DeviceStatsSampler
from tui_nn.ui.panes.device import (
    WAITING,
    DevicePanel,
    format_bytes,
    format_gpu_memory,
    format_rate,
    format_time_left,
    panel_text,
)
from tui_nn.ui.panes.training import TrainingPane

GIB = 2**30


# -- the sampler ------------------------------------------------------------------------------


def _spin(cpu_seconds: float) -> None:
    """Keep this process's CPU busy for that much CPU time (not wall time: a loaded machine
    stretches the wall but not this)."""
    start = time.process_time()
    while time.process_time() - start < cpu_seconds:
        pass


def test_on_the_cpu_the_sampler_gives_the_trainers_cpu_share_and_memory() -> None:
    sampler = DeviceStatsSampler("cpu")
    _spin(0.03)
    stats = sampler.sample(samples_per_s=1234.5, eta_s=12.0)
    assert stats.device == "cpu" and stats.gpu is None and stats.note == CPU_NOTE
    assert stats.cpu_percent is not None and 0 < stats.cpu_percent <= 100 * (
        psutil.cpu_count() or 1
    )
    rss = psutil.Process().memory_info().rss
    assert stats.rss_bytes is not None and 0.5 * rss < stats.rss_bytes < 2 * rss
    assert (stats.samples_per_s, stats.eta_s) == (1234.5, 12.0)
    # Not training, or a rate that JSON cannot carry: nothing to show.
    idle = sampler.sample(samples_per_s=float("nan"), eta_s=float("inf"))
    assert (idle.samples_per_s, idle.eta_s) == (None, None)
    assert p.decode_event(p.encode(idle)) == idle
    assert "GPU" in DeviceStatsSampler("mps").sample(samples_per_s=None, eta_s=None).note


def test_a_process_reading_that_fails_is_none_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreadable:
        def oneshot(self) -> Any:
            raise psutil.AccessDenied(0)

        def cpu_percent(self, interval: None) -> float:
            return 0.0

    monkeypatch.setattr(psutil, "Process", Unreadable)
    stats = DeviceStatsSampler("cpu").sample(samples_per_s=None, eta_s=None)
    assert (stats.cpu_percent, stats.rss_bytes) == (None, None)
    assert stats.note.startswith(CPU_NOTE + "; the trainer's CPU and memory cannot be read")


@dataclass
class FakeProperties:
    uuid: str
    pci_domain_id: int
    pci_bus_id: int
    pci_device_id: int


class NVMLError(Exception):
    pass


class FakeNvml:
    """A stand-in for `pynvml` with two GPUs in NVML's own order (not CUDA's); `broken`: every
    reading raises, as a GPU that fell off the bus would; `counts` counts init and shutdown."""

    GPUS = [  # (uuid, pci bus, name, total, used, utilisation %, temperature)
        ("GPU-aaaa-1111", 0x07, b"NVIDIA A100-SXM4-40GB", 40 * GIB, 10 * GIB, 12, 41),
        ("GPU-BBBB-2222", 0x41, "NVIDIA H200", 141 * GIB, 60 * GIB, 87, 67),
    ]

    def __init__(self, *, fail_init: bool = False, broken: bool = False) -> None:
        self.fail_init, self.broken = fail_init, broken
        self.counts = {"init": 0, "shutdown": 0}

    def module(self) -> types.ModuleType:
        nvml = types.ModuleType("pynvml")
        gpus = self.GPUS

        def reading(read: Any) -> Any:
            def call(gpu: Any, *args: Any) -> Any:
                if self.broken:
                    raise NVMLError("GPU is lost")
                return read(gpu, *args)

            return call

        def init() -> None:
            self.counts["init"] += 1
            if self.fail_init:
                raise NVMLError("Driver Not Loaded")

        def shutdown() -> None:
            self.counts["shutdown"] += 1

        names: dict[str, Any] = {
            "NVML_TEMPERATURE_GPU": 0,
            "nvmlInit": init,
            "nvmlShutdown": shutdown,
            "nvmlDeviceGetCount": lambda: len(gpus),
            "nvmlDeviceGetHandleByIndex": lambda index: gpus[index],
            "nvmlDeviceGetUUID": lambda gpu: gpu[0].encode(),
            "nvmlDeviceGetPciInfo": lambda gpu: types.SimpleNamespace(
                domain=0, bus=gpu[1], device=0
            ),
            "nvmlDeviceGetName": reading(lambda gpu: gpu[2]),
            "nvmlDeviceGetMemoryInfo": reading(
                lambda gpu: types.SimpleNamespace(total=gpu[3], used=gpu[4], free=gpu[3] - gpu[4])
            ),
            "nvmlDeviceGetUtilizationRates": reading(
                lambda gpu: types.SimpleNamespace(gpu=gpu[5], memory=0)
            ),
            "nvmlDeviceGetTemperature": reading(lambda gpu, sensor: gpu[6]),
        }
        for name, value in names.items():
            setattr(nvml, name, value)
        return nvml


@pytest.fixture
def cuda_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trainer's torch, as the sampler finds it in sys.modules: two GPUs in CUDA's order,
    cuda:0 the H200 (NVML's second)."""
    props = [FakeProperties("bbbb-2222", 0, 0x41, 0), FakeProperties("", 0, 0x07, 0)]
    cuda = types.SimpleNamespace(
        is_available=lambda: True,
        device_count=lambda: len(props),
        get_device_properties=lambda index: props[index],
    )
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))


def test_a_cuda_run_reads_its_own_gpu_through_nvml_initialised_once(
    cuda_torch: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNvml()
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())
    sampler = DeviceStatsSampler("cuda:0")
    for _ in range(3):
        stats = sampler.sample(samples_per_s=50_000.0, eta_s=65.0)
    assert stats.gpu == p.GpuStats(
        name="NVIDIA H200",
        memory_used_bytes=60 * GIB,
        memory_total_bytes=141 * GIB,
        utilization_percent=87.0,
        temperature_c=67.0,
    )
    assert stats.note == "" and stats.cpu_percent is not None
    assert p.decode_event(p.encode(stats)) == stats
    a100 = DeviceStatsSampler("cuda:1").sample(samples_per_s=None, eta_s=None).gpu
    assert a100 is not None and a100.name == "NVIDIA A100-SXM4-40GB"  # by PCI address
    assert fake.counts == {"init": 2, "shutdown": 0}  # once per sampler, not per sample
    sampler.close()
    sampler.close()
    assert fake.counts["shutdown"] == 1


def test_without_nvml_a_cuda_run_says_why_it_shows_less(
    cuda_torch: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed: importing it fails
    stats = DeviceStatsSampler("cuda:0").sample(samples_per_s=None, eta_s=None)
    assert stats.gpu is None and stats.note == NVML_MISSING
    assert stats.rss_bytes is not None

    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(fail_init=True).module())
    stats = DeviceStatsSampler("cuda:0").sample(samples_per_s=None, eta_s=None)
    assert stats.gpu is None and stats.note == "NVML cannot read the GPUs here: Driver Not Loaded"


def test_nvml_calls_that_raise_leave_the_figures_out_and_never_raise(
    cuda_torch: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(broken=True).module())
    stats = DeviceStatsSampler("cuda:0").sample(samples_per_s=10.0, eta_s=None)
    assert stats.gpu == p.GpuStats("cuda:0", None, None, None, None)  # no name: the device's
    assert stats.note == "NVML does not give memory in use or utilisation or temperature here"

    def no_count() -> int:
        raise NVMLError("Unknown Error")

    broken_list = FakeNvml().module()
    broken_list.nvmlDeviceGetCount = no_count  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynvml", broken_list)
    stats = DeviceStatsSampler("cuda:0").sample(samples_per_s=None, eta_s=None)
    assert stats.gpu is None and stats.note == "NVML cannot read the GPUs here: Unknown Error"


def test_without_torch_the_only_gpu_there_is_is_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    two = FakeNvml()
    monkeypatch.setitem(sys.modules, "pynvml", two.module())
    stats = DeviceStatsSampler("cuda:0").sample(samples_per_s=None, eta_s=None)
    assert stats.gpu is None and stats.note == "NVML cannot tell which GPU is cuda:0"
    assert two.counts == {"init": 1, "shutdown": 1}  # let go at once when there is nothing to read

    one = FakeNvml()
    one.GPUS = FakeNvml.GPUS[1:]
    monkeypatch.setitem(sys.modules, "pynvml", one.module())
    gpu = DeviceStatsSampler("cuda").sample(samples_per_s=None, eta_s=None).gpu
    assert gpu is not None and gpu.name == "NVIDIA H200"


def test_the_sampler_imports_neither_torch_nor_textual() -> None:
    """It runs in the trainer, once a second: cheap to import, and no second torch import path."""
    code = (
        "import sys\n"
        "from tui_nn.trainer.device_stats import DeviceStatsSampler\n"
        "DeviceStatsSampler('cuda:0').sample(samples_per_s=None, eta_s=None)\n"
        "print(sorted(m for m in ('torch', 'textual') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# -- the panel's text -------------------------------------------------------------------------


def test_figures_read_as_a_person_would_say_them() -> None:
    assert [format_time_left(s) for s in (None, 0.4, 12.2, 247, 3599.4, 3905, 7 * 3600)] == [
        "-",
        "0 s left",
        "12 s left",
        "4 min 07 s left",
        "59 min 59 s left",
        "1 h 05 min left",
        "7 h 00 min left",
    ]
    assert [format_rate(r) for r in (None, 2.25, 1234.5)] == [
        "-",
        "2.2 samples/s",
        "1,234 samples/s",
    ]
    assert [format_bytes(b) for b in (None, 312 * 2**20, 3 * GIB // 2)] == [
        "-",
        "312 MiB",
        "1.5 GiB",
    ]
    assert format_gpu_memory(GIB + GIB // 5, 141 * GIB) == "1.2 / 141.0 GiB"
    assert format_gpu_memory(None, 80 * GIB) == "- / 80.0 GiB"
    assert format_gpu_memory(None, None) == "-"


GPU_STATS = p.DeviceStats(
    device="cuda:0",
    cpu_percent=98.4,
    rss_bytes=700 * 2**20,
    samples_per_s=51234.0,
    eta_s=3905.0,
    gpu=p.GpuStats("NVIDIA H200", 12 * GIB, 141 * GIB, 43.0, 61.0),
)


def test_the_panel_shows_the_gpu_the_trainer_and_the_time_left() -> None:
    assert panel_text(None).splitlines() == ["Device", WAITING]
    assert panel_text(GPU_STATS).splitlines() == [
        "Device cuda:0",
        "GPU        NVIDIA H200",
        "GPU use    43%  61 °C",
        "GPU mem    12.0 / 141.0 GiB",
        "Trainer    CPU 98%  RAM 700 MiB",
        "Speed      51,234 samples/s",
        "Budget     1 h 05 min left",
    ]
    cpu = p.DeviceStats("cpu", None, None, None, None, note=CPU_NOTE)
    assert panel_text(cpu).splitlines() == [
        "Device cpu",
        "Trainer    CPU -  RAM -",
        "Speed      -",
        "Budget     -",
        CPU_NOTE,
    ]


# -- the panel in the app ---------------------------------------------------------------------


async def test_the_training_tab_shows_the_trainers_device_stats(fake_app: Any) -> None:
    app = fake_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TrainingPane)
        panel = app.query_one(DevicePanel)
        await wait_for(pilot, lambda: pane.built and FakeTrainer.instances, "the tab's fields")
        await show_tab(pilot, "training")
        assert pane.children[-1] is panel  # under the fields
        assert WAITING in panel.content.plain
        FakeTrainer.instances[0].emit(GPU_STATS)
        await wait_for(pilot, lambda: "NVIDIA H200" in panel.content.plain, "the stats shown")
        assert "1 h 05 min left" in panel.content.plain
        lines = len(panel_text(GPU_STATS).splitlines())
        await wait_for(pilot, lambda: panel.region.height == lines, "the panel's new height")
        assert panel.region.bottom <= app.query_one("#sidebar").region.bottom  # it fits 80x24
