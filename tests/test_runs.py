"""Run folders, checkpoints and resume: exact continuation, crash safety, untrusted files."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_nn.checkpoint import CheckpointError, read_checkpoint, restore_checkpoint, save_checkpoint
from tui_nn.cli import main
from tui_nn.engine import Trainer
from tui_nn.presets import load_named
from tui_nn.runs import list_runs, runs_root


def preset(name: str, **train):
    p = load_named(name)
    return dataclasses.replace(p, train=dataclasses.replace(p.train, **train))


def same_parameters(a: Trainer, b: Trainer) -> bool:
    return all(
        torch.equal(x, y)
        for x, y in zip(a.network.parameters(), b.network.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    ("name", "steps"), [("circle", 17), ("mnist-like", 30), ("nand", 7), ("xor", 5)]
)
def test_stopped_and_resumed_run_equals_an_uninterrupted_one(
    name: str, steps: int, tmp_path: Path
) -> None:
    p = preset(name, epochs=3 if name == "mnist-like" else 8, target_loss=None, patience=None)
    reference = Trainer(p)
    reference.run()
    interrupted = Trainer(p)
    for _ in range(steps):  # stops mid-epoch: the epoch's order is part of the checkpoint
        interrupted.step_batch()
    save_checkpoint(interrupted, tmp_path / "c.safetensors")
    resumed = Trainer(p)
    restore_checkpoint(resumed, tmp_path / "c.safetensors")
    resumed.run()
    assert resumed.state.step == reference.state.step
    assert same_parameters(reference, resumed)


def test_cli_resume_continues_the_run_folder(capsys, tmp_path: Path) -> None:
    assert main(["train", "circle", "--epochs", "4", "--json"]) == 0
    run = list_runs()[0]
    assert run.status == "done" and run.epochs == 4 and run.path.parent == runs_root()
    assert {
        "preset.toml",
        "metrics.jsonl",
        "run.json",
        "checkpoint.safetensors",
        "model.safetensors",
    } <= {p.name for p in run.path.iterdir()}
    assert main(["train", "--resume", run.id, "--epochs", "9", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 9
    reference = Trainer(preset("circle", epochs=9))
    reference.run()
    from safetensors.torch import load_file

    final = load_file(run.path / "model.safetensors")
    assert torch.equal(final["0.weight"], reference.network[0].weight.detach())
    assert main(["runs"]) == 0
    assert run.id in capsys.readouterr().out


def test_resume_without_a_run_is_a_clear_error(capsys) -> None:
    assert main(["train", "--resume", "latest"]) == 2
    assert "there are no runs" in capsys.readouterr().err


def _write_checkpoints_forever(trainer: Trainer, path: str) -> None:
    # No training in the forked child (torch's thread pool does not survive a fork): each write
    # differs by its step count, which is what tells the old checkpoint from the new.
    while True:
        trainer.state.step += 1
        save_checkpoint(trainer, Path(path))


def test_kill_9_while_writing_checkpoints_leaves_the_old_or_the_new(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "c.safetensors"
    context = multiprocessing.get_context("fork")
    rng = random.Random(0)
    seen_steps: set[int] = set()
    trainer = Trainer(preset("mnist-like"))  # built once; each forked writer inherits it
    trainer.run(until_epoch=1)
    for _ in range(50):
        writer = context.Process(target=_write_checkpoints_forever, args=(trainer, str(path)))
        writer.start()
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        if path.exists():
            _, run_state = read_checkpoint(path)  # loads: never a torn file
            seen_steps.add(run_state["step"])
        leftovers = [p for p in tmp_path.iterdir() if p.name != path.name]
        for leftover in leftovers:  # a killed writer may leave its temp file, never a broken target
            leftover.unlink()
    assert seen_steps, "no checkpoint was ever completed"


def test_a_pickle_payload_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for name in ("evil.pt", "evil.safetensors", "evil.ckpt"):
        path = tmp_path / name
        path.write_bytes(pickle.dumps(Payload()))
        with pytest.raises(CheckpointError):
            restore_checkpoint(Trainer(load_named("xor")), path)
    torch_save = tmp_path / "torch.safetensors"
    torch.save({"x": Payload()}, torch_save)
    with pytest.raises(CheckpointError):
        read_checkpoint(torch_save)
    assert not marker.exists()


def test_a_checkpoint_of_another_network_is_refused(tmp_path: Path) -> None:
    save_checkpoint(Trainer(load_named("circle")), tmp_path / "c.safetensors")
    with pytest.raises(CheckpointError, match="does not fit this network"):
        restore_checkpoint(Trainer(load_named("xor")), tmp_path / "c.safetensors")


def test_a_failed_checkpoint_save_is_reported_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch
) -> None:
    trainer = Trainer(load_named("xor"))
    path = tmp_path / "c.safetensors"
    save_checkpoint(trainer, path)
    before = path.read_bytes()
    trainer.step_batch()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tui_nn.atomic.os.replace", full_disk)
    with pytest.raises(CheckpointError, match="No space left on device"):
        save_checkpoint(trainer, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.safetensors"]


def test_oversized_networks_are_refused_before_allocation() -> None:
    from tui_nn.errors import TrainingError
    from tui_nn.spec import LayerSpec

    huge = dataclasses.replace(
        load_named("xor"),
        model=dataclasses.replace(
            load_named("xor").model,
            layers=[LayerSpec(units=100_000, activation="relu")] * 40 + [LayerSpec(units=1)],
        ),
    )
    with pytest.raises(TrainingError, match="parameters"):
        Trainer(huge)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signals_stop_train_with_a_loadable_checkpoint(signum: int, tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_nn",
            "train",
            "spiral",
            "--epochs",
            "100000",
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out / "metrics.jsonl").exists() or not (out / "metrics.jsonl").stat().st_size:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    sent = time.monotonic()
    process.send_signal(signum)
    code = process.wait(timeout=10)
    assert time.monotonic() - sent < 3
    assert code == (130 if signum == signal.SIGINT else 143)
    assert "resume with" in process.stderr.read()
    _, run_state = read_checkpoint(out / "checkpoint.safetensors")
    assert run_state["step"] > 0
    assert json.loads((out / "run.json").read_text())["status"] == "stopped"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_checkpoint_reader_only_raises_its_own_error(data, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("ckpt")
    good = folder / "good.safetensors"
    if not good.exists():
        save_checkpoint(Trainer(load_named("xor")), good)
    raw = bytearray(good.read_bytes())
    choice = data.draw(st.sampled_from(["random", "truncate", "flip", "header"]))
    if choice == "random":
        raw = bytearray(data.draw(st.binary(max_size=512)))
    elif choice == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif choice == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    else:
        raw[:8] = data.draw(st.integers(0, 2**64 - 1)).to_bytes(8, "little")
    path = folder / "mutated.safetensors"
    path.write_bytes(bytes(raw))
    try:
        restore_checkpoint(Trainer(load_named("xor")), path)
    except CheckpointError:
        pass
