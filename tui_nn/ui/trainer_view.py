"""What the trainer says, shown on the panes: the status bar, the plots, the Network and Training
tabs. The app's handler of each trainer message (`TrainerMessages`, a part of the app) calls one
`TrainerView` method per kind of event, after its `TrainerLink` has taken note of it (so
`link.rate`, `link.epoch` and the rest are already those of this event)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App

from tui_nn.trainer import protocol

from . import messages as m
from .later import LaterParts
from .pace_control import PaceControl
from .panes.device import DevicePanel
from .panes.diagnosis import DiagnosisLine
from .panes.network import NetworkPane
from .panes.plots import PlotsPane
from .panes.race_line import RaceLine
from .panes.status_bar import StatusBar, StatusFields
from .panes.training import TrainingPane
from .run_control import RunControl
from .trainer_link import TrainerLink

E = TypeVar("E", bound=protocol.Event)


def evaluation_fields(epoch: int, result: protocol.EvalPoint | protocol.Summary) -> StatusFields:
    return {
        "train_loss": result.train_loss,
        "test_loss": result.test_loss,
        "train_acc": result.train_acc,
        "test_acc": result.test_acc,
        "eval_epoch": epoch,
    }


class TrainerView:
    def __init__(
        self, app: App[Any], link: TrainerLink, runs: RunControl, pace: PaceControl
    ) -> None:
        self.app = app
        self.link = link
        self.runs = runs
        self.pace = pace

    def ready(self, event: protocol.Ready) -> None:
        self.app.query_one(TrainingPane).set_devices(event.devices)
        self.pace.trainer_ready()

    def loaded(self, event: protocol.Loaded) -> None:
        self.app.query_one(NetworkPane).set_io(event.n_features, event.n_classes)
        plots = self.app.query_one(PlotsPane)
        plots.set_shape(event.steps_per_epoch, event.task, has_test=event.n_test != 0)
        if event.variants != plots.variants:  # (a preset that compares networks, or no longer)
            plots.set_variants(event.variants)
            self.app.query_one(RaceLine).set_variants(event.variants)
        self.diagnosis().set_preset(self.runs.editor.committed)
        self.app.query_one(StatusBar).show(device=event.device)
        if event.data_note:  # what the loader guessed: a CSV's separator, MNIST's test set
            self.app.query_one(StatusBar).show(message=event.data_note)

    def state(self, event: protocol.State) -> None:
        # A fresh run (epoch 0) has no stops yet, whatever came before.
        self.app.query_one(PlotsPane).set_stops(event.stops if event.epoch else [])
        self.diagnosis().set_stop(event.stops[-1].reason if event.epoch and event.stops else None)
        pace = self.pace.trainer_state(event.pace)
        self.app.query_one(RaceLine).state(event)
        fields: StatusFields = {"epoch": event.epoch, "step": event.step, "pace": pace}
        if event.message:
            fields["message"] = event.message
        self.link.set_status(event.status, **fields)

    def run_opened(self, event: protocol.RunOpened) -> None:
        if event.variant == 0:  # a comparison's first network is the run of this app
            self.runs.on_run(event)

    def metrics(self, event: protocol.Metrics) -> None:
        plots = self.app.query_one(PlotsPane)
        plots.add_metrics(event)
        self.app.query_one(RaceLine).metrics(event)
        if event.variant != 0:  # another network of a comparison: its curves alone
            return
        self.diagnosis().add_metrics(event)
        self.runs.note_metrics(event)
        fields: StatusFields = {"epoch": event.epoch, "step": event.step}
        if event.evals:  # the figures of the last evaluation, and where it was
            last = event.evals[-1]
            fields.update(evaluation_fields(last.epoch, last))
        elif (
            event.train_loss is not None
            and self.app.query_one(StatusBar).fields.get("eval_epoch") is None
        ):
            fields["train_loss"] = event.train_loss  # before the first evaluation: the window's
        fields["elapsed_s"] = event.elapsed_s
        if self.link.rate is not None:
            fields["steps_per_s"] = self.link.rate
        # A comparison is done when all its networks are: the trainer's `State` says when.
        racing = bool(plots.variants)
        self.link.set_status(self.link.status if racing else event.status, **fields)

    def history(self, event: protocol.History) -> None:
        self.app.query_one(PlotsPane).set_history(event)
        if event.variant == 0:
            self.diagnosis().set_history(event)

    def snapshot(self, event: protocol.Snapshot) -> None:
        self.diagnosis().set_layers(event.layers)

    def diagnosis(self) -> DiagnosisLine:
        """The main screen's (a dialog's plots have one too, which the trainer does not feed)."""
        return self.app.screen_stack[0].query_one("#diagnosis", DiagnosisLine)

    def device_stats(self, event: protocol.DeviceStats) -> None:
        self.app.query_one(DevicePanel).show_stats(event)

    def summary(self, event: protocol.Summary) -> None:
        race = self.app.query_one(RaceLine)
        race.summary(event)
        message = event.message or "finished"
        diverged = event.status == "diverged"
        name = race.label(event.variant)  # a comparison's: which network it is
        if name:
            message = f"{name}: {message}"
        if diverged:
            self.app.notify(message, title="diverged", severity="warning", markup=False)
        if event.variant != 0:
            return  # (the status bar and the diagnosis are the lead's)
        self.diagnosis().set_stop(event.stop_reason)
        if not diverged and event.train_loss is not None:  # the same figures as the message
            self.app.query_one(StatusBar).show(**evaluation_fields(event.epochs, event))
        style = "$error" if diverged else "$success"
        self.app.query_one(StatusBar).show(message=message, message_style=style)

    def error(self, event: protocol.Error) -> None:
        message = event.message or "unknown error"
        self.app.notify(message, title="trainer error", severity="error", markup=False, timeout=8)
        self.app.query_one(StatusBar).show(message=f"error: {message}", message_style="$error")

    def exited(self, event: protocol.Exited) -> None:
        message = self.link.gone(event)
        self.runs.trainer_gone()
        self.link.set_status("failed", message=message, error=True)
        self.app.notify(message, title="trainer failed", severity="error", markup=False, timeout=10)


class TrainerMessages:
    """The app's handlers of the trainer's messages (a base of `TuiNnApp`): Textual finds each
    by its name, `on_trainer_<event>`; every one goes through `_receive`."""

    link: TrainerLink
    later: LaterParts
    runs: RunControl
    trainer_view: TrainerView

    def _receive(self, message: m.TrainerMessage[E], show: Callable[[E], None] | None) -> None:
        """Every trainer message: the link notes it, then the panes show it, then the lesson."""
        if not self.link.accept(message):
            return  # from a trainer let go
        event = message.event
        if show is not None:
            try:
                show(event)
            except Exception as error:  # noqa: BLE001 - a bad event must not kill the UI
                with contextlib.suppress(Exception):  # e.g. the widgets are gone (closing)
                    message_text = f"bad trainer event {event.NAME!r}: {error}"
                    self.link.set_status(self.link.status, message=message_text, error=True)
        self.later.trainer_event(event)

    def on_trainer_ready(self, message: m.TrainerReady) -> None:
        self._receive(message, self.trainer_view.ready)

    def on_trainer_loaded(self, message: m.TrainerLoaded) -> None:
        self._receive(message, self.trainer_view.loaded)

    def on_trainer_run_opened(self, message: m.TrainerRunOpened) -> None:
        self._receive(message, self.trainer_view.run_opened)

    def on_trainer_state(self, message: m.TrainerState) -> None:
        self._receive(message, self.trainer_view.state)

    def on_trainer_metrics(self, message: m.TrainerMetrics) -> None:
        self._receive(message, self.trainer_view.metrics)

    def on_trainer_history(self, message: m.TrainerHistory) -> None:
        self._receive(message, self.trainer_view.history)

    def on_trainer_device_stats(self, message: m.TrainerDeviceStats) -> None:
        self._receive(message, self.trainer_view.device_stats)

    def on_trainer_snapshot(self, message: m.TrainerSnapshot) -> None:
        self._receive(message, self.trainer_view.snapshot)  # the lesson views, the diagnosis

    def on_trainer_backprop(self, message: m.TrainerBackprop) -> None:
        self._receive(message, None)  # for the Backprop lesson view only

    def on_trainer_summary(self, message: m.TrainerSummary) -> None:
        self._receive(message, self.trainer_view.summary)

    def on_trainer_error(self, message: m.TrainerError) -> None:
        self._receive(message, self.trainer_view.error)

    def on_trainer_exited(self, message: m.TrainerExited) -> None:
        self._receive(message, self.trainer_view.exited)
