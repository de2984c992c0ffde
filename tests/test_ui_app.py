"""Pilot tests of the Textual app.

Most tests drive the app against `FakeTrainer`, a tiny stand-in for the trainer process that
answers commands with scripted events (fast and deterministic). A few run the real trainer
process (it imports torch: allow several seconds) to check the whole path end to end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import typing

import pytest
from support import (
    REAL_TIMEOUT,
    SIZE,
    FakeTrainer,
    layer_units,
    show_tab,
    status_text,
    type_into,
    wait_for,
)
from textual.message import Message
from textual.widgets import Input, OptionList

from tui_nn.presets import load_named, load_preset, resolve_preset, user_presets_dir
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.launch import run_app
from tui_nn.ui.messages import MESSAGES, TrainerError, trainer_message
from tui_nn.ui.panes.network import NetworkPane, parameter_count
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.panes.presets import PresetsPane
from tui_nn.ui.panes.status_bar import StatusBar
from tui_nn.ui.screens.dialogs import ConfirmDialog, OpenDialog, SaveDialog
from tui_nn.ui.screens.help import HelpScreen
from tui_nn.ui.widgets.key_bar import KeyBar
from tui_nn.ui.widgets.loss_plot import LossPlot
from tui_nn.ui.widgets.too_small import MIN_HEIGHT, MIN_WIDTH


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TUI_NN_ASCII", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


# -- fake-trainer tests ----------------------------------------------------------------------


async def test_start_lr_pause_epoch_reset_with_fake_trainer(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        fake = FakeTrainer.instances[0]
        assert fake.names() == ["load"]  # sent at once, before the user does anything
        assert "IDLE" in status_text(app)

        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.epoch == 3, "a running state")
        assert fake.names()[-1] == "start"
        assert app.link.status == "running"
        assert "loss 0.2500" in status_text(app)

        # the learning rate applies at once while running: no question, no reload
        await show_tab(pilot, "training")
        await type_into(pilot, app.query_one("#lr", Input), "0.01")
        assert not isinstance(app.screen, ConfirmDialog)
        assert fake.commands[-1] == p.SetLearningRate(value=0.01)
        assert "load" not in fake.names()[1:]
        await wait_for(pilot, lambda: app.link.lr == 0.01, "the new rate")
        assert app.editor.committed.train.learning_rate == 0.01

        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.status == "paused", "paused")
        assert fake.names()[-1] == "pause"

        await pilot.press("n")
        await wait_for(
            pilot, lambda: app.link.epoch == 4 and app.link.status == "paused", "one more epoch"
        )
        assert fake.names()[-1] == "epoch"

        plots = app.query_one(PlotsPane)
        assert plots.loss_history.series  # metrics arrived
        await pilot.press("r")
        await wait_for(pilot, lambda: app.link.epoch == 0 and app.link.status == "idle", "reset")
        assert fake.names()[-1] == "reset"
        assert not plots.loss_history.series


async def test_editing_a_run_asks_first_and_no_reverts(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.epoch == 3, "a run")
        await show_tab(pilot, "network")

        await type_into(pilot, layer_units(app, 0), "5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "This starts a fresh run" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog), "closed")
        await pilot.pause()
        assert layer_units(app, 0).value == "4"  # reverted
        assert app.editor.committed.model.layers[0].units == 4
        assert fake.names().count("load") == 1
        assert app.link.epoch == 3  # the run is untouched

        await type_into(pilot, layer_units(app, 0), "5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.names().count("load") == 2, "a new load")
        sent = fake.commands[-1].preset
        assert sent["model"]["layers"][0]["units"] == 5
        await wait_for(pilot, lambda: app.link.epoch == 0, "a fresh run")


async def test_edit_without_a_run_loads_at_once_and_counts_parameters(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        await show_tab(pilot, "network")
        info = app.query_one("#net-info")
        assert "parameters 17" in str(info.render())  # 2*4+4 + 4*1+1
        await type_into(pilot, layer_units(app, 0), "10")
        assert not isinstance(app.screen, ConfirmDialog)
        assert fake.names()[-1] == "load"
        assert app.editor.committed.model.layers[0].units == 10
        assert f"parameters {parameter_count([10, 1], 2)}" in str(info.render())

        # add, move and remove layers with the keys
        network = app.query_one(NetworkPane)
        layer_units(app, 0).focus()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(network.layer_states) == 3
        assert [layer.units for layer in app.editor.committed.model.layers] == [10, 10, 1]
        await pilot.press("ctrl+up")
        await pilot.pause()
        assert network.selected == 0
        await pilot.press("ctrl+delete")
        await pilot.pause()
        assert [layer.units for layer in app.editor.committed.model.layers] == [10, 1]


async def test_invalid_units_are_marked_and_start_is_refused(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
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
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        await show_tab(pilot, "training")  # (its fields built and filled)
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
            await wait_for(
                pilot,
                lambda f=field, r=reason: f.has_class("-invalid") and r in str(errors.render()),
                f"{key} = {text!r} marked: {reason}",
            )
            await type_into(pilot, field, before)
            await wait_for(pilot, lambda: not errors.display, f"{key} valid again")
        data_set = app.query_one("#data-set")
        data_set.value = "xor"
        await wait_for(pilot, lambda: app.editor.committed.data.set == "xor", "xor committed")
        assert not app.query_one("#row-noise").display  # noise only for noisy sets


async def test_choosing_a_preset_asks_when_a_run_exists(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        fake = FakeTrainer.instances[0]
        pane = app.query_one(PresetsPane)
        option_list = app.query_one("#preset-list", OptionList)
        names = [info.name for info in pane.infos]
        assert "circle" in names and "xor" in names

        option_list.focus()
        option_list.highlighted = names.index("circle")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.editor.committed.name == "Circle", "circle loaded")
        assert fake.commands[-1].preset["data"]["set"] == "circle"

        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.epoch > 0, "a run")
        option_list.focus()
        option_list.highlighted = names.index("spiral")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("escape")
        await pilot.pause()
        assert app.editor.committed.name == "Circle"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.editor.committed.name == "Spiral", "spiral loaded")


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
        assert app.editor.committed.name == "My XOR"

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
        assert app.editor.committed.model.layers[0].units == 7
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
        assert app.editor.committed.model.layers[0].units == 7

        path_input.value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, OpenDialog), "opened")
        await pilot.pause()
        assert app.editor.committed.model.layers[0].units == 4  # the saved file's network
        assert layer_units(app, 0).value == "4"
        assert app.editor.path == path


async def test_trainer_failure_shows_failed_and_restarts(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
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
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded again")

        first.emit(p.Error(message="data folder not found: /nowhere"))
        await wait_for(pilot, lambda: "data folder not found" in status_text(app), "the error")
        first.crash(code=1, stderr="RuntimeError: out of memory")
        await wait_for(pilot, lambda: app.link.status == "failed", "failed")
        assert "FAILED" in status_text(app)
        assert "RuntimeError: out of memory" in status_text(app)
        assert app.link.process is None

        app.screen.set_focus(None)
        await pilot.press("space")  # starts a new trainer process
        await wait_for(pilot, lambda: len(FakeTrainer.instances) == 2, "a new trainer")
        second = FakeTrainer.instances[1]
        await wait_for(pilot, lambda: app.link.status == "running", "running again")
        assert second.names() == ["load", "start"]


async def test_quit_stops_the_trainer_and_signals_exit(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
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
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        app.runs.on_signal(signal.SIGTERM)
        await pilot.pause()
    assert FakeTrainer.instances[-1].stopped
    assert app.return_value == 128 + signal.SIGTERM


async def test_the_key_bar_shows_the_screens_keys_and_a_click_presses_one(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        bar = app.screen.query_one(KeyBar)
        await wait_for(pilot, lambda: "f1 Help" in bar.keys_content().plain, "keys")
        text = bar.keys_content().plain
        for words in ("space Run", "n Epoch", "^s Save", "^o Open", "^r Runs", "q Quit"):
            assert words in text, (words, text)
        assert "v Lesson" not in text  # a binding with show=False stays off the bar
        narrow = bar.keys_content(60).plain  # descriptions go from the right, help and quit last
        assert len(narrow) <= 60 and narrow.endswith("f1 Help q Quit"), narrow
        assert narrow.startswith("space Run n Epoch") and " ^s " in narrow + " ", narrow

        shown = bar.keys_content(bar.size.width).plain  # as it fits the bar's width
        await pilot.click(KeyBar, offset=(shown.index("f1") + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help by a click")
        help_keys = app.screen.query_one(KeyBar)
        await wait_for(pilot, lambda: "Close help" in help_keys.keys_content().plain, "its keys")
        assert "Quit" not in help_keys.keys_content().plain  # a dialog's own keys only
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "closed")


async def test_help_log_ascii_and_too_small(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
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
            "open a preset: a name, a file or a path",
            "the Network tab",
            "leave a field",
            "shift+↑",
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
        await wait_for(pilot, lambda: app.link.epoch == 3, "metrics")
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.up_to_date, "the plots drawn")
        loss_plot = app.query_one("#loss-plot", LossPlot)
        assert "─" in loss_plot.render().plain
        await pilot.press("a")
        await wait_for(pilot, lambda: plots.up_to_date, "the plots drawn in ASCII")
        rendered = loss_plot.render().plain
        assert not set(rendered) - set(map(chr, range(32, 127))) - {"\n"}, "ASCII only"
        await pilot.press("l")
        await wait_for(pilot, lambda: plots.up_to_date, "the log-scale plot")
        assert plots.log_scale and loss_plot.log_scale

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


def test_every_trainer_event_has_its_message_and_handler():
    events = set(typing.get_args(p.Event))
    assert set(MESSAGES) == events
    for kind in events:
        handler = MESSAGES[kind].handler_name
        assert handler.startswith("on_trainer_") and callable(getattr(TuiNnApp, handler)), kind
    event = p.Error(message="x")
    message = trainer_message(event, 7)
    assert isinstance(message, TrainerError) and message.event is event
    assert message.generation == 7


async def test_events_of_a_trainer_let_go_are_dropped(fake_app):
    app = fake_app()
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        kinds = [type(m).__name__ for m in seen if type(m).__name__.startswith("Trainer")]
        assert kinds[:3] == ["TrainerReady", "TrainerLoaded", "TrainerState"], kinds
        stale = app.link.generation
        app.link.release().stop()  # the link lets this trainer go: what it says no longer counts
        app.post_message(trainer_message(p.State(status="running", epoch=9, step=9), stale))
        app.link.post(p.Error(message="from the current generation"))
        await wait_for(pilot, lambda: "from the current generation" in status_text(app), "error")
        assert app.link.epoch == 0 and app.link.status != "running"


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
    errors: list[str] = []  # what the trainer refused

    def hook(message: Message) -> None:
        if isinstance(message, TrainerError):
            errors.append(message.event.message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        # choose a preset from the list
        option_list = app.query_one("#preset-list", OptionList)
        names = [info.name for info in app.query_one(PresetsPane).infos]
        option_list.focus()
        option_list.highlighted = names.index("circle")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.editor.committed.name == "Circle", "circle chosen")

        # edit a layer and the epoch budget (no run yet: sent at once)
        await show_tab(pilot, "network")
        await type_into(pilot, layer_units(app, 0), "6")
        assert app.editor.committed.model.layers[0].units == 6
        await show_tab(pilot, "training")
        await type_into(pilot, app.query_one("#epochs", Input), "100000")
        assert app.editor.committed.train.epochs == 100000

        await wait_for(
            pilot,
            lambda: app.link.loaded is not None and app.link.loaded.preset == "Circle",
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
            lambda: app.link.status == "running" and bar.fields["train_loss"] is not None,
            "running with metrics",
            timeout=REAL_TIMEOUT,
        )
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.status == "paused", "paused", timeout=REAL_TIMEOUT)
        epoch = app.link.epoch
        assert epoch > 0
        await pilot.press("n")
        await wait_for(
            pilot,
            lambda: app.link.status == "paused" and app.link.epoch == epoch + 1,
            "one more epoch",
            timeout=REAL_TIMEOUT,
        )
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.link.status == "idle" and app.link.epoch == 0,
            "reset",
            timeout=REAL_TIMEOUT,
        )
        assert not errors, errors

        # quit while training
        await pilot.press("space")
        await wait_for(
            pilot,
            lambda: app.link.status == "running" and app.link.epoch > 0,
            "running again",
            timeout=REAL_TIMEOUT,
        )
        trainer = app.link.process
        assert trainer is not None and trainer.running
        pid = trainer.pid
        await pilot.press("q")
        await pilot.pause()
    assert not trainer.running
    assert trainer.wait(timeout=0) is not None
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


async def test_what_the_loader_guessed_shows_on_the_status_line(fake_app):
    from support import loaded

    note = "read as ';'-separated with a header; dropped the index column"

    class GuessingTrainer(FakeTrainer):
        def _do_load(self, command: p.Load) -> None:
            self.emit(loaded(command.preset["name"], data_note=note))
            self._state("idle")

    app = TuiNnApp(load_named("xor"), trainer_factory=GuessingTrainer)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: note in status_text(app), "the note on the status line")
        await app.later.settle()  # as quitting does: the lesson pane mounts after the first frame
    for fake in GuessingTrainer.instances:
        fake.stop()
