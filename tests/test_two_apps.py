"""Two apps open at once on one machine, each with its own real trainer process (issue 14): both
train, each in a run folder of its own that names its own trainer; each app's runs screen shows
the other's run as live in another app (neither as its own, nor as one to attach to or continue:
that trainer serves its app); quitting one (stop and quit) leaves the other training, and once
that one quits with "keep running" its run is the one `tui-nn attach` finds.

The two apps run side by side in one event loop (two Pilot contexts); their trainers start
together. The preset trains on whatever device `auto` picks (CPU here, a GPU where there is one).
Keys go in as the terminal sends them (`App.simulate_key`) and the waits are plain sleeps until
a condition holds: Pilot's `press` and `pause` wait for the process to fall idle, which two apps
taking metrics never do (each costs up to a second or two).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from support import REAL_TIMEOUT
from textual.app import App
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import DataTable

from tui_nn.errors import TuiNnError
from tui_nn.presets import load_named
from tui_nn.runs import find_live_run, list_runs, live_run, pid_alive, runs_root
from tui_nn.runs.lock import holder_of
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import Metrics
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.screens.dialogs import QuitDialog
from tui_nn.ui.screens.runs import RunsScreen

SIZE = (100, 30)
PACE = 400.0  # steps a second: both train, and leave the cores to the apps on a 2-core machine


def long_preset() -> Preset:
    """Circle, training until stopped: no epoch budget to reach, no patience rule."""
    preset = load_named("circle")
    assert preset.train.device == "auto"
    train = dataclasses.replace(preset.train, epochs=1_000_000, patience=None, pace=PACE)
    return dataclasses.replace(preset, name="Circle long", train=train)


class Seen:
    """What one app received: its trainer's `Metrics` events and its notifications."""

    def __init__(self) -> None:
        self.metrics: list[Metrics] = []
        self.notes: list[str] = []

    def hook(self, message: Message) -> None:
        event = getattr(message, "event", None)
        if isinstance(event, Metrics):
            self.metrics.append(event)
        elif isinstance(message, Notify):
            self.notes.append(message.notification.message)


async def settle(predicate: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    """Let both apps run until `predicate()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        await asyncio.sleep(0.02)


async def press(app: App[Any], key: str, then: Callable[[], object], what: str) -> None:
    app.simulate_key(key)
    await settle(then, what)


def run_info(path: Path) -> dict[str, Any]:
    info: dict[str, Any] = json.loads((path / "run.json").read_text())
    return info


def until(predicate: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    """Return once `predicate()` is true (another process is to write it); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


async def quit_with(app: TuiNnApp, choice: str) -> None:
    """q while training, then the quit dialog's `choice`, until the app has exited."""
    await press(app, "q", lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
    app.simulate_key(choice)
    await settle(lambda: not app.is_running, "the app exited", timeout=REAL_TIMEOUT)


async def check_runs_screen(app: TuiNnApp, seen: Seen, own: Path, other: Path, pid: int) -> None:
    """The app's runs screen: its run is "this app"; the other app's (trainer `pid`) is live
    elsewhere, and neither attach nor continue takes it (this app keeps its own trainer)."""
    mine = app.link.process.pid
    await press(app, "ctrl+r", lambda: isinstance(app.screen, RunsScreen), "the runs screen")
    screen = app.screen
    assert isinstance(screen, RunsScreen)
    await settle(lambda: len(screen.runs) == 2, "both runs listed")
    rows = {run.path: index for index, run in enumerate(screen.runs)}
    table = screen.query_one(DataTable)
    assert str(table.get_row_at(rows[own])[2]) == "this app"
    assert str(table.get_row_at(rows[other])[2]) == "running"
    table.move_cursor(row=rows[other])
    detail = f"open in another app (trainer pid {pid})"
    await settle(lambda: detail in str(screen.query_one("#runs-detail").render()), detail)
    for key in ("a", "c"):
        count = len(seen.notes)
        await press(app, key, lambda c=count: len(seen.notes) > c, f"what {key} says")
        assert f"is open in another app (trainer pid {pid})" in seen.notes[-1], seen.notes
        assert app.screen is screen and app.link.process.pid == mine
    await press(app, "escape", lambda: not isinstance(app.screen, RunsScreen), "the app again")
    assert app.link.training


async def test_two_apps_train_apart_and_quitting_one_leaves_the_other() -> None:
    apps = [TuiNnApp(long_preset()), TuiNnApp(long_preset())]
    seen = [Seen(), Seen()]
    async with AsyncExitStack() as stack:
        # Each app starts its trainer on mount: the two import torch at the same time.
        for app, log in zip(apps, seen, strict=True):
            await stack.enter_async_context(app.run_test(size=SIZE, message_hook=log.hook))
        a, b = apps
        loaded = lambda: all(app.link.loaded is not None for app in apps)  # noqa: E731
        await settle(loaded, "both presets loaded", timeout=REAL_TIMEOUT)
        for app in apps:
            app.screen.set_focus(None)
            app.simulate_key("space")
        await settle(
            lambda: all(app.runs.run_path is not None and app.link.epoch > 0 for app in apps),
            "a run folder and metrics in each app",
            timeout=REAL_TIMEOUT,
        )
        assert seen[0].metrics and seen[1].metrics
        folders = [app.runs.run_path for app in apps]
        assert folders[0] is not None and folders[1] is not None and folders[0] != folders[1]
        pids = [app.link.process.pid for app in apps]
        assert pids[0] != pids[1] and all(pid_alive(pid) for pid in pids)
        for app, folder, pid in zip(apps, folders, pids, strict=True):
            info = run_info(folder)
            assert (info["status"], info["pid"], info["in_app"]) == ("running", pid, True), info
            assert info["socket"] == str(app.link.process.socket_path)
            holder = holder_of(folder)  # the lock: held by the same trainer
            assert holder is not None and (holder.pid, holder.headless) == (pid, False)

        listed = {run.path: run for run in list_runs(runs_root())}
        assert [(listed[f].status, listed[f].pid) for f in folders] == [
            ("running", pids[0]),
            ("running", pids[1]),
        ]
        with pytest.raises(TuiNnError, match="no run is training in the background"):
            find_live_run()  # both are open in their apps: nothing to attach to
        with pytest.raises(TuiNnError, match="is open in another app"):
            find_live_run(folders[0].name)

        await check_runs_screen(a, seen[0], folders[0], folders[1], pids[1])

        # a stops its run and quits; b trains on
        await quit_with(a, "s")
        assert run_info(folders[0])["status"] == "stopped" and not pid_alive(pids[0])
        after, epoch = len(seen[1].metrics), b.link.epoch
        await settle(
            lambda: len(seen[1].metrics) > after + 2 and b.link.epoch > epoch,
            "b's metrics going on",
            timeout=REAL_TIMEOUT,
        )
        assert b.link.training and run_info(folders[1])["status"] == "running"
        live = live_run(folders[1])
        assert live is not None and live.pid == pids[1] and not live.attachable

        # b leaves its run training in the background: now it is one to attach to
        process = b.link.process
        await quit_with(b, "k")
    try:
        assert process.running
        until(lambda: run_info(folders[1])["in_app"] is False, "run.json: no app has it open")
        found = find_live_run()
        assert found.path == folders[1] and found.attachable
    finally:
        process.signal(signal.SIGTERM)  # it saves a checkpoint and ends
        assert process.wait(timeout=REAL_TIMEOUT) == 0
    assert run_info(folders[1])["status"] == "stopped"


def test_attach_refuses_a_run_open_in_another_app(tmp_path: Path, capsys: Any) -> None:
    """`tui-nn attach` on a run that an app has open says so in one line (its trainer would
    refuse a second app), and finds the run once no app has it open."""
    from tui_nn.cli import main

    socket = tmp_path / "trainer.sock"
    socket.write_text("")
    stand_in = subprocess.Popen(  # a live process whose command line names tui_nn
        [sys.executable, "-c", "import time; time.sleep(60)", "tui_nn.trainer.server"]
    )
    try:
        run = runs_root() / "20260101-100000-circle"
        run.mkdir(parents=True)
        info = {"status": "running", "pid": stand_in.pid, "socket": str(socket), "in_app": True}
        (run / "run.json").write_text(json.dumps(info | {"preset": "Circle", "headless": False}))
        with pytest.raises(TuiNnError):  # (else `main` below would open the app)
            find_live_run()
        for args, words in (
            (["attach"], "no run is training in the background"),
            (["attach", run.name], f"is open in another app (trainer pid {stand_in.pid}"),
        ):
            assert main(args) == 2
            err = capsys.readouterr().err
            assert words in err and len(err.strip().splitlines()) == 1, err
        (run / "run.json").write_text(json.dumps(info | {"in_app": False}))
        found = find_live_run()
        assert (found.path, found.pid, found.attachable) == (run, stand_in.pid, True)
    finally:
        stand_in.kill()
        stand_in.wait()
