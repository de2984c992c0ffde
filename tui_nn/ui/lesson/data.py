"""What the lesson views know: the preset, the trainer's `loaded` event (with the data overview)
and its latest `snapshot`; which views the preset makes meaningful; the network's weights as
plain lists (from the snapshot, or from the preset when it sets them by hand)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui_nn.lesson.gates import GATE_NAMES, gate_input_names
from tui_nn.lesson.threshold import Layer, as_layers, layers_from_spec
from tui_nn.spec import LOGIC_SETS, SYNTHETIC_SETS, Preset

HAND_SET_MAX_PARAMETERS = 24  # networks up to this size get an input per weight

# The views, in tab order: (id, title).
VIEWS = (
    ("lesson-table", "Truth table"),
    ("lesson-rule", "Perceptron rule"),
    ("lesson-map", "Decision map"),
    ("lesson-net", "Network"),
    ("lesson-digits", "Digits"),
    ("lesson-curve", "Curve"),
)


@dataclass
class LessonData:
    preset: Preset
    loaded: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None
    ascii_only: bool = False
    stops: list[dict[str, Any]] = field(default_factory=list)

    # -- the data ------------------------------------------------------------------------

    @property
    def overview(self) -> dict[str, Any]:
        return (self.loaded or {}).get("overview") or {}

    @property
    def data_set(self) -> str:
        return str(self.overview.get("set") or self.preset.data.set)

    @property
    def gate(self) -> str | None:
        name = self.preset.data.set
        return name if name in GATE_NAMES else None

    @property
    def n_features(self) -> int | None:
        value = (self.loaded or {}).get("n_features")
        if isinstance(value, int):
            return value
        name = self.preset.data.set
        if name == "not":
            return 1
        if name in LOGIC_SETS or name in SYNTHETIC_SETS:
            return 2
        if name == "sine":
            return 1
        return None

    @property
    def input_names(self) -> list[str]:
        if self.gate is not None:
            return gate_input_names(self.gate)
        names = (self.loaded or {}).get("input_names")
        n = self.n_features or 0
        if isinstance(names, list) and len(names) >= n:
            return [str(v) for v in names[:n]]
        return [f"x{i}" for i in range(n)]

    @property
    def is_perceptron(self) -> bool:
        return self.preset.model.kind == "perceptron"

    @property
    def has_images(self) -> bool:
        return bool(self.overview.get("images")) or self.preset.data.set in ("digits", "mnist")

    @property
    def is_regression_1d(self) -> bool:
        task = (self.loaded or {}).get("task")
        if task is not None:
            return task == "regression" and self.n_features == 1
        return self.preset.data.set == "sine"

    def views(self) -> list[str]:
        """The ids of the views this preset makes meaningful, in tab order."""
        shown = []
        if self.gate is not None:
            shown.append("lesson-table")
        if self.is_perceptron and self.n_features is not None:
            shown.append("lesson-rule")
        if self.n_features == 2 and not self.has_images:
            shown.append("lesson-map")
        shown.append("lesson-net")
        if self.has_images:
            shown.append("lesson-digits")
        if self.is_regression_1d:
            shown.append("lesson-curve")
        return shown

    # -- the network ---------------------------------------------------------------------

    @property
    def parameter_count(self) -> int:
        total, fan_in = 0, self.n_features or 0
        for layer in self.preset.model.layers:
            total += fan_in * layer.units + layer.units
            fan_in = layer.units
        return total

    @property
    def hand_settable(self) -> bool:
        """Small networks on logic gates get an input per weight and bias."""
        return (
            self.gate is not None
            and self.n_features is not None
            and self.parameter_count <= HAND_SET_MAX_PARAMETERS
        )

    def shapes(self) -> list[tuple[int, int]]:
        """(units, inputs) per layer."""
        out, fan_in = [], self.n_features or 0
        for layer in self.preset.model.layers:
            out.append((layer.units, fan_in))
            fan_in = layer.units
        return out

    def activations(self) -> list[str]:
        return [layer.activation for layer in self.preset.model.layers]

    def snapshot_layers(self) -> list[dict[str, Any]] | None:
        layers = (self.snapshot or {}).get("layers")
        return layers if isinstance(layers, list) and layers else None

    def live_layers(self) -> list[Layer] | None:
        """The network's current weights: the snapshot's, or the preset's own when it sets
        them (hand-set or zeros) and no snapshot came yet; None when unknown."""
        layers = self.snapshot_layers()
        if layers is not None and all(layer.get("weights") is not None for layer in layers):
            try:
                checked = as_layers(
                    [
                        (layer["weights"], layer["bias"], activation)
                        for layer, activation in zip(layers, self.activations(), strict=True)
                    ]
                )
            except (KeyError, TypeError, ValueError):
                checked = None
            if checked is not None and [(x.units, x.inputs) for x in checked] == self.shapes():
                return checked
        try:
            return layers_from_spec(self.preset.model, self.n_features)
        except ValueError:
            return None

    def initial_layers(self) -> list[Layer] | None:
        """The preset's initial weights when it fixes them (zeros or hand-set)."""
        try:
            return layers_from_spec(self.preset.model, self.n_features)
        except ValueError:
            return None
