"""`TrainProcess`: `tui-nn train ARGS --json` in a process of its own, for tests of the command
line's run lifecycle. A thread reads its JSON lines, so that a test waits for the event it needs
(never for a file, never by sleeping)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]


class TrainProcess:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_nn", "train", *args, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[Event] = []
        self._lines: queue.Queue[Event | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            for line in self.process.stdout:
                event = json.loads(line)
                self.events.append(event)
                self._lines.put(event)
        except ValueError:  # the test closed the pipe (as `| head` does)
            pass
        self._lines.put(None)

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 60.0) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            event = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if event is None:
                self.process.wait(timeout=30)
                raise AssertionError(f"tui-nn train ended first: {self.stderr()}")
            if predicate(event):
                return event

    def signal(self, signum: int) -> int:
        """Send `signum` (a no-op once the process has ended) and wait for the exit status."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return code

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read()
