"""The app in a pseudo-terminal, as a person's terminal runs it.

(a) The terminal goes away while training (its pty master closes: the kernel sends SIGHUP): the app
    ends, the run keeps training in its trainer, and `tui-nn attach` in a new terminal shows it
    going on; quitting there with "stop" ends it after a checkpoint.
(b, c) SIGINT and SIGTERM to the app: it exits within 3 s, the run folder holds a loadable
    checkpoint, the trainer process is gone, and the terminal is restored (mouse reporting off,
    the alternate screen left) exactly as on a normal quit.

Each app start imports Textual (about a second) and its trainer imports torch (two to four):
timeouts are generous, the waits are for what the screen shows.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

from tui_nn.checkpoint import read_checkpoint
from tui_nn.runs import pid_alive

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

START_TIMEOUT = 40.0  # Textual, then torch in the trainer, on a loaded machine
EPOCHS = 1_000_000
_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")

# What Textual writes when the app quits normally (checked against a real quit in test (a)):
# bracketed paste off, the four mouse modes off, the alternate screen left, the cursor shown.
RESTORE = [
    b"\x1b[?2004l",
    b"\x1b[?1000l",
    b"\x1b[?1003l",
    b"\x1b[?1015l",
    b"\x1b[?1006l",
    b"\x1b[?1049l",
    b"\x1b[?25h",
]


class Terminal:
    """A program in a pseudo-terminal that is its controlling terminal (so that closing the
    master sends it SIGHUP, as a closed terminal window or a dropped SSH connection does)."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (100, 30)):
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def take_terminal() -> None:  # runs in the child, after setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows)),
            start_new_session=True,
            preexec_fn=take_terminal,
        )
        os.close(slave)
        self.output = b""
        self.closed = False

    def read(self, timeout: float) -> None:
        if self.closed:
            time.sleep(timeout)
            return
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):  # EIO once the program has gone
                self.output += os.read(self.master, 1 << 16)

    def text(self, since: int = 0) -> str:
        return _ESCAPES.sub(b"", self.output[since:]).decode("utf-8", "replace")

    def wait_for(self, text: str, timeout: float = 20.0, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text(since):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} not on the screen within {timeout} s; it shows: "
                    f"{self.text()[-1500:]!r}"
                )
            if self.process.poll() is not None:
                self.read(0.2)
                if text in self.text(since):
                    return
                raise AssertionError(
                    f"the program ended ({self.process.returncode}): {self.text()[-1500:]!r}"
                )
            self.read(0.05)

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_exit(self, timeout: float, reading: bool = True) -> float:
        """Seconds until the program exits (reading its output meanwhile, unless the terminal
        is `reading=False`: stalled); fails after timeout."""
        started = time.monotonic()
        while self.process.poll() is None:
            if time.monotonic() - started > timeout:
                raise AssertionError(f"still running after {timeout} s: {self.text()[-800:]!r}")
            if reading:
                self.read(0.02)
            else:
                time.sleep(0.02)
        elapsed = time.monotonic() - started
        for _ in range(5):  # what it wrote last
            self.read(0.02)
        return elapsed

    def close_master(self) -> None:
        os.close(self.master)
        self.closed = True

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if not self.closed:
            os.close(self.master)
            self.closed = True


@pytest.fixture
def session(tmp_path):
    """The environment, the preset (spiral with an endless epoch budget), and cleanup: the
    terminals and any trainer a failed test left running."""
    preset = Path(__file__).resolve().parents[1] / "presets" / "spiral.toml"
    text = re.sub(r"(?m)^epochs = .*$", f"epochs = {EPOCHS}", preset.read_text())
    long_preset = tmp_path / "long-spiral.toml"
    long_preset.write_text(text)
    env = dict(
        os.environ,
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    env.pop("TUI_NN_ASCII", None)
    state: dict[str, Any] = {
        "env": env,
        "preset": str(long_preset),
        "runs": tmp_path / "data" / "tui-nn" / "runs",
        "terminals": [],
    }

    def open_terminal(*args: str) -> Terminal:
        terminal = Terminal([sys.executable, "-m", "tui_nn", *args], env)
        state["terminals"].append(terminal)
        return terminal

    state["open"] = open_terminal
    yield state
    for terminal in state["terminals"]:
        terminal.close()
    for info_file in state["runs"].glob("*/run.json"):
        with contextlib.suppress(OSError, ValueError):
            pid = json.loads(info_file.read_text()).get("pid")
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def the_run(runs: Path, terminal: Terminal, timeout: float = 20.0) -> tuple[Path, dict[str, Any]]:
    """The run folder once it is training (run.json running with a socket, metrics written).
    The terminal's output is read meanwhile, as a terminal does (a full pty blocks the app)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for info_file in runs.glob("*/run.json"):
            with contextlib.suppress(OSError, ValueError):
                info = json.loads(info_file.read_text())
                metrics = info_file.parent / "metrics.jsonl"
                if (
                    info.get("status") == "running"
                    and info.get("socket")
                    and metrics.stat().st_size
                ):
                    return info_file.parent, info
        terminal.read(0.05)
    raise AssertionError(f"no run is training in {runs}")


def start_training(session: dict[str, Any]) -> tuple[Terminal, Path, dict[str, Any]]:
    app = session["open"](session["preset"])
    app.wait_for("IDLE", START_TIMEOUT)
    app.press(b" ")
    app.wait_for("RUNNING", START_TIMEOUT)
    folder, info = the_run(session["runs"], app)
    return app, folder, info


def wait_gone(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"the trainer process {pid} is still there"
        time.sleep(0.05)


def epochs_shown(terminal: Terminal, since: int) -> list[int]:
    return [int(n) for n in re.findall(rf"ep (\d+)/{EPOCHS}", terminal.text(since))]


def test_a_closed_terminal_leaves_the_run_training_and_attach_shows_it(session):
    app, folder, info = start_training(session)
    pid = info["pid"]
    app.close_master()  # the terminal goes away: the kernel hangs the app up
    app.wait_exit(5.0)
    assert app.process.returncode == 128 + signal.SIGHUP

    assert pid_alive(pid), "the trainer ended with its terminal"
    size = (folder / "metrics.jsonl").stat().st_size
    deadline = time.monotonic() + 10
    while (folder / "metrics.jsonl").stat().st_size == size:
        assert time.monotonic() < deadline, "the run stopped writing metrics"
        time.sleep(0.1)  # (the terminal is gone: nothing to read)
    assert json.loads((folder / "run.json").read_text())["status"] == "running"

    attached = session["open"]("attach")  # the newest run training in the background
    attached.wait_for(f"attached to run {folder.name}", START_TIMEOUT)
    attached.wait_for("RUNNING")
    mark = len(attached.output)
    deadline = time.monotonic() + 15
    while len(set(epochs_shown(attached, mark))) < 2:  # the epoch count goes up on the screen
        assert time.monotonic() < deadline, f"no progress shown: {attached.text(mark)[-800:]!r}"
        attached.read(0.1)
    shown = epochs_shown(attached, mark)
    assert shown[-1] > shown[0] > 0

    attached.press(b"q")
    attached.wait_for("Keep running", since=mark)
    mark = len(attached.output)
    attached.press(b"s")  # stop: a checkpoint, then the trainer ends
    attached.wait_exit(5.0)
    assert attached.process.returncode == 0
    tail = attached.output[mark:]
    for sequence in RESTORE:  # what a normal quit writes (the list the other tests require)
        assert sequence in tail, sequence
    wait_gone(pid)
    assert json.loads((folder / "run.json").read_text())["status"] == "stopped"
    _, run_state = read_checkpoint(folder / "checkpoint.safetensors")
    assert run_state["step"] > 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_sigint_and_sigterm_save_stop_restore_the_terminal_and_exit_quickly(session, signum):
    app, folder, info = start_training(session)
    mark = len(app.output)
    app.process.send_signal(signum)
    elapsed = app.wait_exit(6.0)
    assert elapsed < 3.0, f"took {elapsed:.2f} s to exit"
    assert app.process.returncode == 128 + signum
    tail = app.output[mark:]
    for sequence in RESTORE:
        assert sequence in tail, (sequence, tail[-300:])
    assert tail.rfind(b"\x1b[?1049l") > tail.rfind(b"\x1b[?1049h")  # left, not re-entered
    wait_gone(info["pid"], timeout=3.0)  # (normally gone already: the app waits for it)
    assert json.loads((folder / "run.json").read_text())["status"] == "stopped"
    _, run_state = read_checkpoint(folder / "checkpoint.safetensors")
    assert run_state["step"] > 0


def test_sigterm_exits_in_time_even_when_the_terminal_has_stalled(session):
    """A terminal that stops reading (a hung network) fills the pty and blocks the app's
    writes; SIGTERM must still end the app within 3 s, and the run still stops with a
    checkpoint (the trainer is told directly)."""
    app, folder, info = start_training(session)
    time.sleep(1.5)  # nothing read: the app's output backs up
    app.process.send_signal(signal.SIGTERM)
    elapsed = app.wait_exit(6.0, reading=False)
    assert elapsed < 3.0, f"took {elapsed:.2f} s to exit"
    assert app.process.returncode == 128 + signal.SIGTERM
    wait_gone(info["pid"])
    assert json.loads((folder / "run.json").read_text())["status"] == "stopped"
    assert read_checkpoint(folder / "checkpoint.safetensors")[1]["step"] > 0
