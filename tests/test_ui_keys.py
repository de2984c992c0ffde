"""Pilot tests of the keys that must always work: lesson views take the focus, Escape leaves a
field, digits and Alt+letters reach the sidebar tabs, plain keys for the Network pane's layer
moves, `r` while training asks first and leaves no figure of the old run."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from lesson_support import logic_loaded
from support import SIZE, FakeTrainer, layer_units, show_tab, status_text, wait_for
from textual.widgets import Input, TabbedContent

from tui_nn.presets import (
    load_named,
    preset_from_dict,
    save_preset,
    user_presets_dir,
)
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import RESET_RUN_QUESTION, TuiNnApp
from tui_nn.ui.lesson.pane import LessonPane
from tui_nn.ui.lesson.rule import RuleView
from tui_nn.ui.lesson.table import TableView
from tui_nn.ui.panes.network import NetworkPane
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.screens.dialogs import ConfirmDialog, OpenDialog


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


class LogicFake(FakeTrainer):
    """The app's fake trainer with the lesson's `Loaded` of a logic gate (its views shown)."""

    def _do_load(self, command: p.Load) -> None:
        self.epoch = 0
        self.emit(logic_loaded(preset_from_dict(command.preset)))
        self._state("idle")


class LateMetricsFake(FakeTrainer):
    """Answers a reset as the real trainer does mid-run: the figures of the last window of
    the old run first (they were on their way), then the fresh state."""

    def _do_reset(self, command: p.Reset) -> None:
        self.epoch += 1
        self._metrics("paused")
        self.emit(
            p.Summary(
                preset="XOR",
                device="cpu",
                status="stopped",
                epochs=self.epoch,
                steps=self.epoch,
                train_loss=0.5,
                test_loss=None,
                train_acc=0.75,
                test_acc=None,
                elapsed_s=0.1,
                samples_per_s=100.0,
                converged=False,
                stop_reason=None,
                message="the old run stopped",
            )
        )
        super()._do_reset(command)


def sidebar(app: TuiNnApp) -> TabbedContent:
    return app.query_one("#sidebar", TabbedContent)


def focus_in(app: TuiNnApp, tab: str) -> bool:
    focused = app.focused
    return focused is not None and focused in app.query_one(f"#tab-{tab}").query("*")


async def test_next_view_takes_the_focus_so_the_rule_keys_work(fake_app) -> None:
    app = fake_app("nand", LogicFake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.later.lesson is not None, "the lesson pane")
        pane = app.query_one(LessonPane)
        await wait_for(pilot, lambda: pane.data is not None and pane.data.loaded, "loaded")
        await pilot.press("v")
        await wait_for(pilot, lambda: pane.shown, "the lesson tab")
        pane.query_one("#lesson-tabs", TabbedContent).active = "lesson-table"
        await wait_for(pilot, lambda: app.query_one(TableView).table is not None, "the table")
        weight = app.query_one(TableView).query(Input).first()
        weight.focus()
        await wait_for(pilot, lambda: weight.has_focus, "a weight field")
        app.screen.set_focus(app.query_one(TableView))  # in the table, not typing
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: pane.active_view == "lesson-rule", "the rule view")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.query_one(RuleView).position == 1, "one rule step")


async def test_escape_leaves_a_field_reverting_its_edit(fake_app) -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await show_tab(pilot, "training")
        field = app.query_one("#lr", Input)
        committed = field.value
        field.focus()
        await wait_for(pilot, lambda: field.has_focus, "the rate field")
        await pilot.press("minus", "1")
        assert field.value.endswith("-1")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.focused, Input), "out of the field")
        assert field.value == committed
        assert "not a number" not in status_text(app)
        await pilot.press("r")  # the app's keys again, not typed into the field
        await wait_for(pilot, lambda: fake.names()[-1] == "reset", "a reset")
        assert field.value == committed
        assert app.editor.committed.train.learning_rate == load_named("xor").train.learning_rate

        await show_tab(pilot, "network")  # a layer's units: the same, and no reload
        units = layer_units(app, 0)
        units.focus()
        await wait_for(pilot, lambda: units.has_focus, "the units field")
        await pilot.press("9")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.focused, Input), "out of the units")
        assert layer_units(app, 0).value == "4"
        assert app.editor.committed.model.layers[0].units == 4
        assert fake.names().count("load") == 1


async def test_digits_and_alt_letters_jump_to_the_sidebar_tabs(fake_app) -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        for key, tab in [("3", "training"), ("2", "network"), ("1", "presets")]:
            await pilot.press(key)
            await wait_for(pilot, lambda t=tab: sidebar(app).active == f"tab-{t}", tab)
            await wait_for(pilot, lambda t=tab: focus_in(app, t), f"the focus in {tab}")
        await pilot.press("alt+t")
        await wait_for(pilot, lambda: focus_in(app, "training"), "alt+t: training")
        await pilot.press("4")
        await wait_for(pilot, lambda: sidebar(app).active == "tab-lesson", "the lesson")
        await wait_for(pilot, lambda: focus_in(app, "lesson"), "the focus in the lesson")
        await pilot.press("alt+n")
        await wait_for(pilot, lambda: focus_in(app, "network"), "alt+n: network")


async def test_layers_move_and_go_with_plain_keys(fake_app) -> None:
    app = fake_app("mnist-like")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        await show_tab(pilot, "network")
        pane = app.query_one(NetworkPane)
        before = [state.units_text for state in pane.layer_states]
        assert len(before) >= 2 and before[0] != before[1]
        layer_units(app, 1).focus()
        await pilot.pause()
        await pilot.press("shift+up")
        await wait_for(
            pilot,
            lambda: [s.units_text for s in pane.layer_states][:2] == before[1::-1],
            "the layer moved up",
        )
        await pilot.press("shift+down")
        await wait_for(
            pilot,
            lambda: [s.units_text for s in pane.layer_states] == before,
            "the layer moved down",
        )
        await pilot.press("f8")
        await wait_for(pilot, lambda: len(pane.layer_states) == len(before) - 1, "removed")


async def test_reset_while_training_asks_and_drops_the_old_figures(fake_app) -> None:
    app = fake_app("xor", LateMetricsFake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.epoch == 3, "a run")
        plots = app.query_one(PlotsPane)
        assert plots.loss_history.series
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert app.screen.question == RESET_RUN_QUESTION
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog), "no")
        assert "reset" not in fake.names() and app.link.epoch == 3
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "asked again")
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.names()[-1] == "reset", "the reset")
        await wait_for(pilot, lambda: app.link.status == "idle", "idle")
        await pilot.pause()
        assert app.link.epoch == 0
        assert not plots.loss_history.series  # the late figures of the old run are dropped
        assert "loss -" in status_text(app)  # no figure of the old run
        assert "old run" not in status_text(app)


async def test_open_takes_a_name_a_presets_file_or_a_path_with_completion(
    fake_app, tmp_path
) -> None:
    mine = user_presets_dir() / "mine.toml"
    mine.parent.mkdir(parents=True)
    save_preset(dataclasses.replace(load_named("nand"), name="Mine"), mine)
    elsewhere = tmp_path / "elsewhere" / "other.toml"
    elsewhere.parent.mkdir()
    save_preset(dataclasses.replace(load_named("xor"), name="Other"), elsewhere)
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")

        async def open_with(*keys: str) -> Input:
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, OpenDialog), "the dialog")
            field = app.screen.query_one("#open-path", Input)
            await wait_for(pilot, lambda: field.has_focus, "the focus in the dialog")
            field.value = ""
            await pilot.press(*keys)
            return field

        async def take_suggestion(field: Input, expected: str) -> None:
            """Right arrow takes the grey suggestion once the suggester has made it."""
            assert field.suggester is not None
            assert await field.suggester.get_suggestion(field.value) == expected
            for _ in range(250):
                await pilot.press("right")
                if field.value == expected:
                    return
                await asyncio.sleep(0.02)
            raise AssertionError(f"the suggestion {expected!r} was not taken: {field.value!r}")

        field = await open_with("n", "a")  # a built-in name, completed
        await take_suggestion(field, "nand")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.editor.committed.name == "NAND", "nand loaded")

        field = await open_with(*"mine.toml")  # a file of the user's presets folder
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.editor.committed.name == "Mine", "mine.toml loaded")
        assert app.editor.path == mine

        field = await open_with()  # a path, completed folder by folder
        field.value = f"{tmp_path}/els"
        field.cursor_position = len(field.value)
        await take_suggestion(field, f"{tmp_path}/elsewhere/")
        await take_suggestion(field, str(elsewhere))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.editor.committed.name == "Other", "the path loaded")
        assert app.editor.path == elsewhere
