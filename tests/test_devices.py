"""`tui-nn devices`: utilisation and memory in use, from NVML where it is there (a fake NVML module
here), with the reason where it is not; `--json` for scripts; and the GPU check's CPU fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from tui_nn.cli import main
from tui_nn.devices import NVML_MISSING, device_usage

GIB = 2**30
REPO = Path(__file__).resolve().parents[1]


@dataclass
class FakeProperties:
    name: str
    total_memory: int
    uuid: str
    pci_domain_id: int
    pci_bus_id: int
    pci_device_id: int


# torch's order (cuda:0, cuda:1) is not NVML's: matched by UUID, and by PCI address without one.
TORCH_GPUS = [
    FakeProperties("NVIDIA H100 80GB HBM3", 80 * GIB, "bbbb-2222", 0, 0x41, 0),
    FakeProperties("NVIDIA A100-SXM4-40GB", 40 * GIB, "", 0, 0x07, 0),
]


def fake_nvml(*, fail_init: bool = False) -> types.ModuleType:
    """What tui-nn calls of nvidia-ml-py's `pynvml`, for two GPUs in NVML's own order."""
    gpus = [  # (uuid, pci bus, total, used, utilisation %, temperature)
        ("GPU-aaaa-1111", 0x07, 40 * GIB, 10 * GIB, 12, 41),
        ("GPU-BBBB-2222", 0x41, 80 * GIB, 60 * GIB, 87, 67),
    ]
    nvml = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    def init() -> None:
        if fail_init:
            raise NVMLError("Driver Not Loaded")

    nvml.NVMLError = NVMLError  # type: ignore[attr-defined]
    nvml.NVML_TEMPERATURE_GPU = 0  # type: ignore[attr-defined]
    nvml.nvmlInit = init  # type: ignore[attr-defined]
    nvml.nvmlShutdown = lambda: None  # type: ignore[attr-defined]
    nvml.nvmlDeviceGetCount = lambda: len(gpus)  # type: ignore[attr-defined]
    nvml.nvmlDeviceGetHandleByIndex = lambda index: gpus[index]  # type: ignore[attr-defined]
    nvml.nvmlDeviceGetUUID = lambda gpu: gpu[0].encode()  # type: ignore[attr-defined]
    nvml.nvmlDeviceGetPciInfo = lambda gpu: types.SimpleNamespace(  # type: ignore[attr-defined]
        domain=0, bus=gpu[1], device=0
    )
    nvml.nvmlDeviceGetMemoryInfo = lambda gpu: types.SimpleNamespace(  # type: ignore[attr-defined]
        total=gpu[2], used=gpu[3], free=gpu[2] - gpu[3]
    )
    nvml.nvmlDeviceGetUtilizationRates = lambda gpu: types.SimpleNamespace(  # type: ignore[attr-defined]
        gpu=gpu[4], memory=0
    )

    def temperature(gpu: Any, sensor: int) -> int:
        if gpu[0].startswith("GPU-aaaa"):
            raise NVMLError("Not Supported")
        return gpu[5]

    nvml.nvmlDeviceGetTemperature = temperature  # type: ignore[attr-defined]
    return nvml


@pytest.fixture
def two_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: len(TORCH_GPUS))
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: TORCH_GPUS[index])
    monkeypatch.setattr(torch.version, "hip", None, raising=False)


def test_gpus_read_through_nvml_matched_by_uuid_and_address(
    two_gpus: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml())
    cpu, h100, a100 = device_usage()
    assert cpu.name == "cpu" and cpu.memory_total_bytes and cpu.memory_used_bytes
    assert cpu.utilisation_percent is not None and 0 <= cpu.utilisation_percent <= 100
    assert (h100.name, h100.memory_used_bytes, h100.utilisation_percent) == ("cuda:0", 60 * GIB, 87)
    assert (h100.temperature_c, h100.note) == (67, "")
    assert (a100.name, a100.memory_used_bytes, a100.utilisation_percent) == ("cuda:1", 10 * GIB, 12)
    assert a100.temperature_c is None and a100.note == "NVML does not give temperature here"

    assert main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [device["name"] for device in listed] == ["cpu", "cuda:0", "cuda:1"]
    assert listed[1]["memory_used_bytes"] == 60 * GIB and listed[1]["utilisation_percent"] == 87
    assert main(["devices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("cpu")
    h100_line = next(line for line in lines if line.startswith("cuda:0"))
    assert "87% busy" in h100_line and "60.0 / 80.0 GiB" in h100_line and "67 °C" in h100_line


def test_without_nvml_devices_say_why_they_show_less(
    two_gpus: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed: importing it fails
    _, h100, _ = device_usage()
    assert (h100.memory_total_bytes, h100.memory_used_bytes, h100.utilisation_percent) == (
        80 * GIB,
        None,
        None,
    )
    assert h100.note == NVML_MISSING and "pip install nvidia-ml-py" in h100.note
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "- / 80.0 GiB" in out and "(utilisation, memory in use and temperature" in out

    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(fail_init=True))
    _, h100, _ = device_usage()
    assert h100.note == "NVML cannot read the GPUs here: Driver Not Loaded"


def test_devices_json_on_this_machine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "cpu"
    assert set(listed[0]) == {
        "name",
        "description",
        "memory_total_bytes",
        "memory_used_bytes",
        "utilisation_percent",
        "temperature_c",
        "note",
    }


def test_the_gpu_check_without_a_gpu_says_so_and_exits_0() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gpu_check.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES=""),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("gpu check: no CUDA GPU here"), result.stdout
