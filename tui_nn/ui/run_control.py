"""The app's side of run folders and of runs that outlive the app.

- Remembers the folder of the run in the trainer (its `RunOpened` event).
- Quit while training asks: stop (a checkpoint is saved and the trainer ends), keep running in the
  background (the app detaches; `tui-nn attach` comes back), or cancel. SIGHUP keeps running.
- Attach (`tui-nn attach`, the runs screen): a handle on a trainer another app started; the run's
  history is drawn from its folder's metrics.jsonl, then the live events join it.
- The runs screen's choices: open a run (its preset into the editors, its curves into the plots),
  continue one (`Resume`, then `Start`), attach to one training elsewhere. `tui-nn show RUN`
  opens the app on a run's preset and draws its curves the same way (`show_at_mount`).

It works through the app's `TrainerLink` and `PresetEditor`, and through the app only as a
Textual `App` (screens, notifications, workers, exiting).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from tui_nn.errors import TuiNnError
from tui_nn.presets import load_preset, preset_to_dict
from tui_nn.runs import (
    CHECKPOINT,
    RunSummary,
    comparison_preset,
    live_run,
    pid_alive,
    read_run_info,
)
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import Metrics, RunOpened, Start

from .panes.plots import PlotsPane
from .panes.status_bar import StatusBar
from .preset_editor import PresetEditor
from .trainer_link import TrainerLink

if TYPE_CHECKING:  # (the reader itself is imported after the first frame)
    from .history_loader import RunHistory


def _compared(a: Path, b: Path) -> bool:
    """Both runs are networks of one comparison (attaching to one attaches to all)."""
    return comparison_preset(a) is not None and _same(a.parent, b.parent)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


@dataclass
class _Expected:
    """A run whose `RunOpened` is awaited: then its history is drawn (and it is started)."""

    path: Path | None  # None: whichever run the attached trainer names
    start: bool = False
    until_step: int | None = None
    adopt_preset: bool = False


class RunControl:
    def __init__(
        self,
        app: App[Any],
        link: TrainerLink,
        editor: PresetEditor,
        *,
        settle: Callable[[], Awaitable[None]],
        attach: str | Path | None = None,
        show: Path | None = None,
    ) -> None:
        self.app = app
        self.link = link
        self.editor = editor
        self.attach_socket = str(attach) if attach is not None else None
        self._show = show  # `tui-nn show RUN`: the run whose curves the app opens with
        self.run_path: Path | None = None  # the folder of the run in the trainer
        self.viewing: Path | None = None  # the plots show this opened run, not the trainer's
        self.farewell: str | None = None  # printed once the app has exited
        self.exiting = False  # stopping the trainer on the way out
        self.exit_status = 0  # 128 + the signal that ended the app
        self._settle = settle  # waits for the panes still mounting (before an exit)
        self._expected: _Expected | None = None
        self._held: list[Metrics] | None = None  # live metrics while a history loads
        self._cancel: threading.Event | None = None

    # -- the trainer ----------------------------------------------------------------------

    def start_attached(self) -> None:
        """On mount with `attach`: connect to that trainer, draw its run when it names it."""
        assert self.attach_socket is not None
        self._expected = _Expected(None, adopt_preset=True)
        if self.link.start(attach=self.attach_socket):
            self.link.set_status("loading", message="attaching to the run...")

    def on_run(self, event: RunOpened) -> None:
        """The folder of the run the trainer trains."""
        path = Path(event.path)
        expected = self._expected
        if expected is not None and (
            expected.path is None or _same(expected.path, path) or _compared(expected.path, path)
        ):
            self._expected = None
            self.run_path = path
            if expected.adopt_preset:
                self._adopt_preset(path)
            if expected.start:
                note = f"run {path.name} goes on from its last checkpoint"
            else:
                note = f"attached to run {path.name}: q asks to stop it or keep it running"
            # The trainer sends what it recorded (`History`); the file may hold more (a run
            # from an older tui-nn), so it is read too and drawn in its place. A comparison's
            # networks are drawn from their `History` alone.
            loaded = self.link.loaded
            if loaded is None or not loaded.variants:
                self._draw_history(path, until_step=expected.until_step, note=note)
            elif note:
                self.app.query_one(StatusBar).show(message=note)
            if expected.start and self.link.send(Start()):
                self.link.set_status("starting", message=f"continuing run {path.name}")
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

    def note_metrics(self, event: Metrics) -> None:
        """A live metrics event (drawn at once): kept while a history loads, to be drawn again
        on top of it."""
        if self._held is not None:
            self._held.append(event)

    def _adopt_preset(self, path: Path) -> None:
        """Attached by socket: the editors show the preset the run trains (a comparison's, for
        one of its networks)."""
        try:
            preset = load_preset(comparison_preset(path) or path / "preset.toml")
        except TuiNnError:
            return
        if preset_to_dict(preset) == preset_to_dict(self.editor.committed):
            return
        self.editor.commit(preset)
        self.app.call_later(self.editor.show, preset)
        self.app.query_one(StatusBar).show(epochs=preset.train.epochs)

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
        loaded = self.link.loaded  # the run's own, when the trainer has loaded it
        self._held = []
        self._cancel = load_history(
            self.app,
            path,
            lambda history: self._history_read(history, note),
            capacity=plots.loss_history.capacity,
            steps_per_epoch=loaded.steps_per_epoch if loaded is not None else None,
            until_step=until_step,
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
        plots = app.query_one(PlotsPane)
        plots.install(history.loss, history.acc, history.steps_per_epoch)
        for event in held:  # live events after the history (those before are in it)
            if event.step > history.last_step:
                plots.add_metrics(event)
        if note:
            app.query_one(StatusBar).show(message=note)

    # -- quitting -------------------------------------------------------------------------

    def on_signal(self, signum: int) -> None:
        """SIGHUP (the terminal went away) while training keeps the run going on its own;
        SIGHUP otherwise, SIGINT and SIGTERM stop it (after its checkpoint) and exit."""
        self.exit_status = 128 + signum
        if signum == signal.SIGHUP and self.link.training:
            self.keep_running()
        else:
            self.stop_and_exit()

    def quit(self) -> None:
        """q / ctrl+c: while training, ask (stop, keep running, cancel); else stop and exit."""
        from .screens import kept_screen
        from .screens.dialogs import QuitDialog

        app = self.app
        if isinstance(app.screen, QuitDialog):
            return
        if self.link.training and self.link.running:

            def answered(choice: str | None) -> None:
                if choice == "keep":
                    self.keep_running()
                elif choice == "stop":
                    self.stop_and_exit()

            dialog = kept_screen(app, "quit", QuitDialog)
            dialog.run_id = self.run_path.name if self.run_path else None
            app.push_screen(dialog, answered)
            return
        self.stop_and_exit()

    def stop_and_exit(self) -> None:
        """Stop the trainer (it saves a checkpoint), then exit; the screen stays live meanwhile."""
        if self.exiting:
            return
        self.exiting = True
        if self.link.process is not None:
            message = "stopping the trainer (saving a checkpoint)..."
            self.app.query_one(StatusBar).show(message=message)

        async def stop_then_exit() -> None:
            await self.link.stop_in_background()
            await self._settle()
            self.app.exit(self.exit_status, return_code=self.exit_status)

        # A worker (its own task), not call_later: the app's messages (timers among them) keep
        # flowing while it waits.
        self.app.run_worker(stop_then_exit(), group="exit")

    def keep_running(self) -> None:
        """Leave the run training on its own (its trainer serves `tui-nn attach`), and exit."""
        process = self.link.detach()
        if process is not None:
            pid = process.pid
            run = self.run_path.name if self.run_path is not None else None
            where = f" (trainer pid {pid})" if pid else ""
            command = f"tui-nn attach {run}" if run else "tui-nn attach"
            self.farewell = (
                f"tui-nn: run {run or 'in progress'} keeps training in the background{where}; "
                f"`{command}` comes back to it"
            )

        async def settle_then_exit() -> None:
            await self._settle()
            self.app.exit(self.exit_status, return_code=self.exit_status)

        self.app.run_worker(settle_then_exit(), group="exit")

    # -- the runs screen's choices --------------------------------------------------------

    def chosen(self, result: tuple[str, RunSummary] | None) -> None:
        """What the runs screen dismissed with: ("open" | "continue" | "attach", run)."""
        if result is None:
            return
        action, run = result
        {"open": self.open_run, "continue": self.continue_run, "attach": self.attach_run}[action](
            run
        )

    def _run_preset(self, run: RunSummary, *, compared: bool = False) -> Preset | None:
        """The run's preset; `compared`: the comparison's it is a network of, if any (what a
        trainer that trains it trains)."""
        where = (comparison_preset(run.path) if compared else None) or run.path / "preset.toml"
        try:
            return load_preset(where)
        except TuiNnError as error:
            self.app.notify(str(error), title="cannot open the run", severity="error", markup=False)
            return None

    def open_run(self, run: RunSummary) -> None:
        """Its preset into the editors (the trainer loads it), its curves into the plots."""
        preset = self._run_preset(run)
        if preset is None:
            return

        async def go() -> None:
            await self.editor.adopt(preset)
            self.editor.load(preset)
            self._show_run(run.path, run.id, run.status, run.epochs)

        self.editor.ask_if_run(
            f"Open run {run.id}? This stops the current run (its checkpoint is kept).", go
        )

    def show_at_mount(self) -> None:
        """`tui-nn show RUN`: the app opened on the run's preset (in the editors, and loaded by
        the trainer on mount); its curves are drawn as the runs screen's open draws them."""
        path, self._show = self._show, None
        if path is None:
            return
        try:
            info = read_run_info(path)
        except TuiNnError as error:
            self.app.notify(str(error), title="cannot open the run", severity="error", markup=False)
            return
        status = str(info.get("status", "?"))
        if status == "running" and not pid_alive(info.get("pid")):
            status = "interrupted"
        epochs = info.get("epochs")
        self._show_run(path, path.name, status, epochs if isinstance(epochs, int) else 0)

    def _show_run(self, path: Path, run_id: str, status: str, epochs: int) -> None:
        self.viewing = path
        then = "" if status == "done" else "ctrl+r then c continues it; "
        shown = f"run {run_id} ({status}, {epochs} epochs) shown"
        self._draw_history(path, note=f"{shown}: {then}space trains its preset anew")
        self.app.query_one(StatusBar).show(message=f"reading run {run_id}...")

    def continue_run(self, run: RunSummary) -> None:
        """`Resume`: the trainer loads the run's preset and last checkpoint; once it names the
        run (its `RunOpened`) the history is drawn and training goes on."""
        preset = self._run_preset(run)
        if preset is None:
            return
        if not (run.path / CHECKPOINT).is_file():
            self.app.notify(
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
            if not self.editor.ensure_trainer():
                return
            await self.editor.adopt(preset)
            self.viewing = None
            self._expected = _Expected(
                run.path, start=True, until_step=steps if isinstance(steps, int) else None
            )
            self.editor.load(preset, resume=run.path)
            self.link.set_status("loading", message=f"loading run {run.id} from its checkpoint...")

        self.editor.ask_if_run(
            f"Continue run {run.id}? This stops the current run (its checkpoint is kept).", go
        )

    def attach_run(self, run: RunSummary) -> None:
        """Leave this app's trainer and attach to the one that trains `run`."""
        live = live_run(run.path)
        if live is None:
            message = f"run {run.id} is not training any more"
            self.app.notify(message, severity="warning", markup=False)
            return
        if not live.attachable:  # its trainer would refuse us after ours had stopped
            message = f"run {run.id} is open in another app (trainer pid {live.pid})"
            self.app.notify(message, severity="warning", markup=False)
            return
        preset = self._run_preset(run, compared=True)
        if preset is None:
            return

        async def go() -> None:
            await self.link.stop_in_background()
            await self.editor.adopt(preset)
            self.editor.load(preset)  # no trainer now: this only clears the plots and the bar
            self.viewing = None
            self._expected = _Expected(run.path)
            if self.link.start(attach=live.socket):
                self.link.set_status("loading", message=f"attaching to run {run.id}...")

        self.editor.ask_if_run(
            f"Attach to run {run.id}? This stops the current run (its checkpoint is kept).", go
        )
