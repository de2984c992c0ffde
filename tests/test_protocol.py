"""The app-trainer protocol: every message round-trips, bad lines are one-line errors, and the real
trainer process, driven through every command, sends only events that decode."""

from __future__ import annotations

import dataclasses
import queue
import subprocess
import sys
import threading
import time
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_nn.presets import load_named, preset_to_dict
from tui_nn.trainer import protocol as p
from tui_nn.trainer.client import TrainerProcess

EXAMPLES: list[p.Message] = [
    p.Load(preset={"name": "x", "train": {"epochs": 3}}),
    p.Resume(path="/tmp/run"),
    p.Start(),
    p.Pause(),
    p.TrainEpoch(),
    p.TrainStep(),
    p.SetPace(10.0),
    p.SetPace(None),
    p.Reset(),
    p.SetLearningRate(0.5),
    p.SetEpochs(40),
    p.SetViews(False),
    p.SetWeights([p.LayerWeights([[1.0, -2.0]], [0.5]), p.LayerWeights(None, [1.0])]),
    p.WatchBackprop(2),
    p.WatchBackprop(None),
    p.BackpropStep(0),
    p.Quit(),
    p.Ready(p.PROTOCOL_VERSION, [p.DeviceInfo("cpu", "CPU (1 threads)", None)], 42),
    p.Loaded("xor", "cpu", 2, 2, ["x1", "x2"], "classification", 4, 0, 17, 1, {"set": "xor"}),
    p.RunOpened("/tmp/run"),
    p.State("paused", 3, 3, "", 0.1, [p.StopMark(3, 3, "target_loss")]),
    p.Metrics(
        5, 5, 0.25, 100.0, 0.5, 0.1, "running", evals=[p.EvalPoint(5, 5, 0.2, None, 1.0, None)]
    ),
    p.Metrics(6, 6, 0.2, 100.0, 0.6, 0.1, "running", epochs=[p.EpochLoss(6, 6, 0.2)]),
    p.History([p.EpochLoss(1, 1, 0.7)], [p.EvalPoint(1, 1, 0.6, None, 0.5, None)]),
    p.DeviceStats("cpu", 12.5, 80_000_000, 1e5, 3.0, None, "CPU run: no GPU figures"),
    p.DeviceStats("cuda:0", 99.0, 2**30, None, None, p.GpuStats("H200", 1, 2, 50.0, 41.0)),
    p.Snapshot(1, 1, [{"activation": "tanh", "shape": [2, 2]}], curve={"x": [0.0], "y": [1.0]}),
    p.Summary(
        "xor", "cpu", "done", 9, 9, 0.01, None, 1.0, None, 0.2, 180.0, True, "target_loss", "ok"
    ),
    p.Backprop(3, 12, None, "the perceptron rule has no gradients"),
    p.Error("something went wrong"),
    p.Exited(1, "Traceback: ..."),
]


def test_every_message_kind_has_an_example() -> None:
    kinds = set(typing.get_args(p.Command)) | set(typing.get_args(p.Event))
    assert kinds == {type(message) for message in EXAMPLES}


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_messages_round_trip_through_one_line(message: p.Message) -> None:
    line = p.encode(message)
    assert line.endswith("\n") and line.count("\n") == 1
    is_command = isinstance(message, typing.get_args(p.Command))
    back = p.decode_command(line) if is_command else p.decode_event(line)
    assert back == message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("not json", "not a JSON line"),
        ("[1, 2]", "a message is a JSON object"),
        ('{"event": "launch"}', "unknown event 'launch'"),
        ('{"event": "error"}', "the field 'message' is missing"),
        ('{"event": "run", "path": 3}', "run.path: expected a string"),
        (
            '{"event": "state", "status": "flying"}',
            "state.status: expected 'idle' or",
        ),
        (
            '{"event": "metrics", "epoch": true, "step": 1, "train_loss": null, '
            '"samples_per_s": 1, "elapsed_s": 1, "lr": 1, "status": "running"}',
            "metrics.epoch: expected a whole number",
        ),
    ],
)
def test_bad_lines_are_one_line_protocol_errors(line: str, expected: str) -> None:
    with pytest.raises(p.ProtocolError) as caught:
        p.decode_event(line)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_numbers_decode_to_their_declared_types() -> None:
    # JSON has one number type: an integer learning rate is a float on arrival.
    command = p.decode_command('{"cmd": "lr", "value": 1}')
    assert command == p.SetLearningRate(1.0) and isinstance(command.value, float)
    with pytest.raises(p.ProtocolError):
        p.decode_command('{"cmd": "lr", "value": "fast"}')


def test_another_protocol_version_is_refused_with_both_versions() -> None:
    with pytest.raises(p.VersionMismatch) as caught:
        p.check_version(p.Ready(p.PROTOCOL_VERSION + 1, [], 1))
    message = str(caught.value)
    assert str(p.PROTOCOL_VERSION + 1) in message and str(p.PROTOCOL_VERSION) in message


def test_the_client_refuses_a_trainer_of_another_version(tmp_path: Path) -> None:
    """A fake trainer on a socket that greets with another version: the app is told why."""
    import socket

    path = tmp_path / "t.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def greet() -> None:
        connection, _ = listener.accept()
        ready = p.Ready(p.PROTOCOL_VERSION + 1, [], 1)
        connection.sendall(p.encode(ready).encode())
        connection.sendall(p.encode(p.State("idle")).encode())
        time.sleep(0.5)
        connection.close()

    threading.Thread(target=greet, daemon=True).start()
    events = list(TrainerProcess.attach(path).events())
    listener.close()
    assert len(events) == 1 and isinstance(events[0], p.Exited)
    assert f"protocol version {p.PROTOCOL_VERSION + 1}" in events[0].stderr


class RawTrainer:
    """The real trainer process over stdin/stdout, its output read line by line, undecoded."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_nn.trainer.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, command: p.Command) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(p.encode(command))
        self.process.stdin.flush()

    def events(self, timeout: float = 60.0) -> Iterator[p.Event]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                return
            yield p.decode_event(line)  # a line that does not decode fails the test
        raise AssertionError("the trainer went quiet")

    def until(self, kind: type[p.Event], **fields: object) -> list[p.Event]:
        seen = []
        for event in self.events():
            seen.append(event)
            if isinstance(event, kind) and all(
                getattr(event, key) == value for key, value in fields.items()
            ):
                return seen
        raise AssertionError(f"no {kind.__name__} with {fields}; saw {seen[-5:]}")


def test_the_real_trainer_answers_every_command_with_events_that_decode() -> None:
    trainer = RawTrainer()
    seen: list[p.Event] = []
    try:
        trainer.send(p.Start())  # nothing loaded yet: an error, and the trainer keeps serving
        seen += trainer.until(p.Error)
        preset = load_named("sprinkler")
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, epochs=50))
        trainer.send(p.Load(preset_to_dict(preset)))
        seen += trainer.until(p.State, status="idle")
        trainer.send(p.SetViews(True))
        seen += trainer.until(p.Snapshot)
        trainer.send(p.SetLearningRate(0.5))
        seen += trainer.until(p.State, lr=0.5)
        trainer.send(p.SetWeights([p.LayerWeights([[0.0, 0.0]], [0.0])]))
        seen += trainer.until(p.Snapshot)
        trainer.send(p.TrainEpoch())
        seen += trainer.until(p.State, status="paused", epoch=1)
        trainer.send(p.Pause())
        seen += trainer.until(p.State, status="paused")
        trainer.send(p.Start())
        seen += trainer.until(p.Summary)
        run = next(event for event in seen if isinstance(event, p.RunOpened))
        trainer.send(p.Reset())
        seen += trainer.until(p.State, status="idle", epoch=0)
        trainer.send(p.Resume(run.path))
        seen += trainer.until(p.RunOpened, path=run.path)
        trainer.send(p.WatchBackprop(0))  # a perceptron: a Backprop without a result, and why
        seen += trainer.until(p.Backprop, result=None)
        trainer.send(p.Load(preset_to_dict(load_named("backprop"))))
        trainer.send(p.BackpropStep(1))
        seen += trainer.until(p.Backprop, step=1)
        trainer.send(p.WatchBackprop(None))
        trainer.send(p.Quit())
        seen += list(trainer.events())
        assert trainer.process.wait(timeout=10) == 0
    finally:
        if trainer.process.poll() is None:
            trainer.process.kill()
    kinds = {type(event) for event in seen}
    expected = set(typing.get_args(p.Event)) - {p.Exited}  # Exited is the client's own
    assert expected <= kinds, expected - kinds
    ready = next(event for event in seen if isinstance(event, p.Ready))
    assert seen[0] is ready and ready.protocol == p.PROTOCOL_VERSION
    lines = (Path(run.path) / "metrics.jsonl").read_text().splitlines()
    assert lines and all(isinstance(p.decode_event(line), p.Metrics | p.Summary) for line in lines)
