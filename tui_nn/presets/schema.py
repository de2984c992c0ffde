"""Validation: a raw preset dict (from TOML or JSON) into the dataclasses of `tui_nn.spec`.

Strict: an unknown key, a wrong type or a value out of range raises a one-line `PresetError`
naming the source, the line (when known), the dotted field, what is wrong and what is allowed.
The first problem found is the one reported. No input raises anything but `PresetError`.

The checks of values and tables are in `checker`, those of the [data] table in `schema_data`;
this module checks the top level, [model] and its layers, and [train].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui_nn.errors import PresetError
from tui_nn.spec import (
    ACTIVATIONS,
    INITS,
    LOSSES,
    MODEL_KINDS,
    OPTIMIZERS,
    PERCEPTRON_ACTIVATIONS,
    SCHEMA_VERSION,
    LayerSpec,
    ModelSpec,
    Preset,
    TrainSpec,
)

from .checker import Checker, field_names
from .compare import check_compare
from .limits import (
    LEARNING_RATE,
    MAX_LAYERS,
    MAX_UNITS,
    MOMENTUM,
    PACE,
    TARGET_ACCURACY,
    TARGET_LOSS,
    WEIGHT_DECAY,
)
from .messages import got, listing, one_line, plural, show
from .schema_data import check_data
from .toml_lines import FieldPath

__all__ = ["check_preset", "field_names"]

_TOP_KEYS = ("schema", "name", "description", "data", "model", "train", "compare")


class _PresetChecker(Checker):
    """Validates a raw preset dict and builds the dataclasses; raises on the first problem."""

    def preset(self, raw: Any) -> Preset:
        if not isinstance(raw, dict):
            raise self.fail((), f"expected a table, {got(raw)}")
        if "schema" not in raw:
            raise self.fail(
                ("schema",), f"missing required key; add `schema = {SCHEMA_VERSION}` at the top"
            )
        schema = raw["schema"]
        if isinstance(schema, bool) or not isinstance(schema, int):
            raise self.fail(
                ("schema",), f"expected an integer, {got(schema)}; use {SCHEMA_VERSION}"
            )
        if schema > SCHEMA_VERSION:
            raise self.fail(
                ("schema",),
                f"schema {show(schema)} was written by a newer tui-nn; "
                f"this version reads schema {SCHEMA_VERSION} (upgrade tui-nn)",
            )
        if schema != SCHEMA_VERSION:
            raise self.fail(("schema",), f"unsupported schema {show(schema)}; use {SCHEMA_VERSION}")
        self.table(raw, (), _TOP_KEYS)
        if "name" not in raw:
            raise self.fail(("name",), 'missing required key; add `name = "..."` at the top')
        name = self.string(raw["name"], ("name",), nonempty=True)
        description = ""
        if raw.get("description") is not None:
            description = self.string(raw["description"], ("description",))
        data = check_data(self, raw.get("data", {}))
        model = self.model(raw.get("model", {}))
        train = self.train(raw.get("train", {}))
        compare = None
        if raw.get("compare") is not None:
            compare = check_compare(self, raw["compare"], raw, self._variant)
        return Preset(
            name=name,
            description=description,
            data=data,
            model=model,
            train=train,
            compare=compare,
            schema=SCHEMA_VERSION,
        )

    def _variant(self, raw: dict[str, Any]) -> Preset:
        return _PresetChecker("the variant", None).preset(raw)

    def model(self, raw: Any) -> ModelSpec:
        p: FieldPath = ("model",)
        t = self.table(raw, p, field_names(ModelSpec))
        spec = ModelSpec()
        if t.get("kind") is not None:
            spec.kind = self.choice(t["kind"], (*p, "kind"), MODEL_KINDS, "model kind")
        if t.get("init") is not None:
            spec.init = self.choice(t["init"], (*p, "init"), INITS, "init")
        lp: FieldPath = (*p, "layers")
        if t.get("layers") is None:
            raise self.fail(
                lp, "missing; add at least one [[model.layers]] table with units and activation"
            )
        layers = t["layers"]
        if not isinstance(layers, list | tuple):
            raise self.fail(lp, f"expected an array of tables ([[model.layers]]), {got(layers)}")
        if not layers:
            raise self.fail(lp, "needs at least one layer")
        if len(layers) > MAX_LAYERS:
            raise self.fail(lp, f"{len(layers)} layers is too many; valid range: 1 to {MAX_LAYERS}")
        spec.layers = [self.layer(item, (*lp, i)) for i, item in enumerate(layers)]
        if spec.kind == "perceptron":
            if len(spec.layers) != 1:
                raise self.fail(
                    lp,
                    f'a perceptron (model.kind = "perceptron") has exactly one layer, '
                    f'got {len(spec.layers)}; use kind = "mlp" for more layers',
                )
            act = spec.layers[0].activation
            if act not in PERCEPTRON_ACTIVATIONS:
                raise self.fail(
                    (*lp, 0, "activation"),
                    f"a perceptron's activation must be one of "
                    f"{listing(PERCEPTRON_ACTIVATIONS)}, got {show(act)}",
                )
        return spec

    def layer(self, raw: Any, p: FieldPath) -> LayerSpec:
        t = self.table(raw, p, field_names(LayerSpec))
        spec = LayerSpec()
        if t.get("units") is not None:
            spec.units = self.integer(t["units"], (*p, "units"), 1, MAX_UNITS)
        if t.get("activation") is not None:
            spec.activation = self.choice(
                t["activation"], (*p, "activation"), ACTIVATIONS, "activation"
            )
        if t.get("trainable") is not None:
            spec.trainable = self.boolean(t["trainable"], (*p, "trainable"))
        if t.get("weights") is not None:
            wp = (*p, "weights")
            rows = t["weights"]
            if not isinstance(rows, list | tuple):
                raise self.fail(wp, f"expected an array of arrays (one row per unit), {got(rows)}")
            if len(rows) != spec.units:
                raise self.fail(
                    wp,
                    f"has {plural(len(rows), 'row')} but the layer has {plural(spec.units, 'unit')}; "
                    "give one row of input weights per unit",
                )
            weights = [self.vector(row, (*wp, i)) for i, row in enumerate(rows)]
            width = len(weights[0])
            if width == 0:
                raise self.fail((*wp, 0), "a row needs at least one weight (one per input)")
            for i, row in enumerate(weights):
                if len(row) != width:
                    raise self.fail(
                        (*wp, i),
                        f"has {plural(len(row), 'weight')} but row 0 has {width}; all rows need one "
                        "weight per input",
                    )
            spec.weights = weights
        if t.get("bias") is not None:
            bias = self.vector(t["bias"], (*p, "bias"))
            if len(bias) != spec.units:
                raise self.fail(
                    (*p, "bias"),
                    f"has {plural(len(bias), 'value')} but the layer has {plural(spec.units, 'unit')}; "
                    "give one bias per unit",
                )
            spec.bias = bias
        return spec

    def train(self, raw: Any) -> TrainSpec:
        p: FieldPath = ("train",)
        t = self.table(raw, p, field_names(TrainSpec))
        spec = TrainSpec()
        if t.get("loss") is not None:
            spec.loss = self.choice(t["loss"], (*p, "loss"), LOSSES, "loss")
        if t.get("optimizer") is not None:
            spec.optimizer = self.choice(t["optimizer"], (*p, "optimizer"), OPTIMIZERS, "optimizer")
        if t.get("learning_rate") is not None:
            spec.learning_rate = self.number(
                t["learning_rate"], (*p, "learning_rate"), LEARNING_RATE
            )
        if t.get("momentum") is not None:
            spec.momentum = self.number(t["momentum"], (*p, "momentum"), MOMENTUM)
        if t.get("weight_decay") is not None:
            spec.weight_decay = self.number(t["weight_decay"], (*p, "weight_decay"), WEIGHT_DECAY)
        if t.get("batch_size") is not None:
            spec.batch_size = self.count(t["batch_size"], (*p, "batch_size"))
        if t.get("epochs") is not None:
            spec.epochs = self.count(t["epochs"], (*p, "epochs"))
        if t.get("shuffle") is not None:
            spec.shuffle = self.boolean(t["shuffle"], (*p, "shuffle"))
        if t.get("seed") is not None:
            spec.seed = self.seed(t["seed"], (*p, "seed"))
        if t.get("device") is not None:
            spec.device = self.device(t["device"], (*p, "device"))
        if t.get("target_loss") is not None:
            spec.target_loss = self.number(t["target_loss"], (*p, "target_loss"), TARGET_LOSS)
        if t.get("target_accuracy") is not None:
            spec.target_accuracy = self.number(
                t["target_accuracy"], (*p, "target_accuracy"), TARGET_ACCURACY
            )
        if t.get("patience") is not None:
            spec.patience = self.count(t["patience"], (*p, "patience"))
        if t.get("pace") is not None:
            spec.pace = self.number(t["pace"], (*p, "pace"), PACE)
        return spec


def check_preset(
    raw: Any, source: str, lines: Callable[[], dict[FieldPath, int]] | None = None
) -> Preset:
    """Validate a raw preset (a dict from TOML or JSON) into a Preset, or raise `PresetError`.

    `source` names the input in messages; `lines`, when given, maps field paths to the lines
    of the source text and is called only to report a problem."""
    try:
        return _PresetChecker(source, lines).preset(raw)
    except PresetError:
        raise
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise PresetError(
            one_line(f"{source}: invalid preset: {type(exc).__name__}: {exc}")
        ) from None
