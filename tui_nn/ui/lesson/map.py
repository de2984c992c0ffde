"""The decision map: the network's output over the input square with the data points on it and
the perceptron's line, drawn from the trainer's snapshots, and below it one small map per hidden
unit of a small network."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_nn.lesson.truth_table import SIGNED_OUTPUTS
from tui_nn.trainer import protocol

from . import render
from .data import DataView, LessonData

HIDDEN_ROWS, HIDDEN_COLS = 8, 16  # a hidden unit's map: the snapshot's grid halved


class MapView(DataView, VerticalScroll):
    """The network's output over the input square, the data points on it (`p` hides them), the
    perceptron's line; below, one small map per hidden unit of a small network."""

    def __init__(self, *, id: str | None = None) -> None:
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
        snapshot = data.snapshot
        grid = snapshot.map if snapshot is not None else None
        main = self.query_one("#map-main", Static)
        legend = self.query_one("#map-legend", Static)
        hidden = self.query_one("#map-hidden", Static)
        all_points = render.map_points(data.overview)
        points = all_points if self.show_points else []
        values = grid.get("values") if grid is not None else None
        if snapshot is None or grid is None or not values:
            why = "waiting for the trainer's map ..."
            if grid is not None:
                why = "a map of class 1 is drawn for two-class data only"
            main.update(Content.assemble(("Decision map\n", "bold"), why))
            legend.update("")
            hidden.update("")
            return
        line: tuple[Sequence[float], float] | None = None
        layers = data.live_layers()
        if data.is_perceptron and layers and layers[0].units == 1 and layers[0].inputs == 2:
            line = (layers[0].weights[0], layers[0].bias[0])
        n_rows = len(values)
        rows = n_rows
        if self.size.height:
            # fit the view without scrolling: the frame and an axis line above and below
            rows = max(6, min(n_rows, self.size.height - 4))
        dm = render.snapshot_map(
            grid, values, rows=rows, points=points, line=line, ascii_only=ascii_only
        )
        names = self._axis_names(data)
        (x_lo, x_hi), (y_lo, y_hi) = grid["bounds"]
        main.update(
            render.with_axes(
                render.map_content(dm, ascii_only=ascii_only),
                (names[0], x_lo, x_hi),
                (names[1], y_lo, y_hi),
                ascii_only=ascii_only,
            )
        )
        legend.update(self._legend(data, snapshot.epoch, grid, all_points, line))
        hidden.update(self._hidden(data, grid, all_points))
        hidden.display = bool(grid.get("hidden"))  # no empty line under the map to scroll to

    @staticmethod
    def _axis_names(data: LessonData) -> list[str]:
        """The data's two input names (Sunny, Dry; x1, x2 when it has none)."""
        return list(data.input_names) if len(data.input_names) == 2 else ["x1", "x2"]

    def _legend(
        self,
        data: LessonData,
        epoch: int,
        grid: protocol.DecisionMap,
        points: list[list[float]],
        line: tuple[Sequence[float], float] | None,
    ) -> Content:
        names = self._axis_names(data)
        parts: list[Content | render.Part] = [
            ("Decision map\n", "bold"),
            (f"{names[0]} across, {names[1]} up\n\n", "dim"),
            render.map_legend(
                data.ascii_only,
                test=self.show_points and any(p[3] for p in points),
                line=line is not None,
                signed=_signed_output(data),
            ),
        ]
        for note in render.threshold_notes(data.activations(), data.ascii_only):
            parts.append((f"\n{note}", "dim"))
        if not self.show_points:
            parts.append(("\n(points hidden)", "dim"))
        if line is not None:
            w, b = line
            parts.append(f"\n\nw = ({render.num(w[0])}, {render.num(w[1])}), b = {render.num(b)}")
        parts.append((f"\n\nepoch {epoch}", "dim"))
        if points:
            parts += ["\n", ("p", "bold"), (" points on/off", "dim")]
        return Content.assemble(*parts)

    def _hidden(
        self, data: LessonData, grid: protocol.DecisionMap, points: list[list[float]]
    ) -> Content:
        maps = grid.get("hidden", [])
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


def _signed_output(data: LessonData) -> bool:
    """Whether the model's one output is -1..1 (sign, tanh): its targets are then -1 / 1."""
    layers = data.preset.model.layers
    return bool(layers) and layers[-1].units == 1 and layers[-1].activation in SIGNED_OUTPUTS
