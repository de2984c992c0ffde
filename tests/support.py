"""Helpers the Pilot tests share (import them as `from support import ...`; never import one test
file from another): waiting on a condition, the app's scripted trainer (`FakeTrainer`), the
events it sends, and small ways to drive the app's panes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, ClassVar

from scripted_trainer import ScriptedTrainer
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.panes.network import LayerRow
from tui_nn.ui.panes.status_bar import StatusBar
from tui_nn.ui.widgets.deferred import DeferredFields

POLL_S = 0.02  # how often `wait_for` looks again
SIZE = (80, 24)
REAL_TIMEOUT = 30.0  # the real trainer imports torch first; a loaded CI machine is slow


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], object], what: str, timeout: float = 5.0
) -> None:
    """Return as soon as `predicate()` is true (the app idle in between); fail after `timeout`
    seconds naming `what` was awaited (and, in the tui-nn app, its status line)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what}{_status_of(pilot.app)}"
            )
        await asyncio.sleep(POLL_S)  # the trainer's thread and the app's timers get their turn
        await pilot.pause()


async def wait_steady(
    pilot: Pilot[Any], predicate: Callable[[], object], what: str, turns: int = 3
) -> None:
    """`wait_for`, then the same still true after `turns` more turns of the app (for a picture:
    a message already queued, a resize say, could still change it)."""
    for _ in range(turns + 1):
        await wait_for(pilot, predicate, what)
        await pilot.pause()


def _status_of(app: Any) -> str:
    if not isinstance(app, TuiNnApp) or not app.is_running:
        return ""
    return f"; status {app.link.status!r}: {app.query_one(StatusBar).line()!r}"


# -- the app's scripted trainer -------------------------------------------------------------


class FakeTrainer(ScriptedTrainer):
    """Speaks the trainer protocol from memory: `Load`, `Start`, `Pause`, `TrainEpoch`, `Reset`,
    `SetLearningRate`, `SetPace`. Its steps count epochs (one step an epoch)."""

    instances: ClassVar[list[FakeTrainer]] = []

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0
        self.lr = 0.1
        self.pace: float | None = None
        self.status: p.Status = "idle"
        self.stopped = False
        self.fail_next_load: str | None = None  # answer the next load with this error
        FakeTrainer.instances.append(self)

    def stop(self, timeout: float = 2.0) -> None:
        self.stopped = True
        if self.running:
            self.end(p.Exited(returncode=0, stderr=""))

    # scripting
    def crash(self, code: int = 1, stderr: str = "RuntimeError: boom") -> None:
        self.end(p.Exited(returncode=code, stderr=stderr))

    def _state(self, status: p.Status) -> None:
        self.status = status
        self.emit(
            p.State(status=status, epoch=self.epoch, step=self.epoch, lr=self.lr, pace=self.pace)
        )

    def _do_load(self, command: p.Load) -> None:
        self.epoch = 0
        if self.fail_next_load:
            self.emit(p.Error(message=self.fail_next_load))
            self.fail_next_load = None
            self.emit(p.State(status="idle"))
            return
        self.lr = command.preset["train"]["learning_rate"]
        self.emit(loaded(command.preset["name"]))
        self._state("idle")

    def _metrics(self, status: p.Status) -> None:
        self.emit(
            p.Metrics(
                epoch=self.epoch,
                step=self.epoch,
                train_loss=1.0 / (self.epoch + 1),
                samples_per_s=100.0,
                elapsed_s=0.01 * self.epoch,
                lr=self.lr,
                status=status,
                eval_train_loss=0.5,
                train_acc=0.75,
            )
        )

    def _do_start(self, command: p.Start) -> None:
        self._state("running")
        self.epoch += 3
        self._metrics("running")

    def _do_pause(self, command: p.Pause) -> None:
        self._metrics("paused")
        self._state("paused")

    def _do_epoch(self, command: p.TrainEpoch) -> None:
        self._state("running")
        self.epoch += 1
        self._metrics("paused")
        self._state("paused")

    def _do_reset(self, command: p.Reset) -> None:
        self.epoch = 0
        self._state("idle")

    def _do_pace(self, command: p.SetPace) -> None:
        self.pace = command.steps_per_s
        self._state(self.status)

    def _do_lr(self, command: p.SetLearningRate) -> None:
        self.lr = command.value
        self._state("running" if self.epoch else "idle")


def loaded(
    preset: str = "XOR",
    *,
    n_train: int = 4,
    n_test: int = 0,
    steps_per_epoch: int = 1,
    data_note: str = "",
) -> p.Loaded:
    """A `Loaded` for a two-input, two-class data set."""
    return p.Loaded(
        preset=preset,
        device="cpu",
        n_features=2,
        n_classes=2,
        input_names=["A", "B"],
        task="classification",
        n_train=n_train,
        n_test=n_test,
        parameters=17,
        steps_per_epoch=steps_per_epoch,
        overview={},
        data_note=data_note,
    )


# -- driving the panes ----------------------------------------------------------------------


async def show_tab(pilot: Pilot[Any], tab: str) -> None:
    """The tab shown, its deferred fields built and filled (`DeferredFields`): a value typed
    into a field before its fill would be filled over."""
    pilot.app.query_one("#sidebar", TabbedContent).active = f"tab-{tab}"
    panes = list(pilot.app.query(DeferredFields))
    await wait_for(pilot, lambda: all(pane.built for pane in panes), "the panes' fields built")
    await pilot.pause()


def layer_units(app: TuiNnApp, index: int) -> Input:
    return list(app.query(LayerRow))[index].query_one(".units", Input)


async def type_into(pilot: Pilot[Any], field: Input, text: str, submit: bool = True) -> None:
    field.focus()
    field.value = text
    if submit:
        await pilot.press("enter")
    else:
        await pilot.pause()


def status_text(app: TuiNnApp) -> str:
    return app.query_one(StatusBar).line()
