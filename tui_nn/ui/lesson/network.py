"""The Network view: a small network as a picture (layers of neurons, every weight a line whose
characters and colour say its sign and size), each neuron's output y for the chosen training
sample, computed here from the snapshot's weights (`tui_nn.lesson.network_picture`), and in
backprop mode (`d`) each neuron's delta = dL/da from the trainer's `Backprop` event: which unit
gets the blame. Below it every weight and bias with its value, and per-layer statistics.

It follows training: the pane redraws it on every snapshot. Networks too large to draw (more
than 8 units or 64 weights in a layer) get the statistics and their largest weights by name.
Its keys choose the sample (`.` and `,`, as in the Backprop view) and turn backprop mode on and
off; the view asks for the sample's `Backprop` with `SampleChosen`, which the pane turns into
`WatchBackprop` while this view is shown in backprop mode.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_nn.lesson.backprop import BackpropResult
from tui_nn.lesson.network_picture import outputs_for, too_large
from tui_nn.lesson.threshold import Layer
from tui_nn.spec import standardizes
from tui_nn.trainer import protocol

from .backprop import SampleChosen, sample_keys
from .data import DataView, LessonData
from .network_picture import largest_content, network_picture, stats_content, weights_content
from .render import num

TITLE_LINES = 2


class NetView(DataView, VerticalScroll):
    """See the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *sample_keys("network"),
        Binding(
            "d",
            "deltas",
            "Deltas",
            tooltip="network: backprop mode, each neuron's delta dL/da (on/off)",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sample = 0  # the training sample whose activations are shown
        self.deltas = False  # backprop mode: each neuron's delta too
        self.drawn = False  # the picture is shown (its keys are, too)

    def compose(self) -> ComposeResult:
        yield Static("", id="net-title", classes="lesson-title")
        yield Static("", id="net-picture")
        yield Static("", id="net-weights")
        yield Static("", id="net-stats")

    # -- the sample and the mode ----------------------------------------------------------

    @property
    def n_samples(self) -> int:
        return len(self.data.train_points) if self.data is not None else 0

    @property
    def wants_backprop(self) -> bool:
        """Backprop mode, on a network that has it, where the view's samples are the trainer's
        (the overview sends every training point of small data sets)."""
        data = self.data
        if not self.deltas or data is None or data.is_perceptron or data.loaded is None:
            return False
        return 0 < self.n_samples == data.loaded.n_train and self.sample < self.n_samples

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "deltas":
            return self.drawn and self.data is not None and not self.data.is_perceptron
        if action == "sample":
            return self.drawn
        return True

    def action_sample(self, delta: int) -> None:
        if self.n_samples == 0:
            return
        self.sample = (self.sample + delta) % self.n_samples
        self.post_message(SampleChosen(self.sample))
        self.show()

    def action_deltas(self) -> None:
        self.deltas = not self.deltas
        self.post_message(SampleChosen(self.sample))
        self.show()

    def on_resize(self) -> None:
        self.show()  # the picture is laid out for the view's width

    # -- drawing ----------------------------------------------------------------------------

    def _result(self, data: LessonData, layers: list[Layer]) -> BackpropResult | None:
        """The trainer's backprop of this sample, when it is at hand and fits the network."""
        event = data.backprop
        result = event.result if event is not None else None
        if result is None or result.sample != self.sample or not self.wants_backprop:
            return None
        shapes = [(len(layer.b), len(layer.W[0]) if layer.W else 0) for layer in result.layers]
        return result if shapes == [(x.units, x.inputs) for x in layers] else None

    def _inputs(
        self, data: LessonData, n_inputs: int, result: BackpropResult | None
    ) -> list[float] | None:
        """The sample's inputs as the network sees them, or None when they are not known here
        (standardised data: the trainer's statistics are not sent)."""
        if result is not None:
            return list(result.x)
        points = data.train_points
        if standardizes(data.preset.data) or self.sample >= len(points):
            return None
        row = points[self.sample]
        return [float(v) for v in row[:n_inputs]] if len(row) > n_inputs else None

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        if self.n_samples and self.sample >= self.n_samples:
            self.sample = 0  # another preset, fewer samples
        title = self.query_one("#net-title", Static)
        picture = self.query_one("#net-picture", Static)
        weights = self.query_one("#net-weights", Static)
        stats = self.query_one("#net-stats", Static)
        snapshot, stat_layers = data.snapshot, data.snapshot_layers()
        live = data.live_layers()
        if live is None and stat_layers is None:
            title.update(Content.styled("Network", "bold"))
            picture.update(Content("waiting for the trainer's weights ..."))
            picture.display = True
            weights.update("")
            stats.update("")
            self._set_drawn(False)
            return
        shapes = (
            [(int(x["shape"][0]), int(x["shape"][1])) for x in stat_layers if x.get("shape")]
            if stat_layers is not None
            else data.shapes()
        )
        count = sum(units * inputs + units for units, inputs in shapes)
        epoch = f", epoch {snapshot.epoch}, step {snapshot.step}" if snapshot is not None else ""
        head = Content.assemble(
            ("Network", "bold"), (f"  {count:,} weights and biases{epoch}", "dim")
        )
        reason = too_large(shapes)
        drawn = None
        if reason is None and live is not None:
            drawn, sample_line = self._picture(data, live)
            title.update(Content("\n").join([head, sample_line]))
        else:
            title.update(head)
        picture.update(drawn or "")
        picture.display = drawn is not None
        self._set_drawn(drawn is not None)
        small = stat_layers is not None and all("weights" in layer for layer in stat_layers)
        if small and stat_layers is not None:
            try:
                table = weights_content(stat_layers, ascii_only=data.ascii_only)
                weights.update(Content.assemble(("\nWeights and biases", "bold"), "\n", table))
            except (KeyError, TypeError, ValueError) as error:
                weights.update(Content(f"(cannot show the weights: {error})"))
        weights.display = small
        stats.update(self._stats(data, stat_layers, reason, drawn=drawn is not None, small=small))

    def _set_drawn(self, drawn: bool) -> None:
        if drawn != self.drawn:
            self.drawn = drawn
            self.refresh_bindings()  # the sample keys are only for the picture

    @staticmethod
    def _stats(
        data: LessonData,
        layers: list[protocol.LayerStats] | None,
        reason: str | None,
        *,
        drawn: bool,
        small: bool,
    ) -> Content:
        """The per-layer statistics, and the largest weights of a network not drawn."""
        if layers is None:
            return Content("")
        if drawn:
            why = "\nPer layer"
        elif reason is not None and small:
            why = f"Per layer ({reason}: too large to draw)"
        elif reason is not None:
            why = "Per layer (too many weights to show each)"
        else:
            why = "Per layer (too many layers to draw at this width)"
        parts = [Content.styled(why, "bold"), stats_content(layers)]
        if not drawn and small:
            parts += [Content(""), largest_content(layers, data.input_names)]
        return Content("\n").join(parts)

    def _picture(self, data: LessonData, live: list[Layer]) -> tuple[Content | None, Content]:
        """The picture (None: too wide for the view) and the line that names its sample."""
        result = self._result(data, live)
        x = self._inputs(data, live[0].inputs, result)
        values = None
        if x is not None:
            try:
                values = outputs_for(live, x)
            except ValueError:
                values = None
        deltas = [list(layer.delta) for layer in result.layers] if result is not None else None
        region = self.scrollable_content_region
        width = region.width - 1 if region.width > 40 else 78  # 78: not laid out yet
        height = region.height - TITLE_LINES if region.height > 10 else None
        drawn = network_picture(
            live,
            input_names=data.input_names,
            values=values,
            deltas=deltas,
            width=width,
            height=height,
            ascii_only=data.ascii_only,
        )
        return drawn, self._sample_line(data, x, result)

    def _sample_line(
        self, data: LessonData, x: list[float] | None, result: BackpropResult | None
    ) -> Content:
        if not self.n_samples:
            return Content.styled("no training samples to show", "dim")
        row = data.train_points[self.sample]
        names = data.input_names
        shown = x if x is not None else [float(v) for v in row[: len(names)]]
        inputs = " ".join(f"{n}={num(v, 3)}" for n, v in zip(names, shown, strict=False))
        label = row[-1] if row else 0.0
        classes = data.overview.get("class_names")
        known = classes is not None and 0 <= int(label) < len(classes)
        target = f"class {classes[int(label)]}" if classes and known else f"target {num(label, 3)}"
        parts: list[str | tuple[str, str]] = [
            (f"sample {self.sample} of {self.n_samples}", "bold"),
            f": {inputs} -> {target}",
        ]
        if x is None:
            parts.append(("  (inputs standardised by the trainer: d shows y)", "dim"))
        if self.deltas and not self.wants_backprop and not data.is_perceptron:
            parts.append(("  (no deltas: samples not all shown)", "dim"))
        elif self.deltas and result is None and not data.is_perceptron:
            event = data.backprop
            why = event.reason if event is not None and event.result is None else ""
            parts.append(("  " + (why or "waiting for the trainer's backprop ..."), "dim"))
        elif result is not None:
            delta = "d" if data.ascii_only else "δ"
            parts.append((f"  {delta} at step {result.step}, loss {num(result.loss, 3)}", "dim"))
        return Content.assemble(*parts)
