"""The trainer process and the app's handle on it: the protocol end to end."""

from __future__ import annotations

import dataclasses
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tui_nn.checkpoint import read_checkpoint
from tui_nn.devices import training_threads
from tui_nn.presets import load_named, preset_to_dict
from tui_nn.runs import read_run_info
from tui_nn.trainer import protocol as p
from tui_nn.trainer.client import TrainerProcess

E = TypeVar("E")


class Session:
    """A running trainer process whose events are read into a queue by a thread."""

    def __init__(self) -> None:
        self.process = TrainerProcess()
        self.process.start()
        self.events: queue.Queue[p.Event] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        for event in self.process.events():
            self.events.put(event)

    def wait_for(
        self, kind: type[E], predicate: Callable[[E], bool] = lambda e: True, timeout: float = 30.0
    ) -> E:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, kind) and predicate(event):
                return event
        raise AssertionError(f"no {kind.__name__} event came")

    def state(self, status: str) -> p.State:
        return self.wait_for(p.State, lambda e: e.status == status)


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
    session.process.send(p.Load(preset_to_dict(preset)))


def test_the_trainer_leaves_a_core_to_the_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert training_threads() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert training_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # the user's choice stands
    assert training_threads() is None


def test_ready_lists_devices_then_trains_to_the_summary(session: Session) -> None:
    ready = session.wait_for(p.Ready)
    assert ready.protocol == p.PROTOCOL_VERSION and ready.devices[0].name == "cpu"
    if not os.environ.get("OMP_NUM_THREADS"):  # the trainer took every core but one
        threads = training_threads()
        assert ready.devices[0].description == f"CPU ({threads} threads)", ready.devices
    load(session, "xor")
    loaded = session.wait_for(p.Loaded)
    assert (loaded.n_features, loaded.n_classes, loaded.parameters) == (2, 2, 17)
    assert loaded.steps_per_epoch == 1  # xor trains on its 4 rows in one batch
    assert loaded.overview["points"]["train"][3] == [1.0, 1.0, 0.0]
    session.process.send(p.Start())
    summary = session.wait_for(p.Summary)
    assert summary.train_acc == 1.0 and summary.converged


def test_pause_epoch_reset_and_learning_rate(session: Session) -> None:
    load(session, "spiral", epochs=100_000)
    session.state("idle")
    session.process.send(p.Start())
    session.state("running")
    session.process.send(p.SetLearningRate(0.002))
    session.wait_for(p.Metrics, lambda e: e.lr == 0.002)
    session.process.send(p.Pause())
    paused = session.state("paused")
    session.process.send(p.TrainEpoch())
    after = session.state("paused")
    assert after.epoch == paused.epoch + 1
    session.process.send(p.Reset())
    assert session.state("idle").epoch == 0


def test_views_send_snapshots_and_hand_set_weights_apply(session: Session) -> None:
    load(session, "sprinkler")
    session.process.send(p.SetViews(True))
    session.wait_for(p.Snapshot)
    session.process.send(p.SetWeights([p.LayerWeights([[1.0, 1.0]], [-1.5])]))
    snapshot = session.wait_for(p.Snapshot, lambda e: e.layers[0].get("bias") == [-1.5])
    assert snapshot.layers[0].get("weights") == [[1.0, 1.0]]
    assert snapshot.map is not None and len(snapshot.map["values"]) == snapshot.map["rows"]


def test_bad_commands_are_errors_and_the_process_keeps_serving(session: Session) -> None:
    session.process.send(p.Start())
    assert "no preset is loaded" in session.wait_for(p.Error).message
    broken = preset_to_dict(load_named("xor"))
    broken["train"]["device"] = "cuda:5"
    session.process.send(p.Load(broken))
    assert "cuda:5" in session.wait_for(p.Error).message
    load(session, "nand")
    session.process.send(p.Start())
    assert session.wait_for(p.Summary).converged


def test_an_idle_trainer_ends_when_its_app_leaves() -> None:
    session = Session()
    session.wait_for(p.Ready)
    session.process.detach()
    assert session.process.wait(timeout=10) == 0
    assert not session.process.running


def test_a_run_outlives_its_app_and_a_new_app_attaches(session: Session) -> None:
    load(session, "spiral", epochs=100_000)
    session.process.send(p.Start())
    run = session.wait_for(p.RunOpened)
    session.wait_for(p.Metrics)
    session.process.detach()  # the terminal went away
    assert session.process.wait(timeout=1.0) is None, "the trainer stopped with its app"
    assert session.process.socket_path is not None
    again = TrainerProcess.attach(session.process.socket_path)
    seen: dict[type[Any], Any] = {}
    for event in again.events():
        seen.setdefault(type(event), event)
        if isinstance(event, p.Metrics) and event.epochs:
            break
    assert {p.Ready, p.Loaded, p.RunOpened, p.History, p.State} <= seen.keys()
    assert seen[p.RunOpened].path == run.path and seen[p.State].status == "running"
    # The whole run so far, from its first epoch, then the live epochs right after it.
    recorded = [point.epoch for point in seen[p.History].epochs]
    assert recorded == list(range(1, len(recorded) + 1)) and recorded
    assert seen[p.Metrics].epochs[0].epoch == recorded[-1] + 1
    again.stop()
    assert session.process.wait(timeout=10) == 0
    assert read_run_info(Path(run.path))["status"] == "stopped"


def test_a_run_writes_its_folder(session: Session) -> None:
    load(session, "circle", epochs=5)
    session.process.send(p.Start())
    run = session.wait_for(p.RunOpened)
    session.wait_for(p.Summary)
    folder = Path(run.path)
    deadline = time.monotonic() + 10
    while read_run_info(folder).get("status") != "done":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (folder / "checkpoint.safetensors").is_file()
    assert (folder / "model.safetensors").is_file()
    lines = (folder / "metrics.jsonl").read_text().splitlines()
    events = [p.decode_event(line) for line in lines]
    assert len(events) >= 2 and isinstance(events[-1], p.Summary)


def test_sigterm_saves_a_checkpoint_and_ends(session: Session) -> None:
    load(session, "spiral", epochs=100_000)
    session.process.send(p.Start())
    run = session.wait_for(p.RunOpened)
    session.wait_for(p.Metrics)
    session.process.signal(signal.SIGTERM)
    assert session.wait_for(p.Exited).returncode == 0
    folder = Path(run.path)
    assert read_run_info(folder)["status"] == "stopped"
    # Stopped by the signal, not by its budget (minutes away): it ended mid-run.
    assert 0 < read_checkpoint(folder / "checkpoint.safetensors")[1]["epoch"] < 100_000


def test_resume_continues_a_stopped_run_in_its_folder(session: Session) -> None:
    load(session, "circle", epochs=6)
    session.process.send(p.Start())
    run = session.wait_for(p.RunOpened)
    session.wait_for(p.Summary)
    session.process.send(p.Resume(run.path))
    resumed = session.wait_for(p.State, lambda e: e.epoch == 6)
    assert resumed.status in ("done", "paused")
    assert read_run_info(Path(run.path))["status"] in ("paused", "done")


def test_a_paused_run_is_checkpointed_and_says_running_when_it_goes_on(session: Session) -> None:
    load(session, "spiral", epochs=100_000)
    session.process.send(p.Start())
    folder = Path(session.wait_for(p.RunOpened).path)
    session.wait_for(p.Metrics)
    session.process.send(p.Pause())
    paused = session.state("paused")
    assert read_run_info(folder)["status"] == "paused"
    assert read_checkpoint(folder / "checkpoint.safetensors")[1]["step"] == paused.step
    session.process.send(p.Start())
    session.state("running")
    assert read_run_info(folder)["status"] == "running"  # `tui-nn attach` finds it again


def test_loaded_says_what_the_loader_guessed(session: Session, tmp_path: Path) -> None:
    from tui_nn.presets.from_csv import preset_from_csv

    csv = tmp_path / "points.csv"
    rows = [f"{i % 7};{(i * 3) % 5};{i % 2}" for i in range(40)]
    csv.write_text("a;b;label\n" + "\n".join(rows) + "\n")
    preset, _ = preset_from_csv(csv)
    session.process.send(p.Load(preset_to_dict(preset)))
    loaded = session.wait_for(p.Loaded)
    assert "';'-separated" in loaded.data_note and "\n" not in loaded.data_note
