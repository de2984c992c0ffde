"""The display-only lesson views, drawn from the trainer's snapshots: the decision map (with
per-neuron maps of the hidden units), the network's weights or layer statistics, the digits with
their predictions and the confusion matrix, and the regression curve."""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui_nn.lesson.confusion import per_class_accuracy, render_confusion
from tui_nn.lesson.digits_render import render_image

from . import lesson_render as render
from .lesson_data import LessonData
from .loss_plot import ASCII_TABLE

HIDDEN_ROWS, HIDDEN_COLS = 8, 16  # a hidden unit's map: the snapshot's grid halved


# -- the decision map ------------------------------------------------------------------------


class DataView:
    """What every lesson view shares: it keeps the latest `LessonData` and redraws from it."""

    data: LessonData | None = None

    def set_data(self, data: LessonData) -> None:
        self.data = data
        self.show()

    def show(self) -> None:
        """Draw the view from `self.data` (each view draws its own)."""


class MapView(DataView, VerticalScroll):
    """The network's output over the input square, the data points on it (`p` hides them), the
    perceptron's line; below, one small map per hidden unit of a small network."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.show_points = True

    def compose(self) -> ComposeResult:
        with Horizontal(id="map-body"):
            yield Static("", id="map-main")
            yield Static("", id="map-legend")
        yield Static("", id="map-hidden")

    def toggle_points(self) -> None:
        self.show_points = not self.show_points
        self.show()

    def on_resize(self) -> None:
        self.show()

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        ascii_only = data.ascii_only
        grid = (data.snapshot or {}).get("map")
        main = self.query_one("#map-main", Static)
        legend = self.query_one("#map-legend", Static)
        hidden = self.query_one("#map-hidden", Static)
        all_points = render.map_points(data.overview)
        points = all_points if self.show_points else []
        if not isinstance(grid, dict) or not grid.get("values"):
            why = "waiting for the trainer's map ..."
            if isinstance(grid, dict) and not grid.get("values"):
                why = "a map of class 1 is drawn for two-class data only"
            main.update(Content.assemble(("Decision map\n", "bold"), why))
            legend.update("")
            hidden.update("")
            return
        line = None
        layers = data.live_layers()
        if data.is_perceptron and layers and layers[0].units == 1 and layers[0].inputs == 2:
            line = (layers[0].weights[0], layers[0].bias[0])
        n_rows = len(grid["values"])
        rows = n_rows
        if self.size.height:
            rows = max(6, min(n_rows, self.size.height - 2))  # fit the view without scrolling
        dm = render.snapshot_map(
            grid, grid["values"], rows=rows, points=points, line=line, ascii_only=ascii_only
        )
        main.update(render.map_content(dm, ascii_only=ascii_only))
        legend.update(self._legend(data, grid, all_points, line))
        hidden.update(self._hidden(data, grid, all_points))

    def _legend(
        self,
        data: LessonData,
        grid: dict[str, Any],
        points: list[list[float]],
        line: tuple[Any, float] | None,
    ) -> Content:
        names = data.input_names if len(data.input_names) == 2 else ["x0", "x1"]
        (x_lo, x_hi), (y_lo, y_hi) = grid["bounds"]
        parts: list[Any] = [
            ("Decision map\n", "bold"),
            (f"{names[0]} {render.num(x_lo)}..{render.num(x_hi)} across\n", "dim"),
            (f"{names[1]} {render.num(y_lo)}..{render.num(y_hi)} up\n\n", "dim"),
            render.map_legend(
                data.ascii_only,
                test=self.show_points and any(p[3] for p in points),
                line=line is not None,
            ),
        ]
        if not self.show_points:
            parts.append(("\n(points hidden)", "dim"))
        if line is not None:
            w, b = line
            parts.append(f"\n\nw = ({render.num(w[0])}, {render.num(w[1])}), b = {render.num(b)}")
        epoch = (data.snapshot or {}).get("epoch")
        if epoch is not None:
            parts.append((f"\n\nepoch {epoch}", "dim"))
        if points:
            parts += ["\n", ("p", "bold"), (" points on/off", "dim")]
        return Content.assemble(*parts)

    def _hidden(self, data: LessonData, grid: dict[str, Any], points: list[list[float]]) -> Content:
        maps = grid.get("hidden") or []
        if not maps:
            return Content("")
        ascii_only = data.ascii_only
        width = max(20, self.size.width - 2)
        per_row = min(len(maps), 4)
        cols = max(10, min(HIDDEN_COLS, (width + 1) // per_row - 3))
        tile = cols + 2
        per_row = max(1, min(per_row, (width + 1) // (tile + 1)))
        activation = data.activations()[0] if data.activations() else "?"
        shown = points if self.show_points and len(points) <= 16 else []
        blocks: list[list[Content]] = []
        for unit, values in enumerate(maps):
            dm = render.snapshot_map(
                grid,
                values,
                rows=HIDDEN_ROWS,
                cols=cols,
                points=shown,
                ascii_only=ascii_only,
            )
            lines = render.map_content(dm, ascii_only=ascii_only).split("\n")
            label = Content(f"unit {unit}".center(tile))
            blocks.append([label, *lines])
        out: list[Content] = [
            Content.assemble(
                ("Hidden units", "bold"),
                (f" of layer 1 ({activation}): blank low, full high", "dim"),
            )
        ]
        for start in range(0, len(blocks), per_row):
            band = blocks[start : start + per_row]
            for r in range(len(band[0])):
                out.append(Content(" ").join(block[r] for block in band))
        return Content("\n").join(out)


# -- the network ----------------------------------------------------------------------------


class NetView(DataView, VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Static("", id="net-title", classes="lesson-title")
        yield Static("", id="net-weights")
        yield Static("", id="net-stats")

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        layers = data.snapshot_layers()
        title = self.query_one("#net-title", Static)
        weights = self.query_one("#net-weights", Static)
        stats = self.query_one("#net-stats", Static)
        if layers is None:
            title.update(Content.styled("Network", "bold"))
            weights.update(Content("waiting for the trainer's weights ..."))
            stats.update("")
            return
        count = sum(
            int(layer["shape"][0]) * int(layer["shape"][1]) + int(layer["shape"][0])
            for layer in layers
            if layer.get("shape")
        )
        epoch = (data.snapshot or {}).get("epoch")
        title.update(
            Content.assemble(
                ("Network", "bold"),
                (f"  {count:,} weights and biases, epoch {epoch}", "dim"),
            )
        )
        small = all(layer.get("weights") is not None for layer in layers)
        if small:
            try:
                weights.update(render.weights_content(layers, ascii_only=data.ascii_only))
            except (KeyError, TypeError, ValueError) as error:
                weights.update(Content(f"(cannot show the weights: {error})"))
            weights.display = True
        else:
            weights.update("")
            weights.display = False
        stats.update(
            Content.assemble(
                ("\nPer layer" if small else "Per layer (too many weights to show each)", "bold"),
                "\n",
                render.stats_content(layers),
            )
        )


# -- the digits -----------------------------------------------------------------------------


class DigitsView(DataView, VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Static("", id="digits-title", classes="lesson-title")
        with Vertical(id="digits-body"):
            yield Static("", id="digits-grid")
            yield Static("", id="digits-confusion")

    def on_resize(self) -> None:
        self.show()

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        overview = data.overview
        images = overview.get("images") or []
        labels = overview.get("image_labels") or []
        shape = overview.get("image_shape")
        snapshot = data.snapshot or {}
        predicted = snapshot.get("predicted")
        confusion = snapshot.get("confusion")
        title = self.query_one("#digits-title", Static)
        grid = self.query_one("#digits-grid", Static)
        table = self.query_one("#digits-confusion", Static)
        part = snapshot.get("confusion_of", "test")
        wrong_mark = "!" if data.ascii_only else "✗"
        wrong = None
        if isinstance(predicted, list) and len(predicted) == len(labels):
            wrong = sum(int(p) != int(t) for p, t in zip(predicted, labels, strict=True))
        summary = "true/predicted" if wrong is not None else "true labels (no predictions yet)"
        if wrong is not None:
            summary += f"; {wrong} of {len(labels)} wrong, marked {wrong_mark}"
        title.update(
            Content.assemble((f"{part.capitalize()} digits", "bold"), (f"  {summary}", "dim"))
        )
        if not images or not shape:
            grid.update(Content("waiting for the data ..."))
        else:
            grid.update(self._grid(data, images, labels, predicted, tuple(shape), wrong_mark))
        if isinstance(confusion, list) and confusion:
            names = overview.get("class_names") or None
            text = render_confusion(
                confusion, names, width=60, zero="." if data.ascii_only else "·"
            )
            table.update(_confusion_content(text, confusion))
        else:
            table.update(Content("confusion matrix: waiting for predictions ..."))

    def _grid(
        self,
        data: LessonData,
        images: list[list[float]],
        labels: list[int],
        predicted: list[int] | None,
        shape: tuple[int, int],
        wrong_mark: str,
    ) -> Content:
        height, width = int(shape[0]), int(shape[1])
        factor = 1 if width <= 16 else math.ceil(width / 14)
        mode = "ascii" if data.ascii_only else "half"
        tiles = []
        for index, pixels in enumerate(images):
            lines = render_image(pixels, (height, width), mode=mode, factor=factor)
            true = labels[index] if index < len(labels) else "?"
            if isinstance(predicted, list) and index < len(predicted):
                mistake = str(predicted[index]) != str(true)
                label = f"{true}/{predicted[index]}" + (wrong_mark if mistake else "")
                style = "bold reverse $error" if mistake else render.OK_STYLE
            else:
                label, style = str(true), "bold"
            tiles.append((lines, label, style))
        tile_w = max(max(len(line) for line in lines) for lines, _, _ in tiles)
        tile_w = max(tile_w, 5)
        gap = 2
        available = self.query_one("#digits-grid").size.width or 40
        per_row = max(1, (available + gap) // (tile_w + gap))
        out: list[Content] = []
        for start in range(0, len(tiles), per_row):
            band = tiles[start : start + per_row]
            for r in range(len(band[0][0])):
                out.append(Content(" " * gap).join(Content(t[0][r].ljust(tile_w)) for t in band))
            out.append(
                Content(" " * gap).join(
                    Content.assemble((t[1], t[2]), " " * (tile_w - len(t[1]))) for t in band
                )
            )
        return Content("\n").join(out)


def _confusion_content(text: str, matrix: list[list[int]]) -> Content:
    """The confusion matrix text with its recall column coloured by size."""
    lines = text.split("\n")
    recalls = per_class_accuracy(matrix)
    out = [Content.styled("Confusion matrix", "bold"), Content.styled(lines[0], "bold")]
    out.append(Content(lines[1]))
    for line, recall in zip(lines[2 : 2 + len(matrix)], recalls, strict=False):
        style = "" if recall is None else (render.OK_STYLE if recall >= 0.9 else render.WRONG_STYLE)
        head, _, tail = line.rpartition(" ")
        out.append(Content.assemble(head + " ", (tail, style)))
    out.extend(Content(line) for line in lines[2 + len(matrix) :])
    return Content("\n").join(out)


# -- the regression curve -------------------------------------------------------------------


class CurvePlot(PlotextPlot):
    """The target points and the network's curve on one plot."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
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
        points = (data.overview.get("points") or {}).get("train") or []
        xs = [float(p[0]) for p in points if len(p) >= 2]
        ys = [float(p[1]) for p in points if len(p) >= 2]
        curve = (data.snapshot or {}).get("curve") or {}
        cx, cy = curve.get("x") or [], curve.get("y") or []
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
                f"  ({units} hidden units"
                + (f", epoch {data.snapshot.get('epoch')})" if data.snapshot else ")"),
                "dim",
            ),
        )
        if not cx:
            title = Content.assemble(title, ("  waiting for the trainer's curve ...", "dim"))
        self.query_one("#curve-title", Static).update(title)
        plot.refresh()
