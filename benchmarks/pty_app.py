"""A program run in a pseudo-terminal of a given size, its output read as a terminal would get it.

Shared by the UI benchmarks: start a command, wait for text to appear, type keys, measure."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


class PtyApp:
    def __init__(
        self, argv: list[str], *, size: tuple[int, int] = (80, 24), env: dict | None = None
    ):
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        full_env.update(env or {})
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, start_new_session=True
        )
        os.close(slave)
        self.output = b""

    def read(self, timeout: float) -> bytes:
        """What arrives within `timeout` seconds (returns as soon as something came)."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:
            return b""
        self.output += chunk
        return chunk

    def wait_for(self, text: str, timeout: float = 30.0, since: int = 0) -> float:
        """Seconds from now until `text` shows in the output after byte `since`."""
        needle = text.encode()
        start = time.perf_counter()
        while needle not in _ESCAPES.sub(b"", self.output[since:]):
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{text!r} did not appear within {timeout} s")
            self.read(0.05)
        return time.perf_counter() - start

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.read(max(0.0, end - time.perf_counter()))

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)
