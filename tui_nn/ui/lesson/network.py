"""The network view: every weight and bias of a small network as a glyph by sign and size (and
its value), and per-layer statistics (shape, mean and max |w|, gradient norm), from the trainer's
snapshots; large networks get the statistics only."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from . import render
from .data import DataView


class NetView(DataView, VerticalScroll):
    """See the module docstring."""

    def compose(self) -> ComposeResult:
        yield Static("", id="net-title", classes="lesson-title")
        yield Static("", id="net-weights")
        yield Static("", id="net-stats")

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        snapshot, layers = data.snapshot, data.snapshot_layers()
        title = self.query_one("#net-title", Static)
        weights = self.query_one("#net-weights", Static)
        stats = self.query_one("#net-stats", Static)
        if snapshot is None or layers is None:
            title.update(Content.styled("Network", "bold"))
            weights.update(Content("waiting for the trainer's weights ..."))
            stats.update("")
            return
        count = sum(
            layer["shape"][0] * layer["shape"][1] + layer["shape"][0]
            for layer in layers
            if layer.get("shape")
        )
        title.update(
            Content.assemble(
                ("Network", "bold"),
                (f"  {count:,} weights and biases, epoch {snapshot.epoch}", "dim"),
            )
        )
        small = all("weights" in layer for layer in layers)
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
