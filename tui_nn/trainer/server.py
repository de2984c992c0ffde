"""The trainer process: `python -m tui_nn.trainer.server`, the server side of the trainer link.

It reads commands and writes events as the JSON lines of `tui_nn.trainer.protocol`, over a Unix
socket (`--socket PATH`, which `tui-nn attach` reconnects to) or over stdin/stdout. Training runs
here, on its own cores, so the app's process never imports torch and never stalls. A socket
trainer whose app goes away keeps training its run, then ends; a stdin trainer ends with its input.

Threads: the main thread runs `TrainerServer.serve` (commands, and the engine between them); one
reader thread per connected app decodes its commands into the inbox; one thread accepts apps.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from tui_nn.errors import TuiNnError
from tui_nn.trainer import protocol
from tui_nn.trainer.backprop_watch import BackpropWatch
from tui_nn.trainer.connection import AppConnection
from tui_nn.trainer.inbox import Attached as _Attached
from tui_nn.trainer.inbox import Gone as _Gone
from tui_nn.trainer.inbox import Inbox
from tui_nn.trainer.inbox import Wake as _Wake
from tui_nn.trainer.protocol import (
    PROTOCOL_VERSION,
    BackpropStep,
    DeviceInfo,
    Event,
    Load,
    Pause,
    ProtocolError,
    Quit,
    Reset,
    Resume,
    SetLearningRate,
    SetViews,
    SetWeights,
    Start,
    State,
    TrainEpoch,
    WatchBackprop,
)

if TYPE_CHECKING:  # both import torch, which loads once the trainer is up (see `serve`)
    from tui_nn.runs.session import RunSession
    from tui_nn.training import Trainer

SNAPSHOT_INTERVAL_S = 0.5  # lesson views redraw twice a second while training
CHECKPOINT_INTERVAL_S = 30.0
FIRST_ATTACH_S = 60.0  # a socket trainer whose app never connects ends after this


class TrainerServer:
    def __init__(
        self,
        connection: AppConnection | None = None,
        *,
        detachable: bool = False,
        socket_path: str | None = None,
    ) -> None:
        self.socket_path = socket_path  # where `tui-nn attach` reaches this trainer
        self._inbox: queue.Queue[Inbox] = queue.Queue()
        self._deferred: deque[Inbox] = deque()
        self._app: AppConnection | None = None
        self.detachable = detachable  # a socket trainer keeps training when its app goes away
        self._trainer: Trainer | None = None
        self._loaded_event: protocol.Loaded | None = None
        self._load_error: str | None = None
        self._devices: list[DeviceInfo] | None = None
        self._views = False  # send snapshots for the lesson views
        self._next_snapshot = 0.0
        self._backprop = BackpropWatch(self.send)  # the Backprop view's sample, if watched
        self._run_folder: RunSession | None = None  # the run in progress, made at its first start
        self.stop_requested = False  # SIGTERM or SIGINT: save a checkpoint and end
        self._ever_attached = False
        self._joining: AppConnection | None = None  # an app that connected and awaits its welcome
        if connection is not None:
            self.connect(connection)

    # -- transport --------------------------------------------------------------------------

    def connect(self, connection: AppConnection) -> bool:
        """Take `connection` as the app's; False when another app is attached."""
        if self._app is not None or self._joining is not None:
            connection.send(protocol.Error("another app is attached to this run"))
            connection.close()
            return False
        # Events reach the new app only once the main thread has welcomed it, so that the
        # welcome (devices, preset, run, state) comes before any metrics.
        self._joining = connection
        self._ever_attached = True
        self._inbox.put(_Attached())  # before any command of the new app
        threading.Thread(target=self._read, args=(connection,), daemon=True).start()
        return True

    def request_stop(self) -> None:
        """Save a checkpoint and end (from a signal handler)."""
        self.stop_requested = True
        self._inbox.put(_Wake())

    def _read(self, connection: AppConnection) -> None:
        try:
            for line in connection.reader:
                if not line.strip():
                    continue
                try:
                    self._inbox.put(protocol.decode_command(line))
                except ProtocolError as error:
                    connection.send(protocol.Error(f"bad command: {error}"))
        except (OSError, ValueError):
            pass
        self._inbox.put(_Gone(connection))

    def send(self, event: Event) -> None:
        app = self._app
        if app is not None and not app.send(event):
            self._app = None  # the app went away mid-write; its reader reports it too

    def _next_command(self, timeout: float | None = None) -> Inbox | None:
        if self._deferred:
            return self._deferred.popleft()
        try:
            return self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def _on_gone(self, gone: _Gone) -> None:
        if gone.connection is self._app:
            self._app = None
        elif gone.connection is self._joining:
            self._joining = None
        else:
            return
        gone.connection.close()

    def _welcome(self) -> None:
        """What a newly attached app needs: devices, the loaded preset, the run folder, the state."""
        if self._joining is not None:
            self._app, self._joining = self._joining, None
        if self._devices is not None:
            self.send(protocol.Ready(PROTOCOL_VERSION, self._devices, os.getpid()))
        if self._loaded_event is not None:
            self.send(self._loaded_event)
        if self._run_folder is not None:
            self.send(protocol.RunOpened(str(self._run_folder.path)))
        if self._trainer is not None:
            self._send_state()
            self._send_snapshot()

    # -- main loop --------------------------------------------------------------------------

    def serve(self) -> None:
        import torch  # imported here so that "ready" means training can start at once

        from tui_nn.devices import list_devices, training_threads

        threads = training_threads()
        if threads is not None:
            torch.set_num_threads(threads)

        self._devices = [DeviceInfo(d.name, d.description, d.memory_bytes) for d in list_devices()]
        while True:
            gone = self._app is None and self._joining is None
            if gone and (not self.detachable or self._ever_attached):
                break  # the app went away (a detached run ends here once it is done)
            command = self._next_command(timeout=None if self._ever_attached else FIRST_ATTACH_S)
            if command is None or isinstance(command, Quit) or self.stop_requested:
                break
            try:
                self._handle(command)
            except TuiNnError as error:
                self.send(protocol.Error(str(error)))
                self._send_state()
            except Exception as error:  # noqa: BLE001 - report, keep serving
                self.send(protocol.Error(f"unexpected error: {type(error).__name__}: {error}"))
                self._send_state()
        self._close_run("stopped")

    def _handle(self, command: Inbox) -> None:
        match command:
            case _Attached():
                self._welcome()
            case _Gone():
                self._on_gone(command)
            case Load(preset=preset):
                self._load(preset)
            case Resume(path=path):
                self._resume(path)
            case SetLearningRate(value=value):
                self._require_trainer().set_learning_rate(value)
                self._send_state()
            case Start():
                self._run(None)
            case TrainEpoch():
                trainer = self._require_trainer()
                self._run(trainer.state.epoch + 1)
            case Reset():
                trainer = self._require_trainer()
                self._close_run("stopped")
                trainer.reset()
                self._send_state()
                self._send_snapshot()
            case Pause():
                self._send_state()
            case SetViews(enabled=enabled):
                self._views = enabled
                self._send_snapshot()
            case SetWeights(layers=layers):
                self._require_trainer().set_weights(layers)
                self._send_state()
                self._send_snapshot()
            case WatchBackprop(sample=sample):
                self._backprop.watch(sample, self._trainer)
            case BackpropStep(sample=sample):
                self._backprop.step(self._require_trainer(), sample)
                self._send_state()
                self._send_snapshot()  # the Backprop and, for the other views, a snapshot
            case _Wake() | Quit():
                pass

    def _drop_trainer(self) -> None:
        old, self._trainer, self._loaded_event = self._trainer, None, None
        if old is not None:
            from tui_nn.training import release_device_memory

            device = old.device
            del old
            release_device_memory(device)

    def _resume(self, path: str) -> None:
        """Load a run folder's preset and last checkpoint; `start` then continues that run."""
        from pathlib import Path

        from tui_nn.presets import load_preset, preset_to_dict
        from tui_nn.runs import RunSession

        current = self._run_folder
        if current is not None and current.path.resolve() == Path(path).expanduser().resolve():
            self._close_run("stopped")  # its own run, continued: free the folder's lock first
        session = RunSession.resume(
            path, socket=self.socket_path, checkpoint_every_s=CHECKPOINT_INTERVAL_S
        )
        preset = load_preset(session.path / "preset.toml")
        self._load(preset_to_dict(preset))
        session.start(self._require_trainer(), status="paused")  # restores the checkpoint first
        self._run_folder = session
        self.send(protocol.RunOpened(str(session.path)))
        self._send_state()
        self._send_snapshot()

    def _require_trainer(self) -> Trainer:
        if self._trainer is None:
            if self._load_error is not None:
                raise TuiNnError(f"the preset could not be loaded: {self._load_error}")
            raise TuiNnError("no preset is loaded in the trainer")
        return self._trainer

    def _load(self, preset_dict: dict[str, Any]) -> None:
        from tui_nn.model import model_parameter_count
        from tui_nn.presets import preset_from_dict
        from tui_nn.snapshot import data_overview
        from tui_nn.training import Trainer

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
        self._loaded_event = protocol.Loaded(
            preset=preset.name,
            device=str(trainer.device),
            n_features=data.n_features,
            n_classes=data.n_classes,
            input_names=data.input_names[:16],
            task=data.task,
            n_train=trainer.n_train,
            n_test=len(trainer.x_test),
            parameters=model_parameter_count(preset.model, data.n_features),
            steps_per_epoch=trainer.steps_per_epoch,
            overview=data_overview(trainer),
            data_note=data.note or "",
        )
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
        else:
            self._run_folder.running()
        self._send_state("running")
        trainer.run(until_epoch=until_epoch, should_pause=self._should_pause)
        if not trainer.finished and self._run_folder is not None:
            self._run_folder.pause(trainer)  # first: a run the app sees paused has its checkpoint
        self._send_state()
        self._send_snapshot()
        if trainer.finished:
            summary = trainer.summary()
            self.send(summary)
            self._close_run(summary.status, message=summary.message, summary=summary)

    # -- the run folder: its lifecycle is `tui_nn.runs.RunSession`'s, as in `tui-nn train` --

    def _open_run(self) -> None:
        from tui_nn.runs import RunSession

        session = RunSession.new(socket=self.socket_path, checkpoint_every_s=CHECKPOINT_INTERVAL_S)
        session.start(self._require_trainer())
        self._run_folder = session
        self.send(protocol.RunOpened(str(session.path)))

    def _on_event(self, event: protocol.Metrics) -> None:
        if self._run_folder is not None:
            self._run_folder.record(event)
        self.send(event)

    def _on_epoch_end(self, trainer: Trainer) -> None:
        if self._run_folder is not None:
            self._run_folder.epoch_ended(trainer)  # the periodic checkpoint

    def _close_run(
        self, status: str, message: str = "", summary: protocol.Summary | None = None
    ) -> None:
        """Close the run in progress: its summary, a checkpoint and the model (unless the trainer
        diverged or failed: the last good checkpoint stays), then its status in run.json."""
        session, self._run_folder = self._run_folder, None
        if session is None:
            return
        try:
            session.close(self._trainer, status, message, summary=summary)
        except TuiNnError as error:
            self.send(protocol.Error(str(error)))

    def _should_pause(self) -> bool:
        """Called by the engine about every 20 ms: apply learning-rate changes at once, and
        pause for anything else (it is handled once the engine has returned)."""
        if self.stop_requested:
            return True
        if self._views and time.monotonic() >= self._next_snapshot:
            self._send_snapshot()
        elif self._backprop.due():
            self._backprop.send(self._trainer)
        while True:
            try:
                command = self._inbox.get_nowait()
            except queue.Empty:
                return False
            match command:
                case SetLearningRate(value=value):
                    try:
                        self._require_trainer().set_learning_rate(value)
                    except TuiNnError as error:
                        self.send(protocol.Error(str(error)))
                case _Attached():
                    self._welcome()
                case _Gone() if self.detachable:
                    self._on_gone(command)  # the run outlives its app; `tui-nn attach` finds it
                case SetViews(enabled=enabled):
                    self._views = enabled
                case WatchBackprop(sample=sample):
                    self._backprop.watch(sample, self._trainer)
                case Pause():
                    return True
                case _:
                    self._deferred.append(command)
                    return True

    def _send_snapshot(self) -> None:
        self._backprop.send(self._trainer)  # nothing unless the Backprop view watches a sample
        if not self._views or self._trainer is None:
            return
        from tui_nn.snapshot import take_snapshot

        self._next_snapshot = time.monotonic() + SNAPSHOT_INTERVAL_S
        self.send(take_snapshot(self._trainer))

    def _send_state(self, status: protocol.Status | None = None) -> None:
        trainer = self._trainer
        if trainer is None:
            self.send(State("idle"))
            return
        state = trainer.state
        self.send(
            State(
                status=status or ("idle" if state.status == "ready" else state.status),
                epoch=state.epoch,
                step=state.step,
                message=state.message,
                lr=trainer.learning_rate,
                stops=list(state.stops),
            )
        )


if __name__ == "__main__":
    from tui_nn.trainer.server_main import main

    main()
