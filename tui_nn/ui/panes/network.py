"""The Network tab: the layers as an editable list (units, activation, trainable), the model
kind and initialisation, the input and output sizes and the parameter count."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import DescendantFocus
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui_nn.presets.limits import MAX_LAYERS
from tui_nn.spec import ACTIVATIONS, INITS, MODEL_KINDS, LayerSpec, ModelSpec, parameter_count

from ..messages import FieldsEdited
from ..widgets import fields
from ..widgets.deferred import DeferredFields


@dataclass
class LayerState:
    """One layer as edited: the units field's raw text, and what the preset keeps as is."""

    units_text: str
    activation: str
    trainable: bool = True
    weights: list[list[float]] | None = None
    bias: list[float] | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: LayerSpec) -> LayerState:
        return cls(str(spec.units), spec.activation, spec.trainable, spec.weights, spec.bias)

    def drop_weights(self) -> None:
        self.weights = None
        self.bias = None


class LayerRow(Horizontal):
    """One layer: index, units, activation, trainable."""

    def __init__(self, index: int, state: LayerState) -> None:
        super().__init__(classes="layer-row")
        self.index = index
        self.state = state

    def compose(self) -> ComposeResult:
        number = self.index + 1
        yield Label(f"{number:>2}", classes="layer-index")
        yield fields.NumberInput(
            self.state.units_text,
            compact=True,
            validators=[fields.FieldValidator(f"layer {number} units", fields.units)],
            classes="units",
            tooltip="units (neurons) in this layer: 1 to 100000",
        )
        options = [(name, name) for name in ACTIVATIONS]
        if self.state.activation not in ACTIVATIONS:  # cannot happen with a validated preset
            options.append((self.state.activation, self.state.activation))
        yield Select(
            options,
            value=self.state.activation,
            allow_blank=False,
            compact=True,
            classes="activation",
            tooltip="the activation after this layer",
        )
        yield Checkbox(
            "",
            value=self.state.trainable,
            compact=True,
            classes="trainable",
            tooltip="trainable (unchecked: frozen at its initial weights)",
        )

    def set_index(self, index: int) -> None:
        self.index = index
        self.query_one(".layer-index", Label).update(f"{index + 1:>2}")


class LayerRows(VerticalScroll, can_focus=False):
    """The rows; scrolls when there are many layers, never takes the focus itself."""


class NetworkPane(DeferredFields, Vertical):
    """Edits `preset.model`; posts `FieldsEdited` when something changed."""

    BINDINGS = [
        # Ctrl+arrows and Ctrl+Del do not reach the app in many terminals (macOS): each has a
        # key that does (shift+arrows, F8), besides the buttons.
        Binding("ctrl+n", "add_layer", "Add layer", show=False),
        Binding("ctrl+delete,f8", "remove_layer", "Remove layer", show=False),
        Binding("ctrl+up,shift+up", "move_up", "Move layer up", show=False),
        Binding("ctrl+down,shift+down", "move_down", "Move layer down", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.layer_states: list[LayerState] = []
        self.kind = "mlp"
        self.init = "default"
        self.selected = 0
        self.n_features: int | None = None
        self.n_classes: int | None = None

    def compose_fields(self) -> ComposeResult:
        yield Static("", id="net-info")
        with Horizontal(classes="field-row"):
            yield Label("Model", classes="field-label")
            yield Select(
                [(k, k) for k in MODEL_KINDS],
                value=self.kind,
                allow_blank=False,
                compact=True,
                id="model-kind",
            )
        with Horizontal(classes="field-row"):
            yield Label("Init", classes="field-label")
            yield Select(
                [(k, k) for k in INITS],
                value=self.init,
                allow_blank=False,
                compact=True,
                id="model-init",
            )
        yield Label(" #  units    activation    train", id="layers-header")
        yield LayerRows(id="layer-rows")
        with Horizontal(id="layer-buttons"):
            yield Button("Add", id="layer-add", compact=True, tooltip="add a layer (ctrl+n)")
            yield Button(
                "Del", id="layer-remove", compact=True, tooltip="remove (ctrl+delete or F8)"
            )
            yield Button("Up", id="layer-up", compact=True, tooltip="move up (ctrl+up or shift+up)")
            yield Button(
                "Down", id="layer-down", compact=True, tooltip="move down (ctrl+down or shift+down)"
            )
        yield Static("", id="net-errors", classes="field-errors")

    # -- the model ------------------------------------------------------------------------

    async def set_model(self, model: ModelSpec) -> None:
        """Show a model (replacing every edit)."""
        self.layer_states = [LayerState.from_spec(layer) for layer in model.layers]
        self.kind = model.kind
        self.init = model.init
        self.selected = min(self.selected, len(self.layer_states) - 1)
        if self.built:
            await self.on_built()

    async def on_built(self) -> None:
        for select_id, value in (("#model-kind", self.kind), ("#model-init", self.init)):
            select = self.query_one(select_id, Select)
            if select.value != value:
                select.value = value
        await self._rebuild()

    def set_io(self, n_features: int | None, n_classes: int | None) -> None:
        self.n_features = n_features
        self.n_classes = n_classes
        self._refresh_info()

    def errors(self) -> list[str]:
        out = []
        for i, layer in enumerate(self.layer_states):
            _, error = fields.check(f"layer {i + 1} units", fields.units, layer.units_text)
            if error:
                out.append(error)
        if not self.layer_states:
            out.append("the network needs at least one layer")
        return out

    def read_model(self) -> ModelSpec | None:
        """The edited model, or None while a field is invalid."""
        if self.errors():
            return None
        layers = [
            LayerSpec(
                units=fields.units(layer.units_text),
                activation=layer.activation,
                trainable=layer.trainable,
                weights=layer.weights,
                bias=layer.bias,
            )
            for layer in self.layer_states
        ]
        return ModelSpec(kind=self.kind, init=self.init, layers=layers)

    def _unit_values(self) -> list[int] | None:
        try:
            return [fields.units(layer.units_text) for layer in self.layer_states]
        except ValueError:
            return None

    def _refresh_info(self) -> None:
        units = self._unit_values()
        n_in = self.n_features
        shown_in = "?" if n_in is None else str(n_in)
        shown_out = "?" if self.n_classes is None else str(self.n_classes)
        if units is None:
            params = "-"
        elif n_in is None:
            params = "?"
        else:
            params = f"{parameter_count(units, n_in):,}"
        out_units = str(units[-1]) if units else "?"
        info = Content.assemble(
            ("inputs ", "dim"),
            (shown_in, "bold"),
            ("  outputs ", "dim"),
            (out_units, "bold"),
            ("  classes ", "dim"),
            (shown_out, "bold"),
            "\n",
            ("parameters ", "dim"),
            (params, "bold"),
            ("  layers ", "dim"),
            (str(len(self.layer_states)), "bold"),
        )
        try:
            self.query_one("#net-info", Static).update(info, layout=False)
            fields.show_errors(self.query_one("#net-errors", Static), self.errors())
        except Exception:  # noqa: BLE001 - not mounted yet
            pass

    async def _rebuild(self, focus: int | None = None) -> None:
        container = self.query_one("#layer-rows", LayerRows)
        await container.remove_children()
        rows = [LayerRow(i, layer) for i, layer in enumerate(self.layer_states)]
        await container.mount_all(rows)
        self._mark_selected()
        self._refresh_info()
        if focus is not None and 0 <= focus < len(rows):
            rows[focus].query_one(".units", Input).focus()

    def _rows(self) -> list[LayerRow]:
        return list(self.query(LayerRow))

    def _mark_selected(self) -> None:
        for row in self._rows():
            row.set_class(row.index == self.selected, "-selected")

    def _edited(self, commit: bool) -> None:
        self._refresh_info()
        self.post_message(FieldsEdited(self, commit))

    # -- events ---------------------------------------------------------------------------

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        row = next((a for a in event.widget.ancestors_with_self if isinstance(a, LayerRow)), None)
        if row is not None and row.index != self.selected:
            self.selected = row.index
            self._mark_selected()

    @on(Input.Changed, ".units")
    def _units_changed(self, event: Input.Changed) -> None:
        event.stop()
        row = event.input.parent
        if not isinstance(row, LayerRow) or row.index >= len(self.layer_states):
            return
        layer = self.layer_states[row.index]
        if layer.units_text == event.value:
            return
        layer.units_text = event.value
        # Hand-set weights no longer fit this layer, nor the next one's inputs.
        layer.drop_weights()
        if row.index + 1 < len(self.layer_states):
            self.layer_states[row.index + 1].weights = None
        self._edited(commit=False)

    @on(Input.Submitted, ".units")
    @on(Input.Blurred, ".units")
    def _units_done(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        self._edited(commit=True)

    @on(Select.Changed, ".activation")
    def _activation_changed(self, event: Select.Changed) -> None:
        event.stop()
        row = event.select.parent
        if not isinstance(row, LayerRow) or row.index >= len(self.layer_states):
            return
        layer = self.layer_states[row.index]
        if event.value is Select.NULL or layer.activation == event.value:
            return
        layer.activation = str(event.value)
        self._edited(commit=True)

    @on(Checkbox.Changed, ".trainable")
    def _trainable_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        row = event.checkbox.parent
        if not isinstance(row, LayerRow) or row.index >= len(self.layer_states):
            return
        layer = self.layer_states[row.index]
        if layer.trainable == event.value:
            return
        layer.trainable = event.value
        self._edited(commit=True)

    @on(Select.Changed, "#model-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.NULL or event.value == self.kind:
            return
        self.kind = str(event.value)
        self._edited(commit=True)

    @on(Select.Changed, "#model-init")
    def _init_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.NULL or event.value == self.init:
            return
        self.init = str(event.value)
        self._edited(commit=True)

    @on(Button.Pressed, "#layer-add")
    async def _add_pressed(self) -> None:
        await self.action_add_layer()

    async def action_add_layer(self) -> None:
        """Insert a hidden layer after the selected one (before the output layer at the end)."""
        if len(self.layer_states) >= MAX_LAYERS:
            self.app.bell()
            return
        last = len(self.layer_states) - 1
        at = min(self.selected + 1, last) if last >= 0 else 0
        units_text, activation = "4", "relu"
        if 0 < at <= len(self.layer_states) and at - 1 < last:
            before = self.layer_states[at - 1]  # a hidden layer: copy its size and activation
            if fields.check("", fields.units, before.units_text)[1] is None:
                units_text = before.units_text
            activation = before.activation
        for layer in self.layer_states[max(at - 1, 0) :]:
            layer.drop_weights()
        self.layer_states.insert(at, LayerState(units_text, activation))
        self.selected = at
        await self._rebuild(focus=at)
        self._edited(commit=True)

    @on(Button.Pressed, "#layer-remove")
    async def _remove_pressed(self) -> None:
        await self.action_remove_layer()

    async def action_remove_layer(self) -> None:
        if len(self.layer_states) <= 1:
            self.notify("the network needs at least one layer", severity="warning")
            return
        at = min(self.selected, len(self.layer_states) - 1)
        del self.layer_states[at]
        for layer in self.layer_states[max(at - 1, 0) :]:
            layer.drop_weights()
        self.selected = min(at, len(self.layer_states) - 1)
        await self._rebuild(focus=self.selected)
        self._edited(commit=True)

    async def _move(self, delta: int) -> None:
        at = min(self.selected, len(self.layer_states) - 1)
        to = at + delta
        if not 0 <= to < len(self.layer_states):
            self.app.bell()
            return
        self.layer_states[at], self.layer_states[to] = self.layer_states[to], self.layer_states[at]
        for layer in self.layer_states[min(at, to) :]:
            layer.drop_weights()
        self.selected = to
        await self._rebuild(focus=to)
        self._edited(commit=True)

    @on(Button.Pressed, "#layer-up")
    async def action_move_up(self) -> None:
        await self._move(-1)

    @on(Button.Pressed, "#layer-down")
    async def action_move_down(self) -> None:
        await self._move(+1)
