"""The regression curve: the 1-D data's target points and the network's curve (the trainer's
snapshot) on one plot."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static
from textual_plotext import PlotextPlot

from ..widgets.loss_plot import ASCII_TABLE
from .data import DataView


class CurvePlot(PlotextPlot):
    """The target points and the network's curve on one plot."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = False

    def render(self) -> RenderResult:
        width, height = self.size.width, self.size.height
        self._plot.plotsize(width, height)
        self._plot._set_size(width, height)
        self._plot.theme(self._get_plotext_theme_name(self.app.theme))
        text = self._plot.build()
        if self.ascii_only:
            text = text.translate(ASCII_TABLE)
        return Text.from_ansi(text)


class CurveView(DataView, Vertical):
    """See the module docstring."""

    def compose(self) -> ComposeResult:
        yield Static("", id="curve-title", classes="lesson-title")
        yield CurvePlot(id="curve-plot")

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        ascii_only = data.ascii_only
        plot = self.query_one(CurvePlot)
        plot.ascii_only = ascii_only
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        points = data.train_points
        xs = [p[0] for p in points if len(p) >= 2]
        ys = [p[1] for p in points if len(p) >= 2]
        snapshot = data.snapshot
        curve = snapshot.curve if snapshot is not None else None
        cx, cy = (curve["x"], curve["y"]) if curve is not None else ([], [])
        if xs:
            plt.scatter(xs, ys, marker="." if ascii_only else "dot", color="cyan")
        if cx and len(cx) == len(cy):
            plt.plot(cx, cy, marker="*" if ascii_only else "braille", color="magenta")
        plt.frame(True)
        units = sum(layer.units for layer in data.preset.model.layers[:-1])
        point_mark, line_mark = (".", "*") if ascii_only else ("•", "⠒")
        title = Content.assemble(
            ("Regression", "bold"),
            "  ",
            (f"{point_mark} targets", "ansi_cyan"),
            "  ",
            (f"{line_mark} the network", "ansi_magenta"),
            (
                f"  ({units} hidden unit{'' if units == 1 else 's'}"
                + (f", epoch {snapshot.epoch})" if snapshot is not None else ")"),
                "dim",
            ),
        )
        if not cx:
            title = Content.assemble(title, ("  waiting for the trainer's curve ...", "dim"))
        self.query_one("#curve-title", Static).update(title)
        plot.refresh()
