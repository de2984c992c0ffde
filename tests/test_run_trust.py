"""Runs to trust from the command line: one trainer per run folder, headless runs named as live,
`--out` never reusing a run, blow-ups with their own exit status, closed pipes and hang-ups,
run.json kept current, and run folders that exist only once training started."""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from train_process import TrainProcess

from tui_nn.checkpoint import read_checkpoint
from tui_nn.cli import main
from tui_nn.errors import TuiNnError
from tui_nn.presets import load_named
from tui_nn.runs import RunSession, list_runs, read_run_info, resolve_run, runs_root
from tui_nn.training import Trainer

SPIRAL_FOREVER = ("spiral", "--epochs", "1000000")


def _trained_a_while(event: dict) -> bool:
    # Past a few epochs' ends with a checkpoint every 0.05 s: a checkpoint exists by now.
    return event["event"] == "metrics" and event["elapsed_s"] > 0.3 and event["epoch"] > 3


def test_a_headless_run_is_named_live_refuses_a_second_trainer_and_stops_on_sighup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    train = TrainProcess(*SPIRAL_FOREVER, "--checkpoint-every", "0.05")
    try:
        train.wait_for(_trained_a_while)
        [run] = list_runs()
        pid = train.process.pid
        assert (run.status, run.pid, run.headless) == ("running", pid, True)
        assert read_run_info(run.path)["epochs"] > 0  # run.json's epoch follows the run

        assert main(["runs"]) == 0
        line = next(line for line in capsys.readouterr().out.splitlines() if run.id in line)
        assert "running" in line and f"pid {pid}, headless `tui-nn train`" in line

        assert main(["attach", run.id]) == 2
        err = capsys.readouterr().err
        assert f"training headless in `tui-nn train` (pid {pid})" in err, err
        assert "no app can attach" in err and "not training" not in err
        assert main(["attach"]) == 2
        assert f"run {run.id} is training headless" in capsys.readouterr().err

        before = (run.path / "metrics.jsonl").stat().st_size
        for resume in (run.id, "latest"):  # a second trainer in the folder is refused
            assert main(["train", "--resume", resume, "--epochs", "1"]) == 2
            err = capsys.readouterr().err
            assert f"run {run.id} is already training in process {pid} (headless" in err, err
            assert f"kill -TERM {pid}" in err
        assert (run.path / "metrics.jsonl").stat().st_size >= before
        summaries = [
            line
            for line in (run.path / "metrics.jsonl").read_text().splitlines()
            if "summary" in line
        ]
        assert summaries == []  # no second run finished into its metrics

        code = train.signal(signal.SIGHUP)  # the terminal hung up: as SIGTERM
        err = train.stderr()
    finally:
        if train.process.poll() is None:
            train.process.kill()
            train.process.wait()
    assert code == 129, err
    assert "stopped by SIGHUP" in err and f"resume with `tui-nn train --resume {run.id}`" in err
    info = read_run_info(run.path)
    assert info["status"] == "stopped"
    _, state = read_checkpoint(run.path / "checkpoint.safetensors")
    assert state["step"] == info["steps"] > 0
    assert main(["train", "--resume", run.id, "--epochs", "1"]) == 0  # the lock is free again
    capsys.readouterr()


def test_one_trainer_per_run_folder_and_a_crash_leaves_no_stale_lock(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = RunSession.new(out, headless=True)
    trainer = Trainer(load_named("xor"))
    first.start(trainer)
    trainer.step_batch()
    first.checkpoint(trainer)
    with pytest.raises(TuiNnError, match=rf"already training in process {os.getpid()}"):
        RunSession.resume(out)  # asked before anything loads
    second = RunSession(out, resume=True)  # one that did not ask: refused as it takes the lock
    with pytest.raises(TuiNnError, match="already training"):
        second.start(Trainer(load_named("xor")))
    first.stop(trainer)
    RunSession.resume(out)  # free once the session closed

    # A trainer killed with SIGKILL leaves its lock file, and no lock.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from tui_nn.runs.lock import RunLock; "
            "lock = RunLock.acquire(Path(sys.argv[1]), headless=True); print('locked', flush=True); "
            "time.sleep(60)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    with pytest.raises(TuiNnError, match=rf"in process {holder.pid} \(headless"):
        RunSession.resume(out)
    holder.kill()
    holder.wait()
    resumed = RunSession.resume(out)
    continued = Trainer(load_named("xor"))
    resumed.start(continued)
    assert continued.state.step == 1
    resumed.stop(continued)


def test_an_app_trainer_holds_its_run_and_can_continue_it_itself(tmp_path: Path) -> None:
    from tui_nn.presets import preset_to_dict
    from tui_nn.trainer import protocol as p
    from tui_nn.trainer.connection import AppConnection
    from tui_nn.trainer.server import TrainerServer

    class Events(io.StringIO):
        """The app's end of the events: each line decoded into a queue, as it is written."""

        def __init__(self) -> None:
            super().__init__()
            self.queue: queue.Queue[p.Event] = queue.Queue()

        def write(self, text: str) -> int:
            for line in text.splitlines():
                self.queue.put(p.decode_event(line))
            return len(text)

        def close(self) -> None:  # the trainer closes its app's streams when it ends
            pass

    def paused_at(epoch: int) -> None:
        while True:
            event = events.queue.get(timeout=60)
            assert not isinstance(event, p.Error), event.message
            if isinstance(event, p.State) and (event.status, event.epoch) == ("paused", epoch):
                return

    read_fd, write_fd = os.pipe()
    commands, events = os.fdopen(write_fd, "w"), Events()

    def send(command: p.Command) -> None:
        commands.write(p.encode(command))
        commands.flush()

    connection = AppConnection(os.fdopen(read_fd), events)
    server = TrainerServer(connection, socket_path=str(tmp_path / "trainer.sock"))
    serving = threading.Thread(target=server.serve, daemon=True)
    serving.start()
    try:
        send(p.Load(preset_to_dict(load_named("circle"))))
        send(p.TrainEpoch())
        paused_at(1)  # its run is open, paused, after one epoch
        [run] = list_runs()
        match = rf"is open in process {os.getpid()} \(an app's trainer\)"
        with pytest.raises(TuiNnError, match=match):
            RunSession.resume(run.path)
        send(p.Resume(str(run.path)))  # the app continues its own run: no conflict
        send(p.TrainEpoch())
        paused_at(2)
        assert read_run_info(run.path)["epochs"] == 2
        send(p.Quit())  # the trainer closes the run as it ends
        serving.join(timeout=60)
        assert not serving.is_alive()
        assert read_run_info(run.path)["status"] == "stopped"
    finally:
        commands.close()
        serving.join(timeout=60)


def test_out_into_a_run_folder_is_refused_unless_it_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["train", "xor", "--out", str(out), "--json"]) == 0
    files = {path.name: path.read_bytes() for path in out.iterdir()}
    assert main(["train", "xor", "--out", str(out), "--epochs", "3", "--json"]) == 2
    err = capsys.readouterr().err
    assert f"holds a run already: continue it with `tui-nn train --resume {out}`" in err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == files  # left as it was
    other = tmp_path / "notes"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["train", "xor", "--out", str(other)]) == 2
    assert "is not empty" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", "xor", "--out", str(empty), "--json"]) == 0
    assert read_run_info(empty)["status"] == "done"


BLOWING_UP = """schema = 1
name = "nan"
[data]
set = "circle"
[[model.layers]]
units = 8
activation = "relu"
[[model.layers]]
units = 1
activation = "identity"
[train]
loss = "mse"
optimizer = "sgd"
learning_rate = 1e9
epochs = 50
"""


def test_a_run_that_blows_up_is_diverged_with_exit_status_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A finite blow-up: loss ~6e8 from ~2.3, accuracy at chance (it used to finish with exit 0).
    out = tmp_path / "blow-up"
    args = ["train", "mnist-like", "--lr", "1e9", "--epochs", "30", "--out", str(out), "--json"]
    assert main(args) == 3
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["status"] == "diverged" and summary["stop_reason"] == "diverged"
    assert "times its start" in summary["message"] and "smaller learning rate" in summary["message"]
    assert summary["epochs"] < 30
    assert read_run_info(out)["status"] == "diverged"
    # A loss that is no longer finite: the same status.
    preset = tmp_path / "nan.toml"
    preset.write_text(BLOWING_UP)
    assert main(["train", str(preset), "--json"]) == 3
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["status"] == "diverged" and "not finite" in summary["message"]


def test_the_blow_up_rule_spares_healthy_runs_and_resumes_with_its_start() -> None:
    from tui_nn.training.stop_rules import blew_up

    assert blew_up(6e8, 2.3, 8, 1e9) is not None
    assert blew_up(2.2, 2.3, 8, 0.1) is None  # falling
    assert blew_up(0.5, 0.001, 8, 0.1) is None  # 500 times a start near 0, but not 1 above it
    assert blew_up(50.0, 1.0, 8, 0.1) is None  # 50 times: a bad run, not a blow-up
    trainer = Trainer(load_named("mnist-like"))
    trainer.run(until_epoch=2)
    assert trainer.state.status == "paused" and trainer.start_loss == pytest.approx(2.3, abs=0.3)


def test_run_json_follows_the_epochs_at_most_once_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = RunSession.new(tmp_path / "run", info_every_s=0.0)
    trainer = Trainer(
        load_named("spiral"), on_event=session.record, on_epoch_end=session.epoch_ended
    )
    session.start(trainer)
    trainer.run(until_epoch=2)
    info = read_run_info(session.path)
    assert (info["status"], info["epochs"]) == ("running", 2)  # no checkpoint written yet
    assert "checkpoint_epoch" not in info
    session.stop(trainer)

    from tui_nn.runs.folder import RunFolder

    writes: list[dict] = []
    update = RunFolder.update
    monkeypatch.setattr(
        RunFolder, "update", lambda self, **f: (writes.append(f), update(self, **f))
    )
    session = RunSession.new(tmp_path / "other")  # the default: at most once a second
    trainer = Trainer(load_named("spiral"))
    session.start(trainer)
    started = time.monotonic()
    trainer.on_event = session.record
    trainer.event_interval_s = 0.0  # an event every ~20 ms check
    trainer.run(until_epoch=100)
    seconds = time.monotonic() - started
    progress = [fields for fields in writes if set(fields) == {"epochs"}]
    assert len(progress) <= seconds + 1
    session.stop(trainer)


def test_a_failed_start_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tui_nn.runs.folder import RunFolder

    def disk_full(self: RunFolder, *args: object, **kwargs: object) -> None:
        raise TuiNnError(f"cannot write to the run folder {self.path}: No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(RunFolder, "start", disk_full)
        assert main(["train", "xor"]) == 2
        assert "No space left on device" in capsys.readouterr().err
        assert not runs_root().exists() or list(runs_root().iterdir()) == []
        empty = tmp_path / "empty"
        empty.mkdir()
        assert main(["train", "xor", "--out", str(empty)]) == 2
        assert list(empty.iterdir()) == []
    data = tmp_path / "bad.csv"  # bad data: the run never starts
    data.write_text("x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n")
    preset = tmp_path / "mine.toml"
    preset.write_text(
        f'schema = 1\nname = "mine"\n[data]\nset = "csv"\npath = "{data}"\n'
        '[[model.layers]]\nunits = 1\nactivation = "sigmoid"\n'
    )
    assert main(["train", str(preset)]) == 2
    assert not runs_root().exists() or list(runs_root().iterdir()) == []
    capsys.readouterr()


def test_runs_shows_damaged_folders_apart_and_resume_latest_skips_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["train", "circle", "--epochs", "2", "--json"]) == 0
    [good] = list_runs()
    (runs_root() / "20991231-235959-xor").mkdir()  # newer than the good run, and empty
    (runs_root() / "20991231-235958-xor").mkdir()
    (runs_root() / "20991231-235958-xor" / "run.json").write_text("{not json")
    capsys.readouterr()
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    table, _, damaged = out.partition("damaged folders")
    assert good.id in table and "20991231" not in table
    assert "20991231-235959-xor: not a run folder (no run.json)" in damaged
    assert "20991231-235958-xor: cannot read" in damaged
    assert resolve_run("latest") == good.path
    assert main(["train", "--resume", "latest", "--epochs", "3", "--json"]) == 0
    assert read_run_info(good.path)["epochs"] == 3
    capsys.readouterr()


def test_train_into_a_closed_pipe_stops_with_a_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "run"
    train = TrainProcess(*SPIRAL_FOREVER, "--out", str(out))
    try:
        train.wait_for(lambda event: event["event"] == "metrics")
        assert train.process.stdout is not None
        train.process.stdout.close()  # as `| head` does once it has its lines
        code = train.process.wait(timeout=30)
        assert train.process.stderr is not None
        err = train.process.stderr.read()
    finally:
        if train.process.poll() is None:
            train.process.kill()
            train.process.wait()
    assert code == 141, err
    assert "BrokenPipeError" not in err and "Exception ignored" not in err
    assert "its output was closed" in err and "resume with" in err
    info = read_run_info(out)
    assert (info["status"], info["message"]) == ("stopped", "its output was closed")
    assert read_checkpoint(out / "checkpoint.safetensors")[1]["step"] == info["steps"]


class _ClosedPipe:
    """A stdout whose reader has gone: every write and flush raises BrokenPipeError."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def isatty(self) -> bool:
        return False


def test_listings_into_a_closed_pipe_end_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "xor", "--json"]) == 0
    capsys.readouterr()
    for command in (["runs"], ["presets"], ["devices"]):
        with monkeypatch.context() as patched:
            patched.setattr(sys, "stdout", _ClosedPipe())
            assert main(command) == 141
        assert capsys.readouterr().err == ""
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stdout", _ClosedPipe())  # plain lines, not JSON
        assert main(["train", "spiral", "--epochs", "1000000"]) == 141
    assert "its output was closed" in capsys.readouterr().err
