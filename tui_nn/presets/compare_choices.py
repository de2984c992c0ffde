"""What a preset's comparison ([compare]) can vary and the values worth trying, for the compare
dialog and the app's keys that add and drop a variant. No torch, no textual.

`compare_keys` lists the keys that make sense for this preset, each with a label;
`suggest_value` proposes a next value; `with_compare`, `add_variant` and `drop_variant` return
validated presets; `parse_values` types a comma-separated text. Every problem is a one-line
`PresetError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from tui_nn.errors import PresetError
from tui_nn.spec import (
    INITS,
    MAX_VARIANTS,
    OPTIMIZERS,
    PERCEPTRON_ACTIVATIONS,
    CompareSpec,
    Preset,
)

from .compare import base_value, compare_path, layer_of, show_value
from .convert import preset_from_dict, preset_to_dict
from .limits import LEARNING_RATE, MAX_COUNT, MAX_UNITS, MOMENTUM, WEIGHT_DECAY
from .messages import show

__all__ = [
    "SOURCE",
    "add_variant",
    "compare_keys",
    "drop_variant",
    "key_label",
    "parse_values",
    "suggest_value",
    "with_compare",
]

SOURCE = "the comparison"  # what the messages of a comparison's problems start with

_LABELS = {
    "train.optimizer": "optimizer",
    "train.learning_rate": "learning rate",
    "train.momentum": "momentum",
    "train.weight_decay": "weight decay",
    "train.batch_size": "batch size",
    "train.loss": "loss",
    "model.init": "initialisation",
}
_FLOAT_KEYS = ("train.learning_rate", "train.momentum", "train.weight_decay")
_INT_KEYS = ("train.batch_size",)
# Activations worth comparing, in the order they are suggested: step and sign have no gradient
# (gradient descent cannot train through them) and softmax belongs to cross-entropy's output.
_ACTIVATIONS = ("sigmoid", "tanh", "relu", "gelu", "leaky_relu", "identity")
_REGRESSION_SETS = ("sine",)
# Suggested rates stop here: a larger one diverges on anything these presets train.
_MAX_SUGGESTED_RATE = 10.0
_MOMENTA = (0.9, 0.5, 0.99, 0.0)
_DECAYS = (1e-4, 1e-3, 1e-2, 0.0)


def _layer_key(index: int, field: str) -> str:
    return f"model.layers.{index}.{field}"


def key_label(preset: Preset, key: str) -> str:
    """A key as a person names it: "learning rate", "activation of layer 2 (output)"."""
    layer = layer_of(key)
    if layer is None:
        return _LABELS.get(key, key)
    index, field = layer
    if field == "units":
        return f"units of layer {index + 1}"
    role = "output" if index == len(preset.model.layers) - 1 else "hidden"
    return f"{field} of layer {index + 1} ({role})"


def _regression(preset: Preset) -> bool:
    return preset.data.set in _REGRESSION_SETS or preset.data.task == "regression"


def compare_keys(preset: Preset) -> list[tuple[str, str]]:
    """The keys this preset can compare, resolved (`model.layers.1.activation`), each with its
    label. Left out: what the preset's training ignores (a perceptron's optimizer, batch and loss;
    momentum but for sgd), the loss of a regression (only mse fits) and the output layer's units
    (the data sets them). The key the preset compares now is always listed."""
    n_layers = len(preset.model.layers)
    if preset.model.kind == "perceptron":
        keys = ["train.learning_rate", "model.init", _layer_key(0, "activation")]
    else:
        keys = ["train.optimizer", "train.learning_rate"]
        if preset.train.optimizer == "sgd":
            keys.append("train.momentum")
        keys += ["train.weight_decay", "train.batch_size"]
        if not _regression(preset):
            keys.append("train.loss")
        keys.append("model.init")
        for index in range(n_layers):
            if index < n_layers - 1:
                keys.append(_layer_key(index, "units"))
            keys.append(_layer_key(index, "activation"))
    current = preset.compare.key if preset.compare is not None else None
    if current is not None and current not in keys:
        if not isinstance(compare_path(current, n_layers), str):
            keys.append(current)
    return [(key, key_label(preset, key)) for key in keys]


# -- suggestions ------------------------------------------------------------------------------


def _tidy(x: float) -> float:
    """`x` without the noise of binary arithmetic (0.1 * 0.1 is 0.010000000000000002)."""
    return float(f"{x:.12g}")


def _ladder(base: float, factors: Iterable[float]) -> Iterator[float]:
    for factor in factors:
        yield _tidy(base * factor)


def _int_ladder(base: int, lo: int, hi: int) -> Iterator[int]:
    """base x2, /2, x4, /4, ... within lo..hi."""
    for power in range(1, 32):
        for value in (base * 2**power, base // 2**power):
            if lo <= value <= hi:
                yield value


def _after(choices: Sequence[str], current: Any) -> list[str]:
    """The choices after `current`, going round: the next one first."""
    start = choices.index(current) + 1 if current in choices else 0
    return [*choices[start:], *choices[:start]]


def _losses(preset: Preset) -> list[str]:
    """The losses that fit the output layer (as the trainer's head wants them)."""
    out = preset.model.layers[-1]
    fits = ["mse"]
    if out.units >= 2 and out.activation in ("identity", "softmax"):
        fits.append("cross_entropy")
    if out.units == 1 and out.activation in ("sigmoid", "identity"):
        fits.append("bce")
    if out.units == 1 and out.activation in ("sign", "step", "identity"):
        fits.append("perceptron")
    return fits


def _activations(preset: Preset, index: int) -> list[str]:
    if preset.model.kind == "perceptron":
        return list(PERCEPTRON_ACTIVATIONS)
    if index < len(preset.model.layers) - 1:
        return list(_ACTIVATIONS)
    loss = preset.train.loss
    if _regression(preset):
        return ["identity", "tanh"]
    if loss == "cross_entropy":
        return ["identity", "softmax"]
    if loss == "bce":
        return ["sigmoid", "identity"]
    if loss == "perceptron":
        return ["sign", "step", "identity"]
    return list(_ACTIVATIONS)


def _candidates(preset: Preset, key: str, own: Any) -> Iterable[Any]:
    layer = layer_of(key)
    if layer is not None:
        index, field = layer
        if field == "units":
            return _int_ladder(int(own), 1, MAX_UNITS)
        return _after(_activations(preset, index), own)
    if key == "train.optimizer":
        return _after(OPTIMIZERS, own)
    if key == "model.init":
        return _after(INITS, own)
    if key == "train.loss":
        return _after(_losses(preset), own)
    if key == "train.learning_rate":
        rates = _ladder(float(own), (10, 0.1, 100, 0.01, 1000, 0.001))
        return (rate for rate in rates if rate in LEARNING_RATE and rate <= _MAX_SUGGESTED_RATE)
    if key == "train.batch_size":
        return _int_ladder(int(own), 1, MAX_COUNT)
    if key == "train.momentum":
        return (m for m in _MOMENTA if m in MOMENTUM)
    if key == "train.weight_decay":
        return (d for d in _DECAYS if d in WEIGHT_DECAY)
    return ()


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def suggest_value(preset: Preset, key: str, taken: Iterable[Any] = ()) -> Any | None:
    """A sensible next value of `key` that is neither the preset's own nor in `taken`, typed
    as the schema wants (a float learning rate, an int batch size); None when there is none."""
    own = base_value(preset, key)
    used = [own, *taken]
    for value in _candidates(preset, key, own):
        if not any(_same(value, u) for u in used):
            return value
    return None


# -- presets with a comparison -----------------------------------------------------------------


def with_compare(preset: Preset, key: str, values: Sequence[Any]) -> Preset:
    """The preset comparing `key` over `values` (besides its own), validated."""
    compared = replace(preset, compare=CompareSpec(key=key, values=list(values)))
    return preset_from_dict(preset_to_dict(compared), source=SOURCE)


def add_variant(preset: Preset) -> Preset:
    """The preset with one more variant: a suggested value of the key it compares, or, where
    it compares nothing, of its optimizer (else of the first key with a suggestion)."""
    compare = preset.compare
    if compare is not None:
        if len(compare.values) >= MAX_VARIANTS - 1:
            raise PresetError(
                f"{SOURCE} trains {MAX_VARIANTS} variants already, the most it can; "
                "drop one to add another"
            )
        value = suggest_value(preset, compare.key, compare.values)
        if value is None:
            label = key_label(preset, compare.key)
            raise PresetError(
                f"{SOURCE}: no other {label} to suggest; type the values in the compare dialog"
            )
        return with_compare(preset, compare.key, [*compare.values, value])
    keys = [key for key, _ in compare_keys(preset)]
    if "train.optimizer" in keys:
        keys.remove("train.optimizer")
        keys.insert(0, "train.optimizer")
    for key in keys:
        value = suggest_value(preset, key)
        if value is not None:
            return with_compare(preset, key, [value])
    raise PresetError(f"{SOURCE}: nothing of this preset to compare")


def drop_variant(preset: Preset, index: int | None = None) -> Preset:
    """The preset without its last variant, or without variant `index` (as `variants` numbers
    them: 1 is the first value; 0, the preset itself, cannot go); no comparison once none is
    left."""
    compare = preset.compare
    if compare is None or not compare.values:
        raise PresetError(f"{SOURCE}: this preset compares nothing; there is no variant to drop")
    values = list(compare.values)
    if index is None:
        index = len(values)
    if index == 0:
        raise PresetError(f"{SOURCE}: variant 0 is the preset itself; it cannot be dropped")
    if not 1 <= index <= len(values):
        raise PresetError(f"{SOURCE}: there is no variant {index} (they are 1 to {len(values)})")
    del values[index - 1]
    if not values:
        return replace(preset, compare=None)
    return with_compare(preset, compare.key, values)


# -- typed values from text --------------------------------------------------------------------


def _kind(preset: Preset, key: str) -> str:
    path = compare_path(key, len(preset.model.layers))
    if isinstance(path, str):
        raise PresetError(f"{SOURCE}: {path}")
    if key in _FLOAT_KEYS:
        return "float"
    if key in _INT_KEYS or path[-1] == "units":
        return "int"
    return "str"


def parse_values(preset: Preset, key: str, text: str) -> list[Any]:
    """The values of a comma-separated text, typed for `key` (floats for a learning rate,
    whole numbers for units); empty items (a trailing comma) are skipped. Whether each value is
    allowed is the preset checker's to say (`with_compare`)."""
    kind = _kind(preset, key)
    label = key_label(preset, key)
    values: list[Any] = []
    for part in (item.strip() for item in text.split(",")):
        if not part:
            continue
        if kind == "float":
            try:
                number = float(part)
            except ValueError:
                raise PresetError(f"{label}: {show(part)} is not a number") from None
            if not math.isfinite(number):
                raise PresetError(f"{label}: {show(part)} is not a finite number")
            values.append(number)
        elif kind == "int":
            try:
                values.append(int(part))
            except ValueError:
                raise PresetError(f"{label}: {show(part)} is not a whole number") from None
        else:
            values.append(part)
    if not values:
        own = show_value(base_value(preset, key))
        raise PresetError(
            f"{label}: give the values to compare with this preset's {own}, comma separated"
        )
    return values
