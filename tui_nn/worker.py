"""The trainer process: `python -m tui_nn.worker`.

It reads commands as JSON lines on stdin and writes events as JSON lines on stdout; training runs
here, on its own core, so the app's process never imports torch and never stalls. End of input
(the app went away) ends the process.

Commands: {"cmd": "load", "preset": {...}}, "start", "pause", "epoch" (one more epoch),
"reset", {"cmd": "lr", "value": x}, {"cmd": "views", "enabled": bool} (send snapshots),
{"cmd": "set_weights", "layers": [{"weights": rows, "bias": list}, ...]}, "quit".
Events: "ready" (with the devices), "loaded" (data and network sizes, and the data overview of
`snapshot.data_overview`), "metrics", "state", "snapshot" (see `snapshot.take_snapshot`; only
after "views" enabled them), "summary", "error" (a one-line message).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from collections import deque
from typing import IO, Any

from tui_nn.errors import TuiNnError

SNAPSHOT_INTERVAL_S = 0.5  # lesson views redraw twice a second while training


class Worker:
    def __init__(self, commands: IO[str], events: IO[str]) -> None:
        self._events = events
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._deferred: deque[dict[str, Any] | None] = deque()
        self._trainer: Any = None
        self._views = False  # send snapshots for the lesson views
        self._next_snapshot = 0.0
        self._reader = threading.Thread(target=self._read, args=(commands,), daemon=True)
        self._send_lock = threading.Lock()

    # -- transport --------------------------------------------------------------------------

    def _read(self, commands: IO[str]) -> None:
        for line in commands:
            line = line.strip()
            if not line:
                continue
            try:
                self._inbox.put(json.loads(line))
            except json.JSONDecodeError:
                self.send({"event": "error", "message": f"bad command line: {line[:80]!r}"})
        self._inbox.put(None)  # end of input

    def send(self, event: dict[str, Any]) -> None:
        line = json.dumps(event) + "\n"
        with self._send_lock:
            self._events.write(line)
            self._events.flush()

    def _next_command(self) -> dict[str, Any] | None:
        if self._deferred:
            return self._deferred.popleft()
        return self._inbox.get()

    # -- main loop --------------------------------------------------------------------------

    def serve(self) -> None:
        self._reader.start()
        import torch  # noqa: F401 - imported here so that "ready" means training can start at once

        from tui_nn.devices import list_devices

        devices = [
            {"name": d.name, "description": d.description, "memory_bytes": d.memory_bytes}
            for d in list_devices()
        ]
        self.send({"event": "ready", "devices": devices, "pid": os.getpid()})
        while True:
            command = self._next_command()
            if command is None or command.get("cmd") == "quit":
                return
            try:
                self._handle(command)
            except TuiNnError as error:
                self.send({"event": "error", "message": str(error)})
                self._send_state()
            except Exception as error:  # noqa: BLE001 - report, keep serving
                self.send(
                    {
                        "event": "error",
                        "message": f"unexpected error: {type(error).__name__}: {error}",
                    }
                )
                self._send_state()

    def _handle(self, command: dict[str, Any]) -> None:
        name = command.get("cmd")
        if name == "load":
            self._load(command["preset"])
        elif name == "lr":
            self._require_trainer().set_learning_rate(float(command["value"]))
            self._send_state()
        elif name == "start":
            self._run(None)
        elif name == "epoch":
            trainer = self._require_trainer()
            self._run(trainer.state.epoch + 1)
        elif name == "reset":
            trainer = self._require_trainer()
            trainer.reset()
            self._send_state()
            self._send_snapshot()
        elif name == "pause":
            self._send_state()
        elif name == "views":
            self._views = bool(command.get("enabled", True))
            self._send_snapshot()
        elif name == "set_weights":
            self._require_trainer().set_weights(command["layers"])
            self._send_state()
            self._send_snapshot()
        else:
            self.send({"event": "error", "message": f"unknown command {name!r}"})

    def _require_trainer(self) -> Any:
        if self._trainer is None:
            raise TuiNnError("no preset is loaded in the trainer")
        return self._trainer

    def _load(self, preset_dict: dict[str, Any]) -> None:
        from tui_nn.engine import Trainer
        from tui_nn.model import parameter_count
        from tui_nn.presets import preset_from_dict
        from tui_nn.snapshot import data_overview

        self._trainer = None
        preset = preset_from_dict(preset_dict, source="the app")
        trainer = Trainer(preset, on_event=self.send)
        self._trainer = trainer
        data = trainer.dataset
        self.send(
            {
                "event": "loaded",
                "preset": preset.name,
                "device": str(trainer.device),
                "n_features": data.n_features,
                "n_classes": data.n_classes,
                "input_names": data.input_names[:16],
                "task": data.task,
                "n_train": trainer.n_train,
                "n_test": len(trainer.x_test),
                "parameters": parameter_count(preset.model, data.n_features),
                "overview": data_overview(trainer),
            }
        )
        self._send_state()
        self._send_snapshot()

    def _run(self, until_epoch: int | None) -> None:
        trainer = self._require_trainer()
        if trainer.finished:
            self._send_state()
            return
        self._send_state("running")
        trainer.run(until_epoch=until_epoch, should_pause=self._should_pause)
        self._send_state()
        self._send_snapshot()
        if trainer.finished:
            self.send(trainer.summary())

    def _should_pause(self) -> bool:
        """Called by the engine about every 20 ms: apply learning-rate changes at once, and
        pause for anything else (it is handled once the engine has returned)."""
        if self._views and time.monotonic() >= self._next_snapshot:
            self._send_snapshot()
        while True:
            try:
                command = self._inbox.get_nowait()
            except queue.Empty:
                return False
            if command is not None and command.get("cmd") == "lr":
                try:
                    self._trainer.set_learning_rate(float(command["value"]))
                except (TuiNnError, ValueError, KeyError) as error:
                    self.send({"event": "error", "message": str(error)})
                continue
            if command is None or command.get("cmd") != "pause":
                self._deferred.append(command)
            return True

    def _send_snapshot(self) -> None:
        if not self._views or self._trainer is None:
            return
        from tui_nn.snapshot import take_snapshot

        self._next_snapshot = time.monotonic() + SNAPSHOT_INTERVAL_S
        self.send(take_snapshot(self._trainer))

    def _send_state(self, status: str | None = None) -> None:
        trainer = self._trainer
        if trainer is None:
            self.send({"event": "state", "status": "idle"})
            return
        state = trainer.state
        self.send(
            {
                "event": "state",
                "status": status or ("idle" if state.status == "ready" else state.status),
                "epoch": state.epoch,
                "step": state.step,
                "message": state.message,
                "lr": trainer.learning_rate,
                "stops": state.stops,
            }
        )


def main() -> None:
    # Events own the real stdout; anything else printed goes to stderr and cannot corrupt them.
    events = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr
    try:
        Worker(sys.stdin, events).serve()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()
