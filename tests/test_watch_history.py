"""A run's history at the resolution of training, at a pace a person can follow: the engine's
per-epoch losses and evaluation schedule, and the trainer's pace, single steps, history for a
joining app and `n` after DONE, in process (the real `TrainerServer` on in-memory streams)."""

from __future__ import annotations

import dataclasses
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tui_nn.presets import load_named, preset_to_dict
from tui_nn.runs.record import RunRecord
from tui_nn.trainer import protocol as p
from tui_nn.trainer.connection import AppConnection
from tui_nn.trainer.pace import PACES, Pace, faster, slower
from tui_nn.trainer.server import TrainerServer
from tui_nn.training import Trainer
from tui_nn.training.eval_schedule import evaluation_interval
from tui_nn.training.metrics_window import DENSE_EPOCHS, epoch_stride

E = TypeVar("E")


class InProcessTrainer:
    """The real `TrainerServer` in a thread, on a pipe: commands go in one at a time, events
    come out decoded, as an app sees them."""

    def __init__(self) -> None:
        read_end, self._write_end = os.pipe()
        self.events: queue.Queue[p.Event] = queue.Queue()
        self.seen: list[p.Event] = []
        reader = open(read_end, encoding="utf-8")
        self._commands = open(self._write_end, "w", encoding="utf-8")
        connection = AppConnection(reader, _Events(self.events))
        self.thread = threading.Thread(target=TrainerServer(connection).serve, daemon=True)
        self.thread.start()

    def send(self, *commands: p.Command) -> None:
        for command in commands:
            self._commands.write(p.encode(command))
        self._commands.flush()

    def wait_for(self, kind: type[E], predicate: Callable[[E], bool] = lambda e: True) -> E:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(event)
            if isinstance(event, kind) and predicate(event):
                return event
        raise AssertionError(f"no {kind.__name__} came")

    def close(self) -> list[p.Event]:
        """Quit; every event it sent."""
        if not self._commands.closed:
            self.send(p.Quit())
            self._commands.close()
        self.thread.join(timeout=30)
        while not self.events.empty():
            self.seen.append(self.events.get())
        return self.seen


class _Events:
    def __init__(self, events: queue.Queue[p.Event]) -> None:
        self.events = events

    def write(self, line: str) -> None:
        self.events.put(p.decode_event(line))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def trainer() -> Iterator[InProcessTrainer]:
    serving = InProcessTrainer()
    yield serving
    serving.close()


def load(name: str, **train: object) -> p.Load:
    preset = load_named(name)
    preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, **train))
    return p.Load(preset_to_dict(preset))


def epochs_of(events: list[p.Event]) -> list[int]:
    return [point.epoch for e in events if isinstance(e, p.Metrics) for point in e.epochs]


# -- the engine ----------------------------------------------------------------------------


def test_every_epoch_has_its_training_loss_and_the_target_stops_the_run_where_it_is_met() -> None:
    events: list[p.Metrics] = []
    trainer = Trainer(load_named("xor"), on_event=events.append)
    trainer.run()
    points = [point for event in events for point in event.epochs]
    assert [point.epoch for point in points] == list(range(1, trainer.state.epoch + 1))
    assert all(point.step == point.epoch for point in points)  # xor: one step an epoch
    # xor's loss reaches its target of 0.01 near epoch 50: the run stops there, not at the
    # next scheduled evaluation, and says the figures of that evaluation.
    assert trainer.state.stop_reason == "target_loss" and trainer.state.epoch < 100
    summary = trainer.summary()
    assert summary.train_loss is not None and summary.train_loss <= 0.01
    assert summary.epochs == trainer.state.epoch


def test_the_same_seed_ends_with_the_same_figures() -> None:
    preset = load_named("xor")  # stops by its target, where the evaluations say
    first, second = Trainer(preset), Trainer(preset)
    first.run()
    second.run(check_interval_s=0.0)  # other timings, the same run
    a, b = first.summary(), second.summary()
    assert (a.epochs, a.steps, a.train_loss, a.test_loss, a.test_acc) == (
        b.epochs,
        b.steps,
        b.train_loss,
        b.test_loss,
        b.test_acc,
    )


def test_evaluations_are_scheduled_by_their_cost() -> None:
    assert evaluation_interval(60_000, 10_000, 938) == 1  # MNIST: cheap next to an epoch
    assert evaluation_interval(1438, 359, 23) == 1  # mnist-like
    # A full batch: an evaluation costs about a third of a step (xor, and larger sets alike).
    assert 2 <= evaluation_interval(4, 0, 1) == evaluation_interval(1000, 0, 1) <= 8
    assert evaluation_interval(1000, 0, 32) == 1  # mini-batches: an epoch of many steps


def test_long_runs_are_thinned_out_by_a_stated_rule() -> None:
    assert [epoch_stride(e) for e in (1, DENSE_EPOCHS)] == [1, 1]
    assert epoch_stride(DENSE_EPOCHS + 1) == 2 and epoch_stride(2 * DENSE_EPOCHS) == 2
    assert epoch_stride(2 * DENSE_EPOCHS + 1) == 4
    kept = [e for e in range(1, 1_000_001) if e % epoch_stride(e) == 0]
    assert len(kept) < 50_000  # a million epochs: bounded points, in memory and in the file
    assert kept[:3] == [1, 2, 3] and kept[-1] == 1_000_000 - 1_000_000 % epoch_stride(1_000_000)


def test_a_recorded_history_reads_back_up_to_a_step(tmp_path: Path) -> None:
    lines = [
        p.Metrics(1, 1, 0.5, 1.0, 0.1, 0.1, "running", epochs=[p.EpochLoss(1, 1, 0.5)]),
        p.Metrics(2, 2, None, 1.0, 0.2, 0.1, "running"),  # nothing for the record
        p.Metrics(3, 3, 0.4, 1.0, 0.3, 0.1, "running", epochs=[p.EpochLoss(3, 3, 0.4)]),
    ]
    file = tmp_path / "metrics.jsonl"
    file.write_text("".join(p.encode(line) for line in lines) + '{"event":"metr')  # a cut write
    assert [e.epoch for e in RunRecord.read(file).epochs] == [1, 3]
    assert [e.epoch for e in RunRecord.read(file, until_step=2).epochs] == [1]
    assert RunRecord.read(tmp_path / "missing.jsonl").epochs == []


# -- the trainer: pace, steps, n after DONE -------------------------------------------------


def test_paces_step_from_full_speed_down_and_back() -> None:
    down, pace = [], None
    for _ in PACES:
        pace = slower(pace)
        down.append(pace)
    assert down == [*PACES[1:], PACES[-1]]
    up = [faster(value) for value in PACES[1:]]
    assert up == [None, *PACES[1:-1]]
    with pytest.raises(Exception, match="positive"):
        Pace().set(-1.0)


def test_at_a_pace_every_step_is_sent_with_its_views_and_takes_its_time(
    trainer: InProcessTrainer,
) -> None:
    started = time.monotonic()
    trainer.send(load("xor", pace=None), p.SetViews(True), p.SetPace(200.0), p.Start())
    done = trainer.wait_for(p.Summary)
    took = time.monotonic() - started
    events = trainer.close()
    steps = [m.step for m in events if isinstance(m, p.Metrics)]
    assert steps == list(range(1, done.steps + 1))  # one event for every step
    assert epochs_of(events) == list(range(1, done.epochs + 1))
    assert took >= (done.steps - 1) / 200.0
    assert any(isinstance(e, p.State) and e.pace == 200.0 for e in events), "State says it"


def test_at_a_slow_pace_the_views_follow_every_step(trainer: InProcessTrainer) -> None:
    trainer.send(load("xor", epochs=8, target_loss=None), p.SetViews(True), p.SetPace(30.0))
    trainer.send(p.Start())
    trainer.wait_for(p.Summary)
    snapshots = {e.step for e in trainer.close() if isinstance(e, p.Snapshot)}
    assert set(range(1, 9)) <= snapshots


def test_the_pace_changes_while_training(trainer: InProcessTrainer) -> None:
    trainer.send(load("circle", epochs=100_000), p.SetPace(5.0), p.Start())
    trainer.wait_for(p.Metrics, lambda e: e.step == 1)
    trainer.send(p.SetPace(None))  # full speed from here: hundreds of steps at once
    trainer.wait_for(p.Metrics, lambda e: e.step > 200)
    trainer.send(p.Pause())
    assert trainer.wait_for(p.State, lambda e: e.status == "paused").pace is None


def test_one_step_then_pause(trainer: InProcessTrainer) -> None:
    trainer.send(load("xor"), p.TrainStep())
    trainer.wait_for(p.State, lambda e: e.status == "paused" and e.step == 1)
    trainer.send(p.TrainStep())
    trainer.wait_for(p.State, lambda e: e.status == "paused" and e.step == 2)
    assert epochs_of(trainer.close()) == [1, 2]


def test_n_after_done_trains_one_more_epoch_in_the_same_run(trainer: InProcessTrainer) -> None:
    trainer.send(load("circle", epochs=3), p.Start())
    assert trainer.wait_for(p.Summary).epochs == 3
    trainer.send(p.TrainEpoch())
    assert trainer.wait_for(p.Summary).epochs == 4
    events = trainer.close()
    runs = {e.path for e in events if isinstance(e, p.RunOpened)}
    assert epochs_of(events) == [1, 2, 3, 4] and len(runs) == 1
    folder = Path(runs.pop())
    assert [e.epoch for e in RunRecord.read(folder / "metrics.jsonl").epochs] == [1, 2, 3, 4]


def test_a_diverged_run_does_not_go_on(trainer: InProcessTrainer) -> None:
    trainer.send(load("mnist-like", learning_rate=1e9, epochs=30), p.Start())
    assert trainer.wait_for(p.Summary).status == "diverged"
    trainer.send(p.TrainEpoch())
    assert trainer.wait_for(p.State).status == "diverged"
    events = trainer.close()
    assert [e.status for e in events if isinstance(e, p.Summary)] == ["diverged"]
    losses = [point.train_loss for e in events if isinstance(e, p.Metrics) for point in e.epochs]
    assert all(math.isfinite(loss) for loss in losses)


def test_a_new_epoch_budget_applies_while_training_and_lets_an_ended_run_go_on(
    trainer: InProcessTrainer,
) -> None:
    trainer.send(load("circle", epochs=100_000), p.Start())
    trainer.wait_for(p.Metrics, lambda e: e.epoch >= 1)
    trainer.send(p.SetEpochs(3))  # below or at the run's epoch: it ends at once
    done = trainer.wait_for(p.Summary)
    assert done.stop_reason == "epochs" and done.epochs == max(3, done.epochs)
    trainer.send(p.SetEpochs(done.epochs + 2), p.Start())
    again = trainer.wait_for(p.Summary)
    assert again.epochs == done.epochs + 2
    runs = {e.path for e in trainer.close() if isinstance(e, p.RunOpened)}
    assert len(runs) == 1  # the same run, gone on


def test_evaluations_are_thinned_like_the_epochs_in_a_long_run() -> None:
    preset = load_named("xor")
    train = dataclasses.replace(preset.train, target_loss=None, epochs=10**7)
    events: list[p.Metrics] = []
    trainer = Trainer(dataclasses.replace(preset, train=train), on_event=events.append)
    far = 4 * DENSE_EPOCHS  # far along: a point stands for 8 epochs
    trainer.state.epoch = far
    trainer.run(until_epoch=far + 64)
    evals = [point.epoch for event in events for point in event.evals]
    assert trainer.eval_every_epochs == 4  # evaluated every 4 epochs, one in 8 epochs kept
    assert evals == [far + 4, *range(far + 8, far + 65, 8)]
    points = [point.epoch for event in events for point in event.epochs]
    assert points == list(range(far + 8, far + 65, 8))
