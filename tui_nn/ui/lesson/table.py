"""The truth-table view: one row per input pattern (a, y, t, match) for the network's current
weights, and, for small networks, an input per weight and bias ("find w0, w1 and b such that y
matches t"): the table and a decision map follow what is typed at once, Enter (or the apply
button) hands the weights to the trainer, which continues from them; Escape goes back to the
trainer's weights."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from tui_nn.lesson.decision_map import LOGIC_BOUNDS
from tui_nn.lesson.threshold import Layer, as_layers
from tui_nn.lesson.truth_table import TruthTable, truth_table

from ..widgets.fields import NumberInput, format_number
from . import render
from .data import LessonData

MAP_ROWS = (9, 15)  # the map's height range; it takes the room the view has


class WeightsApplied(Message):
    """The user asks to hand these weights to the trainer."""

    def __init__(self, layers: list[Layer]) -> None:
        super().__init__()
        self.layers = layers


class WeightInput(NumberInput):
    """One weight or bias; space still starts and pauses training."""


def _shown(value: float) -> str:
    return format_number(round(float(value), 4) + 0.0)


def _row_names(shapes: Sequence[tuple[int, int]]) -> list[list[str]]:
    """A name for every unit: none for a single unit, hidden/output for two layers."""
    if len(shapes) == 1 and shapes[0][0] == 1:
        return [[""]]
    names = []
    for li, (units, _) in enumerate(shapes):
        last = li == len(shapes) - 1
        if len(shapes) == 2:
            base = "out" if last else "hidden"
        else:
            base = f"L{li + 1}"
        names.append([base if units == 1 else f"{base} {u}" for u in range(units)])
    return names


class TableView(VerticalScroll):
    """See the module docstring."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: LessonData | None = None
        self.structure: tuple[tuple[int, int], ...] | None = None
        self.dirty = False  # the inputs hold typed weights not yet applied
        self.message = ""
        self._values: dict[str, str] = {}  # what this view last wrote into each input
        self.table: TruthTable | None = None  # the table shown

    def compose(self) -> ComposeResult:
        yield Static("", id="table-title", classes="lesson-title")
        yield Vertical(id="hand-rows")
        with Horizontal(id="hand-apply-row"):
            yield Button(
                "apply (enter)", id="hand-apply", compact=True, tooltip="send to the trainer"
            )
            yield Static("", id="hand-state", classes="lesson-note")
        with Horizontal(id="table-body"):
            with Vertical(id="table-left"):
                yield Static("", id="truth")
                yield Static("", id="verdict")
            yield Static("", id="table-map")

    # -- structure -----------------------------------------------------------------------

    async def set_data(self, data: LessonData) -> None:
        """New data (a snapshot, a new preset...): rebuild the inputs if the network's shape
        changed, then show."""
        self.data = data
        structure = tuple(data.shapes()) if data.hand_settable else ()
        if structure != self.structure:
            self.structure = structure
            self.dirty = False
            self.message = ""
            await self._build_inputs(structure)
        self.show()

    async def _build_inputs(self, structure: tuple[tuple[int, int], ...]) -> None:
        rows = self.query_one("#hand-rows", Vertical)
        await rows.remove_children()
        self._values = {}
        rows.display = bool(structure)
        self.query_one("#hand-apply-row").display = bool(structure)
        if not structure:
            return
        names = _row_names(structure)
        widgets = []
        for li, (units, inputs) in enumerate(structure):
            for u in range(units):
                children: list[Widget] = []
                if names[li][u]:
                    children.append(Label(names[li][u], classes="hand-name"))
                for i in range(inputs):
                    children.append(Label(f"w{i}", classes="hand-label"))
                    children.append(
                        WeightInput(
                            compact=True,
                            id=f"w-{li}-{u}-{i}",
                            classes="hand-input",
                            tooltip=f"weight from input {i}",
                        )
                    )
                children.append(Label("b", classes="hand-label"))
                children.append(
                    WeightInput(
                        compact=True, id=f"b-{li}-{u}", classes="hand-input", tooltip="bias"
                    )
                )
                widgets.append(Horizontal(*children, classes="hand-row"))
        await rows.mount_all(widgets)  # one mount: one styling pass

    # -- reading and writing the inputs --------------------------------------------------

    def _inputs(self) -> list[WeightInput]:
        return list(self.query(WeightInput))

    def _fill(self, layers: Sequence[Layer]) -> None:
        """Write the weights into the inputs (not into the one being edited)."""
        focused = self.app.focused
        for li, layer in enumerate(layers):
            for u, row in enumerate(layer.weights):
                for i, w in enumerate(row):
                    self._set(f"w-{li}-{u}-{i}", w, focused)
                self._set(f"b-{li}-{u}", layer.bias[u], focused)

    def _set(self, ident: str, value: float, focused: object) -> None:
        try:
            field = self.query_one(f"#{ident}", WeightInput)
        except Exception:  # noqa: BLE001 - the inputs are being rebuilt
            return
        text = _shown(value)
        if field is focused and field.value.strip():
            try:
                if float(field.value) == float(text):
                    return  # the same number: leave the text and cursor alone
            except ValueError:
                pass
        if field.value != text:
            self._values[ident] = text
            field.value = text
            field.remove_class("-invalid")

    def typed_layers(self) -> tuple[list[Layer] | None, str]:
        """The weights in the inputs, or None and what is wrong."""
        assert self.data is not None and self.structure
        activations = self.data.activations()
        layers = []
        for li, (units, inputs) in enumerate(self.structure):
            weights, bias = [], []
            for u in range(units):
                row = []
                for i in range(inputs):
                    value, error = self._read(f"w-{li}-{u}-{i}")
                    if error:
                        return None, error
                    row.append(value)
                weights.append(row)
                value, error = self._read(f"b-{li}-{u}")
                if error:
                    return None, error
                bias.append(value)
            layers.append((weights, bias, activations[li]))
        return as_layers(layers), ""

    def _read(self, ident: str) -> tuple[float, str]:
        field = self.query_one(f"#{ident}", WeightInput)
        text = field.value.strip()
        name = ident.split("-")[0] + ident.split("-")[-1] if ident.startswith("w") else "b"
        try:
            value = float(text)
        except ValueError:
            field.add_class("-invalid")
            return 0.0, f"{name}: {text!r} is not a number"
        if value != value or value in (float("inf"), float("-inf")):
            field.add_class("-invalid")
            return 0.0, f"{name}: must be a finite number"
        field.remove_class("-invalid")
        return value, ""

    @on(Input.Changed, "WeightInput")
    def _changed(self, event: Input.Changed) -> None:
        ident = event.input.id or ""
        if self._values.get(ident) == event.value:
            return  # written by this view
        self._values.pop(ident, None)
        self.dirty = True
        self.message = ""
        self.show()

    @on(Input.Submitted, "WeightInput")
    @on(Button.Pressed, "#hand-apply")
    def _apply(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        self.apply()

    def apply(self) -> None:
        if not self.structure:
            return
        layers, error = self.typed_layers()
        if layers is None:
            self.message = f"not applied: {error}"
            self.show()
            return
        self.post_message(WeightsApplied(layers))

    def applied(self, sent: bool) -> None:
        """The pane's answer to `WeightsApplied`."""
        if sent:
            self.dirty = False
            self.message = "applied: the trainer continues from these weights"
        else:
            self.message = "not applied: no trainer is running"
        self.show()

    def revert(self) -> None:
        """Back to the trainer's weights."""
        if self.dirty:
            self.dirty = False
            self.message = "back to the trainer's weights"
            for field in self._inputs():
                field.remove_class("-invalid")
            self.show()

    # -- showing -------------------------------------------------------------------------

    def show(self) -> None:
        data = self.data
        if data is None or data.gate is None:
            return
        ascii_only = data.ascii_only
        layers: list[Layer] | None
        error = ""
        if self.structure and self.dirty:
            layers, error = self.typed_layers()
        else:
            layers = data.live_layers()
            if layers is not None and self.structure:
                self._fill(layers)
        self._title(data)
        state = self.query_one("#hand-state", Static)
        if error:
            state.update(Content.styled(error, render.WRONG_STYLE))
            state.display = True
            return  # keep the last table while a field is invalid
        note = self.message
        if self.structure:
            if self.dirty:
                note = "typed, not applied: enter applies, escape reverts"
            elif not note:
                note = "the trainer's weights (live): type your own"
        state.update(Content.styled(note, "dim"))
        state.display = bool(note)
        truth = self.query_one("#truth", Static)
        verdict = self.query_one("#verdict", Static)
        table_map = self.query_one("#table-map", Static)
        if layers is None:
            self.table = None
            truth.update(Content("waiting for the trainer's weights ..."))
            verdict.update("")
            table_map.update("")
            return
        preset = data.preset
        try:
            table = truth_table(data.gate, layers, loss=preset.train.loss, kind=preset.model.kind)
        except ValueError as exc:
            truth.update(Content(f"no truth table: {exc}"))
            return
        self.table = table
        table_text = render.truth_table_content(table, ascii_only=ascii_only)
        verdict_text = render.verdict_content(table, ascii_only)
        notes = [
            Content.styled(note, "dim")
            for note in render.threshold_notes(data.activations(), ascii_only)
        ]
        truth.update(table_text)
        verdict.update(Content("\n").join([verdict_text, *notes]))
        if data.n_features == 2:
            points = [[*inputs, label] for inputs, label in _gate_rows(data.gate)]
            used = 2 + sum(units for units, _ in self.structure) if self.structure else 1
            rows = max(MAP_ROWS[0], min(MAP_ROWS[1], (self.size.height or 24) - used - 2))
            left = max(line.cell_length for line in [*table_text.split("\n"), verdict_text, *notes])
            room = (self.size.width or 80) - left - 3 - 2 - 1
            cols = max(12, min(2 * rows + 2, room))
            dm = render.local_map(
                layers,
                LOGIC_BOUNDS,
                rows,
                cols,
                loss=preset.train.loss,
                kind=preset.model.kind,
                points=points,
                ascii_only=ascii_only,
            )
            table_map.update(render.map_content(dm, ascii_only=ascii_only))
            table_map.display = True
        else:
            table_map.display = False

    def on_resize(self) -> None:
        self.show()

    def _title(self, data: LessonData) -> None:
        gate = data.gate or ""
        what = {"sprinkler": "Sprinkler (AND)"}.get(gate, gate.upper())
        if self.structure:
            weights = "w0, w1, b" if self.structure == ((1, 2),) else "weights"
            text = f"{what}: find {weights} so that y matches t in every row"
        else:
            text = f"{what}: the truth table of the network's current weights"
        self.query_one("#table-title", Static).update(Content.styled(text, "bold"))


def _gate_rows(gate: str) -> list[tuple[tuple[int, ...], int]]:
    from tui_nn.lesson.gates import gate_table

    return gate_table(gate)
