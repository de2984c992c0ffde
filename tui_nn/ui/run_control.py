"""The app's side of run folders and of runs that outlive the app.

- Remembers the folder of the run in the trainer (its `run` event).
- Quit while training asks: stop (a checkpoint is saved and the trainer ends), keep running in the
  background (the app detaches; `tui-nn attach` comes back), or cancel. SIGHUP keeps running.
- Attach (`tui-nn attach`, the runs screen): a handle on a trainer another app started; the run's
  history is drawn from its folder's metrics.jsonl, then the live events join it.
- The runs screen's choices: open a run (its preset into the editors, its curves into the plots),
  continue one (`resume` {"path"}, then `start`), attach to one training elsewhere.

Kept out of app.py, which only calls in here.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_nn.errors import TuiNnError
from tui_nn.live_runs import live_run, pid_alive
from tui_nn.presets import load_preset, preset_to_dict
from tui_nn.trainer.client import TrainerProcess
from tui_nn.runs import CHECKPOINT, RunSummary, read_run_info

from .plots_pane import PlotsPane
from .status_bar import StatusBar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tui_nn.spec import Preset

    from .app import TuiNnApp
    from .history_loader import RunHistory

ATTACHED_STOP_S = 3.0  # how long a stop waits for an attached trainer (not our child) to end


class AttachedTrainer(TrainerProcess):
    """A handle on a trainer that another app started (`TrainerProcess.attach`): running until
    its connection ends, its pid learnt from the `ready` event, and a stop that waits for it."""

    def __init__(self) -> None:
        super().__init__()
        self._ended = False
        self.trainer_pid: int | None = None

    @property
    def running(self) -> bool:
        return not self._closed and not self._ended

    @property
    def pid(self) -> int | None:
        return self.trainer_pid

    def events(self) -> Iterator[dict[str, Any]]:
        try:
            for event in super().events():
                if event.get("event") == "ready" and isinstance(event.get("pid"), int):
                    self.trainer_pid = event["pid"]
                if event.get("event") == "exited":
                    self._ended = True
                yield event
        finally:
            self._ended = True

    def stop(self, timeout: float = ATTACHED_STOP_S) -> None:
        super().stop(timeout)  # sends quit: the trainer saves a checkpoint and ends
        pid = self.trainer_pid
        deadline = time.monotonic() + timeout
        while pid is not None and pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)


def exit_message(event: dict[str, Any], attached: bool) -> str:
    """What the app says when the trainer's events end: the reason it can tell."""
    code = event.get("returncode")
    last = str(event.get("stderr") or "").strip()
    if isinstance(code, int) and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        what = f"the trainer process was killed ({name})"
    elif isinstance(code, int) and code > 0:
        what = f"the trainer process failed (exit status {code})"
    elif attached and code is None:
        what = "the connection to the trainer closed"
    else:
        what = f"the trainer process ended (exit status {code})"
    if last:
        what += f": {last}"
    return what + "; press space to start a new one"


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


@dataclass
class _Expected:
    """A run whose `run` event is awaited: then its history is drawn (and it is started)."""

    path: Path | None  # None: whichever run the attached trainer names
    start: bool = False
    until_step: int | None = None
    adopt_preset: bool = False


class RunControl:
    def __init__(
        self,
        app: TuiNnApp,
        *,
        attach: str | Path | None = None,
        attach_factory: Callable[[str], TrainerProcess] | None = None,
    ) -> None:
        self.app = app
        self.attach_socket = str(attach) if attach is not None else None
        self.attach_factory = attach_factory or AttachedTrainer.attach
        self.run_path: Path | None = None  # the folder of the run in the trainer
        self.viewing: Path | None = None  # the plots show this opened run, not the trainer's
        self.farewell: str | None = None  # printed once the app has exited
        self.exiting = False  # stopping the trainer on the way out
        self.history_loaded = 0  # histories drawn (tests read it)
        self._expected: _Expected | None = None
        self._held: list[dict[str, Any]] | None = None  # live metrics while a history loads
        self._cancel: threading.Event | None = None

    # -- the trainer ----------------------------------------------------------------------

    def handle(self, socket: str | Path) -> TrainerProcess:
        return self.attach_factory(str(socket))

    def start_attached(self) -> None:
        """On mount with `attach`: connect to that trainer, draw its run when it names it."""
        assert self.attach_socket is not None
        self._expected = _Expected(None, adopt_preset=True)
        if self.app._start_trainer(attach=self.attach_socket):
            self.app._set_state("loading", message="attaching to the run...")

    def on_run(self, event: dict[str, Any]) -> None:
        """The trainer's `run` event: the folder of the run it trains."""
        path = Path(str(event.get("path", "")))
        expected = self._expected
        if expected is not None and (expected.path is None or _same(expected.path, path)):
            self._expected = None
            self.run_path = path
            if expected.adopt_preset:
                self._adopt_preset(path)
            if expected.start:
                note = f"run {path.name} goes on from its last checkpoint"
            else:
                note = f"attached to run {path.name}: q asks to stop it or keep it running"
            self._draw_history(path, until_step=expected.until_step, note=note)
            if expected.start and self.app._send("start"):
                self.app._set_state("starting", message=f"continuing run {path.name}")
            return
        if self.run_path is None or not _same(path, self.run_path):
            self._cancel_history()
            if self.viewing is not None:  # a new run: the opened run's curves go
                self.viewing = None
                self.app.query_one(PlotsPane).clear()
        self.run_path = path

    def trainer_gone(self) -> None:
        """The trainer ended (or the connection to it): no run is in this app any more."""
        self._expected = None
        self.run_path = None

    def note_metrics(self, event: dict[str, Any]) -> None:
        """A live metrics event (drawn at once): kept while a history loads, to be drawn again
        on top of it."""
        if self._held is not None:
            self._held.append(event)

    def _adopt_preset(self, path: Path) -> None:
        """Attached by socket: the editors show the preset the run trains."""
        app = self.app
        try:
            preset = load_preset(path / "preset.toml")
        except TuiNnError:
            return
        if preset_to_dict(preset) == preset_to_dict(app.committed):
            return
        app.committed, app.preset_path = preset, None
        app.call_later(app._show_preset, preset)
        if app.loaded is not None:
            app._on_loaded_event(app.loaded)  # steps per epoch follow the batch size
        app.query_one(StatusBar).show(epochs=preset.train.epochs)

    # -- history --------------------------------------------------------------------------

    def _cancel_history(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
        self._held = None

    def _draw_history(self, path: Path, *, until_step: int | None = None, note: str = "") -> None:
        from .history_loader import load_history

        self._cancel_history()
        plots = self.app.query_one(PlotsPane)
        self._held = []
        self._cancel = load_history(
            self.app,
            path,
            lambda history: self._history_read(history, note),
            capacity=plots.loss_history.capacity,
            until_step=until_step,  # the steps per epoch come from the run's own evaluations
        )

    def _history_read(self, history: RunHistory, note: str) -> None:
        app = self.app
        if not app.is_running:
            return
        self._cancel = None
        held, self._held = self._held or [], None
        if history.error:
            app.notify(history.error, severity="error", markup=False)
            return
        from .history_loader import install_history

        plots = app.query_one(PlotsPane)
        install_history(plots, history)
        for event in held:  # live events after the history (those before are in it)
            step = event.get("step")
            if not isinstance(step, int) or step > history.last_step:
                plots.add_metrics(event)
        self.history_loaded += 1
        if note:
            app.query_one(StatusBar).show(message=note)

    # -- quitting -------------------------------------------------------------------------

    def quit(self) -> None:
        """q / ctrl+c: while training, ask (stop, keep running, cancel); else stop and exit."""
        from .dialogs import QuitDialog

        app = self.app
        if isinstance(app.screen, QuitDialog):
            return
        trainer = app.trainer
        training = app.state in ("running", "starting")
        if training and trainer is not None and trainer.running and hasattr(trainer, "detach"):

            def answered(choice: str | None) -> None:
                if choice == "keep":
                    self.keep_running()
                elif choice == "stop":
                    self.stop_and_exit()

            dialog = app.kept_screen("quit", QuitDialog)
            dialog.run_id = self.run_path.name if self.run_path else None  # type: ignore[attr-defined]
            app.push_screen(dialog, answered)
            return
        self.stop_and_exit()

    def stop_and_exit(self) -> None:
        """Stop the trainer (it saves a checkpoint), then exit; the screen stays live meanwhile."""
        if self.exiting:
            return
        self.exiting = True
        app = self.app
        if app.trainer is not None:
            app.query_one(StatusBar).show(message="stopping the trainer (saving a checkpoint)...")

        async def stop_then_exit() -> None:
            await app._stop_trainer_in_background()
            await app.settle()
            app.exit(app.exit_status, return_code=app.exit_status)

        # A worker (its own task), not call_later: the app's messages (timers among them) keep
        # flowing while it waits.
        app.run_worker(stop_then_exit(), group="exit")

    def keep_running(self) -> None:
        """Leave the run training on its own (its trainer serves `tui-nn attach`), and exit."""
        app = self.app
        trainer = app.trainer
        if trainer is not None and not hasattr(trainer, "detach"):
            self.stop_and_exit()  # a stand-in trainer that cannot run on its own
            return
        app._release_trainer()
        if trainer is not None:
            pid = trainer.pid
            with contextlib.suppress(Exception):  # exiting must not fail
                trainer.detach()
            run = self.run_path.name if self.run_path is not None else None
            where = f" (trainer pid {pid})" if pid else ""
            command = f"tui-nn attach {run}" if run else "tui-nn attach"
            self.farewell = (
                f"tui-nn: run {run or 'in progress'} keeps training in the background{where}; "
                f"`{command}` comes back to it"
            )

        async def settle_then_exit() -> None:
            await app.settle()
            app.exit(app.exit_status, return_code=app.exit_status)

        app.run_worker(settle_then_exit(), group="exit")

    # -- the runs screen ------------------------------------------------------------------

    def show_runs(self) -> None:
        from .runs_pane import RunsScreen

        app = self.app

        def chosen(result: tuple[str, RunSummary] | None) -> None:
            if result is None:
                return
            action, run = result
            {"open": self.open_run, "continue": self.continue_run, "attach": self.attach_run}[
                action
            ](run)

        screen = app.kept_screen(
            "runs", lambda: RunsScreen(ascii_mode=app.ascii_mode, mono=app.no_color)
        )
        screen.current = self.run_path  # type: ignore[attr-defined]
        app.push_screen(screen, chosen)

    def _confirm(self, question: str, then: Callable[[], Any]) -> None:
        """Run `then()` at once, or after a yes when that ends the run in this app."""
        app = self.app
        if not app.run_exists:
            app.call_later(then)
            return
        if app._confirming:
            return
        app._confirming = True

        async def answered(yes: bool | None) -> None:
            app._confirming = False
            if yes:
                await then()

        app.confirm(question, answered)

    def _run_preset(self, run: RunSummary) -> Preset | None:
        try:
            return load_preset(run.path / "preset.toml")
        except TuiNnError as error:
            self.app.notify(str(error), title="cannot open the run", severity="error", markup=False)
            return None

    def _show(self, preset: Preset) -> Any:
        app = self.app
        app.preset_path = None
        app.committed = preset
        return app._show_preset(preset)

    def open_run(self, run: RunSummary) -> None:
        """Its preset into the editors (the trainer loads it), its curves into the plots."""
        preset = self._run_preset(run)
        if preset is None:
            return

        async def go() -> None:
            app = self.app
            await self._show(preset)
            app._send_load(preset)
            self.viewing = run.path
            then = "" if run.status == "done" else "ctrl+r then c continues it; "
            note = (
                f"run {run.id} ({run.status}, {run.epochs} epochs) shown: {then}"
                "space trains its preset anew"
            )
            self._draw_history(run.path, note=note)
            app.query_one(StatusBar).show(message=f"reading run {run.id}...")

        self._confirm(
            f"Open run {run.id}? This stops the current run (its checkpoint is kept).", go
        )

    def continue_run(self, run: RunSummary) -> None:
        """`resume` {"path"}: the trainer loads the run's preset and last checkpoint; once it
        names the run (its `run` event) the history is drawn and training goes on."""
        app = self.app
        preset = self._run_preset(run)
        if preset is None:
            return
        if not (run.path / CHECKPOINT).is_file():
            app.notify(
                f"run {run.id} has no checkpoint to continue from: enter opens its preset",
                severity="warning",
                markup=False,
            )
            return
        try:
            steps = read_run_info(run.path).get("steps")
        except TuiNnError:
            steps = None

        async def go() -> None:
            if not app._ensure_trainer():
                return
            await self._show(preset)
            self.viewing = None
            self._expected = _Expected(
                run.path, start=True, until_step=steps if isinstance(steps, int) else None
            )
            app._send_load(preset, resume=run.path)
            app._set_state("loading", message=f"loading run {run.id} from its checkpoint...")

        self._confirm(
            f"Continue run {run.id}? This stops the current run (its checkpoint is kept).", go
        )

    def attach_run(self, run: RunSummary) -> None:
        """Leave this app's trainer and attach to the one that trains `run`."""
        app = self.app
        live = live_run(run.path)
        if live is None:
            app.notify(f"run {run.id} is not training any more", severity="warning", markup=False)
            return
        preset = self._run_preset(run)
        if preset is None:
            return

        async def go() -> None:
            await app._stop_trainer_in_background()
            await self._show(preset)
            app._send_load(preset)  # no trainer now: this only clears the plots and the bar
            self.viewing = None
            self._expected = _Expected(run.path)
            if app._start_trainer(attach=live.socket):
                app._set_state("loading", message=f"attaching to run {run.id}...")

        self._confirm(
            f"Attach to run {run.id}? This stops the current run (its checkpoint is kept).", go
        )
