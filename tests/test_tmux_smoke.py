"""Smoke test in a real terminal: the app started in tmux at 120x40, xor trained with space pressed
at the very first frame, the screen read back (the loss curve from the first epoch across the
plot), then quit with q. Needs tmux (skipped, saying so, where it is missing)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tui_nn.runs import pid_alive
from tui_nn.runs.record import RunRecord

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

TIMEOUT_S = 60.0  # Textual, then torch in the trainer, on a loaded 2-core machine


class Tmux:
    def __init__(self, socket: str, session: str) -> None:
        self.socket, self.session = socket, session

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, timeout: float = TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear; the screen:\n{self.screen()}")

    def pane(self, field: str) -> str:
        return self.run("display-message", "-p", "-t", self.session, f"#{{{field}}}").strip()


@pytest.fixture
def tmux(tmp_path):
    socket = f"tui-nn-test-{uuid.uuid4().hex[:8]}"
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    status_file = tmp_path / "exit-status"
    # The exit status goes to a file: tmux does not always report a dead pane's.
    # Without COLUMNS and LINES (a test runner may set them): the size is the terminal's.
    app = f"env -u COLUMNS -u LINES {exports} {shlex.quote(sys.executable)} -m tui_nn xor"
    command = f"sh -c {shlex.quote(f'{app}; echo $? > {shlex.quote(str(status_file))}')}"
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-x", "120", "-y", "40", "-s", "app", command],
        check=True,
        timeout=10,
        cwd=Path(__file__).resolve().parent.parent,
    )
    terminal = Tmux(socket, "app")
    terminal.run("set-option", "-t", "app", "remain-on-exit", "on")
    try:
        yield terminal, tmp_path / "data" / "tui-nn" / "runs", status_file
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


def loss_plot_marks(screen: str) -> tuple[int, int, int]:
    """The loss plot's marked cells: how many, how many in the first tenth of its width, and
    its width (the plot is the box under the "Loss" line, right of the sidebar)."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if "Loss" in line) + 1
    left = lines[top].index("┌")
    right = lines[top].index("┐", left)
    bottom = next(i for i in range(top + 1, len(lines)) if "└" in lines[i][left - 1 : right + 1])
    rows = [line[left + 1 : right] for line in lines[top + 1 : bottom]]
    marked = [(row, col) for row, text in enumerate(rows) for col, c in enumerate(text) if c == "•"]
    width = right - left - 1
    return len(marked), sum(col < width / 10 for _, col in marked), width


def test_xor_trains_in_tmux_and_quits_cleanly(tmux):
    terminal, runs, status_file = tmux
    terminal.wait_for("tui-nn")  # the first frame: the trainer is still starting
    terminal.run("send-keys", "-t", "app", "Space")
    screen = terminal.wait_for("DONE")  # XOR learned, at the preset's pace of 20 steps a second
    for text in ("Presets", "xor", "Loss", "Accuracy", "acc 100.0%", "space Run", "q Quit"):
        assert text in screen, (text, screen)
    screen = terminal.wait_for("100%┤")  # the accuracy plot shows it (4 redraws a second)
    marks, first_tenth, width = loss_plot_marks(screen)
    assert marks >= 40 and first_tenth > 0, (marks, first_tenth, width, screen)

    terminal.run("send-keys", "-t", "app", "q")
    asked = False
    deadline = time.monotonic() + 15
    while terminal.pane("pane_dead") != "1" and time.monotonic() < deadline:
        if not asked and "Quit tui-nn" in terminal.screen():
            terminal.run("send-keys", "-t", "app", "s")  # still training: stop and quit
            asked = True
        time.sleep(0.1)
    assert terminal.pane("pane_dead") == "1", terminal.screen()
    assert status_file.read_text().strip() == "0", terminal.screen()

    (run,) = runs.iterdir()
    info = json.loads((run / "run.json").read_text())
    assert info["status"] in ("done", "stopped", "paused"), info
    assert not pid_alive(info["pid"]), "the trainer process is still there"
    assert os.path.getsize(run / "metrics.jsonl") > 0
    epochs = [point.epoch for point in RunRecord.read(run / "metrics.jsonl").epochs]
    assert epochs == list(range(1, info["epochs"] + 1)), epochs  # every epoch, from the first
