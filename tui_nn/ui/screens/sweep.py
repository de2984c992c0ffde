"""A sweep's runs side by side (s on the runs screen): a table of each run's seed, swept values
and results, sortable by any column, and the curves of the selected runs overlaid (with none
selected, the highlighted run's). Dismisses with the run to open, or None.

The table (`tui_nn.runs.sweep_table.read_sweep`) and each run's curves (`load_history`) are read
in daemon threads; a load whose run is no longer shown is cancelled. Curves once read are kept
while the screen is open: switching between runs draws them at once.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from tui_nn.runs import RunSummary
from tui_nn.runs.sweep_table import (
    SweepRow,
    SweepTable,
    cell_text,
    column_title,
    read_sweep,
    run_labels,
    sort_rows,
)

from ..background import in_thread
from ..history import History
from ..history_loader import RunHistory, load_history
from ..widgets.key_bar import KeyBar
from ..widgets.loss_plot import LossPlot
from ..widgets.plot_line import (
    PlotLine,
    line_style,
    overlay_color,
    overlay_key,
    overlay_lines,
    overlay_marker,
)

CURVE_DELAY_S = 0.15  # moving through the table reads only the run it stops on
MARK = "mark"  # the selection column's key
NUMERIC = {"seed", "train_loss", "test_loss", "train_acc", "test_acc", "epochs", "wall_s"}
# The second plot: the first of these that a shown run has (series, history, title, percent).
SECOND = (
    ("test_acc", "acc", "Test accuracy", True),
    ("train_acc", "acc", "Train accuracy", True),
    ("test_loss", "loss", "Test loss", False),
)


def _read(folder: Path) -> SweepTable | str:
    try:
        return read_sweep(folder)
    except Exception as error:  # noqa: BLE001 - reported to the UI, never a crash
        return f"cannot read the sweep {folder}: {type(error).__name__}: {error}"


class SweepScreen(ModalScreen[RunSummary | None]):
    BINDINGS = [
        Binding("space", "select", "Select", tooltip="select a run (or not): curves overlaid"),
        Binding("o", "open", "Open", tooltip="open the run, as the runs screen does"),
        Binding("s", "sort", "Sort", tooltip="sort by the next column (a click on a head too)"),
        Binding("r", "reverse", "Reverse", tooltip="reverse the sort"),
        Binding("c", "clear", "Clear", tooltip="clear the selection"),
        Binding("l", "log_scale", "Log", tooltip="log scale for the loss plot (on/off)"),
        Binding("escape,q", "close", "Back"),
    ]

    def __init__(
        self,
        folder: Path,
        runs: list[RunSummary],
        *,
        highlighted: Path | None = None,
        ascii_mode: bool = False,
        mono: bool = False,
    ) -> None:
        super().__init__()
        self.folder = folder
        self.summaries = {run.path: run for run in runs}
        self.start_at = highlighted
        self.ascii_mode = ascii_mode
        self.mono = mono
        self.table: SweepTable | None = None
        self.rows: list[SweepRow] = []  # in the table's order
        self.sort_column = "run"
        self.reverse = False
        self.chosen: list[Path] = []  # the selected runs, in the order they were selected
        self.shown: list[Path] = []  # the runs whose curves the plots show
        self.histories: dict[Path, RunHistory] = {}
        self._loads: dict[Path, threading.Event] = {}
        self._read: threading.Event | None = None
        self._timer: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog sweep-dialog"):
            yield Label(
                f"Sweep {self.folder.name} (escape: back)", id="sweep-title", classes="dialog-title"
            )
            yield DataTable(
                id="sweep-table", cursor_type="row", zebra_stripes=True, header_height=2
            )
            yield Static("reading the sweep...", id="sweep-detail", markup=False)
            yield Static("", id="sweep-legend", markup=False)
            with Horizontal(id="sweep-plots"):
                with Vertical(classes="sweep-plot"):
                    yield Label("Train loss", id="sweep-loss-title", classes="sweep-plot-title")
                    yield self._plot("sweep-loss-plot", percent=False)
                with Vertical(classes="sweep-plot"):
                    yield Label("Accuracy", id="sweep-acc-title", classes="sweep-plot-title")
                    yield self._plot("sweep-acc-plot", percent=True)
        yield KeyBar()

    def _plot(self, id: str, *, percent: bool) -> LossPlot:
        return LossPlot(
            History(), [], percent=percent, ascii_mode=self.ascii_mode, mono=self.mono, id=id
        )

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._read = in_thread(self.app, partial(_read, self.folder), self._show_table)

    def on_unmount(self) -> None:
        if self._read is not None:
            self._read.set()
        if self._timer is not None:
            self._timer.stop()
        for cancel in self._loads.values():
            cancel.set()
        self._loads.clear()

    # -- the table ----------------------------------------------------------------------------

    def _show_table(self, table: SweepTable | str) -> None:
        self._read = None
        if isinstance(table, str):
            self._detail(table)
            self.notify(table, severity="error", markup=False)
            return
        self.table = table
        self.query_one("#sweep-title", Label).update(
            f"Sweep {self.folder.name}: {table.preset}, {len(table.rows)} runs (escape: back)"
        )
        if table.problem:
            self.notify(table.problem, severity="warning", markup=False)
        self.rows = list(table.rows)
        self._fill(self.start_at)
        if not self.rows:
            self._detail("no runs in this sweep yet")

    def _fill(self, keep: Path | None = None) -> None:
        """The table in `sort_column`'s order, the cursor on run `keep` (else where it was)."""
        if self.table is None:
            return
        view = self.query_one(DataTable)
        if keep is None:
            keep = self.highlighted_path()
        self.rows = sort_rows(self.rows, self.sort_column, reverse=self.reverse)
        arrow = (
            ("v" if self.reverse else "^") if self.ascii_mode else ("▼" if self.reverse else "▲")
        )
        view.clear(columns=True)
        view.add_column("", key=MARK)
        for column in self.table.columns:
            title = _head(column_title(column))
            if column == self.sort_column:
                title += f" {arrow}"
            view.add_column(title, key=column)
        for row in self.rows:
            cells: list[str | Text] = [self._mark(row.path)]
            for column in self.table.columns:
                text = cell_text(row, column)
                numeric = column in NUMERIC or column in self.table.keys
                cells.append(Text(text, justify="right") if numeric else text)
            view.add_row(*cells, key=str(row.path))
        paths = [row.path for row in self.rows]
        if keep in paths:
            view.move_cursor(row=paths.index(keep), animate=False)

    def _mark(self, path: Path) -> Text:
        if path not in self.chosen:
            return Text(" ")
        index = self.chosen.index(path)
        if self.ascii_mode or self.mono:
            return Text(overlay_marker(index), style="bold")
        return Text("●", style=f"bold {overlay_color(index)}")

    def _marks(self) -> None:
        view = self.query_one(DataTable)
        for row in self.rows:
            view.update_cell(str(row.path), MARK, self._mark(row.path))

    def highlighted(self) -> SweepRow | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if self.table is not None and 0 <= row < len(self.rows) else None

    def highlighted_path(self) -> Path | None:
        row = self.highlighted()
        return row.path if row is not None else None

    def _detail(self, text: str | Content) -> None:
        self.query_one("#sweep-detail", Static).update(text)

    def _describe(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        arrow = "descending" if self.reverse else "ascending"
        order = f"sorted by {column_title(self.sort_column)}, {arrow}"
        chosen = f"{len(self.chosen)} selected" if self.chosen else "none selected"
        self._detail(
            Content.assemble(
                (row.name, "bold"),
                f"  {row.status}",
                (f"  {row.message}" if row.message else "", "dim"),
                "\n",
                (f"{order}; {chosen} (space)", "italic"),
            )
        )

    @on(DataTable.RowHighlighted, "#sweep-table")
    def _highlight_moved(self) -> None:
        self._describe()
        if self.chosen:
            return  # the plots show the selected runs
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(CURVE_DELAY_S, self._show_curves)

    @on(DataTable.HeaderSelected, "#sweep-table")
    def _header_clicked(self, message: DataTable.HeaderSelected) -> None:
        column = str(message.column_key.value)
        if self.table is None or column not in self.table.columns:
            return
        if column == self.sort_column:
            self.reverse = not self.reverse
        else:
            self.sort_column, self.reverse = column, False
        self._sorted()

    @on(DataTable.RowSelected, "#sweep-table")
    def _row_selected(self) -> None:
        self.action_open()

    # -- the curves ---------------------------------------------------------------------------

    def _show_curves(self) -> None:
        """Read (or take from the ones read) the curves of the runs to show, then draw them."""
        self._timer = None
        if self.chosen:
            wanted = list(self.chosen)
        else:
            path = self.highlighted_path()
            wanted = [path] if path is not None else []
        self.shown = wanted
        for path in list(self._loads):
            if path not in wanted:  # stale: no longer shown
                self._loads.pop(path).set()
        capacity = self.query_one("#sweep-loss-plot", LossPlot).history.capacity
        for path in wanted:
            if path not in self.histories and path not in self._loads:
                self._loads[path] = load_history(
                    self.app, path, self._curves_read, capacity=capacity
                )
        self._draw()

    def _curves_read(self, history: RunHistory) -> None:
        self._loads.pop(history.path, None)
        if not self.is_attached:
            return
        if history.error:
            self.notify(history.error, severity="error", markup=False)
        self.histories[history.path] = history
        self._draw()

    @property
    def curves_ready(self) -> bool:
        """The plots show the curves of `shown` (each read)."""
        return bool(self.shown) and all(path in self.histories for path in self.shown)

    def _draw(self) -> None:
        if not self.curves_ready or self.table is None:
            return
        by_path = {row.path: row for row in self.rows}
        rows = [by_path[path] for path in self.shown if path in by_path]
        labels = run_labels(rows, self.table.keys)
        histories = [self.histories[row.path] for row in rows]
        loss = History()
        for i, run in enumerate(histories):
            _copy(run.loss, "train_loss", loss, i)
        loss_plot = self.query_one("#sweep-loss-plot", LossPlot)
        loss_plot.history, loss_plot.lines = loss, overlay_lines("train_loss", labels)
        loss_lines = loss_plot.lines
        loss_plot.replot()
        second = History()
        acc_plot = self.query_one("#sweep-acc-plot", LossPlot)
        title, lines = "No accuracy or test loss", []
        for series, source, name, percent in SECOND:
            if any(series in getattr(run, source).series for run in histories):
                for i, run in enumerate(histories):
                    _copy(getattr(run, source), series, second, i)
                title, lines, acc_plot.percent = name, overlay_lines(series, labels), percent
                break
        acc_plot.history, acc_plot.lines = second, lines
        acc_plot.replot()
        self.query_one("#sweep-acc-title", Label).update(title)
        self._legend(loss_lines)

    def _legend(self, lines: list[PlotLine]) -> None:
        parts: list[str | tuple[str, str]] = []
        for line in lines:
            marker = line.ascii_marker if (self.ascii_mode or self.mono) else "•"
            if parts:
                parts.append("  ")
            parts.append((f"{marker} {line.label}", "" if self.mono else line_style(line.color)))
        self.query_one("#sweep-legend", Static).update(Content.assemble(*parts))

    def on_loss_plot_resized(self, message: LossPlot.Resized) -> None:
        message.stop()
        for plot in self.query(LossPlot):
            plot.replot()

    # -- actions ------------------------------------------------------------------------------

    def action_select(self) -> None:
        path = self.highlighted_path()
        if path is None:
            return
        if path in self.chosen:
            self.chosen.remove(path)
        else:
            self.chosen.append(path)
        self._marks()
        self._describe()
        self._show_curves()

    def action_clear(self) -> None:
        if not self.chosen:
            self.notify("no run is selected: space selects one", markup=False)
            return
        self.chosen.clear()
        self._marks()
        self._describe()
        self._show_curves()

    def action_sort(self) -> None:
        if self.table is None:
            return
        columns = self.table.columns
        index = columns.index(self.sort_column) if self.sort_column in columns else -1
        self.sort_column, self.reverse = columns[(index + 1) % len(columns)], False
        self._sorted()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._sorted()

    def _sorted(self) -> None:
        self._fill()
        self._describe()

    def action_log_scale(self) -> None:
        plot = self.query_one("#sweep-loss-plot", LossPlot)
        plot.log_scale = not plot.log_scale
        plot.replot()
        self.query_one("#sweep-loss-title", Label).update(
            "Train loss (log)" if plot.log_scale else "Train loss"
        )

    def action_open(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        run = self.summaries.get(row.path)
        if run is None:
            self.notify(f"run {row.name} is not listed yet: reopen the runs screen", markup=False)
            return
        self.dismiss(run)

    def action_close(self) -> None:
        self.dismiss(None)


def _head(title: str) -> str:
    """A column's head on two lines (`train\nloss`): the numbers under it are narrower, and an
    80-column terminal then shows a sweep's whole table."""
    first, _, rest = title.partition(" ")
    return f"{first}\n{rest}" if rest else f"\n{first}"


def _copy(source: History, series: str, into: History, index: int) -> None:
    """Run `index`'s series into an overlay History (shared: the run's history is not changed)."""
    found = source.series.get(series)
    if found is not None:
        into.series[overlay_key(series, index)] = found
        into.version += 1
