"""The app's handle on the trainer process (no torch here: the UI process never loads it).

`TrainerProcess.start()` launches `python -m tui_nn.trainer.server --socket PATH` in a session of its own,
with no terminal: a Ctrl+C meant for the app does not reach it, and when the terminal goes away
(an SSH drop) a run in progress keeps going and `tui-nn attach` can reconnect to it.
`TrainerProcess.attach(PATH)` connects to such a running trainer. Commands and events are the
dataclasses of `tui_nn.trainer.protocol`, sent as its JSON lines over the socket; a trainer that
speaks another protocol version is refused.

`TrainerSupply` is where an app's trainers come from: `tui-nn` starts one before it imports the
UI, so that the trainer's torch import runs alongside Textual's (issue 10), and hands it to the app.
This module imports no more than spawning needs (the protocol loads after the spawn).
`TUI_NN_TIMING_LOG=FILE` appends "spawn TIME" and "ready TIME" lines (wall-clock seconds) to FILE
(`benchmarks/ready_time.py`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from tui_nn.trainer.protocol import Command, Event

CONNECT_TIMEOUT_S = 30.0
TIMING_LOG_ENV = "TUI_NN_TIMING_LOG"


def note_timing(what: str) -> None:
    """One "WHAT TIME" line in the file named by TUI_NN_TIMING_LOG, if it is set."""
    path = os.environ.get(TIMING_LOG_ENV)
    if path:
        with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as log:
            log.write(f"{what} {time.time():.6f}\n")


@dataclass(frozen=True)
class RuntimeDir:
    path: Path
    notice: str | None = None  # one line for the user when the usual folder could not be used


def runtime_dir() -> RuntimeDir:
    """A private folder for the trainers' sockets and logs (socket paths must stay short).

    On a shared machine another user can create `/tmp/tui-nn-UID` before us (world-writable, as
    theirs, or as a symlink to their folder) and then replace our socket or aim our log at a file
    of ours. The usual folder is used only when it is a real directory (not a symlink), owned by
    us and writable by nobody else; otherwise a fresh private folder is made, and `notice` says so.
    """
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    folder = Path(base) / f"tui-nn-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    problem = _unsafe_folder(folder)
    if problem is None:
        return RuntimeDir(folder)
    private = Path(tempfile.mkdtemp(prefix=f"tui-nn-{os.getuid()}-"))  # mode 0700, ours
    return RuntimeDir(private, f"not using {folder} ({problem}); using {private} instead")


def _unsafe_folder(folder: Path) -> str | None:
    """Why `folder` is not ours alone, or None when it is."""
    try:
        info = os.lstat(folder)
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != os.getuid():
        return f"it belongs to user id {info.st_uid}"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"others can write to it (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def create_log(path: Path) -> int:
    """A new log file that no one prepared for us: never follows a link, never reuses a file."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)


class TrainerProcess:
    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self.socket_path: Path | None = None
        self._log_path: Path | None = None
        self._stream: IO[str] | None = None
        self._socket: socket.socket | None = None
        self._pending: list[str] = []  # commands sent before the connection was made
        self._lock = threading.Lock()
        self._closed = False
        self._connected = False  # a connection was made (a trainer never reached has no run)
        self.notice: str | None = None  # e.g. why the usual runtime folder was not used

    def start(self) -> None:
        """Launch a trainer (once: a handle that has started one keeps it); returns at once (the
        connection is made by `events()`)."""
        if self._process is not None:
            return
        runtime = runtime_dir()
        self.notice = runtime.notice
        folder = runtime.path
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.socket_path = folder / f"trainer-{token}.sock"
        self._log_path = folder / f"trainer-{token}.log"
        env = dict(os.environ)
        # Two processes share a small machine: torch's thread pool would fight the UI for cores.
        env.setdefault("OMP_NUM_THREADS", "1")
        with os.fdopen(create_log(self._log_path), "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tui_nn.trainer.server", "--socket", str(self.socket_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        note_timing("spawn")

    @classmethod
    def attach(cls, socket_path: str | os.PathLike[str]) -> TrainerProcess:
        """A handle on a trainer that is already running (started by another app)."""
        handle = cls()
        handle.socket_path = Path(socket_path)
        return handle

    @property
    def running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self._stream is not None and not self._closed

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def wait(self, timeout: float | None = None) -> int | None:
        """The trainer's exit status once it has ended (None if still running at `timeout`, or
        when this handle did not start it)."""
        if self._process is None:
            return None
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self._process.wait(timeout=timeout)
        return None

    def signal(self, signum: int) -> None:
        """Send a signal to a trainer this handle started (SIGTERM: save and stop)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signum)

    def send(self, command: Command) -> bool:
        """Send a command (queued until connected); False when the trainer is gone."""
        from tui_nn.trainer import protocol

        line = protocol.encode(command)
        with self._lock:
            if self._closed:
                return False
            if self._stream is None:
                self._pending.append(line)
                return True
            try:
                self._stream.write(line)
                self._stream.flush()
            except (OSError, ValueError):
                return False
        return True

    def _connect(self) -> IO[str] | None:
        assert self.socket_path is not None
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while time.monotonic() < deadline and not self._closed:
            if self._process is not None and self._process.poll() is not None:
                return None
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                client.connect(str(self.socket_path))
            except (FileNotFoundError, ConnectionRefusedError):
                client.close()
                if self._process is None:
                    return None  # attaching: nobody is listening there
                time.sleep(0.02)
                continue
            stream = client.makefile("rw", encoding="utf-8", newline="\n")
            with self._lock:
                if self._closed:
                    client.close()
                    return None
                self._stream, self._socket = stream, client
                self._connected = True
                try:
                    for line in self._pending:
                        stream.write(line)
                    stream.flush()
                except OSError:
                    pass
                self._pending.clear()
            return stream
        return None

    def events(self) -> Iterator[Event]:
        """Events until the connection ends, then one `Exited` with what is known. Lines that
        are not events of this protocol are skipped; a trainer of another version is refused."""
        from tui_nn.trainer import protocol
        from tui_nn.trainer.protocol import Exited, ProtocolError, Ready, VersionMismatch

        stream = self._connect()
        refused = ""
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                for line in stream:
                    try:
                        event = protocol.decode_event(line)
                        if isinstance(event, Ready):
                            protocol.check_version(event)
                            note_timing("ready")
                    except VersionMismatch as error:
                        refused = str(error)
                        self._close_stream()
                        break
                    except ProtocolError:
                        continue
                    yield event
        if refused:
            yield Exited(None, refused)
            return
        code: int | None = None
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(timeout=2.0)
        last_line = self._last_log_line()
        if code is not None and self._log_path is not None:
            with contextlib.suppress(OSError):
                self._log_path.unlink()  # read; a trainer that ended leaves nothing behind
        yield Exited(code, last_line)

    def _last_log_line(self) -> str:
        if self._log_path is None:
            return (
                "" if self._stream is not None else f"no trainer is listening at {self.socket_path}"
            )
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return next((line for line in reversed(text.strip().splitlines()) if line.strip()), "")

    def detach(self) -> None:
        """Leave the trainer running on its own (a run in progress goes on; an idle trainer ends)."""
        self._close_stream()

    def stop(self, timeout: float = 3.0) -> None:
        """Ask the trainer to save and quit, then terminate and kill it if it does not. One that
        was never reached holds no run: it is killed at once (an app that failed to start)."""
        from tui_nn.trainer.protocol import Quit

        self.send(Quit())
        self._close_stream()
        process = self._process
        if process is None:
            return
        if not self._connected:
            self._kill_unreached(process)
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log_path is not None and process.returncode == 0:
            with contextlib.suppress(OSError):
                self._log_path.unlink()

    def _kill_unreached(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.kill()
        process.wait()
        for path in (self.socket_path, self._log_path):  # the killed trainer could not clean up
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _close_stream(self) -> None:
        with self._lock:
            self._closed = True
            stream, self._stream = self._stream, None
            client, self._socket = self._socket, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)  # wakes the reading thread with end of input
            client.close()
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class TrainerSupply:
    """An app's trainers (a `TrainerLink` factory): `first`, one started already, and then new
    ones (a restart after a crash). `discard` stops `first` if no app took it."""

    def __init__(self, first: TrainerProcess | None = None) -> None:
        self._first = first

    @classmethod
    def started(cls) -> TrainerSupply:
        """A supply whose first trainer is starting now (none when it cannot start: the app's
        own start then says why)."""
        first = TrainerProcess()
        try:
            first.start()
        except (OSError, ValueError):
            return cls()
        return cls(first)

    def __call__(self) -> TrainerProcess:
        first, self._first = self._first, None
        return first if first is not None else TrainerProcess()

    def discard(self) -> None:
        first, self._first = self._first, None
        if first is not None:
            first.stop()
