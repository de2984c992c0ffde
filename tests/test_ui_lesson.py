"""Pilot tests of the Lesson tab: truth tables of hand-set weights, the perceptron rule step by
step, decision maps, the digits view, the code view, snapshots only while the tab is shown.

A fake trainer answers the app's commands with scripted events (`loaded` with a data overview,
`snapshot` with the weights it holds, `state`), so every number here is known in advance and
checked against the hand computation of the lesson.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from scripted_trainer import ScriptedTrainer
from textual.widgets import Input, TabbedContent

from tui_nn.lesson.gates import gate_table
from tui_nn.lesson.threshold import forward
from tui_nn.lesson.truth_table import decision_rule
from tui_nn.presets import load_named, resolve_preset
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.lesson_code import CodeScreen
from tui_nn.ui.lesson_pane import LessonPane
from tui_nn.ui.lesson_render import class_one
from tui_nn.ui.lesson_rule import RuleView
from tui_nn.ui.lesson_table import TableView
from tui_nn.ui.lesson_views import CurveView, DigitsView, MapView, NetView
from tui_nn.ui.plots_pane import PlotsPane

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    monkeypatch.delenv("TUI_NN_ASCII", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


# -- scripted trainer events (pure Python, as the trainer would send them) -------------------


def logic_overview(gate: str) -> dict[str, Any]:
    rows = gate_table(gate)
    return {
        "set": gate,
        "class_names": ["0", "1"],
        "bounds": [[-0.25, 1.25], [-0.25, 1.25]],
        "points": {"train": [[float(a), float(b), float(t)] for (a, b), t in rows], "test": []},
    }


def logic_loaded(preset_dict: dict[str, Any]) -> dict[str, Any]:
    gate = preset_dict["data"]["set"]
    return {
        "event": "loaded",
        "preset": preset_dict["name"],
        "device": "cpu",
        "n_features": 2,
        "n_classes": 2,
        "input_names": ["Sunny", "Dry"] if gate == "sprinkler" else ["A", "B"],
        "task": "classification",
        "n_train": 4,
        "n_test": 0,
        "parameters": 3,
        "overview": logic_overview(gate),
    }


def grid_map(layers: list[tuple], activation: str, loss: str, kind: str) -> dict[str, Any]:
    """The snapshot's 16x32 map over the logic square, sampled edge to edge like the trainer."""
    rows, cols, lo, hi = 16, 32, -0.25, 1.25
    rule = decision_rule(activation, loss, len(layers[-1][1]), kind)
    values = []
    for r in range(rows):
        y = hi - (hi - lo) * r / (rows - 1)
        row = []
        for c in range(cols):
            x = lo + (hi - lo) * c / (cols - 1)
            row.append(round(class_one(forward(layers, (x, y))[-1].y, rule, activation), 3))
        values.append(row)
    return {"rows": rows, "cols": cols, "bounds": [[lo, hi], [lo, hi]], "values": values}


def snapshot_event(
    layers: list[tuple], *, epoch: int = 0, loss: str = "perceptron", kind: str = "perceptron"
) -> dict[str, Any]:
    out = []
    for weights, bias, activation in layers:
        flat = [abs(w) for row in weights for w in row]
        out.append(
            {
                "activation": activation,
                "shape": [len(weights), len(weights[0])],
                "trainable": True,
                "mean_abs": sum(flat) / len(flat),
                "max_abs": max(flat),
                "grad_norm": None,
                "weights": weights,
                "bias": bias,
            }
        )
    return {
        "event": "snapshot",
        "epoch": epoch,
        "step": 4 * epoch,
        "layers": out,
        "map": grid_map(layers, layers[-1][2], loss, kind),
    }


class LessonFake(ScriptedTrainer):
    """The trainer protocol from memory: `load`, `views`, `set_weights`, `start`/`pause`."""

    instances: list[LessonFake] = []

    def __init__(self, loaded: Callable[[dict[str, Any]], dict[str, Any]] = logic_loaded) -> None:
        super().__init__()
        self.views = False
        self.layers: list[tuple] | None = None
        self.preset: dict[str, Any] | None = None
        self.make_loaded = loaded
        LessonFake.instances.append(self)

    def detach(self) -> None:
        self.stop()

    def views_sent(self) -> list[bool]:
        return [fields["enabled"] for name, fields in self.commands if name == "views"]

    def _state(self, status: str = "idle", stops: list[dict[str, Any]] | None = None) -> None:
        self.emit(
            {
                "event": "state",
                "status": status,
                "epoch": 0,
                "step": 0,
                "message": "",
                "lr": 1.0,
                "stops": stops or [],
            }
        )

    def _snapshot(self) -> None:
        if self.views and self.layers is not None and self.preset is not None:
            train, model = self.preset["train"], self.preset["model"]
            self.emit(snapshot_event(self.layers, loss=train["loss"], kind=model["kind"]))

    def _do_load(self, preset: dict[str, Any]) -> None:
        self.preset = preset
        layers = preset["model"]["layers"]
        if all(layer.get("weights") is not None for layer in layers):
            self.layers = [(x["weights"], x["bias"], x["activation"]) for x in layers]
        else:  # zeros, as the perceptron presets start
            self.layers = [([[0.0, 0.0]], [0.0], layers[0]["activation"])]
        self.emit(self.make_loaded(preset))
        self._state()
        self._snapshot()

    def _do_views(self, enabled: bool) -> None:
        self.views = enabled
        self._snapshot()

    def _do_set_weights(self, layers: list[dict[str, Any]]) -> None:
        assert self.layers is not None
        self.layers = [
            (given["weights"], given["bias"], old[2])
            for given, old in zip(layers, self.layers, strict=True)
        ]
        self._state("paused")
        self._snapshot()


@pytest.fixture
def lesson_app() -> Iterator[Callable[..., TuiNnApp]]:
    LessonFake.instances.clear()

    def make(name: str, **fake_options: Any) -> TuiNnApp:
        preset = load_named(name)
        # device "auto": a preset's "cpu" is re-sent as "auto" once the trainer lists its
        # devices (a second load, a Training tab matter); these tests want one load only
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, device="auto"))
        return TuiNnApp(
            preset, resolve_preset(name), trainer_factory=lambda: LessonFake(**fake_options)
        )

    yield make
    for fake in LessonFake.instances:
        fake.stop()


async def wait_for(pilot, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def text_of(app: TuiNnApp, selector: str) -> str:
    return str(app.query_one(selector).render())


async def open_lesson(pilot, view: str | None = None) -> LessonPane:
    app = pilot.app
    await wait_for(pilot, lambda: app.loaded is not None, "the loaded event")
    await pilot.press("v")
    pane = app.query_one(LessonPane)
    await wait_for(pilot, lambda: pane.shown, "the lesson tab")
    if view is not None:
        pane.query_one("#lesson-tabs", TabbedContent).active = view
    await pilot.pause(0.1)
    return pane


async def type_number(pilot, field: Input, text: str) -> None:
    """Type into a field as a person does: select what is there, then the keys."""
    field.focus()
    field.select_all()
    keys = {"-": "minus", ".": "full_stop"}
    await pilot.press(*(keys.get(ch, ch) for ch in text))
    await pilot.pause()


# -- the truth table and hand-set weights ----------------------------------------------------


async def test_hand_set_sprinkler_weights_truth_table_and_apply(lesson_app):
    app = lesson_app("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, "lesson-table")
        view = app.query_one(TableView)
        fake = LessonFake.instances[0]
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
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
        truth = text_of(app, "#truth").splitlines()
        assert truth[1].split() == ["0", "0", "-1.5", "-1", "-1", "✓"]
        assert truth[4].split() == ["1", "1", "0.5", "1", "1", "✓"]
        assert "all 4 rows match" in text_of(app, "#verdict")
        assert "not applied" in text_of(app, "#hand-state")
        assert "set_weights" not in fake.names()  # nothing sent while typing

        await type_number(pilot, app.query_one("#b-0-0", Input), "0.5")
        table = view.table
        assert [row.a for row in table.rows] == [0.5, 1.5, 1.5, 2.5]
        assert [row.match for row in table.rows] == [False, False, False, True]
        assert table.errors == 3
        assert "3 of 4 rows misclassified" in text_of(app, "#verdict")
        assert text_of(app, "#truth").count("✗") == 3

        # Enter applies: the trainer gets the weights and continues from them.
        await pilot.press("enter")
        await wait_for(pilot, lambda: "set_weights" in fake.names(), "set_weights")
        assert fake.commands[-1] == (
            "set_weights",
            {"layers": [{"weights": [[1.0, 1.0]], "bias": [0.5]}]},
        )
        await wait_for(pilot, lambda: not view.dirty, "the applied weights")
        await pilot.pause(0.2)
        assert view.table.errors == 3  # the trainer's snapshot now holds them
        assert app.query_one("#b-0-0", Input).value == "0.5"
        assert "applied" in text_of(app, "#hand-state")

        # Escape drops typed weights and shows the trainer's again.
        await type_number(pilot, app.query_one("#b-0-0", Input), "-1.5")
        assert view.table.all_match
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not view.dirty
        assert view.table.errors == 3
        assert app.query_one("#b-0-0", Input).value == "0.5"


async def test_xor_from_nand_units_matches_every_row(lesson_app):
    app = lesson_app("xor-nand")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        assert pane.active_view == "lesson-table"
        view = app.query_one(TableView)
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
        assert view.table.all_match
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


async def test_perceptron_rule_on_nand_step_by_step(lesson_app):
    app = lesson_app("nand")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, "lesson-rule")
        view = app.query_one(RuleView)
        app.query_one("#rule-view").focus()
        await pilot.press("s")
        await pilot.pause(0.05)
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
            "1",
            "0",
            "0",
            "1",
            "0",
            "-1",
            "✗",
            "0",
            "0",
            "1",
            "|",
            "0",
            "0",
            "1",
        ]

        await pilot.press("s", "s", "s")
        await pilot.pause(0.05)
        body = text_of(app, "#rule-body")
        # (0,1) and (1,0): a = 1, correct; (1,1) t = -1: a = 1, wrong: Δw = (-1,-1), Δb = -1
        assert [s.misclassified for s in view.steps[:4]] == [True, False, False, True]
        assert view.steps[3].a == 1.0
        assert (view.steps[3].w, view.steps[3].b) == ((-1.0, -1.0), 0.0)
        assert "Δw = η·x·t = 1·(1, 1)·-1 = (-1, -1), Δb = η·t = -1" in body

        await pilot.press("s")  # the first sample of epoch 2 closes epoch 1
        await pilot.pause(0.05)
        body = text_of(app, "#rule-body")
        assert "epoch 1: 2 of 4 misclassified -> w = (-1, -1), b = 0" in body
        assert "epoch 2 starts with w = (-1, -1), b = 0" in body

        while not view.finished:
            await pilot.press("e")
        assert view.trace.converged
        body = text_of(app, "#rule-body")
        last = view.trace.epochs[-1]
        assert last.errors == 0
        assert f"converged: no misclassified samples in epoch {last.epoch}" in body

        await pilot.press("z")
        await pilot.pause(0.05)
        assert view.position == 0
        assert "no sample yet" in text_of(app, "#rule-body")

        # The truth table: the apply button, and a field that is not a number.
        app.query_one(LessonPane).query_one("#lesson-tabs", TabbedContent).active = "lesson-table"
        await pilot.pause(0.1)
        view = app.query_one(TableView)
        fake = LessonFake.instances[0]
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
        await type_number(pilot, app.query_one("#w-0-0-0", Input), "-2")
        await type_number(pilot, app.query_one("#w-0-0-1", Input), "-2")
        await type_number(pilot, app.query_one("#b-0-0", Input), "3")
        assert view.table.all_match  # NAND: -2A - 2B + 3
        field = app.query_one("#w-0-0-1", Input)
        await type_number(pilot, field, "x")
        assert field.has_class("-invalid")
        assert "w1: 'x' is not a number" in text_of(app, "#hand-state")
        assert view.table.all_match  # the last valid table stays
        view.apply()
        await pilot.pause(0.1)
        assert "set_weights" not in fake.names()
        await type_number(pilot, field, "-2")
        app.query_one("#hand-apply").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "set_weights" in fake.names(), "set_weights")
        assert fake.commands[-1][1] == {"layers": [{"weights": [[-2.0, -2.0]], "bias": [3.0]}]}


async def test_perceptron_rule_cycles_on_xor(lesson_app):
    app = lesson_app("xor-perceptron")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, "lesson-rule")
        view = app.query_one(RuleView)
        app.query_one("#rule-view").focus()
        while not view.finished:
            await pilot.press("e")
        await pilot.pause(0.05)
        assert view.trace.cycling and not view.trace.converged
        body = text_of(app, "#rule-body")
        assert "cycles through the same weights" in body
        assert "not linearly separable" in body
        assert "(a repeat: a cycle)" in body


# -- maps, network, digits, curve, code ------------------------------------------------------


async def test_decision_map_shows_points_and_the_perceptron_line(lesson_app):
    app = lesson_app("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot, "lesson-table")
        fake = LessonFake.instances[0]
        fake.layers = [([[1.0, 1.0]], [-1.5], "sign")]  # the trainer now holds these
        fake._snapshot()
        pane.query_one("#lesson-tabs", TabbedContent).active = "lesson-map"
        view = app.query_one(MapView)
        await wait_for(pilot, lambda: "b = -1.5" in text_of(app, "#map-legend"), "the map")
        drawn = text_of(app, "#map-main")
        assert drawn.count("o") == 3 and drawn.count("x") == 1  # three 0 rows, one 1 row
        assert "╲" in drawn  # the line w·x + b = 0 runs down to the right
        assert "█" in drawn and " " in drawn  # both classes have an area
        legend = text_of(app, "#map-legend")
        assert "w = (1, 1), b = -1.5" in legend
        assert "Sunny -0.25..1.25 across" in legend
        # the (1, 1) point lies in the class-1 area, the (0, 0) point in class 0
        lines = drawn.splitlines()
        top = [line for line in lines if "x" in line][0]
        assert top.index("x") > top.index("o")
        app.query_one("#map-view").focus()
        await pilot.press("p")
        await pilot.pause(0.05)
        assert not view.show_points
        assert "o" not in text_of(app, "#map-main")
        # the network view lists every weight and bias with its sign
        pane.query_one("#lesson-tabs", TabbedContent).active = "lesson-net"
        await pilot.pause(0.2)
        weights = text_of(app, "#net-weights")
        assert "layer 1: 1 x 2 (sign)" in weights
        assert "+▆" in weights and "-█" in weights  # b = -1.5 is the largest
        assert "mean|w|" in text_of(app, "#net-stats")


DIGIT_LABELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
DIGIT_PREDICTED = [0, 1, 2, 3, 4, 5, 6, 7, 3, 9, 0, 7]  # an 8 read as 3, a 1 read as 7


def digits_loaded(preset: dict[str, Any]) -> dict[str, Any]:
    images = [[1.0 if (i + k) % 3 == 0 else 0.0 for i in range(64)] for k in range(12)]
    return {
        "event": "loaded",
        "preset": preset["name"],
        "device": "cpu",
        "n_features": 64,
        "n_classes": 10,
        "input_names": [f"px{i}" for i in range(16)],
        "task": "classification",
        "n_train": 100,
        "n_test": 12,
        "parameters": 100,
        "overview": {
            "set": "digits",
            "class_names": [str(i) for i in range(10)],
            "image_shape": [8, 8],
            "images": images,
            "image_labels": DIGIT_LABELS,
        },
    }


def confusion_of(true: list[int], predicted: list[int]) -> list[list[int]]:
    matrix = [[0] * 10 for _ in range(10)]
    for t, p in zip(true, predicted, strict=True):
        matrix[t][p] += 1
    return matrix


async def test_digits_view_confusion_matrix_from_a_known_prediction(lesson_app):
    app = lesson_app("mnist-like", loaded=digits_loaded)
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_lesson(pilot)
        assert pane.data.views() == ["lesson-net", "lesson-digits"]
        pane.query_one("#lesson-tabs", TabbedContent).active = "lesson-digits"
        fake = LessonFake.instances[0]
        fake.emit(
            {
                "event": "snapshot",
                "epoch": 3,
                "step": 30,
                "layers": [
                    {
                        "activation": "softmax",
                        "shape": [10, 64],
                        "trainable": True,
                        "mean_abs": 0.1,
                        "max_abs": 0.5,
                        "grad_norm": 0.01,
                    }
                ],
                "predicted": DIGIT_PREDICTED,
                "confusion": confusion_of(DIGIT_LABELS, DIGIT_PREDICTED),
                "confusion_of": "test",
            }
        )
        view = app.query_one(DigitsView)
        await wait_for(pilot, lambda: "/" in text_of(app, "#digits-grid"), "the labels")
        grid = text_of(app, "#digits-grid")
        assert "8/3✗" in grid and "1/7✗" in grid and "0/0" in grid
        assert grid.count("✗") == 2
        assert "2 of 12 wrong" in text_of(app, "#digits-title")
        table = text_of(app, "#digits-confusion").splitlines()
        assert table[1].split() == ["true|", *(str(i) for i in range(10)), "recall"]
        row_1 = [line for line in table if line.startswith("1 ")][0]
        assert row_1.split() == [
            "1",
            "|",
            "·",
            "1",
            "·",
            "·",
            "·",
            "·",
            "·",
            "1",
            "·",
            "·",
            "50.0%",
        ]
        row_8 = [line for line in table if line.startswith("8 ")][0]
        assert row_8.split()[-1] == "0.0%"
        row_0 = [line for line in table if line.startswith("0 ")][0]
        assert row_0.split()[2] == "2" and row_0.split()[-1] == "100.0%"
        assert "accuracy 83.3% of 12 samples" in table[-1]
        assert view.data is not None
        # large networks: per-layer statistics instead of every weight
        pane.query_one("#lesson-tabs", TabbedContent).active = "lesson-net"
        await pilot.pause(0.2)
        assert "too many weights" in text_of(app, "#net-stats")
        assert not app.query_one("#net-weights").display
        assert app.query_one(NetView).data is not None


def sine_loaded(preset: dict[str, Any]) -> dict[str, Any]:
    xs = [i / 10 for i in range(-30, 31, 3)]
    return {
        "event": "loaded",
        "preset": preset["name"],
        "device": "cpu",
        "n_features": 1,
        "n_classes": 0,
        "input_names": ["x"],
        "task": "regression",
        "n_train": len(xs),
        "n_test": 0,
        "parameters": 49,
        "overview": {
            "set": "sine",
            "class_names": [],
            "points": {"train": [[x, x / 3] for x in xs]},
        },
    }


async def test_regression_curve(lesson_app):
    app = lesson_app("sine", loaded=sine_loaded)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        assert "lesson-curve" in pane.data.views()
        pane.query_one("#lesson-tabs", TabbedContent).active = "lesson-curve"
        LessonFake.instances[0].emit(
            {
                "event": "snapshot",
                "epoch": 7,
                "step": 70,
                "layers": [],
                "curve": {"x": [-3.0, 0.0, 3.0], "y": [-1.0, 0.0, 1.0]},
            }
        )
        view = app.query_one(CurveView)
        await wait_for(pilot, lambda: "epoch 7" in text_of(app, "#curve-title"), "the curve")
        assert "targets" in text_of(app, "#curve-title")
        assert view.data is not None and view.data.snapshot["curve"]["y"] == [-1.0, 0.0, 1.0]


async def test_views_only_while_shown_ascii_mode_and_the_code(lesson_app):
    app = lesson_app("sprinkler")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = LessonFake.instances[0]
        assert fake.views_sent() == []
        assert "snapshot" not in app.events_seen
        await pilot.press("v")
        await wait_for(pilot, lambda: fake.views_sent() == [True], "views enabled")
        await wait_for(pilot, lambda: "snapshot" in app.events_seen, "a snapshot")
        assert not app.query_one(PlotsPane).display  # 80 columns: the lesson takes its room
        assert app.query_one(LessonPane).region.width >= 76
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
        await open_lesson(pilot, "lesson-table")
        view = app.query_one(TableView)
        await wait_for(pilot, lambda: view.table is not None, "the truth table")
        app.screen.set_focus(None)
        await pilot.press("a")  # ASCII mode reaches the lesson views
        await pilot.pause(0.1)
        assert "X" in text_of(app, "#truth") and "✗" not in text_of(app, "#truth")
        assert "─" not in text_of(app, "#table-map")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CodeScreen), "the code")
        screen = app.screen
        assert isinstance(screen, CodeScreen)
        assert "nn.Sequential" in screen.code
        assert "nn.Sequential" in str(screen.query_one("#code").render())
        assert "tui-nn code sprinkler > script.py" in str(screen.query_one("#code-hint").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CodeScreen), "closed")


def with_test_split(preset: dict[str, Any]) -> dict[str, Any]:
    return {**logic_loaded(preset), "n_test": 2}


async def test_stops_gap_and_the_wide_layout(lesson_app):
    app = lesson_app("sprinkler", loaded=with_test_split)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = LessonFake.instances[0]
        fake.emit(
            {
                "event": "metrics",
                "epoch": 5,
                "step": 20,
                "train_loss": 0.2,
                "lr": 1.0,
                "status": "running",
                "evals": [{"epoch": 5, "train_loss": 0.2, "test_loss": 0.35, "train_acc": 0.75}],
            }
        )
        fake._state("done", stops=[{"epoch": 6, "step": 24, "reason": "converged"}])
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.stops == [6.0], "the stop mark")
        await pilot.pause(0.2)
        legend = str(app.query_one("#loss-legend").render())
        assert "gap=+0.15" in legend
        assert "│ stop" in legend

        # 120 columns: the lesson sits beside the plots
        await open_lesson(pilot)
        plots = app.query_one(PlotsPane)
        assert plots.display
        lesson = app.query_one(LessonPane)
        assert plots.region.width >= 40 and lesson.region.width >= 66
