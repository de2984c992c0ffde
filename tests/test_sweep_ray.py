"""`tui-nn sweep --backend ray` on a real local Ray cluster (one for the module): the same runs,
the same results as the local backend, each run folder written by its Ray task."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_nn.cli import main

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


def sweep(capsys: pytest.CaptureFixture[str], out: Path, backend: str) -> list[dict[str, Any]]:
    args = ["sweep", "xor", "--seeds", "0-3", "--set", "train.epochs=120", "--out", str(out)]
    assert main([*args, "--backend", backend, "--json"]) == 0
    runs: list[dict[str, Any]] = json.loads(capsys.readouterr().out.splitlines()[-1])["runs"]
    return runs


def test_ray_tasks_give_the_local_backends_results(
    local_cluster: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    local = sweep(capsys, tmp_path / "local", "local")
    on_ray = sweep(capsys, tmp_path / "ray", "ray")
    assert [run["seed"] for run in on_ray] == [0, 1, 2, 3]
    for here, there in zip(local, on_ray, strict=True):
        for key in ("seed", "overrides", "epochs", "converged", "stop_reason", "train_acc"):
            assert here[key] == there[key]
        # The same function; bit for bit on Intel, 1e-8 apart on this AMD EPYC, where a Ray
        # worker's thread count sums the stacked products in another order.
        assert here["train_loss"] == pytest.approx(there["train_loss"], abs=1e-6)
        assert Path(there["run"]).parent == tmp_path / "ray"
        info = json.loads((Path(there["run"]) / "run.json").read_text())
        assert info["status"] == "done" and (Path(there["run"]) / "model.safetensors").is_file()
