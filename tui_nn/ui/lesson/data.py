"""What the lesson views know: the preset, the trainer's `Loaded` event (with the data overview)
and its latest `Snapshot`; which views the preset makes meaningful; the network's weights as
plain lists (from the snapshot, or from the preset when it sets them by hand). `DataView` is what
the display-only views share."""

from __future__ import annotations

from dataclasses import dataclass

from tui_nn.lesson.gates import GATE_NAMES, gate_input_names
from tui_nn.lesson.threshold import Layer, as_layers, layers_from_spec
from tui_nn.spec import LOGIC_SETS, SYNTHETIC_SETS, Preset
from tui_nn.trainer import protocol

HAND_SET_MAX_PARAMETERS = 24  # networks up to this size get an input per weight

# The views, in tab order: (id, title).
VIEWS = (
    ("lesson-table", "Truth table"),
    ("lesson-rule", "Perceptron rule"),
    ("lesson-map", "Decision map"),
    ("lesson-net", "Network"),
    ("lesson-backprop", "Backprop"),
    ("lesson-digits", "Digits"),
    ("lesson-curve", "Curve"),
)


@dataclass
class LessonData:
    preset: Preset
    loaded: protocol.Loaded | None = None
    snapshot: protocol.Snapshot | None = None
    backprop: protocol.Backprop | None = None  # only while the Backprop view is shown
    ascii_only: bool = False

    # -- the data ------------------------------------------------------------------------

    @property
    def overview(self) -> protocol.DataOverview:
        return self.loaded.overview if self.loaded is not None else {}

    @property
    def train_points(self) -> list[list[float]]:
        """The overview's training rows (inputs, then the label); [] when it has none."""
        return self.overview.get("points", {}).get("train", [])

    @property
    def data_set(self) -> str:
        return self.overview.get("set") or self.preset.data.set

    @property
    def gate(self) -> str | None:
        name = self.preset.data.set
        return name if name in GATE_NAMES else None

    @property
    def n_features(self) -> int | None:
        if self.loaded is not None:
            return self.loaded.n_features
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
        names = self.loaded.input_names if self.loaded is not None else []
        n = self.n_features or 0
        if len(names) >= n:
            return names[:n]
        return [f"x{i}" for i in range(n)]

    @property
    def is_perceptron(self) -> bool:
        return self.preset.model.kind == "perceptron"

    @property
    def has_images(self) -> bool:
        return bool(self.overview.get("images")) or self.preset.data.set in ("digits", "mnist")

    @property
    def is_regression_1d(self) -> bool:
        if self.loaded is not None:
            return self.loaded.task == "regression" and self.n_features == 1
        return self.preset.data.set == "sine"

    def views(self) -> list[str]:
        """The ids of the views this preset makes meaningful, in tab order."""
        shown: list[str] = []
        if self.gate is not None:
            shown.append("lesson-table")
        if self.is_perceptron and self.n_features is not None:
            shown.append("lesson-rule")
        if self.n_features == 2 and not self.has_images:
            shown.append("lesson-map")
        shown.append("lesson-net")
        if not self.is_perceptron:
            shown.append("lesson-backprop")
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
        out: list[tuple[int, int]] = []
        fan_in = self.n_features or 0
        for layer in self.preset.model.layers:
            out.append((layer.units, fan_in))
            fan_in = layer.units
        return out

    def activations(self) -> list[str]:
        return [layer.activation for layer in self.preset.model.layers]

    def snapshot_layers(self) -> list[protocol.LayerStats] | None:
        """The snapshot's layers; None before the first snapshot (or when it has none)."""
        if self.snapshot is None or not self.snapshot.layers:
            return None
        return self.snapshot.layers

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


class DataView:
    """What every display-only lesson view shares: it keeps the latest `LessonData` and redraws
    from it."""

    data: LessonData | None = None

    def set_data(self, data: LessonData) -> None:
        self.data = data
        self.show()

    def show(self) -> None:
        """Draw the view from `self.data` (each view draws its own)."""
