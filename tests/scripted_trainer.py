"""`ScriptedTrainer`: the `TrainerProcess` interface from memory, for Pilot tests. Subclasses
answer commands in `_do_<command NAME>(command)` methods and send events with `emit`; both are the
typed messages of `tui_nn.trainer.protocol`, so a fake cannot send what the real trainer would not.
`end` makes the trainer go away (a crash, a closed connection), as the real one's events end."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

from tui_nn.trainer import protocol as p

CPU = p.DeviceInfo(name="cpu", description="CPU (2 threads)", memory_bytes=None)


class ScriptedTrainer:
    def __init__(self) -> None:
        self.commands: list[p.Command] = []
        self._events: queue.Queue[p.Event | None] = queue.Queue()
        self._alive = False
        self.notice: str | None = None  # what `TrainerProcess.start` may have to say

    def start(self, *, ready: bool = True) -> None:
        """Up and connected; `ready=False`: without the `Ready` a new trainer sends first (an
        attached trainer's fake sends its own welcome)."""
        self._alive = True
        if ready:
            self.emit(p.Ready(protocol=p.PROTOCOL_VERSION, devices=[CPU], pid=0))

    @property
    def running(self) -> bool:
        return self._alive

    @property
    def pid(self) -> int | None:
        return None

    def send(self, command: p.Command) -> bool:
        if not self._alive:
            return False
        # What the real link would put on the wire must decode back to the same command.
        assert p.decode_command(p.encode(command)) == command, command
        self.commands.append(command)
        handler = getattr(self, f"_do_{command.NAME}", None)
        if handler is not None:
            handler(command)
        return True

    def events(self) -> Iterator[p.Event]:
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
            self.end()

    def end(self, exited: p.Exited | None = None) -> None:
        """The trainer goes away: `exited` (if any) is the last event the app gets."""
        self._alive = False
        if exited is not None:
            self.emit(exited)
        self._events.put(None)

    def detach(self) -> None:
        self.stop()

    def emit(self, event: p.Event) -> None:
        # Events pass through the wire format too: a fake cannot send what would not decode.
        self._events.put(p.decode_event(p.encode(event)))

    def names(self) -> list[str]:
        return [command.NAME for command in self.commands]
