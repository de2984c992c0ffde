"""The trainer process and the app's handle on it: the JSON-lines protocol end to end."""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tui_nn.presets import load_named, preset_to_dict
from tui_nn.runner import TrainerProcess
from tui_nn.worker import training_threads

Event = dict[str, Any]


class Session:
    """A running trainer process whose events are read into a queue by a thread."""

    def __init__(self) -> None:
        self.process = TrainerProcess()
        self.process.start()
        self.events: queue.Queue[Event] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        for event in self.process.events():
            self.events.put(event)

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 30.0) -> Event:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if predicate(event):
                return event
        raise AssertionError("the expected event did not come")

    def state(self, status: str) -> Event:
        return self.wait_for(lambda e: e["event"] == "state" and e["status"] == status)


@pytest.fixture
def session():
    session = Session()
    yield session
    session.process.stop()
    assert not session.process.running


def load(session: Session, name: str, **train: Any) -> None:
    preset = load_named(name)
    if train:
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, **train))
    session.process.send("load", preset=preset_to_dict(preset))


def test_the_trainer_leaves_a_core_to_the_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert training_threads() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert training_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # the user's choice stands
    assert training_threads() is None


def test_ready_lists_devices_then_trains_to_the_summary(session: Session) -> None:
    ready = session.wait_for(lambda e: e["event"] == "ready")
    assert ready["devices"][0]["name"] == "cpu"
    if not os.environ.get("OMP_NUM_THREADS"):  # the trainer took every core but one
        threads = training_threads()
        assert ready["devices"][0]["description"] == f"CPU ({threads} threads)", ready["devices"]
    load(session, "xor")
    loaded = session.wait_for(lambda e: e["event"] == "loaded")
    assert (loaded["n_features"], loaded["n_classes"], loaded["parameters"]) == (2, 2, 17)
    assert loaded["overview"]["points"]["train"][3] == [1.0, 1.0, 0.0]
    session.process.send("start")
    summary = session.wait_for(lambda e: e["event"] == "summary")
    assert summary["train_acc"] == 1.0 and summary["converged"]


def test_pause_epoch_reset_and_learning_rate(session: Session) -> None:
    load(session, "spiral", epochs=100_000)
    session.state("idle")
    session.process.send("start")
    session.state("running")
    session.process.send("lr", value=0.002)
    session.wait_for(lambda e: e["event"] == "metrics" and e["lr"] == 0.002)
    session.process.send("pause")
    paused = session.state("paused")
    session.process.send("epoch")
    after = session.state("paused")
    assert after["epoch"] == paused["epoch"] + 1
    session.process.send("reset")
    assert session.state("idle")["epoch"] == 0


def test_views_send_snapshots_and_hand_set_weights_apply(session: Session) -> None:
    load(session, "sprinkler")
    session.process.send("views", enabled=True)
    session.wait_for(lambda e: e["event"] == "snapshot")
    session.process.send("set_weights", layers=[{"weights": [[1.0, 1.0]], "bias": [-1.5]}])
    snapshot = session.wait_for(
        lambda e: e["event"] == "snapshot" and e["layers"][0]["bias"] == [-1.5]
    )
    assert snapshot["layers"][0]["weights"] == [[1.0, 1.0]]
    assert len(snapshot["map"]["values"]) == snapshot["map"]["rows"]


def test_bad_commands_are_errors_and_the_process_keeps_serving(session: Session) -> None:
    session.process.send("start")
    assert "no preset is loaded" in session.wait_for(lambda e: e["event"] == "error")["message"]
    broken = preset_to_dict(load_named("xor"))
    broken["train"]["device"] = "cuda:5"
    session.process.send("load", preset=broken)
    assert "cuda:5" in session.wait_for(lambda e: e["event"] == "error")["message"]
    load(session, "nand")
    session.process.send("start")
    assert session.wait_for(lambda e: e["event"] == "summary")["converged"]


def test_an_idle_trainer_ends_when_its_app_leaves() -> None:
    session = Session()
    session.wait_for(lambda e: e["event"] == "ready")
    session.process.detach()
    session.process._process.wait(timeout=10)
    assert not session.process.running


def test_a_run_outlives_its_app_and_a_new_app_attaches(session: Session) -> None:
    load(session, "spiral", epochs=100_000)
    session.process.send("start")
    run = session.wait_for(lambda e: e["event"] == "run")
    session.wait_for(lambda e: e["event"] == "metrics")
    worker = session.process._process
    session.process.detach()  # the terminal went away
    time.sleep(1.0)
    assert worker.poll() is None, "the trainer stopped with its app"
    again = TrainerProcess.attach(session.process.socket_path)
    events = again.events()
    seen = {}
    for event in events:
        seen.setdefault(event["event"], event)
        if event["event"] == "metrics":
            break
    assert {"ready", "loaded", "run", "state"} <= seen.keys()
    assert seen["run"]["path"] == run["path"] and seen["state"]["status"] == "running"
    again.stop()
    assert worker.wait(timeout=10) == 0
    from pathlib import Path

    from tui_nn.runs import read_run_info

    assert read_run_info(Path(run["path"]))["status"] == "stopped"


def test_a_run_writes_its_folder(session: Session) -> None:
    load(session, "circle", epochs=5)
    session.process.send("start")
    run = session.wait_for(lambda e: e["event"] == "run")
    session.wait_for(lambda e: e["event"] == "summary")
    from pathlib import Path

    from tui_nn.runs import read_run_info

    folder = Path(run["path"])
    deadline = time.monotonic() + 10
    while read_run_info(folder).get("status") != "done":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (folder / "checkpoint.safetensors").is_file() and (
        folder / "model.safetensors"
    ).is_file()
    assert (folder / "metrics.jsonl").read_text().count("\n") >= 2


def test_sigterm_saves_a_checkpoint_and_ends(session: Session) -> None:
    import signal
    from pathlib import Path

    from tui_nn.checkpoint import read_checkpoint
    from tui_nn.runs import read_run_info

    load(session, "spiral", epochs=100_000)
    session.process.send("start")
    run = session.wait_for(lambda e: e["event"] == "run")
    session.wait_for(lambda e: e["event"] == "metrics")
    started = time.monotonic()
    session.process._process.send_signal(signal.SIGTERM)
    assert session.wait_for(lambda e: e["event"] == "exited")["returncode"] == 0
    assert time.monotonic() - started < 3
    folder = Path(run["path"])
    assert read_run_info(folder)["status"] == "stopped"
    assert read_checkpoint(folder / "checkpoint.safetensors")[1]["step"] > 0


def test_resume_continues_a_stopped_run_in_its_folder(session: Session) -> None:
    from pathlib import Path

    from tui_nn.runs import read_run_info

    load(session, "circle", epochs=6)
    session.process.send("start")
    run = session.wait_for(lambda e: e["event"] == "run")
    session.wait_for(lambda e: e["event"] == "summary")
    session.process.send("resume", path=run["path"])
    resumed = session.wait_for(lambda e: e["event"] == "state" and e["epoch"] == 6)
    assert resumed["status"] in ("done", "paused")
    folder = Path(run["path"])
    assert read_run_info(folder)["status"] in ("paused", "done")
