"""The trainer process: `python -m tui_nn.worker`.

It reads commands as JSON lines on stdin and writes events as JSON lines on stdout; training runs
here, on its own core, so the app's process never imports torch and never stalls. End of input
(the app went away) ends the process.

Commands: {"cmd": "load", "preset": {...}}, "start", "pause", "epoch" (one more epoch),
"reset", {"cmd": "lr", "value": x}, {"cmd": "views", "enabled": bool} (send snapshots),
{"cmd": "set_weights", "layers": [{"weights": rows, "bias": list}, ...]}, "quit".
Events: "ready" (with the devices), "run" (the run folder, at a run's first start), "loaded" (data and network sizes, and the data overview of
`snapshot.data_overview`), "metrics", "state", "snapshot" (see `snapshot.take_snapshot`; only
after "views" enabled them), "summary", "error" (a one-line message).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from typing import IO, Any

from tui_nn.errors import TuiNnError

SNAPSHOT_INTERVAL_S = 0.5  # lesson views redraw twice a second while training
CHECKPOINT_INTERVAL_S = 30.0


class Worker:
    def __init__(self, commands: IO[str], events: IO[str]) -> None:
        self._events = events
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._deferred: deque[dict[str, Any] | None] = deque()
        self._trainer: Any = None
        self._views = False  # send snapshots for the lesson views
        self._next_snapshot = 0.0
        self._run_folder: Any = None  # the folder of the run in progress, made at its first start
        self._next_checkpoint = 0.0
        self.stop_requested = False  # SIGTERM or SIGINT: save a checkpoint and end
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
            if command is None or command.get("cmd") == "quit" or self.stop_requested:
                self._close_run("stopped")
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
            self._close_run("stopped")
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

        self._close_run("stopped")
        self._trainer = None
        preset = preset_from_dict(preset_dict, source="the app")
        trainer = Trainer(preset, on_event=self._on_event, on_epoch_end=self._on_epoch_end)
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
        if self._run_folder is None:
            self._open_run()
        self._send_state("running")
        trainer.run(until_epoch=until_epoch, should_pause=self._should_pause)
        self._send_state()
        self._send_snapshot()
        if trainer.finished:
            summary = trainer.summary()
            self.send(summary)
            self._run_folder.append_metrics(summary)
            self._close_run(trainer.state.status, message=trainer.state.message)
        else:
            self._run_folder.update(status="paused", epochs=trainer.state.epoch)

    # -- the run folder ---------------------------------------------------------------------

    def _open_run(self) -> None:
        from tui_nn.runs import RunFolder

        trainer = self._trainer
        self._run_folder = RunFolder.create(trainer.preset)
        self._run_folder.start(trainer.preset, str(trainer.device))
        self._next_checkpoint = time.monotonic() + CHECKPOINT_INTERVAL_S
        self.send({"event": "run", "path": str(self._run_folder.path)})

    def _on_event(self, event: dict[str, Any]) -> None:
        if self._run_folder is not None:
            self._run_folder.append_metrics(event)
        self.send(event)

    def _on_epoch_end(self, trainer: Any) -> None:
        if self._run_folder is not None and time.monotonic() >= self._next_checkpoint:
            self._run_folder.save_checkpoint(trainer)
            self._next_checkpoint = time.monotonic() + CHECKPOINT_INTERVAL_S

    def _close_run(self, status: str, message: str = "") -> None:
        """Checkpoint the run (unless it diverged: the last good checkpoint stays) and close it."""
        folder, trainer = self._run_folder, self._trainer
        if folder is None:
            return
        self._run_folder = None
        try:
            if trainer is not None and trainer.state.status != "diverged" and trainer.state.step:
                folder.save_checkpoint(trainer)
                folder.save_model(trainer.network.state_dict())
            folder.update(status=status, message=message, epochs=trainer.state.epoch if trainer else 0)
        except TuiNnError as error:
            self.send({"event": "error", "message": str(error)})
        finally:
            folder.close()

    def _should_pause(self) -> bool:
        """Called by the engine about every 20 ms: apply learning-rate changes at once, and
        pause for anything else (it is handled once the engine has returned)."""
        if self.stop_requested:
            return True
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
    worker = Worker(sys.stdin, events)

    def request_stop(signum: int, frame: Any) -> None:
        worker.stop_requested = True
        worker._inbox.put(None)  # wake the main loop when it is idle

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        worker.serve()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()
