"""The plots: train and test loss (log scale on `l`), train and test accuracy; for a preset
that compares variants, each network's training loss and its test (else training) accuracy,
overlaid, one colour each, named in the legends.

Metrics go into `History` objects as they arrive. Redraws are throttled: new data schedules
one redraw at most `REDRAW_INTERVAL_S` after the previous one (at most 4 a second: a redraw of
both plots costs ~20 ms of the UI thread, and at 10 a second it slowed keys and the trainer), a plot
is rebuilt only when its history changed (or the scale or character set did), and an idle app
runs no timer at all.

The plots themselves mount just after the pane's first frame: plotext and its widget cost ~30 ms
of import and a first render, and an empty plot shows nothing the legends do not say.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widget import MountError
from textual.widgets import Static

from tui_nn.trainer.protocol import History as History_
from tui_nn.trainer.protocol import Metrics, StopMark

from ..history import History, add_history, add_metrics
from ..widgets.plot_line import PlotLine, line_style, overlay_key, overlay_lines
from .diagnosis import DiagnosisLine

if TYPE_CHECKING:
    from ..widgets.loss_plot import LossPlot

REDRAW_INTERVAL_S = 0.25
MOUNT_DELAY_S = 0.1

LOSS_LINES = [
    PlotLine("train_loss", "train", "cyan", "dot", "*"),
    PlotLine("test_loss", "test", "magenta", "dot", "o"),
]
ACC_LINES = [
    PlotLine("train_acc", "train", "cyan", "dot", "*"),
    PlotLine("test_acc", "test", "magenta", "dot", "o"),
]


class PlotsPane(Vertical):
    """Two plots with one legend line each."""

    EMPTY_NOTE = "space: train"  # the loss legend's note while there is nothing to draw

    def __init__(
        self,
        *,
        ascii_mode: bool = False,
        mono: bool = False,
        capacity: int = 1024,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.loss_history = History(capacity)
        self.acc_history = History(capacity)
        self.ascii_mode = ascii_mode
        self.mono = mono
        self.log_scale = False
        self.steps_per_epoch: int | None = None
        self.data_task: str | None = None
        self.has_test = True
        self.stops: list[float] = []  # x positions where a stop rule fired
        self.gap: float | None = None  # test - train loss at the last evaluation with both
        self._dirty = True
        self._last_redraw = 0.0
        self._redraw_timer: Any = None
        self._hidden_changes = False  # data came while another screen covered the plots
        self.plots: tuple[LossPlot, LossPlot] | None = None  # (loss, accuracy) once mounted
        self._legend_lines: dict[str | None, int] = {}  # legend id -> lines it wraps to
        self.variants: list[str] = []  # a comparison's networks, named by what they set
        self._lines = (LOSS_LINES, ACC_LINES)  # (loss, accuracy): follow variants and has_test

    def lines(self) -> tuple[list[PlotLine], list[PlotLine]]:
        """The (loss, accuracy) plots' lines: train and test, or one per compared network."""
        return self._lines

    def _made_lines(self) -> tuple[list[PlotLine], list[PlotLine]]:
        if not self.variants:
            return LOSS_LINES, ACC_LINES
        accuracy = "test_acc" if self.has_test else "train_acc"
        names = [label.partition("=")[2] or label for label in self.variants]
        return overlay_lines("train_loss", names), overlay_lines(accuracy, names)

    def _accuracy_title(self) -> str:
        if not self.variants:
            return "Accuracy"
        return "Test accuracy" if self.has_test else "Train accuracy"

    def set_variants(self, labels: list[str]) -> None:
        """The networks of a preset that compares variants ([] for one network); clears."""
        self.variants = list(labels)
        self._set_lines()
        self.clear()

    def _set_lines(self) -> None:
        self._lines = self._made_lines()
        if self.plots is not None:
            for plot, lines in zip(self.plots, self.lines(), strict=True):
                plot.lines = lines
        self._dirty = True

    def _suffix(self, variant: int) -> str:
        return overlay_key("", variant) if self.variants else ""

    def compose(self) -> ComposeResult:
        yield Static("", id="loss-legend", classes="plot-legend", markup=False)
        yield Static("", id="acc-legend", classes="plot-legend", markup=False)
        yield DiagnosisLine(id="diagnosis")  # under the accuracy plot, which mounts before it

    def on_mount(self) -> None:
        self.redraw_if_needed()
        # A moment after the first frame, not in the same turn: each stays a short stretch of
        # the UI thread (a dialog with its plots drawn at once stalled it ~60 ms).
        self.set_timer(MOUNT_DELAY_S, self._mount_plots)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)

    def _screen_changed(self, screen: Any) -> None:
        if screen is self.screen and self._hidden_changes:
            self._hidden_changes = False
            self.call_after_refresh(self.schedule_redraw)  # the screen shows first, then this

    async def _mount_plots(self) -> None:
        from ..widgets.loss_plot import LossPlot

        if self.plots is not None or not self.is_attached or self.app.return_code is not None:
            return  # mounted, or the app is exiting
        ascii_mode, mono = self.ascii_mode, self.mono
        loss_lines, acc_lines = self.lines()
        loss = LossPlot(
            self.loss_history,
            loss_lines,
            log_scale=self.log_scale,
            ascii_mode=ascii_mode,
            mono=mono,
            id="loss-plot",
        )
        acc = LossPlot(
            self.acc_history,
            acc_lines,
            percent=True,
            ascii_mode=ascii_mode,
            mono=mono,
            id="acc-plot",
        )
        try:
            await self.mount(loss, after="#loss-legend")
            await self.mount(acc, after="#acc-legend")
        except (MountError, NoMatches):  # the pane is going (the app is closing)
            return
        self.plots = (loss, acc)
        self._dirty = True
        self.redraw_if_needed()

    def on_loss_plot_resized(self, message: LossPlot.Resized) -> None:
        message.stop()
        self._dirty = True
        self.schedule_redraw()

    def schedule_redraw(self) -> None:
        """Redraw soon: at once if the last redraw is old enough, else when it will be; while a
        dialog covers the plots, once it closes."""
        if not self.screen.is_active:
            self._hidden_changes = True
            return
        if self._redraw_timer is not None:
            return
        wait = self._last_redraw + REDRAW_INTERVAL_S - time.monotonic()
        self._redraw_timer = self.set_timer(max(wait, 0.005), self._timed_redraw)

    def _timed_redraw(self) -> None:
        self._redraw_timer = None
        if self.screen.is_active:
            self.redraw_if_needed()
        else:
            self._hidden_changes = True

    # -- data -----------------------------------------------------------------------------

    def clear(self) -> None:
        self.loss_history.clear()
        self.acc_history.clear()
        self.stops, self.gap = [], None
        for line in self.query(DiagnosisLine):
            line.clear()
        self._dirty = True
        self.schedule_redraw()

    def set_shape(
        self, steps_per_epoch: int | None, task: str | None, has_test: bool = True
    ) -> None:
        self.steps_per_epoch = steps_per_epoch if steps_per_epoch and steps_per_epoch > 0 else None
        self.data_task = task
        self.has_test = has_test
        self._set_lines()
        self.schedule_redraw()

    def add_metrics(self, metrics: Metrics) -> None:
        """Record one `Metrics` event of the trainer."""
        gap = add_metrics(
            self.loss_history,
            self.acc_history,
            metrics,
            self.steps_per_epoch,
            self._suffix(metrics.variant),
        )
        if gap is not None and metrics.variant == 0:
            self.gap = gap
        self.schedule_redraw()

    def set_history(self, history: History_) -> None:
        """What the run has recorded so far, in place of what the plots held (an app that
        attached to a run in progress: its curves from the run's first step). A comparison's
        networks each send theirs, the first network's first."""
        if history.variant == 0:
            self.loss_history.clear()
            self.acc_history.clear()
        gap = add_history(
            self.loss_history,
            self.acc_history,
            history.epochs,
            history.evals,
            self._suffix(history.variant),
        )
        if history.variant == 0:
            self.gap = gap
        self.schedule_redraw()

    def install(self, loss: History, acc: History, steps_per_epoch: int | None) -> None:
        """Show these histories (a run's, read from its folder) in place of the pane's own."""
        self.loss_history.replace(loss)
        self.acc_history.replace(acc)
        if steps_per_epoch and not self.steps_per_epoch:
            self.steps_per_epoch = steps_per_epoch
        self.schedule_redraw()

    def set_stops(self, stops: list[StopMark]) -> None:
        """Where the stop rules fired (a `State` event's `stops`): marked on the loss plot."""
        spe = self.steps_per_epoch
        # A comparison's: the first network's stops only, so none (the race line says each's).
        marks = (
            []
            if self.variants
            else [stop.step / spe if spe else float(stop.epoch) for stop in stops]
        )
        if marks != self.stops:
            self.stops = marks
            self._dirty = True
            self.schedule_redraw()

    # -- display --------------------------------------------------------------------------

    def set_log_scale(self, on: bool) -> None:
        self.log_scale = on
        if self.plots is not None:
            self.plots[0].log_scale = on
        self._dirty = True
        self.redraw_if_needed()

    def set_ascii(self, on: bool) -> None:
        self.ascii_mode = on
        for plot in self.plots or ():
            plot.ascii_mode = on
        self._dirty = True
        self.redraw_if_needed()

    def _mark_stops(self, plot: LossPlot) -> None:
        """A vertical line where each stop rule fired, with a little room after the last one."""
        span = _x_range(self.loss_history)
        if span is not None:
            lo, hi = span[0], max(span[1], *self.stops)
            plot.plt.xlim(lo, hi + 0.03 * (hi - lo or 1.0))
        for x in self.stops:
            plot.plt.vline(x, "red")

    def _legend(
        self, title: str, history: History, lines: list[PlotLine], note: str, fmt: Any
    ) -> Content:
        parts: list[str | tuple[str, str]] = [(title, "bold")]
        for line in lines:
            if line.key.startswith("test") and not self.has_test:
                continue
            marker = line.ascii_marker if (self.ascii_mode or self.mono) else "•"
            last = history.last(line.key)
            parts.append("  ")
            parts.append((f"{marker} {line.label}", line_style(line.color)))
            if last is not None and not self.variants:  # (the race line has each's figures)
                parts.append(f" {fmt(last[1])}")
        if (
            history is self.loss_history
            and self.gap is not None
            and self.has_test
            and not self.variants
        ):
            parts.append(("  gap=", "bold"))  # test - train, one word: wrapped as one
            parts.append(f"{self.gap:+.3g}")
        if history is self.loss_history and self.stops:
            parts.append(("  | stop" if self.ascii_mode or self.mono else "  │ stop", "ansi_red"))
        if note:
            parts.append(("  " + note, "dim"))
        return Content.assemble(*parts)

    def _set_legend(self, legend: Static, content: Content) -> None:
        """Show a legend; a layout pass (it moves the plots) only when the legend wraps to another
        number of lines: legends change with every redraw."""
        width = legend.size.width
        lines = len(content.wrap(width)) if width > 0 else 0
        legend.update(content, layout=lines != self._legend_lines.get(legend.id))
        self._legend_lines[legend.id] = lines

    def redraw_if_needed(self) -> None:
        """Rebuild what changed: the loss plot now, the accuracy plot just after that is drawn.
        Drawing a plot takes ~10 ms of the UI thread; both in one frame made a key pressed
        meanwhile wait twice as long."""
        self._last_redraw = time.monotonic()
        if self.plots is None:  # the legends are drawn before the plots are mounted
            self._show_loss_legend()
            self._show_acc_legend()
            return
        dirty, self._dirty = self._dirty, False
        loss, acc = self.plots
        if self._replot(loss, dirty):
            self._show_loss_legend()
        if dirty or acc.drawn_version != acc.history.version:
            acc.drawn_version = -1  # stale until the redraw, which comes after this frame
            self.call_after_refresh(self._redraw_accuracy, dirty)

    def _redraw_accuracy(self, dirty: bool) -> None:
        if self.plots is not None and self._replot(self.plots[1], dirty):
            self._show_acc_legend()

    @property
    def up_to_date(self) -> bool:
        """The plots are mounted and show the pane's data and settings (no redraw is due)."""
        if self.plots is None or self._dirty or self._redraw_timer is not None:
            return False
        if self._hidden_changes:
            return False
        return all(plot.drawn_version == plot.history.version for plot in self.plots)

    def _replot(self, plot: LossPlot, dirty: bool) -> bool:
        if not (dirty or plot.drawn_version != plot.history.version):
            return False
        plot.replot()
        if plot is self.plots[0] and self.stops:  # type: ignore[index]
            self._mark_stops(plot)
        return True

    def _show_loss_legend(self) -> None:
        note = "log scale (l)" if self.log_scale else "linear (l: log)"
        if not self.loss_history.series:
            note = self.EMPTY_NOTE
        title = "Train loss" if self.variants else "Loss"
        self._set_legend(
            self.query_one("#loss-legend", Static),
            self._legend(title, self.loss_history, self.lines()[0], note, _short),
        )

    def _show_acc_legend(self) -> None:
        note = ""
        if not self.acc_history.series:
            note = "none (regression)" if self.data_task == "regression" else ""
        self._set_legend(
            self.query_one("#acc-legend", Static),
            self._legend(
                self._accuracy_title(),
                self.acc_history,
                self.lines()[1],
                note,
                lambda v: f"{100 * v:.1f}%",
            ),
        )


def _x_range(history: History) -> tuple[float, float] | None:
    xs = [x for key in history.series for x in history.points(key)[0]]
    return (min(min(xs), 0.0), max(xs)) if xs else None


def _short(value: float) -> str:
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.2e}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.4g}"
