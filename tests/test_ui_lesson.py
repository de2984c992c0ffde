"""Pilot tests of the Lesson tab: truth tables of hand-set weights, the perceptron rule step by
step, decision maps, the network, the digits, the curve, snapshots only while the tab is shown,
the code view.

A fake trainer answers the commands with scripted protocol events (`Loaded` with a data overview,
`Snapshot` with the weights it holds, `State`), so every number here is known in advance and
checked against the hand computation of the lesson. Most tests hold the pane in a small host app
that wires it to the fake through the pane's own contract (`send`, `committed`, `trainer_event`);
the last ones run the whole app, for its keys (`v`, `a`, `c`) and the plots beside the lesson.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lesson_support import confusion_of, logic_loaded, logic_snapshot, state, steps_per_epoch
from scripted_trainer import ScriptedTrainer
from support import wait_for
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent, TabPane

import tui_nn.ui
from tui_nn.presets import load_named, preset_from_dict, preset_to_dict, resolve_preset
from tui_nn.spec import Preset
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.lesson.backprop import BackpropView
from tui_nn.ui.lesson.code import CodeScreen
from tui_nn.ui.lesson.curve import CurveView
from tui_nn.ui.lesson.digits import DigitsView
from tui_nn.ui.lesson.map import MapView
from tui_nn.ui.lesson.network import NetView
from tui_nn.ui.lesson.pane import LessonPane
from tui_nn.ui.lesson.rule import RuleView
from tui_nn.ui.lesson.table import TableView
from tui_nn.ui.panes.plots import PlotsPane

SIZE = (80, 24)
VIEWS: dict[str, type[Widget]] = {
    "lesson-table": TableView,
    "lesson-rule": RuleView,
    "lesson-map": MapView,
    "lesson-net": NetView,
    "lesson-backprop": BackpropView,
    "lesson-digits": DigitsView,
    "lesson-curve": CurveView,
}

LoadedMaker = Callable[[Preset], p.Loaded]
Layers = list[tuple[list[list[float]], list[float], str]]


# -- the fake trainer ------------------------------------------------------------------------


class LessonFake(ScriptedTrainer):
    """The trainer from memory: `Load`, `SetViews`, `SetWeights`; the network it holds is
    `layers` (the preset's hand-set weights, else zeros, as the perceptron presets start)."""

    def __init__(self, loaded: LoadedMaker = logic_loaded) -> None:
        super().__init__()
        self.views = False
        self.layers: Layers | None = None
        self.preset: Preset | None = None
        self.make_loaded = loaded
        self.snapshots = 0  # snapshots sent: each has its number as its step

    def views_sent(self) -> list[bool]:
        return [command.enabled for command in self.commands if isinstance(command, p.SetViews)]

    def snapshot(self) -> None:
        """Send a snapshot of the weights held now (while the views are on)."""
        if self.views and self.layers is not None and self.preset is not None:
            self.snapshots += 1
            self.emit(
                logic_snapshot(
                    self.layers,
                    loss=self.preset.train.loss,
                    kind=self.preset.model.kind,
                    step=self.snapshots,
                )
            )

    def _do_load(self, command: p.Load) -> None:
        preset = self.preset = preset_from_dict(command.preset)
        layers = preset.model.layers
        if all(layer.weights is not None and layer.bias is not None for layer in layers):
            self.layers = [
                ([list(row) for row in x.weights or []], list(x.bias or []), x.activation)
                for x in layers
            ]
        else:
            self.layers = [([[0.0, 0.0]], [0.0], layers[0].activation)]
        self.emit(self.make_loaded(preset))
        self.emit(state())
        self.snapshot()

    def _do_views(self, command: p.SetViews) -> None:
        self.views = command.enabled
        self.snapshot()

    def _do_set_weights(self, command: p.SetWeights) -> None:
        assert self.layers is not None
        self.layers = [
            (given.weights or [], given.bias or [], old[2])
            for given, old in zip(command.layers, self.layers, strict=True)
        ]
        self.emit(state("paused"))
        self.snapshot()


class SilentFake(LessonFake):
    """Takes hand-set weights without a word: what the pane shows then is its own guess."""

    def _do_set_weights(self, command: p.SetWeights) -> None:
        pass


# -- the pane in a host app ------------------------------------------------------------------


class LessonHost(App[None]):
    """The lesson pane as the app holds it (a tab of the sidebar, the plots beside it), wired to a
    fake trainer through the pane's contract only."""

    CSS_PATH = Path(tui_nn.ui.__file__).with_name("app.tcss")

    def __init__(self, preset: Preset, trainer: LessonFake) -> None:
        super().__init__()
        self.preset = preset
        self.trainer = trainer

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with TabbedContent(id="sidebar"):
                with TabPane("Presets", id="tab-presets"):
                    yield Static("the presets")
                with TabPane("Lesson", id="tab-lesson"):
                    yield LessonPane(self.trainer.send, lambda: self.preset, False, id="lesson")
            yield Static("the plots", id="plots")

    def on_mount(self) -> None:
        threading.Thread(target=self._read_events, daemon=True).start()
        self.trainer.start()
        self.trainer.send(p.Load(preset=preset_to_dict(self.preset)))

    def on_unmount(self) -> None:
        self.trainer.stop()

    def _read_events(self) -> None:
        for event in self.trainer.events():
            try:
                self.call_from_thread(self._deliver, event)
            except RuntimeError:  # the app has ended
                return

    def _deliver(self, event: p.Event) -> None:
        self.query_one(LessonPane).trainer_event(event)


HostMaker = Callable[..., tuple[LessonHost, LessonFake]]
AppMaker = Callable[..., tuple[TuiNnApp, LessonFake]]


@pytest.fixture
def host() -> Iterator[HostMaker]:
    fakes: list[LessonFake] = []

    def make(name: str, fake: LessonFake | None = None) -> tuple[LessonHost, LessonFake]:
        trainer = fake if fake is not None else LessonFake()
        fakes.append(trainer)
        return LessonHost(load_named(name), trainer), trainer

    yield make
    for fake in fakes:  # end the reader threads even when a test failed
        fake.stop()


# -- helpers ---------------------------------------------------------------------------------


def text_of(app: App[Any], selector: str) -> str:
    return str(app.query_one(selector).render())


def drawn(pane: LessonPane) -> bool:
    """The visible view has been drawn from the pane's data. A view keeps the same `LessonData`
    from one snapshot to the next: to see it draw a newer one, wait on what it shows."""
    if pane.data is None:
        return False
    view: Any = pane.query_one(VIEWS[pane.active_view])
    return view.data is pane.data


async def show_view(
    pilot: Pilot[Any], pane: LessonPane, view: str, until: Callable[[], object], what: str
) -> None:
    """Switch the lesson to `view`; wait until `until()` says it shows `what` the test needs."""
    pane.query_one("#lesson-tabs", TabbedContent).active = view
    await wait_for(pilot, lambda: pane.active_view == view and until(), what)


async def open_lesson(pilot: Pilot[Any], view: str | None = None) -> LessonPane:
    """Show the lesson tab (as `v` does) once the trainer's `Loaded` is in, and `view` in it."""
    pane = pilot.app.query_one(LessonPane)
    await wait_for(pilot, lambda: pane.data is not None and pane.data.loaded, "the Loaded event")
    pane.toggle()
    await wait_for(pilot, lambda: pane.shown and drawn(pane), "the lesson tab")
    if view is not None:
        await show_view(pilot, pane, view, lambda: drawn(pane), f"the view {view}")
    return pane


async def type_number(pilot: Pilot[Any], field: Input, text: str) -> None:
    """Type into a field as a person does: select what is there, then the keys."""
    field.focus()
    await wait_for(pilot, lambda: field.has_focus, f"the focus on {field.id}")
    field.select_all()
    keys = {"-": "minus", ".": "full_stop"}
    await pilot.press(*(keys.get(ch, ch) for ch in text))
    await pilot.pause()


def weights_sent(fake: LessonFake) -> list[p.SetWeights]:
    return [command for command in fake.commands if isinstance(command, p.SetWeights)]


# -- the truth table and hand-set weights ----------------------------------------------------


async def test_hand_set_sprinkler_weights_truth_table_and_apply(host: HostMaker) -> None:
    app, fake = host("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot, "lesson-table")
        view = app.query_one(TableView)
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
        assert view.table is not None
        # From zero weights: sign(0) = -1 everywhere, so only the (1, 1) row is wrong.
        assert view.table.errors == 1
        assert text_of(app, "#table-title").startswith("Sprinkler (AND): find w0, w1, b")
        truth = text_of(app, "#truth")
        assert truth.splitlines()[0].split() == ["Sunny", "Dry", "a", "y", "t"]

        await type_number(pilot, app.query_one("#w-0-0-0", Input), "1")
        await type_number(pilot, app.query_one("#w-0-0-1", Input), "1")
        await type_number(pilot, app.query_one("#b-0-0", Input), "-1.5")
        table = view.table
        assert view.dirty
        assert [row.a for row in table.rows] == [-1.5, -0.5, -0.5, 0.5]
        assert [row.y for row in table.rows] == [-1.0, -1.0, -1.0, 1.0]
        assert [row.t for row in table.rows] == [-1.0, -1.0, -1.0, 1.0]
        assert table.all_match and table.errors == 0
        lines = text_of(app, "#truth").splitlines()
        assert lines[1].split() == ["0", "0", "-1.5", "-1", "-1", "✓"]
        assert lines[4].split() == ["1", "1", "0.5", "1", "1", "✓"]
        assert "all 4 rows match" in text_of(app, "#verdict")
        assert "not applied" in text_of(app, "#hand-state")
        assert not weights_sent(fake)  # nothing sent while typing

        await type_number(pilot, app.query_one("#b-0-0", Input), "0.5")
        table = view.table
        assert [row.a for row in table.rows] == [0.5, 1.5, 1.5, 2.5]
        assert [row.match for row in table.rows] == [False, False, False, True]
        assert table.errors == 3
        assert "3 of 4 rows misclassified" in text_of(app, "#verdict")
        assert text_of(app, "#truth").count("✗") == 3

        # Enter applies: the trainer gets the weights and continues from them.
        await pilot.press("enter")
        await wait_for(pilot, lambda: weights_sent(fake), "SetWeights")
        assert fake.commands[-1] == p.SetWeights(
            layers=[p.LayerWeights(weights=[[1.0, 1.0]], bias=[0.5])]
        )
        await wait_for(pilot, lambda: not view.dirty, "the applied weights")
        await wait_for(
            pilot,
            lambda: (
                pane.data is not None
                and pane.data.snapshot is not None
                and pane.data.snapshot.step == fake.snapshots
                and view.data is pane.data
            ),
            "the trainer's snapshot of them",
        )
        assert view.table.errors == 3  # the trainer's snapshot now holds them
        assert app.query_one("#b-0-0", Input).value == "0.5"
        assert "applied" in text_of(app, "#hand-state")

        # Escape drops typed weights and shows the trainer's again.
        await type_number(pilot, app.query_one("#b-0-0", Input), "-1.5")
        assert view.table.all_match
        await pilot.press("escape")
        await pilot.pause()
        assert not view.dirty
        assert view.table.errors == 3
        assert app.query_one("#b-0-0", Input).value == "0.5"


async def test_applied_weights_show_before_the_trainer_answers(host: HostMaker) -> None:
    app, fake = host("sprinkler", SilentFake())
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot, "lesson-table")
        view = app.query_one(TableView)
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
        assert pane.data is not None and pane.data.snapshot is not None
        before = pane.data.snapshot
        await type_number(pilot, app.query_one("#w-0-0-0", Input), "1")
        await type_number(pilot, app.query_one("#w-0-0-1", Input), "1")
        await type_number(pilot, app.query_one("#b-0-0", Input), "-1.5")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not view.dirty, "the applied weights")
        after = pane.data.snapshot
        assert after is not None and after is not before
        assert after.layers[0]["weights"] == [[1.0, 1.0]] and after.layers[0]["bias"] == [-1.5]
        # everything else is the trainer's last snapshot
        assert dataclasses.replace(after, layers=before.layers) == before
        assert {k: v for k, v in after.layers[0].items() if k not in ("weights", "bias")} == {
            k: v for k, v in before.layers[0].items() if k not in ("weights", "bias")
        }
        assert before.layers[0]["bias"] == [0.0]  # the trainer's snapshot itself is unchanged
        assert view.table is not None and view.table.all_match
        assert "applied: the trainer continues" in text_of(app, "#hand-state")

        fake.stop()  # no trainer: the weights are not applied
        await type_number(pilot, app.query_one("#b-0-0", Input), "0.5")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "no trainer" in view.message, "the refusal")
        assert view.dirty and "typed, not applied" in text_of(app, "#hand-state")
        assert pane.data.snapshot is after


async def test_xor_from_nand_units_matches_every_row(host: HostMaker) -> None:
    app, _ = host("xor-nand")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        assert pane.active_view == "lesson-table"
        view = app.query_one(TableView)
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
        assert view.table is not None and view.table.all_match
        assert [row.hidden for row in view.table.rows] == [
            ((0.0, 1.0),),
            ((1.0, 1.0),),
            ((1.0, 1.0),),
            ((1.0, 0.0),),
        ]
        assert text_of(app, "#truth").splitlines()[0].split() == [
            "A", "B", "h0", "h1", "a", "y", "t",
        ]  # fmt: skip
        assert "all 4 rows match" in text_of(app, "#verdict")
        # hidden units, then the output unit: an input for each of the 9 numbers
        assert len(app.query("WeightInput")) == 9
        tabs = pane.query_one("#lesson-tabs", TabbedContent)
        assert tabs.get_tab("lesson-rule").display is False  # not a perceptron


# -- the perceptron rule ---------------------------------------------------------------------


async def test_perceptron_rule_on_nand_step_by_step(host: HostMaker) -> None:
    app, fake = host("nand")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot, "lesson-rule")
        view = app.query_one(RuleView)
        app.query_one("#rule-view").focus()
        await pilot.press("s")
        body = text_of(app, "#rule-body")
        # epoch 1, sample (0,0) with t = 1: a = 0, y = sign(0) = -1: misclassified, Δb = 1
        first = view.steps[0]
        assert (first.x, first.t, first.a, first.y, first.misclassified) == (
            (0.0, 0.0),
            1,
            0.0,
            -1.0,
            True,
        )
        assert (first.dw, first.db, first.w, first.b) == ((0.0, 0.0), 1.0, (0.0, 0.0), 1.0)
        assert "a = w·x + b = 0·0 + 0·0 + 0 = 0, y = sign(a) = -1, t = 1" in body
        assert "misclassified: Δw = η·x·t = 1·(0, 0)·1 = (0, 0), Δb = η·t = 1" in body
        assert "now w = (0, 0), b = 1" in body
        row = [line for line in body.splitlines() if line.lstrip().startswith("1 ")][0]
        assert row.split() == [
            "1", "0", "0", "1", "0", "-1", "✗", "0", "0", "1", "|", "0", "0", "1",
        ]  # fmt: skip

        await pilot.press("s", "s", "s")
        body = text_of(app, "#rule-body")
        # (0,1) and (1,0): a = 1, correct; (1,1) t = -1: a = 1, wrong: Δw = (-1,-1), Δb = -1
        assert [s.misclassified for s in view.steps[:4]] == [True, False, False, True]
        assert view.steps[3].a == 1.0
        assert (view.steps[3].w, view.steps[3].b) == ((-1.0, -1.0), 0.0)
        assert "Δw = η·x·t = 1·(1, 1)·-1 = (-1, -1), Δb = η·t = -1" in body

        await pilot.press("s")  # the first sample of epoch 2 closes epoch 1
        body = text_of(app, "#rule-body")
        assert "epoch 1: 2 of 4 misclassified -> w = (-1, -1), b = 0" in body
        assert "epoch 2 starts with w = (-1, -1), b = 0" in body

        while not view.finished:
            await pilot.press("e")
        assert view.trace is not None and view.trace.converged
        body = text_of(app, "#rule-body")
        last = view.trace.epochs[-1]
        assert last.errors == 0
        assert f"converged: no misclassified samples in epoch {last.epoch}" in body

        await pilot.press("z")
        assert view.position == 0
        assert "no sample yet" in text_of(app, "#rule-body")

        # The truth table: the apply button, and a field that is not a number.
        table_view = app.query_one(TableView)
        await show_view(
            pilot, pane, "lesson-table", lambda: table_view.table is not None, "the truth table"
        )
        await type_number(pilot, app.query_one("#w-0-0-0", Input), "-2")
        await type_number(pilot, app.query_one("#w-0-0-1", Input), "-2")
        await type_number(pilot, app.query_one("#b-0-0", Input), "3")
        assert table_view.table is not None and table_view.table.all_match  # NAND: -2A - 2B + 3
        field = app.query_one("#w-0-0-1", Input)
        await type_number(pilot, field, "x")
        assert field.has_class("-invalid")
        assert "w1: 'x' is not a number" in text_of(app, "#hand-state")
        assert table_view.table.all_match  # the last valid table stays
        table_view.apply()
        await pilot.pause()
        assert not weights_sent(fake)
        await type_number(pilot, field, "-2")
        app.query_one("#hand-apply").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: weights_sent(fake), "SetWeights")
        assert weights_sent(fake) == [
            p.SetWeights(layers=[p.LayerWeights(weights=[[-2.0, -2.0]], bias=[3.0])])
        ]


async def test_perceptron_rule_cycles_on_xor(host: HostMaker) -> None:
    app, _ = host("xor-perceptron")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, "lesson-rule")
        view = app.query_one(RuleView)
        app.query_one("#rule-view").focus()
        while not view.finished:
            await pilot.press("e")
        assert view.trace is not None
        assert view.trace.cycling and not view.trace.converged
        body = text_of(app, "#rule-body")
        assert "cycles through the same weights" in body
        assert "not linearly separable" in body
        assert "(a repeat: a cycle)" in body


# -- maps, network, digits, curve ------------------------------------------------------------


async def test_decision_map_shows_points_and_the_perceptron_line(host: HostMaker) -> None:
    app, fake = host("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot, "lesson-table")
        fake.layers = [([[1.0, 1.0]], [-1.5], "sign")]  # the trainer now holds these
        fake.snapshot()
        await show_view(
            pilot, pane, "lesson-map", lambda: "b = -1.5" in text_of(app, "#map-legend"), "the map"
        )
        view = app.query_one(MapView)
        drawn_map = text_of(app, "#map-main")
        assert drawn_map.count("o") == 3 and drawn_map.count("x") == 1  # three 0 rows, one 1
        assert "╲" in drawn_map  # the line w·x + b = 0 runs down to the right
        assert "█" in drawn_map and " " in drawn_map  # both classes have an area
        legend = text_of(app, "#map-legend")
        assert "w = (1, 1), b = -1.5" in legend
        assert "Sunny across, Dry up" in legend
        assert "o t = -1  x t = 1" in legend  # the targets as the truth table shows them
        assert "sign(0) = -1" in legend
        # the axes: the input names and the ranges of the map
        lines = drawn_map.splitlines()
        assert lines[0].strip() == "Dry ↑"
        assert lines[1].startswith(" 1.25┌") and lines[-2].startswith("-0.25└")
        assert lines[-1].split() == ["-0.25", "Sunny", "→", "1.25"]
        assert "epoch 0" in legend
        # the (1, 1) point lies in the class-1 area, the (0, 0) point in class 0
        top = [line for line in drawn_map.splitlines() if "x" in line][0]
        assert top.index("x") > top.index("o")
        assert text_of(app, "#map-hidden") == ""  # a single unit: no hidden maps
        app.query_one("#map-view").focus()
        await pilot.press("p")
        assert not view.show_points
        assert "o" not in text_of(app, "#map-main")
        # the network view lists every weight and bias with its sign
        await show_view(
            pilot,
            pane,
            "lesson-net",
            lambda: "layer 1: 1 x 2 (sign)" in text_of(app, "#net-weights"),
            "the weights",
        )
        weights = text_of(app, "#net-weights")
        assert "layer 1: 1 x 2 (sign)" in weights
        assert "+▆" in weights and "-█" in weights  # b = -1.5 is the largest
        assert "mean|w|" in text_of(app, "#net-stats")


async def test_decision_map_of_hidden_units(host: HostMaker) -> None:
    app, _ = host("xor-nand")
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_lesson(pilot, "lesson-map")
        await wait_for(pilot, lambda: "unit 1" in text_of(app, "#map-hidden"), "the hidden maps")
        assert pane.data is not None and pane.data.snapshot is not None
        assert pane.data.snapshot.map is not None and len(pane.data.snapshot.map["hidden"]) == 2
        hidden = text_of(app, "#map-hidden")
        assert "Hidden units of layer 1 (step)" in hidden
        assert "unit 0" in hidden and "unit 1" in hidden
        assert "w = " not in text_of(app, "#map-legend")  # not a perceptron: no line


DIGIT_LABELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
DIGIT_PREDICTED = [0, 1, 2, 3, 4, 5, 6, 7, 3, 9, 0, 7]  # an 8 read as 3, a 1 read as 7


def digits_loaded(preset: Preset) -> p.Loaded:
    images = [[1.0 if (i + k) % 3 == 0 else 0.0 for i in range(64)] for k in range(12)]
    return p.Loaded(
        preset=preset.name,
        device="cpu",
        n_features=64,
        n_classes=10,
        input_names=[f"px{i}" for i in range(16)],
        task="classification",
        n_train=100,
        n_test=12,
        parameters=100,
        steps_per_epoch=steps_per_epoch(preset, 100),
        overview={
            "set": "digits",
            "class_names": [str(i) for i in range(10)],
            "image_shape": [8, 8],
            "images": images,
            "image_labels": DIGIT_LABELS,
        },
    )


async def test_digits_view_confusion_matrix_from_a_known_prediction(host: HostMaker) -> None:
    app, fake = host("mnist-like", LessonFake(loaded=digits_loaded))
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_lesson(pilot)
        assert pane.data is not None
        assert pane.data.views() == ["lesson-net", "lesson-backprop", "lesson-digits"]
        await show_view(
            pilot,
            pane,
            "lesson-digits",
            lambda: "no predictions yet" in text_of(app, "#digits-title"),
            "the digits",
        )
        fake.emit(
            p.Snapshot(
                epoch=3,
                step=30,
                layers=[
                    {
                        "activation": "softmax",
                        "shape": [10, 64],
                        "trainable": True,
                        "mean_abs": 0.1,
                        "max_abs": 0.5,
                        "grad_norm": 0.01,
                    }
                ],
                predicted=DIGIT_PREDICTED,
                confusion=confusion_of(DIGIT_LABELS, DIGIT_PREDICTED),
                confusion_of="test",
            )
        )
        view = app.query_one(DigitsView)
        await wait_for(pilot, lambda: "/" in text_of(app, "#digits-grid"), "the labels")
        grid = text_of(app, "#digits-grid")
        assert "8/3✗" in grid and "1/7✗" in grid and "0/0" in grid
        assert grid.count("✗") == 2
        assert "Test digits" in text_of(app, "#digits-title")
        assert "2 of 12 wrong" in text_of(app, "#digits-title")
        table = text_of(app, "#digits-confusion").splitlines()
        assert table[1].split() == ["true|", *(str(i) for i in range(10)), "recall"]
        row_1 = [line for line in table if line.startswith("1 ")][0]
        assert row_1.split() == [
            "1", "|", "·", "1", "·", "·", "·", "·", "·", "1", "·", "·", "50.0%",
        ]  # fmt: skip
        row_8 = [line for line in table if line.startswith("8 ")][0]
        assert row_8.split()[-1] == "0.0%"
        row_0 = [line for line in table if line.startswith("0 ")][0]
        assert row_0.split()[2] == "2" and row_0.split()[-1] == "100.0%"
        assert "accuracy 83.3% of 12 samples" in table[-1]
        assert view.data is not None
        # large networks: per-layer statistics instead of every weight
        await show_view(
            pilot,
            pane,
            "lesson-net",
            lambda: "too many weights" in text_of(app, "#net-stats"),
            "the layer statistics",
        )
        assert not app.query_one("#net-weights").display
        assert "650 weights and biases, epoch 3" in text_of(app, "#net-title")


def sine_loaded(preset: Preset) -> p.Loaded:
    xs = [i / 10 for i in range(-30, 31, 3)]
    return p.Loaded(
        preset=preset.name,
        device="cpu",
        n_features=1,
        n_classes=0,
        input_names=["x"],
        task="regression",
        n_train=len(xs),
        n_test=0,
        parameters=49,
        steps_per_epoch=steps_per_epoch(preset, len(xs)),
        overview={"set": "sine", "class_names": [], "points": {"train": [[x, x / 3] for x in xs]}},
    )


async def test_regression_curve(host: HostMaker) -> None:
    app, fake = host("sine", LessonFake(loaded=sine_loaded))
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        assert pane.data is not None and "lesson-curve" in pane.data.views()
        await show_view(
            pilot,
            pane,
            "lesson-curve",
            lambda: "waiting for the trainer's curve" in text_of(app, "#curve-title"),
            "the curve view",
        )
        fake.emit(
            p.Snapshot(
                epoch=7, step=70, layers=[], curve={"x": [-3.0, 0.0, 3.0], "y": [-1.0, 0.0, 1.0]}
            )
        )
        view = app.query_one(CurveView)
        await wait_for(pilot, lambda: "epoch 7" in text_of(app, "#curve-title"), "the curve")
        assert "targets" in text_of(app, "#curve-title")
        assert view.data is not None and view.data.snapshot is not None
        assert view.data.snapshot.curve == {"x": [-3.0, 0.0, 3.0], "y": [-1.0, 0.0, 1.0]}


# -- snapshots only while shown --------------------------------------------------------------


async def test_snapshots_only_while_shown_and_ascii(host: HostMaker) -> None:
    app, fake = host("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(LessonPane)
        await wait_for(pilot, lambda: pane.data is not None and pane.data.loaded, "Loaded")
        assert fake.views_sent() == [] and fake.snapshots == 0
        assert pane.data is not None and pane.data.snapshot is None
        pane.toggle()
        await wait_for(pilot, lambda: fake.views_sent() == [True], "views enabled")
        await wait_for(pilot, lambda: pane.data and pane.data.snapshot, "a snapshot")
        assert not app.query_one("#plots").display  # 80 columns: the lesson takes its room
        assert pane.region.width >= 76
        # a new trainer process starts without snapshots: a Loaded while shown asks again
        fake.emit(logic_loaded(app.preset))
        await wait_for(pilot, lambda: fake.views_sent() == [True, True], "views enabled again")
        pane.toggle()
        await wait_for(pilot, lambda: fake.views_sent() == [True, True, False], "views off")
        assert app.query_one("#plots").display
        assert app.query_one("#sidebar", TabbedContent).active == "tab-presets"

        pane.set_ascii(True)  # the app's `a`
        await open_lesson(pilot, "lesson-table")
        view = app.query_one(TableView)
        await wait_for(
            pilot,
            lambda: view.table is not None and "X" in text_of(app, "#truth"),
            "the ASCII truth table",
        )
        assert "✗" not in text_of(app, "#truth")
        assert "─" not in text_of(app, "#table-map")


# -- the whole app ---------------------------------------------------------------------------


@pytest.fixture
def lesson_app() -> Iterator[AppMaker]:
    fakes: list[LessonFake] = []

    def make(name: str, loaded: LoadedMaker = logic_loaded) -> tuple[TuiNnApp, LessonFake]:
        fake = LessonFake(loaded)
        fakes.append(fake)
        preset = load_named(name)
        # device "auto": a preset's "cpu" is re-sent as "auto" once the trainer lists its
        # devices (a second load, a Training tab matter); these tests want one load only
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, device="auto"))
        return TuiNnApp(preset, resolve_preset(name), trainer_factory=lambda: fake), fake

    yield make
    for fake in fakes:
        fake.stop()


def mounted_lesson(app: App[Any]) -> LessonPane | None:
    """The app's lesson pane once it is mounted (just after the first frame) and loaded."""
    panes = app.query(LessonPane)
    pane = panes.first() if panes else None
    return pane if pane is not None and pane.data is not None and pane.data.loaded else None


async def test_app_keys_views_only_while_shown_ascii_mode_and_the_code(
    lesson_app: AppMaker,
) -> None:
    app, fake = lesson_app("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: mounted_lesson(app), "the loaded lesson")
        pane = app.query_one(LessonPane)
        assert fake.views_sent() == [] and fake.snapshots == 0
        await pilot.press("v")
        await wait_for(pilot, lambda: fake.views_sent() == [True], "views enabled")
        await wait_for(pilot, lambda: pane.data and pane.data.snapshot, "a snapshot")
        assert not app.query_one(PlotsPane).display  # 80 columns: the lesson takes its room
        assert pane.region.width >= 76
        await pilot.press("v")
        await wait_for(pilot, lambda: fake.views_sent() == [True, False], "views disabled")
        assert app.query_one(PlotsPane).display
        assert app.query_one("#sidebar").region.width < 50
        assert app.query_one("#sidebar", TabbedContent).active == "tab-presets"
        app.query_one("#sidebar", TabbedContent).active = "tab-lesson"
        await wait_for(pilot, lambda: fake.views_sent() == [True, False, True], "shown again")
        app.query_one("#sidebar", TabbedContent).active = "tab-training"
        await wait_for(pilot, lambda: fake.views_sent()[-1] is False, "hidden again")

        # ASCII mode and the code view
        await pilot.press("v")
        await wait_for(pilot, lambda: pane.shown and drawn(pane), "the lesson tab")
        view = app.query_one(TableView)
        await show_view(pilot, pane, "lesson-table", lambda: view.table is not None, "the table")
        app.screen.set_focus(None)
        await pilot.press("a")  # ASCII mode reaches the lesson views
        await wait_for(pilot, lambda: "X" in text_of(app, "#truth"), "the ASCII truth table")
        assert "✗" not in text_of(app, "#truth")
        assert "─" not in text_of(app, "#table-map")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CodeScreen), "the code")
        screen = app.screen
        assert isinstance(screen, CodeScreen)
        assert "nn.Sequential" in screen.code
        assert "nn.Sequential" in str(screen.query_one("#code").render())
        hint = str(screen.query_one("#code-hint").render())  # device "auto": not the file's
        assert hint.startswith("w writes this script") and "tui-nn code sprinkler" not in hint
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CodeScreen), "closed")


def with_test_split(preset: Preset) -> p.Loaded:
    return logic_loaded(preset, n_test=2)


async def test_app_stops_gap_and_the_wide_layout(lesson_app: AppMaker) -> None:
    app, fake = lesson_app("sprinkler", loaded=with_test_split)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: mounted_lesson(app), "the loaded lesson")
        fake.emit(
            p.Metrics(
                epoch=5,
                step=20,
                train_loss=0.2,
                samples_per_s=100.0,
                elapsed_s=1.0,
                lr=1.0,
                status="running",
                evals=[
                    p.EvalPoint(
                        epoch=5,
                        step=20,
                        train_loss=0.2,
                        test_loss=0.35,
                        train_acc=0.75,
                        test_acc=None,
                    )
                ],
            )
        )
        fake.emit(state("done", epoch=6, stops=[p.StopMark(epoch=6, step=24, reason="converged")]))
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.stops == [6.0], "the stop mark")
        await wait_for(pilot, lambda: "│ stop" in text_of(app, "#loss-legend"), "the legend")
        assert "gap=+0.15" in text_of(app, "#loss-legend")

        # 120 columns: the lesson sits beside the plots
        await pilot.press("v")
        pane = app.query_one(LessonPane)
        await wait_for(pilot, lambda: pane.shown and drawn(pane), "the lesson tab")
        assert plots.display
        assert plots.region.width >= 40 and pane.region.width >= 66
