"""The trainer process: `python -m tui_nn.worker`.

It reads commands as JSON lines on stdin and writes events as JSON lines on stdout; training runs
here, on its own core, so the app's process never imports torch and never stalls. End of input
(the app went away) ends the process.

Commands: {"cmd": "load", "preset": {...}}, "start", "pause", "epoch" (one more epoch),
"reset", {"cmd": "lr", "value": x}, {"cmd": "views", "enabled": bool} (send snapshots),
{"cmd": "set_weights", "layers": [{"weights": rows, "bias": list}, ...]},
{"cmd": "resume", "path": run_folder} (its preset and last checkpoint), "quit".
Events: "ready" (with the devices), "run" (the run folder, at a run's first start), "loaded" (data and network sizes, and the data overview of
`snapshot.data_overview`), "metrics", "state", "snapshot" (see `snapshot.take_snapshot`; only
after "views" enabled them), "summary", "error" (a one-line message).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
from collections import deque
from typing import IO, Any

from tui_nn.errors import TuiNnError

SNAPSHOT_INTERVAL_S = 0.5  # lesson views redraw twice a second while training
CHECKPOINT_INTERVAL_S = 30.0
FIRST_ATTACH_S = 60.0  # a socket worker whose app never connects ends after this


class Link:
    """The app at the other end: commands come in as JSON lines, events go out the same way."""

    def __init__(self, reader: IO[str], writer: IO[str]) -> None:
        self.reader, self.writer = reader, writer
        self._lock = threading.Lock()

    def send_line(self, line: str) -> bool:
        with self._lock:
            try:
                self.writer.write(line)
                self.writer.flush()
            except (OSError, ValueError):
                return False
        return True

    def close(self) -> None:
        for stream in (self.reader, self.writer):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


class Worker:
    def __init__(
        self, link: Link | None = None, *, detachable: bool = False, socket_path: str | None = None
    ) -> None:
        self.socket_path = socket_path  # where `tui-nn attach` reaches this trainer
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._deferred: deque[dict[str, Any] | None] = deque()
        self._link: Link | None = None
        self.detachable = detachable  # a socket worker keeps training when its app goes away
        self._trainer: Any = None
        self._loaded_event: dict[str, Any] | None = None
        self._load_error: str | None = None
        self._devices: list[dict[str, Any]] | None = None
        self._views = False  # send snapshots for the lesson views
        self._next_snapshot = 0.0
        self._run_folder: Any = None  # the folder of the run in progress, made at its first start
        self._next_checkpoint = 0.0
        self.stop_requested = False  # SIGTERM or SIGINT: save a checkpoint and end
        self._ever_attached = False
        self._joining: Link | None = None  # an app that connected and awaits its welcome
        if link is not None:
            self.connect(link)

    # -- transport --------------------------------------------------------------------------

    def connect(self, link: Link) -> bool:
        """Take `link` as the app's connection; False when another app is attached."""
        if self._link is not None or self._joining is not None:
            link.send_line(
                json.dumps({"event": "error", "message": "another app is attached to this run"})
                + "\n"
            )
            link.close()
            return False
        # Events reach the new app only once the main thread has welcomed it, so that the
        # welcome (devices, preset, run, state) comes before any metrics.
        self._joining = link
        self._ever_attached = True
        self._inbox.put({"cmd": "_attached"})  # before any command of the new app
        threading.Thread(target=self._read, args=(link,), daemon=True).start()
        return True

    def _read(self, link: Link) -> None:
        try:
            for line in link.reader:
                line = line.strip()
                if not line:
                    continue
                try:
                    self._inbox.put(json.loads(line))
                except json.JSONDecodeError:
                    self.send({"event": "error", "message": f"bad command line: {line[:80]!r}"})
        except (OSError, ValueError):
            pass
        self._inbox.put({"cmd": "_gone", "link": id(link)})

    def send(self, event: dict[str, Any]) -> None:
        link = self._link
        if link is not None and not link.send_line(json.dumps(event) + "\n"):
            self._link = None  # the app went away mid-write; its reader reports it too

    def _next_command(self, timeout: float | None = None) -> dict[str, Any] | None:
        if self._deferred:
            return self._deferred.popleft()
        try:
            return self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def _on_gone(self, command: dict[str, Any]) -> None:
        for link in (self._link, self._joining):
            if link is not None and id(link) == command.get("link"):
                if link is self._link:
                    self._link = None
                else:
                    self._joining = None
                link.close()

    def _welcome(self) -> None:
        """What a newly attached app needs: devices, the loaded preset, the run folder, the state."""
        if self._joining is not None:
            self._link, self._joining = self._joining, None
        if self._devices is not None:
            self.send({"event": "ready", "devices": self._devices, "pid": os.getpid()})
        if self._loaded_event is not None:
            self.send(self._loaded_event)
        if self._run_folder is not None:
            self.send({"event": "run", "path": str(self._run_folder.path)})
        if self._trainer is not None:
            self._send_state()
            self._send_snapshot()

    # -- main loop --------------------------------------------------------------------------

    def serve(self) -> None:
        import torch  # imported here so that "ready" means training can start at once

        from tui_nn.devices import list_devices

        threads = training_threads()
        if threads is not None:
            torch.set_num_threads(threads)

        self._devices = [
            {"name": d.name, "description": d.description, "memory_bytes": d.memory_bytes}
            for d in list_devices()
        ]
        while True:
            gone = self._link is None and self._joining is None
            if gone and (not self.detachable or self._ever_attached):
                break  # the app went away (a detached run ends here once it is done)
            command = self._next_command(timeout=None if self._ever_attached else FIRST_ATTACH_S)
            if command is None or command.get("cmd") == "quit" or self.stop_requested:
                break
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
        self._close_run("stopped")

    def _handle(self, command: dict[str, Any]) -> None:
        name = command.get("cmd")
        if name == "_attached":
            self._welcome()
        elif name == "_gone":
            self._on_gone(command)
        elif name == "load":
            self._load(command["preset"])
        elif name == "resume":
            self._resume(str(command["path"]))
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

    def _drop_trainer(self) -> None:
        old, self._trainer, self._loaded_event = self._trainer, None, None
        if old is not None:
            from tui_nn.engine import release_device_memory

            device = old.device
            del old
            release_device_memory(device)

    def _resume(self, path: str) -> None:
        """Load a run folder's preset and last checkpoint; `start` then continues that run."""
        from pathlib import Path

        from tui_nn.checkpoint import restore_checkpoint
        from tui_nn.presets import load_preset, preset_to_dict
        from tui_nn.runs import RunFolder

        folder = Path(path)
        preset = load_preset(folder / "preset.toml")
        self._load(preset_to_dict(preset))
        restore_checkpoint(self._trainer, folder / "checkpoint.safetensors")
        self._run_folder = RunFolder(folder, resume=True)
        self._run_folder.start(self._trainer.preset, str(self._trainer.device))
        self._run_folder.update(status="paused", socket=self.socket_path)
        self.send({"event": "run", "path": str(folder)})
        self._send_state()
        self._send_snapshot()

    def _require_trainer(self) -> Any:
        if self._trainer is None:
            if self._load_error is not None:
                raise TuiNnError(f"the preset could not be loaded: {self._load_error}")
            raise TuiNnError("no preset is loaded in the trainer")
        return self._trainer

    def _load(self, preset_dict: dict[str, Any]) -> None:
        from tui_nn.engine import Trainer
        from tui_nn.model import model_parameter_count
        from tui_nn.presets import preset_from_dict
        from tui_nn.snapshot import data_overview

        self._close_run("stopped")
        self._drop_trainer()
        try:
            preset = preset_from_dict(preset_dict, source="the app")
            trainer = Trainer(preset, on_event=self._on_event, on_epoch_end=self._on_epoch_end)
        except TuiNnError as error:
            self._load_error = str(error)
            raise
        self._load_error = None
        self._trainer = trainer
        data = trainer.dataset
        self._loaded_event = {
            "event": "loaded",
            "preset": preset.name,
            "device": str(trainer.device),
            "n_features": data.n_features,
            "n_classes": data.n_classes,
            "input_names": data.input_names[:16],
            "task": data.task,
            "n_train": trainer.n_train,
            "n_test": len(trainer.x_test),
            "parameters": model_parameter_count(preset.model, data.n_features),
            "overview": data_overview(trainer),
        }
        self.send(self._loaded_event)
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
        elif self._run_folder is not None:
            self._run_folder.save_checkpoint(trainer)
            self._run_folder.update(status="paused")

    # -- the run folder ---------------------------------------------------------------------

    def _open_run(self) -> None:
        from tui_nn.runs import RunFolder

        trainer = self._trainer
        self._run_folder = RunFolder.create(trainer.preset)
        self._run_folder.start(trainer.preset, str(trainer.device))
        if self.socket_path is not None:
            self._run_folder.update(socket=self.socket_path)
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
            folder.update(
                status=status, message=message, epochs=trainer.state.epoch if trainer else 0
            )
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
            name = command.get("cmd") if command is not None else None
            if name == "lr":
                try:
                    self._trainer.set_learning_rate(float(command["value"]))
                except (TuiNnError, ValueError, KeyError) as error:
                    self.send({"event": "error", "message": str(error)})
                continue
            if name == "_attached":
                self._welcome()
                continue
            if name == "_gone" and self.detachable:
                self._on_gone(command)  # the run outlives its app; `tui-nn attach` finds it
                continue
            if name == "views":
                self._views = bool(command.get("enabled", True))
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


def _listen(worker: Worker, path: str) -> None:
    """Accept apps on a Unix socket for as long as the process lives (`tui-nn attach`)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(2)

    def accept_forever() -> None:
        while True:
            connection, _ = listener.accept()
            stream = connection.makefile("rw", encoding="utf-8", newline="\n")
            worker.connect(Link(stream, stream))

    threading.Thread(target=accept_forever, daemon=True).start()


def training_threads() -> int | None:
    """Torch's intra-op threads in a trainer: every core but one, which the app's UI keeps. The
    networks here gain little from more threads (mnist-like: 1,030 steps/s on one thread, 992 on
    two, on a 2-core machine), and a UI redrawing on a core the trainer also wanted slowed
    training by up to ~15%. None (torch's default) where OMP_NUM_THREADS says otherwise."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tui_nn.worker")
    parser.add_argument("--socket", help="serve apps on this Unix socket instead of stdin/stdout")
    args = parser.parse_args(argv)
    if args.socket:
        worker = Worker(detachable=True, socket_path=args.socket)
        _listen(worker, args.socket)
    else:
        # Events own the real stdout; anything else printed goes to stderr and cannot corrupt them.
        events = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
        sys.stdout = sys.stderr
        worker = Worker(Link(sys.stdin, events))

    def request_stop(signum: int, frame: Any) -> None:
        worker.stop_requested = True
        worker._inbox.put(None)  # wake the main loop when it is idle

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a closed terminal must not end a run
    try:
        worker.serve()
    except KeyboardInterrupt:
        pass
    finally:
        if args.socket:
            with contextlib.suppress(OSError):
                os.unlink(args.socket)


if __name__ == "__main__":
    main()
