"""`ScriptedTrainer`: the `TrainerProcess` interface from memory, for Pilot tests. Subclasses
answer commands in `_do_<command>` methods and send events with `emit`."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

CPU = {"name": "cpu", "description": "CPU (2 threads)", "memory_bytes": None}


class ScriptedTrainer:
    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, Any]]] = []
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._alive = False

    def start(self) -> None:
        self._alive = True
        self.emit({"event": "ready", "devices": [CPU]})

    @property
    def running(self) -> bool:
        return self._alive

    @property
    def pid(self) -> int | None:
        return None

    def send(self, command: str, **fields: Any) -> bool:
        if not self._alive:
            return False
        self.commands.append((command, fields))
        getattr(self, f"_do_{command}", lambda **_: None)(**fields)
        return True

    def events(self) -> Iterator[dict[str, Any]]:
        deadline = time.monotonic() + 120  # never outlive a stuck test for long
        while time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=0.5)
            except queue.Empty:
                continue
            if event is None:
                return
            yield event

    def stop(self, timeout: float = 2.0) -> None:
        if self._alive:
            self._alive = False
            self._events.put(None)

    def emit(self, event: dict[str, Any]) -> None:
        self._events.put(event)

    def names(self) -> list[str]:
        return [name for name, _ in self.commands]
