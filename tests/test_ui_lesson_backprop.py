"""Pilot tests of the Backprop lesson view: choosing samples, one step on a sample (the new
weights and the loss going down), the view on a network too large to show whole, and that the
trainer is asked for backprop only while the view is shown.

The fake trainer holds a real `Trainer` (torch, in the test process only) and answers
`WatchBackprop` and `BackpropStep` as the trainer process does (`tui_nn.trainer.backprop_watch`),
so every number the view shows is the real computation's."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from support import wait_for
from test_ui_lesson import SIZE, LessonFake, LessonHost, open_lesson, show_view, text_of

from tui_nn.presets import load_named
from tui_nn.spec import Preset
from tui_nn.trainer import protocol as p
from tui_nn.trainer.backprop_watch import step_on_sample
from tui_nn.training import Trainer
from tui_nn.training.backprop import backprop_trainer
from tui_nn.ui.lesson.backprop import BackpropView


class BackpropFake(LessonFake):
    """`LessonFake` with a real trainer behind `WatchBackprop` and `BackpropStep`."""

    def __init__(self) -> None:
        super().__init__()
        self.trainer: Trainer | None = None
        self.watched: int | None = None
        self.check = False

    def _do_load(self, command: p.Load) -> None:
        super()._do_load(command)
        assert self.preset is not None
        self.trainer = Trainer(self.preset)

    def _send_backprop(self) -> None:
        trainer = self.trainer
        if self.watched is not None and trainer is not None:
            result = backprop_trainer(trainer, self.watched, check=self.check)
            self.emit(p.Backprop(trainer.state.epoch, trainer.state.step, result))

    def _do_backprop(self, command: p.WatchBackprop) -> None:
        self.watched, self.check = command.sample, command.check
        self._send_backprop()

    def _do_backprop_step(self, command: p.BackpropStep) -> None:
        assert self.trainer is not None
        step_on_sample(self.trainer, command.sample)
        self.watched = command.sample
        self.emit(state_after(self.trainer))
        self._send_backprop()

    def watches(self) -> list[int | None]:
        return [c.sample for c in self.commands if isinstance(c, p.WatchBackprop)]


def state_after(trainer: Trainer) -> p.State:
    return p.State("paused", epoch=trainer.state.epoch, step=trainer.state.step, lr=1.0)


def title(app: Any) -> str:
    return text_of(app, "#backprop-title")


def large_backprop_preset() -> Preset:
    """The backprop preset with 40 hidden units: 80 weights in its first layer."""
    preset = load_named("backprop")
    hidden, output = preset.model.layers
    layers = [
        dataclasses.replace(hidden, units=40, weights=None, bias=None),
        dataclasses.replace(output, weights=None, bias=None),
    ]
    return dataclasses.replace(preset, model=dataclasses.replace(preset.model, layers=layers))


async def test_choose_samples_step_on_one_and_stop_watching_when_hidden() -> None:
    fake = BackpropFake()
    app = LessonHost(load_named("backprop"), fake)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        assert fake.watches() == []  # not shown yet: nothing asked, nothing computed
        view = app.query_one(BackpropView)
        await show_view(pilot, pane, "lesson-backprop", lambda: "sample 0 of 4" in title(app), "s0")
        assert fake.watches() == [0] and view.has_focus
        picture = text_of(app, "#backprop-picture")
        assert re.search(r"δ -?\d", picture) and "(2)" in picture  # each neuron with its delta
        body = text_of(app, "#backprop-body")
        for line in ("Forward: a(l) = W(l) y(l-1) + b(l)", "Backward: delta(l) = dL/da(l)"):
            assert line in body
        assert "without the lecture's 1/2" in body and "largest difference from autograd" in body

        await pilot.press("full_stop")
        await wait_for(pilot, lambda: "sample 1 of 4" in title(app), "sample 1")
        await pilot.press("comma", "comma")
        await wait_for(pilot, lambda: "sample 3 of 4" in title(app), "sample 3 (around)")
        assert fake.watches() == [0, 1, 0, 3]

        shown = view.result
        assert shown is not None and shown.sample == 3 and shown.new_loss is not None
        await pilot.press("s")
        await wait_for(pilot, lambda: "step 1" in title(app), "the step")
        assert "(down)" in title(app)
        after = view.result
        assert after is not None and after.loss < shown.loss
        assert abs(after.loss - shown.new_loss) < 1e-6
        for before, now in zip(shown.layers, after.layers, strict=True):
            flat_new = [w for row in now.W for w in row]
            flat_shown = [w for row in before.new_W for w in row]
            assert max(abs(a - b) for a, b in zip(flat_new, flat_shown, strict=True)) < 1e-6
        assert [c for c in fake.commands if isinstance(c, p.BackpropStep)] == [p.BackpropStep(3)]

        await pilot.press("g")  # the gradient check, for engineers
        await wait_for(pilot, lambda: "Gradient check" in text_of(app, "#backprop-body"), "check")
        assert p.WatchBackprop(3, check=True) in fake.commands
        assert "agree with autograd" in text_of(app, "#backprop-body")
        await pilot.press("g")
        await wait_for(pilot, lambda: "Gradient check" not in text_of(app, "#backprop-body"), "off")

        await show_view(pilot, pane, "lesson-net", lambda: True, "the network view")
        await wait_for(pilot, lambda: fake.watches()[-1] is None, "no watch on another view")
        await show_view(pilot, pane, "lesson-backprop", lambda: True, "back")
        await wait_for(pilot, lambda: fake.watches()[-1] == 3, "the sample watched again")
        pane.toggle()  # the lesson tab hidden
        await wait_for(pilot, lambda: fake.watches()[-1] is None, "no watch while hidden")


async def test_a_network_too_large_to_show_whole_gets_summaries() -> None:
    fake = BackpropFake()
    app = LessonHost(large_backprop_preset(), fake)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        await show_view(pilot, pane, "lesson-backprop", lambda: "sample 0" in title(app), "s0")
        await wait_for(pilot, lambda: "Per layer" in text_of(app, "#backprop-body"), "summary")
        body = text_of(app, "#backprop-body")
        assert "more than 64 weights" in body and "40x2 = 80 weights" in body
        assert "largest terms" in body and "autograd" in body
        assert "too many units to draw" in text_of(app, "#backprop-picture")
        await pilot.press("s")
        await wait_for(pilot, lambda: "step 1" in title(app), "the step")
