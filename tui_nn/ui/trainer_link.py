"""The app's connection to its trainer process, and what the trainer last said.

`TrainerLink` owns the `TrainerProcess` (or a handle on a trainer that another app started), the
thread that reads its events, and a generation counter: each trainer the link starts or attaches
to is a new generation, and the events of a trainer it has let go are dropped (`accept`). It keeps
what the trainer last reported (its `Ready`, `Loaded` and `State`, the devices, epoch, step and
learning rate, why the last load failed) and the status the app shows (`status`: the trainer's own
states plus the app's "loading" and "starting" while a command is on its way).

The reader is a daemon thread, not a Textual worker: the app's exit waits for a worker's thread,
and a trainer left running in the background must not hold up a quit. It posts one Textual
message per event (`tui_nn.ui.messages.trainer_message`) to the app, whose handlers call
`accept` first. Everything else runs on the UI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Unpack

from textual.app import App

from tui_nn.runs import pid_alive
from tui_nn.trainer import protocol
from tui_nn.trainer.client import TrainerProcess

from .messages import TrainerMessage, trainer_message
from .panes.status_bar import StatusFields

ATTACHED_STOP_S = 3.0  # how long a stop waits for an attached trainer (not our child) to end
TRAINING = ("running", "starting")
# What a run sends; after a reset or load, those still in flight from the old run are dropped.
_OF_A_RUN = (protocol.Metrics, protocol.Snapshot, protocol.Summary)

TrainerFactory = Callable[[], TrainerProcess]
AttachFactory = Callable[[str], TrainerProcess]
StatusView = Callable[..., None]  # (status, **fields): shows them (the status bar)


class AttachedTrainer(TrainerProcess):
    """A handle on a trainer that another app started (`TrainerProcess.attach`): running until
    its connection ends, its pid learnt from the `Ready` event, and a stop that waits for it."""

    def __init__(self) -> None:
        super().__init__()
        self._ended = False
        self.trainer_pid: int | None = None

    @property
    def running(self) -> bool:
        return not self._ended

    @property
    def pid(self) -> int | None:
        return self.trainer_pid

    def events(self) -> Iterator[protocol.Event]:
        try:
            for event in super().events():
                if isinstance(event, protocol.Ready):
                    self.trainer_pid = event.pid
                elif isinstance(event, protocol.Exited):
                    self._ended = True
                yield event
        finally:
            self._ended = True

    def detach(self) -> None:
        self._ended = True
        super().detach()

    def stop(self, timeout: float = ATTACHED_STOP_S) -> None:
        self._ended = True
        super().stop(timeout)  # sends quit: the trainer saves a checkpoint and ends
        pid = self.trainer_pid
        deadline = time.monotonic() + timeout
        while pid is not None and pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)


def exit_message(event: protocol.Exited, attached: bool) -> str:
    """What the app says when the trainer's events end: the reason it can tell."""
    code = event.returncode
    last = event.stderr.strip()
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        what = f"the trainer process was killed ({name})"
    elif code is not None and code > 0:
        what = f"the trainer process failed (exit status {code})"
    elif attached and code is None:
        what = "the connection to the trainer closed"
    else:
        what = f"the trainer process ended (exit status {code})"
    if last:
        what += f": {last}"
    return what + "; press space to start a new one"


def _stop_quietly(process: TrainerProcess) -> None:
    try:
        process.stop()
    except Exception:  # noqa: BLE001 - quitting must not fail
        pass


class TrainerLink:
    """See the module docstring. `factory=None`: no trainer process (snapshot tests), with
    `devices` standing in for a trainer's `Ready`."""

    def __init__(
        self,
        app: App[Any],
        factory: TrainerFactory | None,
        *,
        show: StatusView,
        attach_factory: AttachFactory | None = None,
        devices: Iterable[protocol.DeviceInfo] = (),
    ) -> None:
        self.app = app  # where the reader thread posts the events
        self.factory = factory
        self.attach_factory: AttachFactory = attach_factory or AttachedTrainer.attach
        self.process: TrainerProcess | None = None
        self.generation = 0
        self.status = "idle"
        self.devices = list(devices)
        self.ready: protocol.Ready | None = None
        self.loaded: protocol.Loaded | None = None  # None: a load is on its way (or failed)
        self.state: protocol.State | None = None
        self.load_error: str | None = None  # why the trainer refused the last preset
        self.epoch = 0
        self.step = 0
        self.lr: float | None = None  # the learning rate the trainer last reported
        self.rate: float | None = None  # steps a second, from the last two metrics
        self._rate_mark: tuple[float, int] | None = None  # (elapsed_s, step) of the last rate
        self._old_run = False  # a reset or load is on its way: drop the old run's figures
        self._stopping: set[TrainerProcess] = set()  # stopped in the background
        self._show = show

    # -- what the app asks ----------------------------------------------------------------

    @property
    def available(self) -> bool:
        """Whether this app runs trainers at all (not in snapshot tests)."""
        return self.factory is not None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    @property
    def training(self) -> bool:
        return self.status in TRAINING

    @property
    def run_exists(self) -> bool:
        """The trainer holds a run that a reload would discard."""
        return self.epoch > 0 or self.step > 0

    def set_status(
        self, status: str, *, error: bool = False, **fields: Unpack[StatusFields]
    ) -> None:
        """The status to show, with any other fields of the status bar (`message`...);
        `error`: the message in the error style."""
        self.status = status
        if error and "message" in fields:
            fields["message_style"] = "$error"
        self._show(status, **fields)

    # -- the trainer process --------------------------------------------------------------

    def start(self, attach: str | Path | None = None) -> bool:
        """Launch a trainer, or connect to the one serving the socket `attach`; False (and the
        status "failed") when it cannot start."""
        assert self.factory is not None
        self.generation += 1
        process = self.attach_factory(str(attach)) if attach is not None else self.factory()
        try:
            if attach is None:
                process.start()
        except (OSError, ValueError) as error:
            self.process = None
            message = f"cannot start the trainer process: {error}"
            self.set_status("failed", message=message, error=True)
            return False
        self.process = process
        self.loaded = None
        if process.notice:  # e.g. the usual runtime folder was not safe to use
            self.app.notify(process.notice, title="trainer", severity="warning", markup=False)
        threading.Thread(
            target=self._read, args=(process, self.generation), daemon=True, name="trainer-events"
        ).start()
        return True

    def ensure(self, load: Callable[[], None]) -> bool:
        """A live trainer: restarts one after a failure, `load()` then loading the preset."""
        if self.factory is None:
            self.set_status("idle", message="no trainer process in this mode")
            return False
        if self.running:
            return True
        if self.process is not None:
            self.stop()
        if not self.start():
            return False
        load()
        self.set_status("loading", message="trainer restarted")
        return True

    def send(self, command: protocol.Command) -> bool:
        """False when there is no trainer (or it is gone)."""
        process = self.process
        return process.send(command) if process is not None else False

    def release(self) -> TrainerProcess | None:
        """Take the trainer out of the link; whatever it still says is ignored."""
        process, self.process = self.process, None
        self.generation += 1
        return process

    def detach(self) -> TrainerProcess | None:
        """Leave the trainer running on its own (a run goes on in the background)."""
        process = self.release()
        if process is not None:
            with contextlib.suppress(Exception):  # exiting must not fail
                process.detach()
        return process

    def stop(self) -> None:
        """Stop the trainer and wait for it (it saves a checkpoint: up to a few seconds), and
        for any still stopping in the background."""
        process = self.release()
        for stopping in [process, *self._stopping]:
            if stopping is not None:
                _stop_quietly(stopping)

    async def stop_in_background(self) -> None:
        """The same, with the wait in a thread: the screen stays live meanwhile."""
        process = self.release()
        if process is None:
            return
        self._stopping.add(process)
        try:
            await asyncio.to_thread(_stop_quietly, process)
        finally:
            self._stopping.discard(process)

    def gone(self, event: protocol.Exited) -> str:
        """The trainer ended (or the connection to it): what to tell the user."""
        process, self.process = self.process, None
        return exit_message(event, attached=process is not None and not process.pid)

    # -- events ---------------------------------------------------------------------------

    def _read(self, process: TrainerProcess, generation: int) -> None:
        """Read the trainer's events (blocking) and post them to the UI thread."""
        try:
            for event in process.events():
                self.app.post_message(trainer_message(event, generation))
        except Exception as error:  # noqa: BLE001 - a reader failure is a trainer failure
            with contextlib.suppress(Exception):  # the app may be gone
                exited = protocol.Exited(None, f"{type(error).__name__}: {error}")
                self.app.post_message(trainer_message(exited, generation))

    def post(self, event: protocol.Event) -> None:
        """Hand the app `event` as though the current trainer had sent it (the snapshot tests'
        scripted runs)."""
        self.app.post_message(trainer_message(event, self.generation))

    def accept(self, message: TrainerMessage[Any]) -> bool:
        """On the UI thread, for each trainer message: False for one of a trainer let go (or
        when the app is closing); else the link takes note of what it says."""
        if message.generation != self.generation or not self.app.is_running:
            return False
        event = message.event
        if self._old_run and isinstance(event, _OF_A_RUN):
            return False  # sent before the reset or load reached the trainer: not this run's
        if isinstance(event, protocol.Loaded | protocol.Error) or (
            isinstance(event, protocol.State) and event.epoch == 0 and event.step == 0
        ):
            self._old_run = False  # the trainer has taken the reset or load
        if isinstance(event, protocol.Ready):
            self.ready = event
            self.devices = list(event.devices)
        elif isinstance(event, protocol.Loaded):
            self.loaded = event
            self.load_error = None
        elif isinstance(event, protocol.State):
            self.state = event
            if event.lr is not None:
                self.lr = event.lr
            self.epoch, self.step = event.epoch, event.step
            if self.epoch == 0 and self.step == 0:
                self._rate_mark = None
        elif isinstance(event, protocol.Metrics):
            self.lr = event.lr
            self.epoch, self.step = event.epoch, event.step
            self._note_rate(event.elapsed_s)
        elif isinstance(event, protocol.Error):
            if self.loaded is None and self.status == "loading":
                self.load_error = event.message  # the last load failed
        return True

    def _note_rate(self, elapsed: float) -> None:
        mark, self.rate = self._rate_mark, None
        if mark is not None and elapsed > mark[0]:
            self.rate = (self.step - mark[1]) / (elapsed - mark[0])
        self._rate_mark = (elapsed, self.step)

    def loading(self) -> None:
        """A load (or resume) was sent: what the trainer held is gone."""
        self.load_error = None
        self.loaded = None
        self.reset_progress()

    def reset_progress(self) -> None:
        """A fresh run: no epoch, no step, no rate yet."""
        self.epoch = self.step = 0
        self._rate_mark = None
        self._old_run = True  # until the trainer says so, what it sends is of the old run
