"""`tui-nn` starts its trainer before it imports the UI (issue 10), hands that trainer to the app,
and leaves none behind when the app does not start."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tui_nn.trainer import client
from tui_nn.trainer.client import TrainerProcess, TrainerSupply

# Runs `tui-nn no-such-preset` with the trainer's start wrapped: is Textual loaded at the spawn?
EARLY_START = """
import json, sys
from tui_nn.trainer import client
real_start = client.TrainerProcess.start
spawns = []
def start(self):
    textual = "textual" in sys.modules
    real_start(self)
    spawns.append({"textual": textual, "pid": self.pid, "socket": str(self.socket_path)})
client.TrainerProcess.start = start
from tui_nn.cli import main
code = main(["no-such-preset-here"])
print(json.dumps({"code": code, "spawns": spawns, "textual": "textual" in sys.modules}))
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def test_the_trainer_starts_before_textual_and_a_bad_preset_leaves_none(tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "TUI_NN_TIMING_LOG": ""}
    done = subprocess.run(
        [sys.executable, "-c", EARLY_START], capture_output=True, text=True, env=env, timeout=60
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 2
    assert "no-such-preset-here" in done.stderr
    assert result["textual"]  # the UI was loaded: the preset was refused after the spawn
    [spawn] = result["spawns"]
    assert spawn["textual"] is False
    assert not _alive(spawn["pid"])
    folder = Path(spawn["socket"]).parent
    assert not list(folder.glob("trainer-*")), "the killed trainer's socket or log was left"


class _Popen:
    """Stands in for the trainer's process: runs until killed."""

    spawned: list[list[str]] = []

    def __init__(self, argv: list[str], **options: Any) -> None:
        _Popen.spawned.append(argv)
        self.pid = 4242
        self.returncode: int | None = None
        self.killed = False

    def poll(self) -> int | None:
        return self.returncode

    def kill(self) -> None:
        self.killed = True
        self.returncode = -9

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            raise subprocess.TimeoutExpired("trainer", timeout or 0.0)
        return self.returncode


@pytest.fixture
def fake_spawn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(client.subprocess, "Popen", _Popen)
    _Popen.spawned = []
    return _Popen.spawned


def test_a_started_handle_starts_no_second_trainer(fake_spawn: list[list[str]]) -> None:
    process = TrainerProcess()
    process.start()
    process.start()  # what the app's link does with the trainer it is handed
    assert len(fake_spawn) == 1
    assert fake_spawn[0][1:3] == ["-m", "tui_nn.trainer.server"]


def test_a_trainer_never_reached_is_killed_at_once_and_cleaned_up(
    fake_spawn: list[list[str]], tmp_path: Path
) -> None:
    process = TrainerProcess()
    process.start()
    assert process.socket_path is not None
    process.socket_path.touch()  # as the trainer's listen would have made it
    began = time.monotonic()
    process.stop()
    assert time.monotonic() - began < 1.0  # no wait for a checkpoint it cannot have
    assert not process.running
    assert not list(process.socket_path.parent.glob("trainer-*"))


def test_the_supply_hands_out_its_started_trainer_first_then_new_ones(
    fake_spawn: list[list[str]],
) -> None:
    supply = TrainerSupply.started()
    assert len(fake_spawn) == 1
    first = supply()
    assert first.running and first.pid == 4242
    second = supply()  # a restart after a crash
    assert second is not first and second.pid is None
    supply.discard()  # taken: the app stops it, not the supply
    assert first.running


def test_discarding_an_untaken_trainer_stops_it(fake_spawn: list[list[str]]) -> None:
    first = TrainerProcess()
    first.start()
    supply = TrainerSupply(first)
    supply.discard()
    assert not first.running
    assert isinstance(supply(), TrainerProcess)  # and later ones are new
    assert len(fake_spawn) == 1


def test_a_supply_whose_trainer_cannot_start_has_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(self: TrainerProcess) -> None:
        raise OSError("no room")

    monkeypatch.setattr(TrainerProcess, "start", refuse)
    supply = TrainerSupply.started()  # the app's own start then says why
    assert supply().pid is None
