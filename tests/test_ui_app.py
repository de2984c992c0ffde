"""Pilot tests of the Textual app.

Most tests drive the app against `FakeTrainer`, a tiny stand-in for the trainer process that
answers commands with scripted events (fast and deterministic). A few run the real trainer
process (it imports torch: allow several seconds) to check the whole path end to end.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from scripted_trainer import ScriptedTrainer
from textual.widgets import Input, OptionList, TabbedContent

from tui_nn.presets import load_named, load_preset, resolve_preset, user_presets_dir
from tui_nn.ui.app import MIN_HEIGHT, MIN_WIDTH, TuiNnApp, run_app
from tui_nn.ui.dialogs import ConfirmDialog, OpenDialog, SaveDialog
from tui_nn.ui.help_screen import HelpScreen
from tui_nn.ui.key_bar import KeyBar
from tui_nn.ui.loss_plot import LossPlot
from tui_nn.ui.network_pane import LayerRow, NetworkPane, parameter_count
from tui_nn.ui.plots_pane import PlotsPane
from tui_nn.ui.presets_pane import PresetsPane
from tui_nn.ui.status_bar import StatusBar

SIZE = (80, 24)
REAL_TIMEOUT = 30.0  # the real trainer imports torch first; a loaded CI machine is slow


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TUI_NN_ASCII", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


# -- a fake trainer process ------------------------------------------------------------------


class FakeTrainer(ScriptedTrainer):
    """Speaks the worker protocol from memory: `load`, `start`, `pause`, `epoch`, `reset`, `lr`."""

    instances: list[FakeTrainer] = []

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0
        self.lr = 0.1
        self.stopped = False
        self.fail_next_load: str | None = None  # answer the next load with this error
        FakeTrainer.instances.append(self)

    def stop(self, timeout: float = 2.0) -> None:
        self.stopped = True
        if self._alive:
            self.emit({"event": "exited", "returncode": 0, "stderr": ""})
        super().stop(timeout)

    # scripting
    def crash(self, code: int = 1, stderr: str = "RuntimeError: boom") -> None:
        self._alive = False
        self._events.put({"event": "exited", "returncode": code, "stderr": stderr})
        self._events.put(None)

    def _state(self, status: str) -> None:
        self.emit(
            {
                "event": "state",
                "status": status,
                "epoch": self.epoch,
                "step": self.epoch,
                "message": "",
                "lr": self.lr,
                "stops": [],
            }
        )

    def _do_load(self, preset: dict[str, Any]) -> None:
        self.epoch = 0
        if self.fail_next_load:
            self.emit({"event": "error", "message": self.fail_next_load})
            self.fail_next_load = None
            self.emit({"event": "state", "status": "idle"})
            return
        self.lr = preset["train"]["learning_rate"]
        self.emit(
            {
                "event": "loaded",
                "preset": preset["name"],
                "device": "cpu",
                "n_features": 2,
                "n_classes": 2,
                "input_names": ["A", "B"],
                "task": "classification",
                "n_train": 4,
                "n_test": 0,
                "parameters": 17,
            }
        )
        self._state("idle")

    def _metrics(self, status: str) -> None:
        self.emit(
            {
                "event": "metrics",
                "epoch": self.epoch,
                "step": self.epoch,
                "train_loss": 1.0 / (self.epoch + 1),
                "samples_per_s": 100.0,
                "elapsed_s": 0.01 * self.epoch,
                "lr": self.lr,
                "status": status,
                "eval_train_loss": 0.5,
                "test_loss": None,
                "train_acc": 0.75,
                "test_acc": None,
            }
        )

    def _do_start(self) -> None:
        self._state("running")
        self.epoch += 3
        self._metrics("running")

    def _do_pause(self) -> None:
        self._metrics("paused")
        self._state("paused")

    def _do_epoch(self) -> None:
        self._state("running")
        self.epoch += 1
        self._metrics("paused")
        self._state("paused")

    def _do_reset(self) -> None:
        self.epoch = 0
        self._state("idle")

    def _do_lr(self, value: float) -> None:
        self.lr = value
        self._state("running" if self.epoch else "idle")


@pytest.fixture
def fake_app() -> Iterator[Callable[..., TuiNnApp]]:
    FakeTrainer.instances.clear()

    def make(name: str = "xor", **changes: Any) -> TuiNnApp:
        preset = load_named(name)
        if changes:
            preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, **changes))
        return TuiNnApp(preset, resolve_preset(name), trainer_factory=FakeTrainer)

    yield make
    for fake in FakeTrainer.instances:  # end the reader threads even when a test failed
        fake.stop()


# -- helpers ---------------------------------------------------------------------------------


async def wait_for(pilot, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    app = pilot.app
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    status = app.query_one(StatusBar).line() if app.is_running else "(app not running)"
    raise AssertionError(f"timed out waiting for {what}; state={app.state!r} status={status!r}")


async def show_tab(pilot, tab: str) -> None:
    pilot.app.query_one("#sidebar", TabbedContent).active = f"tab-{tab}"
    await pilot.pause()


def layer_units(app: TuiNnApp, index: int) -> Input:
    return list(app.query(LayerRow))[index].query_one(".units", Input)


async def type_into(pilot, field: Input, text: str, submit: bool = True) -> None:
    field.focus()
    field.value = text
    if submit:
        await pilot.press("enter")
    else:
        await pilot.pause()


def status_text(app: TuiNnApp) -> str:
    return app.query_one(StatusBar).line()


# -- fake-trainer tests ----------------------------------------------------------------------


async def test_start_lr_pause_epoch_reset_with_fake_trainer(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "the loaded event")
        fake = FakeTrainer.instances[0]
        assert fake.names() == ["load"]  # sent at once, before the user does anything
        assert "IDLE" in status_text(app)

        await pilot.press("space")
        await wait_for(pilot, lambda: app.epoch == 3, "a running state")
        assert fake.names()[-1] == "start"
        assert app.state == "running"
        assert "loss 0.2500" in status_text(app)

        # the learning rate applies at once while running: no question, no reload
        await show_tab(pilot, "training")
        await type_into(pilot, app.query_one("#lr", Input), "0.01")
        assert not isinstance(app.screen, ConfirmDialog)
        assert fake.commands[-1] == ("lr", {"value": 0.01})
        assert "load" not in fake.names()[1:]
        await wait_for(pilot, lambda: app.trainer_lr == 0.01, "the new rate")
        assert app.committed.train.learning_rate == 0.01

        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.state == "paused", "paused")
        assert fake.names()[-1] == "pause"

        await pilot.press("n")
        await wait_for(pilot, lambda: app.epoch == 4 and app.state == "paused", "one more epoch")
        assert fake.names()[-1] == "epoch"

        plots = app.query_one(PlotsPane)
        assert plots.loss_history.series  # metrics arrived
        await pilot.press("r")
        await wait_for(pilot, lambda: app.epoch == 0 and app.state == "idle", "reset")
        assert fake.names()[-1] == "reset"
        assert not plots.loss_history.series


async def test_editing_a_run_asks_first_and_no_reverts(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.epoch == 3, "a run")
        await show_tab(pilot, "network")

        await type_into(pilot, layer_units(app, 0), "5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "This resets the current run. Continue?" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog), "closed")
        await pilot.pause()
        assert layer_units(app, 0).value == "4"  # reverted
        assert app.committed.model.layers[0].units == 4
        assert fake.names().count("load") == 1
        assert app.epoch == 3  # the run is untouched

        await type_into(pilot, layer_units(app, 0), "5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.names().count("load") == 2, "a new load")
        sent = fake.commands[-1][1]["preset"]
        assert sent["model"]["layers"][0]["units"] == 5
        await wait_for(pilot, lambda: app.epoch == 0, "a fresh run")


async def test_edit_without_a_run_loads_at_once_and_counts_parameters(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await show_tab(pilot, "network")
        info = app.query_one("#net-info")
        assert "parameters 17" in str(info.render())  # 2*4+4 + 4*1+1
        await type_into(pilot, layer_units(app, 0), "10")
        assert not isinstance(app.screen, ConfirmDialog)
        assert fake.names()[-1] == "load"
        assert app.committed.model.layers[0].units == 10
        assert f"parameters {parameter_count([10, 1], 2)}" in str(info.render())

        # add, move and remove layers with the keys
        network = app.query_one(NetworkPane)
        layer_units(app, 0).focus()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(network.layer_states) == 3
        assert [layer.units for layer in app.committed.model.layers] == [10, 10, 1]
        await pilot.press("ctrl+up")
        await pilot.pause()
        assert network.selected == 0
        await pilot.press("ctrl+delete")
        await pilot.pause()
        assert [layer.units for layer in app.committed.model.layers] == [10, 1]


async def test_invalid_units_are_marked_and_start_is_refused(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await show_tab(pilot, "network")
        errors = app.query_one("#net-errors")
        for text, reason in (
            ("abc", "'abc' is not a whole number"),
            ("0", "must be at least 1"),
            ("-3", "must be at least 1"),
            ("100001", "must be at most 100000"),
        ):
            field = layer_units(app, 0)
            await type_into(pilot, field, text)
            assert field.has_class("-invalid"), text
            assert errors.display
            assert reason in str(errors.render())
            assert "not applied" in status_text(app)
        assert fake.names() == ["load"]  # nothing sent while invalid

        await type_into(pilot, layer_units(app, 0), "abc", submit=False)
        await pilot.press("space")  # from the number field itself: starts, types no space
        await pilot.pause()
        assert "cannot start: layer 1 units: 'abc' is not a whole number" in status_text(app)
        assert layer_units(app, 0).value == "abc"
        await pilot.press("f5")
        await pilot.pause()
        assert "cannot start: layer 1" in status_text(app)
        assert "start" not in fake.names()

        await type_into(pilot, layer_units(app, 0), "3")
        assert not layer_units(app, 0).has_class("-invalid")
        assert not errors.display
        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: "start" in fake.names(), "the start command")


async def test_training_fields_validate(fake_app):
    app = fake_app("circle")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        await show_tab(pilot, "training")
        errors = app.query_one("#train-errors")
        assert app.query_one("#row-noise").display  # circle is a noisy set
        for key, text, reason in (
            ("lr", "0", "learning rate: must be greater than 0"),
            ("lr", "nan", "must be a finite number"),
            ("batch", "0", "batch size: must be at least 1"),
            ("epochs", "1.5", "is not a whole number"),
            ("seed", "-1", "seed: must be at least 0"),
            ("test-fraction", "1", "test fraction: must be at least 0 and less than 1"),
        ):
            field = app.query_one(f"#{key}", Input)
            before = field.value
            await type_into(pilot, field, text)
            assert field.has_class("-invalid"), (key, text)
            assert reason in str(errors.render()), (key, text)
            await type_into(pilot, field, before)
            assert not errors.display
        data_set = app.query_one("#data-set")
        data_set.value = "xor"
        await pilot.pause()
        assert not app.query_one("#row-noise").display  # noise only for noisy sets
        assert app.committed.data.set == "xor"


async def test_choosing_a_preset_asks_when_a_run_exists(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        pane = app.query_one(PresetsPane)
        option_list = app.query_one("#preset-list", OptionList)
        names = [info.name for info in pane.infos]
        assert "circle" in names and "xor" in names

        option_list.focus()
        option_list.highlighted = names.index("circle")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.committed.name == "Circle", "circle loaded")
        assert fake.commands[-1][1]["preset"]["data"]["set"] == "circle"

        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.epoch > 0, "a run")
        option_list.focus()
        option_list.highlighted = names.index("spiral")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("escape")
        await pilot.pause()
        assert app.committed.name == "Circle"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.committed.name == "Spiral", "spiral loaded")


async def test_save_then_open(fake_app, tmp_path):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveDialog), "the save dialog")
        name = app.screen.query_one("#save-name", Input)
        name.value = "My XOR"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SaveDialog), "saved")
        path = user_presets_dir() / "my-xor.toml"
        assert path.is_file()
        assert str(tmp_path) in str(path)
        assert load_preset(path).name == "My XOR"
        pane = app.query_one(PresetsPane)
        assert any(info.name == "my-xor" and not info.builtin for info in pane.infos)
        assert app.committed.name == "My XOR"

        # saving again under the same name asks before overwriting
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveDialog), "the save dialog")
        app.screen.query_one("#save-name", Input).value = "My XOR"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "overwrite?")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, (SaveDialog, ConfirmDialog)), "saved again"
        )

        # open: a bad path shows the error in the dialog and leaves the preset alone
        await show_tab(pilot, "network")
        await type_into(pilot, layer_units(app, 0), "7")
        assert app.committed.model.layers[0].units == 7
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, OpenDialog), "the open dialog")
        path_input = app.screen.query_one("#open-path", Input)
        path_input.value = str(tmp_path / "missing.toml")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OpenDialog)
        error = app.screen.query_one("#open-error")
        assert error.display and "not found" in str(error.render())
        bad = tmp_path / "bad.toml"
        bad.write_text(
            "schema = 1\nname = 'x'\n[[model.layers]]\nunits = 1\n[train]\nlearning_rate = -1\n"
        )
        path_input.value = str(bad)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OpenDialog)
        assert "learning_rate" in str(app.screen.query_one("#open-error").render())
        assert app.committed.model.layers[0].units == 7

        path_input.value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, OpenDialog), "opened")
        await pilot.pause()
        assert app.committed.model.layers[0].units == 4  # the saved file's network
        assert layer_units(app, 0).value == "4"
        assert app.preset_path == path


async def test_trainer_failure_shows_failed_and_restarts(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        first = FakeTrainer.instances[0]
        # a preset the trainer cannot load: start says why instead of sending "start"
        first.fail_next_load = "MNIST folder not found: /nowhere"
        await show_tab(pilot, "network")
        await type_into(pilot, layer_units(app, 0), "3")
        await wait_for(pilot, lambda: "MNIST folder not found" in status_text(app), "the error")
        app.screen.set_focus(None)
        await pilot.press("space")
        assert "cannot start: MNIST folder not found" in status_text(app)
        assert "start" not in first.names()
        await type_into(pilot, layer_units(app, 0), "4")  # loads fine
        await wait_for(pilot, lambda: app.loaded is not None, "loaded again")

        first.emit({"event": "error", "message": "data folder not found: /nowhere"})
        await wait_for(pilot, lambda: "data folder not found" in status_text(app), "the error")
        first.crash(code=1, stderr="RuntimeError: out of memory")
        await wait_for(pilot, lambda: app.state == "failed", "failed")
        assert "FAILED" in status_text(app)
        assert "RuntimeError: out of memory" in status_text(app)
        assert app.trainer is None

        app.screen.set_focus(None)
        await pilot.press("space")  # starts a new trainer process
        await wait_for(pilot, lambda: len(FakeTrainer.instances) == 2, "a new trainer")
        second = FakeTrainer.instances[1]
        await wait_for(pilot, lambda: app.state == "running", "running again")
        assert second.names() == ["load", "start"]


async def test_quit_stops_the_trainer_and_signals_exit(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        commands = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Start or pause", "Train one more epoch", "Save the preset"):
            assert any(title.lower() in c.lower() for c in commands), (title, commands)
        await pilot.press("ctrl+c")  # quits too (q is the other key)
        await pilot.pause()
    assert fake.stopped
    assert app.return_value == 0

    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        app._on_signal(signal.SIGTERM)
        await pilot.pause()
    assert FakeTrainer.instances[-1].stopped
    assert app.return_value == 128 + signal.SIGTERM


async def test_the_key_bar_shows_the_screens_keys_and_a_click_presses_one(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        bar = app.screen.query_one(KeyBar)
        await wait_for(pilot, lambda: "f1 Help" in bar.keys_content().plain, "keys")
        text = bar.keys_content().plain
        for words in ("space Run", "n Epoch", "^s Save", "^o Open", "^r Runs", "q Quit"):
            assert words in text, (words, text)
        assert "v Lesson" not in text  # a binding with show=False stays off the bar
        narrow = bar.keys_content(60).plain  # descriptions go from the right, help and quit last
        assert len(narrow) <= 60 and narrow.endswith("f1 Help q Quit"), narrow
        assert narrow.startswith("space Run n Epoch") and " ^s " in narrow + " ", narrow

        await pilot.click(KeyBar, offset=(text.index("f1 Help") + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help by a click")
        help_keys = app.screen.query_one(KeyBar)
        await wait_for(pilot, lambda: "Close help" in help_keys.keys_content().plain, "its keys")
        assert "Quit" not in help_keys.keys_content().plain  # a dialog's own keys only
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "closed")


async def test_help_log_ascii_and_too_small(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded is not None, "loaded")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await wait_for(
            pilot,
            lambda: "start or pause" in str(app.screen.query_one("#help-text").render()),
            "text",
        )
        text = str(app.screen.query_one("#help-text").render())
        for words in (
            "start or pause",
            "train one more epoch",
            "reset the weights",
            "save the preset",
            "open a preset file",
            "log scale",
            "ASCII",
            "quit",
            "Add layer",
            "F5",
        ):
            assert words in text, words
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)

        await pilot.press("space")
        await wait_for(pilot, lambda: app.epoch == 3, "metrics")
        await pilot.pause(0.3)
        loss_plot = app.query_one("#loss-plot", LossPlot)
        assert "─" in loss_plot.render().plain
        await pilot.press("a")
        await pilot.pause(0.3)
        rendered = loss_plot.render().plain
        assert not set(rendered) - set(map(chr, range(32, 127))) - {"\n"}, "ASCII only"
        await pilot.press("l")
        await pilot.pause(0.3)
        assert app.query_one(PlotsPane).log_scale and loss_plot.log_scale

        # below the minimum size: a message instead of the layout
        await pilot.resize_terminal(50, 15)
        notice = app.query_one("#too-small")
        await wait_for(pilot, lambda: notice.display, "the too-small message")
        assert f"need at least {MIN_WIDTH}x{MIN_HEIGHT}, have 50x15" in str(notice.render())
        assert not app.query_one("#main").display
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.query_one("#main").display, "the layout back")
        assert not notice.display


async def test_ascii_mode_from_the_environment(monkeypatch):
    monkeypatch.setenv("TUI_NN_ASCII", "1")
    app = TuiNnApp(load_named("xor"), trainer_factory=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one(PlotsPane).ascii_mode


def test_run_app_rejects_a_bad_preset(capsys):
    assert run_app("no-such-preset-here") == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-nn: error: unknown preset")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


# -- the real trainer process ----------------------------------------------------------------


async def real_trainer_flow() -> None:
    """The whole path with the real trainer process. Run by the test below in a fresh Python
    process, so that `sys.modules` there shows what the app alone imported."""
    app = TuiNnApp(load_named("xor"), resolve_preset("xor"))

    async with app.run_test(size=SIZE) as pilot:
        # choose a preset from the list
        option_list = app.query_one("#preset-list", OptionList)
        names = [info.name for info in app.query_one(PresetsPane).infos]
        option_list.focus()
        option_list.highlighted = names.index("circle")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.committed.name == "Circle", "circle chosen")

        # edit a layer and the epoch budget (no run yet: sent at once)
        await show_tab(pilot, "network")
        await type_into(pilot, layer_units(app, 0), "6")
        assert app.committed.model.layers[0].units == 6
        await show_tab(pilot, "training")
        await type_into(pilot, app.query_one("#epochs", Input), "100000")
        assert app.committed.train.epochs == 100000

        await wait_for(
            pilot,
            lambda: bool(app.loaded) and app.loaded["preset"] == "Circle",
            "the trainer's loaded event",
            timeout=REAL_TIMEOUT,
        )
        info = str(app.query_one("#net-info").render())
        assert f"parameters {parameter_count([6, 1], 2)}" in info, info

        # start, pause, one more epoch, reset
        app.screen.set_focus(None)
        await pilot.press("space")
        bar = app.query_one(StatusBar)
        await wait_for(
            pilot,
            lambda: app.state == "running" and bar.fields["train_loss"] is not None,
            "running with metrics",
            timeout=REAL_TIMEOUT,
        )
        await pilot.press("space")
        await wait_for(pilot, lambda: app.state == "paused", "paused", timeout=REAL_TIMEOUT)
        epoch = app.epoch
        assert epoch > 0
        await pilot.press("n")
        await wait_for(
            pilot,
            lambda: app.state == "paused" and app.epoch == epoch + 1,
            "one more epoch",
            timeout=REAL_TIMEOUT,
        )
        await pilot.press("r")
        await wait_for(
            pilot, lambda: app.state == "idle" and app.epoch == 0, "reset", timeout=REAL_TIMEOUT
        )
        assert "error" not in app.events_seen, app.events_seen

        # quit while training
        await pilot.press("space")
        await wait_for(
            pilot,
            lambda: app.state == "running" and app.epoch > 0,
            "running again",
            timeout=REAL_TIMEOUT,
        )
        trainer = app.trainer
        assert trainer is not None and trainer.running
        pid = trainer.pid
        await pilot.press("q")
        await pilot.pause()
    assert not trainer.running
    assert trainer._process.poll() is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"the trainer process {pid} is still there")
    assert "torch" not in sys.modules, "the app process imported torch"
    heavy = [
        m
        for m in sys.modules
        if m.startswith("tui_nn.") and m.split(".")[1] in ("engine", "model", "data", "devices")
    ]
    assert not heavy, heavy
    print("REAL FLOW OK")


def test_real_trainer_end_to_end_without_torch_in_the_app(tmp_path):
    """Choose a preset, edit a layer, train, pause, one more epoch, reset, quit while training,
    all against the real trainer process; then torch must not be in the app's sys.modules and
    no trainer process may be left. Runs in a fresh process (this one may hold torch from
    other tests)."""
    env = dict(
        os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data")
    )
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(__file__), *filter(None, [env.get("PYTHONPATH")])]
    )
    code = "import asyncio, test_ui_app as t; asyncio.run(t.real_trainer_flow())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0 and "REAL FLOW OK" in result.stdout, (
        result.stdout[-2000:] + result.stderr[-4000:]
    )
