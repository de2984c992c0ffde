"""The app's handle on the trainer process (no torch here: the UI process never loads it).

`TrainerProcess` starts `python -m tui_nn.worker` in its own session (so a Ctrl+C meant for the
app does not reach it), sends commands as JSON lines and yields the events it writes back.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import IO, Any


class TrainerProcess:
    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = dict(os.environ)
        # Two processes share a small machine: torch's thread pool would fight the UI for cores.
        env.setdefault("OMP_NUM_THREADS", "1")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tui_nn.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def send(self, command: str, **fields: Any) -> bool:
        """Send a command; False when the process is gone (its end shows up as an event)."""
        process = self._process
        if process is None or process.stdin is None or process.poll() is not None:
            return False
        try:
            process.stdin.write(json.dumps({"cmd": command, **fields}) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def events(self) -> Iterator[dict[str, Any]]:
        """Events until the process ends, then one {"event": "exited"} with its status and stderr."""
        process = self._process
        assert process is not None and process.stdout is not None
        stdout: IO[str] = process.stdout
        for line in stdout:
            with contextlib.suppress(json.JSONDecodeError):
                yield json.loads(line)
        code = process.wait()
        stderr = process.stderr.read() if process.stderr is not None else ""
        last_line = next((ln for ln in reversed(stderr.strip().splitlines()) if ln.strip()), "")
        yield {"event": "exited", "returncode": code, "stderr": last_line}

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the process to quit, then terminate and kill it if it does not."""
        process = self._process
        if process is None:
            return
        self.send("quit")
        with contextlib.suppress(OSError, ValueError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
