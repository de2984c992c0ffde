"""The Backprop view: one training sample's forward and backward pass in the lecture's notation
(the trainer's `Backprop` events, `tui_nn.lesson.backprop`), and the network as a picture with
each neuron's activation y and error delta (which unit gets the blame).

Every number for networks whose layers have up to 64 weights (`format_backprop`); per-unit
summaries and the largest terms for larger ones (`format_summary`). Its keys pick the next or
previous sample and take one optimizer step on it; the view asks for them with messages
(`SampleChosen`, `StepOnSample`) that the pane turns into `WatchBackprop` and `BackpropStep`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from tui_nn.lesson.backprop import BackpropResult, LayerBackprop
from tui_nn.lesson.backprop_text import fits_as_text, format_backprop, format_summary
from tui_nn.lesson.network_stats import weight_cell

from . import render
from .data import DataView
from .network_picture import backprop_picture

PICTURE_MAX_UNITS = 12  # layers up to this wide are drawn neuron by neuron


def sample_keys(view: str) -> list[BindingType]:
    """`.` and `,`: the next and the previous training sample (the view's `action_sample`)."""
    return [
        Binding("full_stop", "sample(1)", "Next sample", tooltip=f"{view}: the next sample"),
        Binding("comma", "sample(-1)", "Prev sample", tooltip=f"{view}: the previous sample"),
    ]


class SampleChosen(Message):
    """The view now shows training sample `sample`."""

    def __init__(self, sample: int) -> None:
        super().__init__()
        self.sample = sample


class StepOnSample(Message):
    """One optimizer step on training sample `sample`, asked for by the view's key."""

    def __init__(self, sample: int) -> None:
        super().__init__()
        self.sample = sample


class BackpropView(DataView, VerticalScroll):
    """See the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *sample_keys("backprop"),
        Binding("s", "step_sample", "Step", tooltip="backprop: one optimizer step on the sample"),
        Binding(
            "g",
            "gradient_check",
            "Grad check",
            tooltip="backprop: check a few gradients by finite differences (on/off)",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sample = 0  # the training sample shown
        self.previous_loss: float | None = None  # this sample's loss before the last step
        self.check = False  # the finite-difference gradient check, asked of the trainer

    def compose(self) -> ComposeResult:
        yield Static("", id="backprop-title", classes="lesson-title")
        yield Static("", id="backprop-picture")
        yield Static("", id="backprop-body")

    @property
    def n_samples(self) -> int:
        data = self.data
        return data.loaded.n_train if data is not None and data.loaded is not None else 0

    def on_resize(self) -> None:
        self.show()  # the text wraps at the view's width

    def action_sample(self, delta: int) -> None:
        if self.n_samples == 0:
            return
        self.sample = (self.sample + delta) % self.n_samples
        self.previous_loss = None
        self.post_message(SampleChosen(self.sample))
        self.show()

    def action_gradient_check(self) -> None:
        self.check = not self.check
        self.post_message(SampleChosen(self.sample))  # asked again, with or without the check

    def action_step_sample(self) -> None:
        result = self.result
        if result is not None and result.sample == self.sample:
            self.previous_loss = result.loss
        self.post_message(StepOnSample(self.sample))

    @property
    def result(self) -> BackpropResult | None:
        data = self.data
        event = data.backprop if data is not None else None
        return event.result if event is not None else None

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        title = self.query_one("#backprop-title", Static)
        picture = self.query_one("#backprop-picture", Static)
        body = self.query_one("#backprop-body", Static)
        event = data.backprop
        if self.n_samples and self.sample >= self.n_samples:
            self.sample = 0
        if event is None or event.result is None:
            title.update(Content.styled(f"Backprop  sample {self.sample}", "bold"))
            why = event.reason if event is not None else "waiting for the trainer ..."
            picture.update(Content(why))
            body.update("")
            return
        result = event.result
        waiting = "  (waiting for this sample ...)" if result.sample != self.sample else ""
        title.update(self._title(result, waiting))
        region = self.scrollable_content_region.width
        width = region - 1 if region > 40 else 78  # 78: not laid out yet
        # The drawn network where it fits (connections, y and the blame on each neuron), else
        # a list of its neurons.
        drawn = backprop_picture(result, width=width, ascii_only=data.ascii_only)
        picture.update(drawn or network_picture(result, ascii_only=data.ascii_only))
        lines = format_backprop(result, width=width) if fits_as_text(result) else None
        body.update(Content("\n".join(lines or format_summary(result, width=width))))

    def _title(self, result: BackpropResult, waiting: str) -> Content:
        down = ""
        if self.previous_loss is not None and result.sample == self.sample:
            arrow = "down" if result.loss < self.previous_loss else "not down"
            down = f"  loss {render.num(self.previous_loss, 4)} -> {render.num(result.loss, 4)} ({arrow})"
        return Content.assemble(
            ("Backprop", "bold"),
            f"  sample {result.sample} of {result.n_samples}, step {result.step}, ",
            f"loss {render.num(result.loss, 4)}",
            (down, "bold"),
            (waiting, "dim"),
        )


def network_picture(result: BackpropResult, *, ascii_only: bool = False) -> Content:
    """The network as layers of neurons: each with its activation y and its delta, the delta's
    size as a bar (the blame), and the incoming weights' sign and size as glyphs."""
    delta_name = "d" if ascii_only else "δ"
    lines: list[Content] = [
        Content.styled(
            f"Network: each neuron's y and {delta_name} = dL/da; the bar is |{delta_name}| "
            "in its layer; weights by sign and size",
            "dim",
        ),
        Content.assemble(
            ("x  ", "bold"),
            " ".join(f"x{j + 1}={render.num(v, 3)}" for j, v in enumerate(result.x[:12])),
            (f" ... ({len(result.x)} inputs)" if len(result.x) > 12 else "", "dim"),
        ),
    ]
    scale = max([abs(w) for layer in result.layers for row in layer.W for w in row] + [1e-12])
    for layer in result.layers:
        lines += _layer_picture(layer, scale, ascii_only)
    return Content("\n").join(lines)


def _layer_picture(layer: LayerBackprop, scale: float, ascii_only: bool) -> list[Content]:
    units = len(layer.b)
    head = Content.styled(
        f"l{layer.index} {layer.activation}, {units} unit{'s' * (units != 1)}", "bold"
    )
    if units > PICTURE_MAX_UNITS:
        return [Content.assemble(head, ("  (too many units to draw)", "dim"))]
    biggest = max([abs(d) for d in layer.delta] + [1e-12])
    bar, empty = ("#", ".") if ascii_only else ("█", "·")
    delta_name = "d" if ascii_only else "δ"
    out = [head]
    for i in range(units):
        size = round(4 * abs(layer.delta[i]) / biggest)
        parts: list[str | tuple[str, str]] = [
            f"  ({i + 1}) y={render.num(layer.y[i], 3):<7} ",
            f"{delta_name}={render.num(layer.delta[i], 3):<9} ",
            (bar * size, "bold ansi_yellow"),
            (empty * (4 - size), "dim"),
        ]
        row = layer.W[i]
        if len(row) <= 16:
            parts.append(("  <-", "dim"))
            parts += [_glyph(w, scale, ascii_only) for w in row]
        out.append(Content.assemble(*parts))
    return out


def _glyph(w: float, scale: float, ascii_only: bool) -> tuple[str, str]:
    cell = weight_cell(w, scale, ascii_only=ascii_only)
    style = {"positive": render.POSITIVE_STYLE, "negative": render.NEGATIVE_STYLE}.get(
        cell.style, "dim"
    )
    return " " + cell.text, style
