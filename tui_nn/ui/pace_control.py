"""The pace of training (`-` slower, `+` faster, `t` one step): full speed, or a few steps a
second so that a learner sees each step move the curves, the decision map and the weights. The
app keeps the pace and tells every trainer it starts; a preset may bring its own (`train.pace`,
the lesson presets), taken when that preset is loaded."""

from __future__ import annotations

from typing import Any

from textual.app import App

from tui_nn.spec import Preset
from tui_nn.trainer import protocol
from tui_nn.trainer.pace import describe_pace, faster, slower

from .panes.status_bar import StatusBar
from .trainer_link import TrainerLink


class PaceControl:
    def __init__(self, app: App[Any], link: TrainerLink) -> None:
        self.app = app
        self.link = link
        self.steps_per_s: float | None = None
        self._preset_name: str | None = None  # the preset whose own pace was taken
        self._asked = False  # a pace sent that the trainer has not said back yet

    def slower(self) -> None:
        self.set(slower(self.steps_per_s))

    def faster(self) -> None:
        self.set(faster(self.steps_per_s))

    def set(self, steps_per_s: float | None, *, say: bool = True) -> None:
        self.steps_per_s = steps_per_s
        self._asked = True
        self.link.send(protocol.SetPace(steps_per_s))
        bar = self.app.query_one(StatusBar)
        if say:
            bar.show(pace=steps_per_s, message=f"pace: {describe_pace(steps_per_s)}")
        else:
            bar.show(pace=steps_per_s)

    def one_step(self) -> None:
        if self.link.training:
            self.app.notify("training is running: pause first (space)", markup=False, timeout=3)
            return
        if self.link.status in ("diverged", "failed"):
            self.app.notify("the run has ended: press r to reset", markup=False, timeout=3)
            return
        if self.link.send(protocol.TrainStep()):
            self.link.set_status("starting", message="one step")

    def trainer_state(self, steps_per_s: float | None) -> float | None:
        """The pace a `State` says: the trainer's own is taken (an attached run keeps its pace),
        unless a change this app sent is still on its way; returns the pace to show."""
        if steps_per_s == self.steps_per_s:
            self._asked = False
        elif not self._asked:
            self.steps_per_s = steps_per_s
        return self.steps_per_s

    def trainer_ready(self) -> None:
        """A trainer (re)started: it trains at full speed until told otherwise."""
        if self.steps_per_s is not None:
            self._asked = True
            self.link.send(protocol.SetPace(self.steps_per_s))

    def preset_loaded(self, preset: Preset) -> None:
        """The app loads another preset (not an edit of the same one; attaching loads none): its
        own pace, if it has one, else full speed."""
        if preset.name == self._preset_name:
            return
        self._preset_name = preset.name
        if preset.train.pace != self.steps_per_s:
            self.set(preset.train.pace, say=False)  # the status line shows it
