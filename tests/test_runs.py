"""Run folders, checkpoints and resume: exact continuation, crash safety, untrusted files."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import random
import re
import shlex
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from train_process import TrainProcess

from tui_nn.checkpoint import CheckpointError, read_checkpoint, restore_checkpoint, save_checkpoint
from tui_nn.cli import main
from tui_nn.presets import load_named
from tui_nn.runs import RunSession, list_runs, read_run_info, resolve_run, runs_root
from tui_nn.training import Trainer


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


def is_metrics(
    epoch: int | None = None, status: str | None = None, inside: int | None = None
) -> Callable[[dict], bool]:
    """A metrics line of `epoch`, or with `status`; `inside`: one whose step is not on an epoch's
    boundary (epochs of `inside` steps), so that a stop it is followed by lands mid-epoch."""

    def check(event: dict) -> bool:
        return (
            event["event"] == "metrics"
            and (epoch is None or event["epoch"] == epoch)
            and (status is None or event["status"] == status)
            and (inside is None or event["step"] % inside != 0)
        )

    return check


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signals_stop_train_with_a_loadable_checkpoint(signum: int, tmp_path: Path) -> None:
    out = tmp_path / "run"
    train = TrainProcess("spiral", "--epochs", "100000", "--out", str(out))
    train.wait_for(is_metrics())  # training has begun: the first metrics line
    code = train.signal(signum)
    assert code == (130 if signum == signal.SIGINT else 143)
    assert f"resume with `tui-nn train --resume {out}`" in train.stderr()
    _, run_state = read_checkpoint(out / "checkpoint.safetensors")
    # Stopped by the signal, not by its budget (minutes away): it ended mid-run.
    assert 0 < run_state["step"] and run_state["epoch"] < 100_000
    assert json.loads((out / "run.json").read_text())["status"] == "stopped"


def test_a_session_stopped_mid_epoch_has_the_checkpoint_and_resumes_exactly(
    tmp_path: Path,
) -> None:
    p = preset("spiral", epochs=3)  # 9 steps an epoch
    out = tmp_path / "run"
    session = RunSession.new(out)
    assert not out.exists() and not session.resumable  # nothing is written before the start
    trainer = Trainer(p, on_event=session.record, on_epoch_end=session.epoch_ended)
    session.start(trainer)
    assert read_run_info(out)["status"] == "running"
    for _ in range(4):  # stopped in the first epoch, before any checkpoint was due
        trainer.step_batch()
    session.stop(trainer, "stopped by a test")
    assert session.resumable and session.resume_command == f"tui-nn train --resume {out}"
    info = read_run_info(out)
    assert (info["status"], info["steps"], info["message"]) == ("stopped", 4, "stopped by a test")
    assert (out / "model.safetensors").is_file()
    resumed = RunSession.resume(out)
    continued = Trainer(p, on_event=resumed.record, on_epoch_end=resumed.epoch_ended)
    resumed.start(continued)
    assert continued.state.step == 4
    continued.run()
    assert resumed.finish(continued).epochs == 3
    reference = Trainer(p)
    reference.run()
    assert same_parameters(reference, continued)
    assert read_run_info(out)["status"] == "done"


def test_a_session_checkpoints_on_its_period_and_never_a_diverged_trainer(tmp_path: Path) -> None:
    session = RunSession.new(tmp_path / "run", checkpoint_every_s=0.0)  # at every epoch's end
    trainer = Trainer(
        preset("circle", epochs=50), on_event=session.record, on_epoch_end=session.epoch_ended
    )
    session.start(trainer)
    trainer.run(until_epoch=2)
    assert read_checkpoint(session.checkpoint_path)[1]["epoch"] == 2
    trainer.step_batch()
    trainer.state.status = "diverged"  # as the engine leaves it: no point to resume from
    assert not session.checkpoint(trainer)
    session.finish(trainer)
    assert read_checkpoint(session.checkpoint_path)[1]["epoch"] == 2  # the last good one stays
    assert read_run_info(session.path)["status"] == "diverged"
    assert not (session.path / "model.safetensors").exists()


@pytest.mark.parametrize(
    ("error", "status"), [(KeyboardInterrupt(), "interrupted"), (RuntimeError("boom"), "failed")]
)
def test_an_exception_out_of_a_session_is_recorded_without_a_checkpoint(
    error: BaseException, status: str, tmp_path: Path
) -> None:
    session = RunSession.new(tmp_path / "run")
    trainer = Trainer(preset("xor"))
    session.start(trainer)
    trainer.step_batch()
    with pytest.raises(type(error)), session:
        raise error
    assert read_run_info(session.path)["status"] == status
    assert not session.resumable  # the trainer may have been mid-step


def test_a_signal_while_train_loads_stops_it_before_training(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tui_nn.training

    class SignalledWhileLoading(Trainer):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(tui_nn.training, "Trainer", SignalledWhileLoading)
    assert main(["train", "xor"]) == 143
    assert "stopped by SIGTERM before training began; nothing was saved" in capsys.readouterr().err
    assert list_runs() == []
    monkeypatch.setattr(tui_nn.training, "Trainer", Trainer)
    assert main(["train", "circle", "--epochs", "2", "--json"]) == 0
    before = list_runs()[0]
    monkeypatch.setattr(tui_nn.training, "Trainer", SignalledWhileLoading)
    assert main(["train", "--resume", before.id, "--epochs", "4"]) == 143
    err = capsys.readouterr().err
    assert f"run {before.id} is as it was: resume with `tui-nn train --resume {before.id}`" in err
    assert list_runs() == [before]


def test_attach_hints_at_resume_only_for_a_run_with_a_checkpoint() -> None:
    from tui_nn.errors import TuiNnError
    from tui_nn.runs import find_live_run

    session = RunSession.new(runs_root() / "20260101-000000-xor")
    trainer = Trainer(preset("xor"))
    session.start(trainer)
    session.close(None, "stopped")  # as a run whose trainer never saved one
    with pytest.raises(TuiNnError) as error:
        find_live_run(session.path.name)
    assert "not training (stopped)" in str(error.value) and "--resume" not in str(error.value)
    save_checkpoint(trainer, session.checkpoint_path)
    with pytest.raises(TuiNnError, match="`tui-nn train --resume 20260101-000000-xor` continues"):
        find_live_run(session.path.name)


# Two epochs of 840 steps (about half a second each here): long enough to signal inside each.
LONG_EPOCHS = """schema = 1
name = "long epochs"
[data]
set = "spiral"
samples = 1200
noise = 0.05
test_fraction = 0.3
[[model.layers]]
units = 16
activation = "tanh"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "adam"
learning_rate = 0.01
batch_size = 1
epochs = 2
seed = 0
device = "cpu"
"""


@pytest.fixture(scope="module")
def long_epochs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Trainer]:
    """The preset's file, and a trainer that ran it uninterrupted (the reference)."""
    from tui_nn.presets import load_preset

    path = tmp_path_factory.mktemp("preset") / "long-epochs.toml"
    path.write_text(LONG_EPOCHS)
    reference = Trainer(load_preset(path))
    reference.run()
    assert reference.state.status == "done" and reference.state.epoch == 2
    assert reference.steps_per_epoch == 840
    return path, reference


MOMENTS = {
    "at-once": None,  # before (or while) the process loads: nothing trained yet
    "first-epoch": is_metrics(epoch=0),  # before any epoch ended, mid-epoch
    "last-epoch": is_metrics(epoch=1, inside=840),  # mid-epoch, after the first epoch's end
    "at-the-end": is_metrics(status="done"),  # the run is done: it is being saved, or has ended
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_train_stopped_at_any_moment_resumes_or_does_not_say_so(
    moment: str, long_epochs: tuple[Path, Trainer], capsys: pytest.CaptureFixture[str]
) -> None:
    preset_file, reference = long_epochs
    train = TrainProcess(str(preset_file))
    if MOMENTS[moment] is not None:
        train.wait_for(MOMENTS[moment])
    code = train.signal(signal.SIGTERM)
    stderr = train.stderr()
    said = re.search(r"resume with `([^`]+)`", stderr)
    expected_stop = moment in ("first-epoch", "last-epoch")
    assert (said is not None) == expected_stop, (code, stderr)
    if not expected_stop:
        runs = list_runs()
        if moment == "at-once":
            assert code in (-signal.SIGTERM, 143) and not runs, (code, stderr)
        else:  # done: a signal that comes as the run is saved is no reason to stop saving it
            assert code in (0, -signal.SIGTERM) and train.events[-1]["event"] == "summary"
            assert [run.status for run in runs] == ["done"]
        return
    assert code == 143
    args = shlex.split(said[1])
    assert args[:3] == ["tui-nn", "train", "--resume"], said[1]
    folder = resolve_run(args[3])
    info = read_run_info(folder)
    _, checkpoint = read_checkpoint(folder / "checkpoint.safetensors")
    assert info["status"] == "stopped" and info["steps"] == checkpoint["step"]
    epoch = 0 if moment == "first-epoch" else 1
    assert checkpoint["epoch"] == epoch and checkpoint["position"] > 0, checkpoint  # mid-epoch
    recorded = (folder / "metrics.jsonl").read_text().splitlines()
    assert json.loads(recorded[-1])["step"] == checkpoint["step"]  # nothing past the checkpoint

    assert main(args[1:]) == 0  # the command it printed, as printed
    info = read_run_info(folder)
    assert (info["status"], info["epochs"]) == ("done", 2)
    summary = json.loads((folder / "metrics.jsonl").read_text().splitlines()[-1])
    assert summary["event"] == "summary" and summary["steps"] == reference.state.step
    from safetensors.torch import load_file

    final = load_file(folder / "model.safetensors")
    expected = reference.network.state_dict()
    assert final.keys() == expected.keys()
    assert all(torch.equal(final[name], expected[name]) for name in expected)  # bit for bit
    capsys.readouterr()


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
