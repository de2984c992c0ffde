"""The trainer process: `python -m tui_nn.trainer.server`, the server side of the trainer link.

It reads commands and writes events as the JSON lines of `tui_nn.trainer.protocol`, over a Unix
socket (`--socket PATH`, which `tui-nn attach` reconnects to) or over stdin/stdout. Training runs
here, on its own cores, so the app's process never imports torch and never stalls. A socket
trainer whose app goes away keeps training its run, then ends; a stdin trainer ends with its input.

Threads: the main thread runs `TrainerServer.serve` (commands, and the engine between them); one
reader thread per connected app decodes its commands into the inbox; one thread accepts apps.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tui_nn.errors import TuiNnError
from tui_nn.trainer import protocol
from tui_nn.trainer.backprop_watch import BackpropWatch
from tui_nn.trainer.connection import AppConnection
from tui_nn.trainer.inbox import Attached as _Attached
from tui_nn.trainer.inbox import Gone as _Gone
from tui_nn.trainer.inbox import Inbox
from tui_nn.trainer.inbox import Wake as _Wake
from tui_nn.trainer.networks import Networks
from tui_nn.trainer.pace import Pace
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
    SetEpochs,
    SetLearningRate,
    SetPace,
    SetViews,
    SetWeights,
    Start,
    TrainEpoch,
    TrainStep,
    WatchBackprop,
)
from tui_nn.trainer.reports import STATS_INTERVAL_S, StatsTicker, state_event
from tui_nn.trainer.side_by_side import train_paced, train_together

if TYPE_CHECKING:  # it imports torch, which loads once the trainer is up (see `serve`)
    pass

SNAPSHOT_INTERVAL_S = 0.5  # lesson views redraw twice a second while training
PACED_VIEWS_PER_S = 30  # at a pace, they follow every step up to this many a second
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
        self._nets = Networks(self.send, socket_path)  # what it trains, and their runs
        self._devices: list[DeviceInfo] | None = None
        self._views = False  # send snapshots for the lesson views
        self._next_snapshot = 0.0
        self._backprop = BackpropWatch(self.send)  # the Backprop view's sample, if watched
        self._pace = Pace()
        self._stats = StatsTicker(self.send)  # DeviceStats while an app is attached
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
            self._app_attached(self._app is not None)  # `send` may have dropped it first
            return
        self._app_attached(self._app is not None)
        gone.connection.close()

    def _app_attached(self, attached: bool) -> None:
        self._nets.app_attached(attached)

    def _welcome(self) -> None:
        """What a newly attached app needs: devices, the loaded preset, the run folder, the state."""
        if self._joining is not None:
            self._app, self._joining = self._joining, None
            self._app_attached(True)
        if self._devices is not None:
            self.send(protocol.Ready(PROTOCOL_VERSION, self._devices, os.getpid()))
        if self._nets.loaded is not None:
            self.send(self._nets.loaded)
        if self._nets.lead is not None:
            self._nets.welcome()
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
            if not self._ever_attached:
                command = self._next_command(timeout=FIRST_ATTACH_S)
                if command is None:
                    break  # no app came
            else:
                command = self._next_command(timeout=self._send_stats_if_due())
                if command is None:
                    continue
            if isinstance(command, Quit) or self.stop_requested:
                break
            try:
                self._handle(command)
            except TuiNnError as error:
                self.send(protocol.Error(str(error)))
                self._send_state()
            except Exception as error:  # noqa: BLE001 - report, keep serving
                self.send(protocol.Error(f"unexpected error: {type(error).__name__}: {error}"))
                self._send_state()
        self._nets.close_runs("stopped")
        self._stats.close()

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
                self._nets.set_learning_rate(value)
                self._send_state()
            case SetEpochs(value=value):
                self._nets.set_epochs(value)
                self._send_state()
            case Start():
                self._train()
            case TrainEpoch():
                self._train(one_epoch=True)
            case TrainStep():
                self._train(max_steps=1)
            case SetPace(steps_per_s=steps_per_s):
                self._pace.set(steps_per_s)
                self._send_state()
            case Reset():
                self._nets.reset()
                self._send_state()
                self._send_snapshot()
            case Pause():
                self._send_state()
            case SetViews(enabled=enabled):
                self._views = enabled
                self._send_snapshot()
            case SetWeights(layers=layers):
                self._nets.set_weights(layers)
                self._send_state()
                self._send_snapshot()
            case WatchBackprop(sample=sample, check=check):
                self._backprop.watch(sample, self._nets.lead, check)
            case BackpropStep(sample=sample):
                self._nets.refuse_one_network_step()
                self._backprop.step(self._nets.require(), sample)
                self._send_state()
                self._send_snapshot()  # the Backprop and, for the other views, a snapshot
            case _Wake() | Quit():
                pass

    def _resume(self, path: str) -> None:
        """Load a run folder's preset and last checkpoint; `start` then continues that run."""
        self._nets.resume(path)
        self._stats.use_device(str(self._nets.require().device))
        self._send_state()
        self._send_snapshot()

    def _load(self, preset_dict: dict[str, Any]) -> None:
        loaded = self._nets.load(preset_dict)
        self._stats.use_device(loaded.device)
        self.send(loaded)
        self._send_state()
        self._send_snapshot()

    def _train(self, one_epoch: bool = False, max_steps: int | None = None) -> None:
        """Train every network (at the pace set) until its stop rules or budget, one more epoch
        (`one_epoch`), `max_steps` steps or a pause; `n` or a step after DONE go on in the same
        runs."""
        self._nets.require()
        trainers = self._nets.begin(go_on=one_epoch or max_steps is not None)
        if not trainers:
            self._send_state()
            return
        self._send_state("running")
        until = [trainer.state.epoch + 1 if one_epoch else None for trainer in trainers]
        # A comparison's network that ends says so at once (its summary, its run closed) while
        # the others train on; one network says so below, after its last state.
        ended = self._nets.ended if len(trainers) > 1 else None
        if self._pace.full and max_steps is None:
            train_together(trainers, until, self._should_pause, ended)
        else:
            train_paced(
                trainers,
                until,
                self._pace,
                max_steps,
                after_step=self._send_step_views,
                wait=self._wait_between_steps,
                should_pause=self._should_pause,
                ended=ended,
            )
        self._nets.paused()  # first: a run the app sees paused has its checkpoint
        self._send_state()
        self._send_snapshot()
        if ended is None and trainers[0].finished:
            self._nets.ended(trainers[0])  # (a comparison's said so as each ended)

    def _wait_between_steps(self, seconds: float) -> bool:
        """Take commands for `seconds`; True when one of them asks to pause."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            try:
                command = self._inbox.get(timeout=min(left, STATS_INTERVAL_S))
            except queue.Empty:
                self._send_stats_if_due()
                continue
            if self._while_training(command):
                return True
        return self.stop_requested

    def _send_step_views(self) -> None:
        """After each step at a pace: the views, every step up to `PACED_VIEWS_PER_S` a second."""
        slow = (self._pace.steps_per_s or math.inf) <= PACED_VIEWS_PER_S
        if (
            slow
            or time.monotonic() >= self._next_snapshot - SNAPSHOT_INTERVAL_S + 1 / PACED_VIEWS_PER_S
        ):
            self._send_snapshot()

    def _should_pause(self) -> bool:
        """Called by the engine about every 20 ms: the views, the device stats, and the commands
        that came meanwhile."""
        if self.stop_requested:
            return True
        if self._views and time.monotonic() >= self._next_snapshot:
            self._send_snapshot()
        elif self._backprop.due():
            self._backprop.send(self._nets.lead)
        self._send_stats_if_due()
        while True:
            try:
                command = self._inbox.get_nowait()
            except queue.Empty:
                return False
            if self._while_training(command):
                return True

    def _while_training(self, command: Inbox) -> bool:
        """Apply the learning rate and the pace at once; True (pause) for anything else, which is
        handled once the engine has returned."""
        match command:
            case SetLearningRate(value=value):
                with self._errors_reported():
                    self._nets.set_learning_rate(value)
            case SetEpochs(value=value):
                with self._errors_reported():
                    self._nets.set_epochs(value)
            case SetPace(steps_per_s=steps_per_s):
                with self._errors_reported():
                    self._pace.set(steps_per_s)
                self._send_state("running")
            case _Attached():
                self._welcome()
            case _Gone() if self.detachable:
                self._on_gone(command)  # the run outlives its app; `tui-nn attach` finds it
            case SetViews(enabled=enabled):
                self._views = enabled
            case WatchBackprop(sample=sample, check=check):
                self._backprop.watch(sample, self._nets.lead, check)
            case Pause():
                return True
            case _:
                self._deferred.append(command)
                return True
        return self.stop_requested

    @contextlib.contextmanager
    def _errors_reported(self) -> Iterator[None]:
        """While training: a command's error goes to the app, and training goes on."""
        try:
            yield
        except TuiNnError as error:
            self.send(protocol.Error(str(error)))

    def _send_stats_if_due(self) -> float:
        return self._stats.due(self._nets.lead, attached=self._app is not None)

    def _send_snapshot(self) -> None:
        self._backprop.send(self._nets.lead)  # nothing unless the Backprop view watches a sample
        lead = self._nets.lead
        if not self._views or lead is None:
            return
        from tui_nn.snapshot import take_snapshot

        self._next_snapshot = time.monotonic() + SNAPSHOT_INTERVAL_S
        self.send(take_snapshot(lead))

    def _send_state(self, status: protocol.Status | None = None) -> None:
        pace = self._pace.steps_per_s
        self.send(state_event(self._nets.lead, status, pace, self._nets.others))


if __name__ == "__main__":
    from tui_nn.trainer.server_main import main

    main()
