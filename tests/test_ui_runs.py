"""Pilot tests of runs in the app: quitting while training (stop, keep running, cancel), the runs
screen (listing, opening a run, continue = `resume`, attach), the attached app drawing a run's
history, and faults (NaN, out of memory, a killed trainer) with a scripted trainer; a killed
trainer and a diverging run also with the real trainer process."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from support import REAL_TIMEOUT, SIZE, FakeTrainer, loaded, status_text, wait_for
from textual.widgets import DataTable, Input

from tui_nn.presets import load_named, load_preset, preset_to_dict, resolve_preset
from tui_nn.runs import RunFolder, read_run_info, runs_root
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.history_loader import read_history
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.screens.dialogs import ConfirmDialog, QuitDialog
from tui_nn.ui.screens.runs import PreviewPlots, RunsScreen

STEPS_PER_EPOCH = 4  # of the attached xor run (16 samples, batch 4) and the reader test


class RunsFake(FakeTrainer):
    """The scripted trainer, plus `Resume`, `detach` and attaching (`RunsFake.attach`)."""

    welcome: ClassVar[list[p.Event]] = []  # what an attached trainer says first

    def __init__(self) -> None:
        super().__init__()
        self.detached = False
        self.socket: str | None = None
        self.next_run: str | None = None  # the run folder the next start names

    def _do_start(self, command: p.Start) -> None:
        if self.next_run is not None:
            self.emit(p.RunOpened(path=self.next_run))  # before any metrics, as the trainer
            self.next_run = None
        super()._do_start(command)

    @classmethod
    def attach(cls, socket: str) -> RunsFake:
        fake = cls()
        fake.socket = socket
        fake.start(ready=False)
        for event in cls.welcome:
            fake.emit(event)
        return fake

    def detach(self) -> None:
        self.detached = True
        self.end()

    def _do_resume(self, command: p.Resume) -> None:
        preset = load_preset(Path(command.path) / "preset.toml")
        self._do_load(p.Load(preset=preset_to_dict(preset)))
        self.epoch = read_run_info(Path(command.path))["epochs"]
        self.emit(p.RunOpened(path=command.path))
        self._state("paused")


@pytest.fixture
def runs_app():
    FakeTrainer.instances.clear()
    RunsFake.welcome = []

    def make(name: str = "xor") -> TuiNnApp:
        preset = load_named(name)  # at full speed: these tests are not about the pace
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, pace=None))
        return TuiNnApp(
            preset,
            resolve_preset(name),
            trainer_factory=RunsFake,
            attach_factory=RunsFake.attach,
        )

    yield make
    for fake in FakeTrainer.instances:
        fake.stop()


def metrics(
    epoch: int,
    *,
    evals: bool = False,
    loss: float | None = None,
    spe: int = STEPS_PER_EPOCH,
    status: p.Status = "running",
) -> p.Metrics:
    """A metrics event as the trainer sends it (`spe` steps an epoch)."""
    step = epoch * spe
    extra: dict[str, Any] = {}
    if evals:
        point = p.EvalPoint(
            epoch=epoch, step=step, train_loss=0.5, test_loss=0.6, train_acc=0.7, test_acc=0.8
        )
        extra = dict(eval_train_loss=0.5, test_loss=0.6, train_acc=0.7, test_acc=0.8, evals=[point])
    return p.Metrics(
        epoch=epoch,
        step=step,
        train_loss=1.0 / (epoch + 1) if loss is None else loss,
        samples_per_s=1000.0,
        elapsed_s=0.1 * epoch,
        lr=0.01,
        status=status,
        **extra,
    )


def make_run(
    name: str,
    preset_name: str,
    *,
    status: str,
    epochs: int,
    checkpoint: bool = True,
    spe: int = 1,
    **info: Any,
) -> Path:
    """A run folder as a trainer leaves it (no torch: the checkpoint is a stand-in file).
    `spe` steps an epoch: 1 matches the scripted trainer (its steps count epochs)."""
    preset = load_named(preset_name)
    folder = RunFolder(runs_root() / name)
    day, clock = name.split("-")[:2]  # started when its name says
    folder.info["started"] = f"{day[:4]}-{day[4:6]}-{day[6:]}T{clock[:2]}:{clock[2:4]}:{clock[4:]}"
    folder.start(preset, "cpu")
    for epoch in range(1, epochs + 1):
        folder.append_metrics(metrics(epoch, evals=epoch % 5 == 0, spe=spe))
    if checkpoint:
        (folder.path / "checkpoint.safetensors").write_bytes(b"stand-in")
    folder.update(status=status, epochs=epochs, steps=epochs * spe, checkpoint_epoch=epochs, **info)
    folder.close()
    return folder.path


def plotted(app: TuiNnApp, key: str = "train_loss") -> list[float]:
    plots = app.query_one(PlotsPane)
    history = plots.loss_history if "loss" in key else plots.acc_history
    return history.points(key)[1]


async def start_training(pilot) -> RunsFake:
    app = pilot.app
    await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
    app.screen.set_focus(None)
    await pilot.press("space")
    await wait_for(pilot, lambda: app.link.status == "running", "running")
    return FakeTrainer.instances[-1]


# -- quitting ----------------------------------------------------------------------------------


async def test_quit_while_training_asks_stop_keep_running_or_cancel(runs_app, tmp_path):
    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:
        fake = await start_training(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
        await pilot.press("ctrl+c")  # a second quit key does not stack a second dialog
        assert sum(isinstance(s, QuitDialog) for s in app.screen_stack) == 1
        await pilot.press("c")  # cancel
        await wait_for(pilot, lambda: not isinstance(app.screen, QuitDialog), "dialog closed")
        assert app.is_running and not fake.stopped and app.link.status == "running"
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
        await pilot.press("s")  # stop: the trainer saves and ends
        await pilot.pause()
    assert fake.stopped and not fake.detached
    assert app.return_value == 0 and app.runs.farewell is None

    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:
        fake = await start_training(pilot)
        fake.emit(p.RunOpened(path=str(tmp_path / "20260101-000000-xor")))
        await wait_for(pilot, lambda: app.runs.run_path is not None, "the run folder")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
        await pilot.press("k")  # keep running in the background
        await pilot.pause()
    assert fake.detached and not fake.stopped
    assert "`tui-nn attach 20260101-000000-xor`" in app.runs.farewell

    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:  # nothing running: quits at once
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        await pilot.press("q")
        await pilot.pause()
    assert FakeTrainer.instances[-1].stopped


async def test_signals_hup_keeps_the_run_int_and_term_stop_it(runs_app):
    for signum, kept in ((signal.SIGHUP, True), (signal.SIGINT, False), (signal.SIGTERM, False)):
        app = runs_app()
        async with app.run_test(size=SIZE) as pilot:
            fake = await start_training(pilot)
            app.runs.on_signal(signum)
            await pilot.pause()
        assert (fake.detached, fake.stopped) == (kept, not kept), signum
        assert app.return_value == 128 + signum

    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:  # SIGHUP with nothing running: stop
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        app.runs.on_signal(signal.SIGHUP)
        await pilot.pause()
    assert FakeTrainer.instances[-1].stopped


# -- the runs screen ---------------------------------------------------------------------------


@pytest.fixture
def three_runs(tmp_path):
    """A finished circle run, a stopped spiral run, and an xor run a live trainer still trains
    (a stand-in process whose command line names tui_nn, and a socket file)."""
    socket = tmp_path / "trainer.sock"
    socket.write_text("")
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "tui_nn.trainer.server"]
    )
    done = make_run("20260101-100000-circle", "circle", status="done", epochs=20)
    stopped = make_run("20260102-100000-spiral", "spiral", status="stopped", epochs=30)
    live = make_run(
        "20260103-100000-xor",
        "xor",
        status="running",
        epochs=10,
        checkpoint=False,
        spe=STEPS_PER_EPOCH,
        pid=sleeper.pid,
        socket=str(socket),
    )
    yield {"done": done, "stopped": stopped, "live": live, "socket": str(socket)}
    sleeper.kill()
    sleeper.wait()


async def open_runs(pilot) -> RunsScreen:
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunsScreen), "the runs screen")
    await pilot.pause()
    return pilot.app.screen


async def select(pilot, screen: RunsScreen, path: Path) -> None:
    index = [run.path for run in screen.runs].index(path)
    screen.query_one(DataTable).move_cursor(row=index)
    await wait_for(pilot, lambda: screen.previewed == path, f"the preview of {path.name}")


async def test_runs_screen_lists_runs_newest_first_with_a_preview(runs_app, three_runs):
    app = runs_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        screen = await open_runs(pilot)
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[1] for row in rows] == ["XOR", "Spiral", "Circle"]  # newest first
        assert [row[2] for row in rows] == ["running", "stopped", "done"]
        assert [row[3] for row in rows] == ["10", "30", "20"]
        assert [row[0] for row in rows] == ["01-03 10:00", "01-02 10:00", "01-01 10:00"]
        assert [row[4] for row in rows] == ["80.0%", "80.0%", "80.0%"]

        await select(pilot, screen, three_runs["stopped"])
        detail = str(screen.query_one("#runs-detail").render())
        assert "20260102-100000-spiral" in detail and "c: continue from epoch 30" in detail
        preview = screen.query_one(PreviewPlots)
        assert len(preview.loss_history.points("train_loss")[0]) == 30
        assert preview.acc_history.last("test_acc") == (30.0, 0.8)

        await select(pilot, screen, three_runs["live"])
        assert "a: attach (trainer pid" in str(screen.query_one("#runs-detail").render())
        await pilot.press("c")  # a live run is attached to, not continued
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunsScreen), "closed")


async def test_opening_a_run_draws_its_history_and_loads_its_preset(runs_app, three_runs):
    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        fake = FakeTrainer.instances[-1]
        screen = await open_runs(pilot)
        await select(pilot, screen, three_runs["done"])
        await pilot.press("enter")
        shown = "run 20260101-100000-circle (done, 20 epochs) shown"
        await wait_for(pilot, lambda: shown in status_text(app), "the run's history")
        assert app.editor.committed.name == "Circle"
        await wait_for(pilot, lambda: app.query_one("#batch", Input).value == "16", "its batch")
        load = next(c for c in reversed(fake.commands) if isinstance(c, p.Load))
        assert load.preset["name"] == "Circle"
        xs, ys = app.query_one(PlotsPane).loss_history.points("train_loss")
        assert len(ys) == 20 and xs[-1] == 20.0

        await wait_for(pilot, lambda: app.link.loaded is not None, "circle loaded")
        app.screen.set_focus(None)
        fake.next_run = str(runs_root() / "20260104-000000-circle")
        await pilot.press("space")  # a new run: the opened run's curves go
        await wait_for(pilot, lambda: app.runs.viewing is None, "the new run")
        await wait_for(pilot, lambda: len(plotted(app)) == 1, "only the new run's points")


async def test_continue_sends_resume_then_start_and_draws_the_history(runs_app, three_runs):
    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:
        fake = await start_training(pilot)  # a run in this app: continuing asks first
        screen = await open_runs(pilot)
        await select(pilot, screen, three_runs["stopped"])
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        path = str(three_runs["stopped"])
        await wait_for(pilot, lambda: fake.names()[-1] == "start", "start after the resume")
        assert p.Resume(path=path) in fake.commands
        assert fake.names()[-2:] == ["resume", "start"]
        note = "run 20260102-100000-spiral goes on from its last checkpoint"
        await wait_for(pilot, lambda: note in status_text(app), "the history")
        assert app.editor.committed.name == "Spiral" and app.runs.run_path == Path(path)
        await wait_for(pilot, lambda: app.link.status == "running", "running")
        # the history (30 epochs from the file) then the live event the fake sent (epoch 33)
        xs = app.query_one(PlotsPane).loss_history.points("train_loss")[0]
        assert len(xs) == 31 and xs[-1] > 30


async def test_attach_from_the_runs_screen_connects_to_the_live_trainer(runs_app, three_runs):
    live = three_runs["live"]
    app = runs_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        first = FakeTrainer.instances[-1]
        screen = await open_runs(pilot)
        await select(pilot, screen, live)
        RunsFake.welcome = [p.RunOpened(path=str(live))]
        await pilot.press("a")
        note = "attached to run 20260103-100000-xor"
        await wait_for(pilot, lambda: note in status_text(app), "the history")
        assert first.stopped
        attached = FakeTrainer.instances[-1]
        assert attached.socket == three_runs["socket"] and app.link.process is attached
        assert app.editor.committed.name == "XOR" and len(plotted(app)) == 10


async def test_attach_mode_draws_the_history_and_the_controls_are_live(runs_app, three_runs):
    live = three_runs["live"]
    RunsFake.welcome = [
        p.Ready(protocol=p.PROTOCOL_VERSION, devices=[], pid=4242),
        loaded("XOR", n_train=4 * STEPS_PER_EPOCH, steps_per_epoch=STEPS_PER_EPOCH),
        p.RunOpened(path=str(live)),
        p.State(status="running", epoch=10, step=40, lr=0.05),
        metrics(9),  # already in the file: drawn once
        metrics(11),
    ]
    preset = load_preset(live / "preset.toml")
    app = TuiNnApp(
        preset,
        None,
        trainer_factory=RunsFake,
        attach=three_runs["socket"],
        attach_factory=RunsFake.attach,
    )
    async with app.run_test(size=SIZE) as pilot:
        note = "attached to run 20260103-100000-xor"
        await wait_for(pilot, lambda: note in status_text(app), "the history")
        await wait_for(pilot, lambda: app.link.status == "running", "running")
        fake = FakeTrainer.instances[-1]
        assert fake.socket == three_runs["socket"] and "load" not in fake.names()
        xs = app.query_one(PlotsPane).loss_history.points("train_loss")[0]
        assert xs == [float(epoch) for epoch in range(1, 12)]  # the file's 10, then epoch 11
        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: fake.names()[-1:] == ["pause"], "pause sent")
        await pilot.press("q")  # not training now: quits and stops the trainer
        await pilot.pause()
    assert fake.stopped


def test_history_reader_matches_the_live_plots_and_skips_damage(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    events = [metrics(epoch, evals=epoch % 3 == 0) for epoch in range(1, 400)]
    events[7] = dataclasses.replace(events[7], train_loss=float("nan"))
    summary = p.Summary(
        preset="XOR",
        device="cpu",
        status="done",
        epochs=399,
        steps=399 * STEPS_PER_EPOCH,
        train_loss=0.1,
        test_loss=None,
        train_acc=1.0,
        test_acc=None,
        elapsed_s=40.0,
        samples_per_s=1000.0,
        converged=True,
        stop_reason=None,
        message="",
    )
    lines = [p.encode(event) for event in events]
    lines.insert(5, '{"event":"metrics","epo\n')  # a write cut short
    lines.insert(9, '{"epoch":3,"event":"metrics","step":12}\n')  # not a whole metrics event
    lines.append(p.encode(summary))
    (folder / "metrics.jsonl").write_text("".join(lines))

    history = read_history(folder, capacity=64)
    live = PlotsPane(capacity=64)
    live.schedule_redraw = lambda: None  # not mounted
    live.set_shape(STEPS_PER_EPOCH, "classification")
    for event in events:
        live.add_metrics(event)
    for key in ("train_loss", "test_loss"):
        assert history.loss.points(key) == live.loss_history.points(key), key
    assert history.acc.points("test_acc") == live.acc_history.points("test_acc")
    assert all(math.isfinite(y) for y in history.loss.points("train_loss")[1])
    assert history.steps_per_epoch == STEPS_PER_EPOCH and history.summary == summary
    assert history.last_step == 399 * STEPS_PER_EPOCH and history.events == 399
    assert read_history(folder, until_step=40).last_step == 40  # continued from a checkpoint
    assert read_history(tmp_path / "nowhere").events == 0


def test_history_reader_steps_per_epoch_given_found_or_estimated(tmp_path):
    """Given (the trainer's `Loaded`): used as it is; else the first evaluation's epoch and
    step tell them; a file without evaluations leaves the estimate from its (epoch, step)s."""
    folder = tmp_path / "run"
    folder.mkdir()
    events = [metrics(epoch, spe=5, evals=epoch == 7) for epoch in range(1, 10)]
    (folder / "metrics.jsonl").write_text("".join(p.encode(event) for event in events))
    assert read_history(folder).steps_per_epoch == 5  # from the evaluation at epoch 7
    given = read_history(folder, steps_per_epoch=3)
    assert given.steps_per_epoch == 3
    assert given.loss.points("train_loss")[0][0] == 5 / 3  # step 5 of epoch 1, at 3 an epoch
    plain = [metrics(epoch, spe=5) for epoch in range(1, 10)]
    (folder / "metrics.jsonl").write_text("".join(p.encode(event) for event in plain))
    assert read_history(folder).steps_per_epoch == 5  # step / epoch, the only whole number


# -- faults ------------------------------------------------------------------------------------


def diverged_summary(message: str) -> p.Summary:
    return p.Summary(
        preset="XOR",
        device="cpu",
        status="diverged",
        epochs=4,
        steps=4,
        train_loss=None,
        test_loss=None,
        train_acc=None,
        test_acc=None,
        elapsed_s=0.4,
        samples_per_s=1000.0,
        converged=False,
        stop_reason="diverged",
        message=message,
    )


async def test_nan_out_of_memory_and_a_killed_trainer_with_a_scripted_trainer(runs_app):
    app = runs_app()
    async with app.run_test(size=SIZE) as pilot:
        fake = await start_training(pilot)
        # NaN: the engine stops within a step and says why
        message = (
            "diverged at step 13: the loss became nan (not finite); "
            "try a smaller learning rate than 1e+09"
        )
        fake.emit(metrics(4, loss=float("nan"), spe=1))  # even a NaN that got through
        fake.emit(dataclasses.replace(metrics(4, spe=1, status="diverged"), train_loss=None))
        fake.emit(p.State(status="diverged", epoch=4, step=4, message=message))
        fake.emit(diverged_summary(message))
        await wait_for(pilot, lambda: app.link.status == "diverged", "diverged")
        await wait_for(pilot, lambda: message in status_text(app), "why")
        assert "DIVERGED" in status_text(app)
        assert plotted(app) and all(math.isfinite(y) for y in plotted(app))
        await pilot.press("r")  # a fresh run
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.status == "running", "running again")

        # out of memory: the trainer stays; a new run starts without restarting anything
        oom = (
            "out of memory on cuda at batch size 65536 (step 0): "
            "try a smaller batch_size, e.g. 16384"
        )
        fake.emit(p.State(status="failed", epoch=0, step=0, message=oom))
        await wait_for(pilot, lambda: app.link.status == "failed", "failed")
        assert "FAILED" in status_text(app) and "batch size 65536" in status_text(app)
        starts = fake.names().count("start")
        await pilot.press("space")  # the run has ended: says so, sends nothing
        assert fake.names().count("start") == starts and "press r" in status_text(app)
        await pilot.press("r")
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.status == "running", "a new run")
        assert len(FakeTrainer.instances) == 1

        # the trainer process is killed: failed with the reason; space starts a new one
        fake.crash(code=-9, stderr="")
        await wait_for(pilot, lambda: app.link.status == "failed", "failed")
        assert "killed (SIGKILL)" in status_text(app)
        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(pilot, lambda: len(FakeTrainer.instances) == 2, "a new trainer")
        await wait_for(pilot, lambda: app.link.status == "running", "running in the new trainer")


async def test_real_trainer_diverges_then_is_killed_and_the_app_starts_again():
    preset = load_named("sine")
    train = dataclasses.replace(preset.train, optimizer="sgd", learning_rate=1e9)
    app = TuiNnApp(dataclasses.replace(preset, train=train), None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded", timeout=REAL_TIMEOUT)
        app.screen.set_focus(None)
        await pilot.press("space")
        await wait_for(
            pilot, lambda: app.link.status == "diverged", "diverged", timeout=REAL_TIMEOUT
        )
        reason = "smaller learning rate"  # the state after the metrics says why
        await wait_for(pilot, lambda: reason in status_text(app), "the reason")
        assert "diverged at step" in status_text(app)
        assert all(math.isfinite(y) for y in plotted(app))

        trainer = app.link.process
        pid = trainer.pid
        os.kill(pid, signal.SIGKILL)
        await wait_for(pilot, lambda: app.link.status == "failed", "failed", timeout=REAL_TIMEOUT)
        assert "killed (SIGKILL)" in status_text(app)
        await pilot.press("space")  # a new trainer process, the preset loaded again
        await wait_for(
            pilot,
            lambda: app.link.process is not None and app.link.process.pid not in (None, pid),
            "a new trainer",
        )
        await wait_for(
            pilot, lambda: app.link.status == "diverged", "diverged", timeout=REAL_TIMEOUT
        )
        second = app.link.process
        await pilot.press("q")
        await pilot.pause()
    assert not second.running
    assert second.wait(timeout=5) is not None


# -- tui-nn attach -----------------------------------------------------------------------------


def test_attach_without_a_live_run_is_a_one_line_error(capsys, three_runs):
    from tui_nn.cli import main
    from tui_nn.runs import find_live_run

    live = find_live_run(None)  # the newest run a live trainer serves
    assert live.path == three_runs["live"] and live.socket == three_runs["socket"]
    assert find_live_run("20260103-100000-xor").pid == live.pid

    for args, words in (
        (["attach", "20260102-100000-spiral"], "is not training (stopped); `tui-nn train --resume"),
        (["attach", "20260101-100000-circle"], "is not training (done)"),
        (["attach", "no-such-run"], "no run 'no-such-run'"),
    ):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err

    info_file = three_runs["live"] / "run.json"
    info = json.loads(info_file.read_text())
    info_file.write_text(json.dumps(info | {"pid": 2**22 + 12345}))  # its trainer is gone
    assert main(["attach"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-nn: error: no run is training in the background; `tui-nn runs`")
    assert "20260103-100000-xor (interrupted, 10 epochs)" in err
    assert "20260102-100000-spiral (stopped, 30 epochs)" in err
    assert len(err.strip().splitlines()) == 1
