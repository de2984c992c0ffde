"""The runs screen (ctrl+r): every run folder, newest first, with the highlighted run's curves.

Enter (or o) opens a run: its preset goes into the editors and its curves into the plots. c
continues it from its last checkpoint in the same folder; a attaches to a run that is still
training in another trainer (one whose app quit with "keep running"). Dismisses with
(action, run); the app does the rest (`RunControl`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from tui_nn.errors import TuiNnError
from tui_nn.runs import (
    CHECKPOINT,
    LiveRun,
    RunSummary,
    list_runs,
    live_run,
    read_run_info,
    runs_root,
)

from ..history_loader import RunHistory, load_history
from ..panes.plots import PlotsPane
from ..widgets.key_bar import KeyBar

PREVIEW_DELAY_S = 0.15  # moving through the list reads only the run it stops on


class PreviewPlots(PlotsPane):
    """The plots of a run that is not training here: no "space: train" hint."""

    EMPTY_NOTE = "no metrics yet"


def _started(run: RunSummary) -> str:
    text = run.started.replace("T", " ")
    return text[5:16] if len(text) >= 16 else text  # "MM-DD HH:MM"


class RunsScreen(ModalScreen[tuple[str, RunSummary] | None]):
    BINDINGS = [
        Binding(
            "o", "open", "Open", tooltip="its preset into the editors, its curves into the plots"
        ),
        Binding(
            "c", "continue_run", "Continue", tooltip="continue the run from its last checkpoint"
        ),
        Binding("a", "attach", "Attach", tooltip="attach to the trainer that still trains the run"),
        Binding(
            "s", "sweep", "Sweep", tooltip="the run's sweep: its runs in a table, curves overlaid"
        ),
        Binding("escape,q,ctrl+r", "close", "Back"),
    ]

    def __init__(
        self,
        *,
        current: Path | None = None,
        root: Path | None = None,
        ascii_mode: bool = False,
        mono: bool = False,
    ) -> None:
        super().__init__()
        self.current = current  # the run in this app's trainer (set before each showing)
        self.root = root
        self.ascii_mode = ascii_mode  # (set before each showing: the app keeps this screen)
        self.mono = mono
        self.runs: list[RunSummary] = []
        self.live: dict[Path, LiveRun] = {}
        self.previewed: Path | None = None  # the run whose curves the preview shows
        self._cancel: threading.Event | None = None
        self._timer: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog runs-dialog"):
            yield Label("Runs, newest first (escape: back)", classes="dialog-title")
            yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="runs-detail")
            yield PreviewPlots(ascii_mode=self.ascii_mode, mono=self.mono, id="runs-plots")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("started", "preset", "status", "epochs", "best test")

    def on_screen_resume(self) -> None:
        """Shown (the app keeps this screen between visits): the runs as they are now."""
        self.query_one(PreviewPlots).set_ascii(self.ascii_mode)
        self.query_one(DataTable).focus()
        self.call_after_refresh(self.reload)  # the screen shows first: each half stays short

    def on_screen_suspend(self) -> None:
        self._stop_preview()

    def _stop_preview(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None

    def reload(self) -> None:
        try:
            self.runs = list_runs(self.root)
        except Exception as error:  # noqa: BLE001 - a broken folder must not break the app
            self.runs = []
            self.notify(f"cannot list runs: {error}", severity="error", markup=False)
        self.live = {}
        for run in self.runs:
            if run.status in ("running", "paused"):
                live = live_run(run.path)
                if live is not None:
                    self.live[run.path] = live
        table = self.query_one(DataTable)
        table.clear()
        for index, run in enumerate(self.runs):
            best = f"{run.best_test_acc:.1%}" if run.best_test_acc is not None else "-"
            table.add_row(
                _started(run),
                run.preset[:20],
                self._status(run),
                str(run.epochs),
                best,
                key=str(index),
            )
        if not self.runs:
            root = self.root if self.root is not None else runs_root()
            self._detail(f"no runs yet in {root}: space in the app trains one")

    def _is_current(self, run: RunSummary) -> bool:
        if self.current is None:
            return False
        try:
            return run.path.resolve() == self.current.resolve()
        except OSError:
            return False

    def _status(self, run: RunSummary) -> str:
        if self._is_current(run):
            return "this app"
        if run.status in ("running", "paused") and run.path not in self.live:
            return "interrupted"  # its trainer is gone
        return run.status

    def selected(self) -> RunSummary | None:
        table = self.query_one(DataTable)
        if not self.runs or not 0 <= table.cursor_row < len(self.runs):
            return None
        return self.runs[table.cursor_row]

    # -- the highlighted run ----------------------------------------------------------------

    def _detail(self, text: str | Content) -> None:
        self.query_one("#runs-detail", Static).update(
            text if isinstance(text, Content) else Content(text)
        )

    @on(DataTable.RowHighlighted, "#runs-table")
    def _highlighted(self) -> None:
        run = self.selected()
        if run is None:
            return
        self._describe(run)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DELAY_S, lambda: self._preview(run))

    def _describe(self, run: RunSummary) -> None:
        try:
            info = read_run_info(run.path)
        except TuiNnError as error:
            self._detail(str(error))
            return
        device = info.get("device") or "-"
        best = f"{run.best_test_acc:.1%}" if run.best_test_acc is not None else "-"
        first = Content.assemble(
            (run.id, "bold"),
            f"  {self._status(run)}  {run.epochs} epochs  best test {best}  on {device}",
        )
        message = str(info.get("message") or "")
        actions: list[str] = ["enter: open"]
        if self._is_current(run):
            actions = ["this is the run in this app (escape: back)"]
        elif run.path in self.live:
            live = self.live[run.path]
            if live.attachable:
                actions.append(f"a: attach (trainer pid {live.pid})")
            else:
                actions.append(f"open in another app (trainer pid {live.pid})")
        elif run.status == "done":
            actions.append("finished: nothing to continue")
        elif (run.path / CHECKPOINT).is_file():
            epoch = info.get("checkpoint_epoch", info.get("epochs", "?"))
            actions.append(f"c: continue from epoch {epoch}")
        else:
            actions.append("no checkpoint to continue from")
        if run.sweep:
            actions.append("s: its sweep")
        lines = [first]
        lines.append(Content.styled(message or str(run.path), "dim"))
        lines.append(Content.styled("   ".join(actions), "italic"))
        self._detail(Content("\n").join(lines))

    def _preview(self, run: RunSummary) -> None:
        self._timer = None
        if self._cancel is not None:
            self._cancel.set()
        plots = self.query_one(PreviewPlots)
        self._cancel = load_history(
            self.app, run.path, self._show_preview, capacity=plots.loss_history.capacity
        )

    def _show_preview(self, history: RunHistory) -> None:
        if not self.is_attached:
            return
        plots = self.query_one(PreviewPlots)
        plots.clear()
        has_test = "test_loss" in history.loss.series or "test_acc" in history.acc.series
        plots.set_shape(history.steps_per_epoch, None, has_test=has_test)
        plots.install(history.loss, history.acc, history.steps_per_epoch)
        self.previewed = history.path
        if history.error:
            self.notify(history.error, severity="error", markup=False)

    def on_unmount(self) -> None:
        self._stop_preview()

    # -- actions ----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#runs-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        run = self.selected()
        if run is None:
            return
        if self._is_current(run):
            self.dismiss(None)
            return
        self.dismiss(("open", run))

    def action_continue_run(self) -> None:
        run = self.selected()
        if run is None:
            return
        if self._is_current(run):
            self.notify("this run is the one in this app: space starts or pauses it", markup=False)
            return
        if run.path in self.live:
            live = self.live[run.path]
            message = (
                f"run {run.id} is still training in another trainer: a attaches to it"
                if live.attachable
                else f"run {run.id} is open in another app (trainer pid {live.pid})"
            )
            self.notify(message, severity="warning", markup=False)
            return
        if run.status == "done":
            self.notify(
                f"run {run.id} is finished: enter opens it (its preset trains anew)", markup=False
            )
            return
        if not (run.path / CHECKPOINT).is_file():
            self.notify(
                f"run {run.id} has no checkpoint to continue from: enter opens its preset",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(("continue", run))

    def action_attach(self) -> None:
        run = self.selected()
        if run is None:
            return
        live = self.live.get(run.path)
        if self._is_current(run) or live is None or not live.attachable:
            if self._is_current(run):
                why = "this run is the one in this app"
            elif live is not None:
                why = f"run {run.id} is open in another app (trainer pid {live.pid})"
            else:
                why = f"run {run.id} is not training in the background"
            self.notify(f"nothing to attach to: {why}", severity="warning", markup=False)
            return
        self.dismiss(("attach", run))

    def action_sweep(self) -> None:
        run = self.selected()
        if run is None or not run.sweep:
            why = "no run is highlighted" if run is None else f"run {run.id} is not a sweep's"
            self.notify(f"no sweep to show: {why}", severity="warning", markup=False)
            return
        from .sweep import SweepScreen

        members = [member for member in self.runs if member.sweep == run.sweep]
        screen = SweepScreen(
            run.path.parent,
            members,
            highlighted=run.path,
            ascii_mode=self.ascii_mode,
            mono=self.mono,
        )
        self.app.push_screen(screen, self._sweep_chosen)

    def _sweep_chosen(self, run: RunSummary | None) -> None:
        """The sweep screen's run: opened as enter opens it here."""
        if run is not None:
            self.dismiss(None if self._is_current(run) else ("open", run))

    def action_close(self) -> None:
        self.dismiss(None)
