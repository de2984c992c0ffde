"""A comparison's variants: the preset itself and, for each value of its [compare] table, the
preset with the compared key set to that value, all else equal (the same seed: the same initial
weights and batch order wherever the change leaves the shapes alike). No torch.

    [compare]
    key = "train.optimizer"        # one of spec.COMPARE_KEYS
    values = ["rmsprop", "adam"]   # the variants besides the preset's own value

`check_compare` validates the table (each variant is checked as a preset of its own);
`variants` lists what the trainer trains side by side.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tui_nn.errors import PresetError
from tui_nn.spec import COMPARE_KEYS, MAX_VARIANTS, CompareSpec, Preset

from .checker import Checker, field_names
from .messages import got, listing, show
from .toml_lines import FieldPath

__all__ = [
    "Variant",
    "base_value",
    "rebased",
    "check_compare",
    "compare_path",
    "compared_values",
    "layer_of",
    "put_path",
    "show_value",
    "variant_label",
    "variants",
]

_LAYER_KEY = re.compile(r"model\.layers\.(\d+)\.(units|activation)")


@dataclass(frozen=True)
class Variant:
    """One of a comparison's networks: what it sets (`label`, e.g. "optimizer=adam") and its
    preset (without [compare])."""

    index: int
    label: str
    value: Any
    preset: Preset


def show_value(value: Any) -> str:
    """A value as run names, legends and tables show it (None is `off`)."""
    if value is None:
        return "off"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def variant_label(key: str, value: Any) -> str:
    """What a variant sets, short: `optimizer=adam`, `units=8`."""
    return f"{key.rsplit('.', 1)[-1]}={show_value(value)}"


def layer_of(key: str) -> tuple[int, str] | None:
    """A layer's compared key (`model.layers.1.units`): the layer's index and the field."""
    match = _LAYER_KEY.fullmatch(key)
    return (int(match.group(1)), match.group(2)) if match is not None else None


def compare_path(key: str, n_layers: int) -> tuple[str | int, ...] | str:
    """The key's path in a preset dict, or why it cannot be compared (one line)."""
    layer = layer_of(key)
    if layer is not None:
        index, name = layer
        if index >= n_layers:
            last = n_layers - 1
            return f"the preset has {n_layers} layers (model.layers.0 to model.layers.{last})"
        return ("model", "layers", index, name)
    if key in COMPARE_KEYS and ".N." not in key:  # (N stands for a layer's index)
        section, name = key.split(".")
        return (section, name)
    return f"{show(key)} cannot be compared; the keys that can: {listing(COMPARE_KEYS)}"


def _get(raw: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    node: Any = raw
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else {}
        else:
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return None if node == {} else node


def put_path(raw: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    """Set the key at `path` of a preset dict (None removes it: an absent key)."""
    node: Any = raw
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    last = path[-1]
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


def base_value(preset: Preset, key: str) -> Any:
    """The preset's own value of a compared key."""
    path = compare_path(key, len(preset.model.layers))
    if isinstance(path, str):
        raise PresetError(path)
    node: Any = preset
    for part in path:
        node = node[part] if isinstance(part, int) else getattr(node, str(part))
    return node


def compared_values(preset: Preset) -> list[Any]:
    """The compared key's value in each network: the preset's own first, then the table's
    ([] for a preset that compares nothing)."""
    compare = preset.compare
    if compare is None or not compare.values:
        return []
    return [base_value(preset, compare.key), *compare.values]


def check_compare(
    check: Checker,
    raw: Any,
    preset_raw: dict[str, Any],
    check_variant: Callable[[dict[str, Any]], Preset],
) -> CompareSpec:
    """The [compare] table of the preset `preset_raw`; `check_variant` validates one variant's
    preset dict (raising `PresetError`), so that a value is held to the same rules as the
    preset's own."""
    p: FieldPath = ("compare",)
    t = check.table(raw, p, field_names(CompareSpec))
    if "key" not in t:
        raise check.fail(p, 'missing key; add e.g. key = "train.optimizer"')
    key = check.string(t["key"], (*p, "key"), nonempty=True)
    layers = _get(preset_raw, ("model", "layers"))
    path = compare_path(key, len(layers) if isinstance(layers, list) else 0)
    if isinstance(path, str):
        raise check.fail((*p, "key"), path)
    values = t.get("values")
    vp: FieldPath = (*p, "values")
    if not isinstance(values, list | tuple):
        raise check.fail(vp, f"expected an array of the values to compare, {got(values)}")
    if not values:
        raise check.fail(vp, "is empty; give at least one value besides the preset's own")
    if len(values) > MAX_VARIANTS - 1:
        raise check.fail(
            vp, f"{len(values)} values is too many; compare at most {MAX_VARIANTS - 1} others"
        )
    body = {k: v for k, v in preset_raw.items() if k != "compare"}
    own = _get(body, path)
    seen = [own]
    for i, value in enumerate(values):
        if isinstance(value, dict | list | tuple):
            raise check.fail((*vp, i), f"expected a single value, {got(value)}")
        if any(value == o and isinstance(value, bool) == isinstance(o, bool) for o in seen):
            what = "the preset's own value" if value == own else "named twice"
            raise check.fail((*vp, i), f"{show(value)} is {what}; compare different values")
        seen.append(value)
        variant = copy.deepcopy(body)
        put_path(variant, path, value)
        try:
            check_variant(variant)
        except PresetError as error:
            problem = str(error).split(": ", 1)[-1]
            raise check.fail((*vp, i), f"{key} = {show(value)}: {problem}") from None
    return CompareSpec(key=key, values=list(values))


def variants(preset: Preset) -> list[Variant]:
    """The networks a comparison trains: the preset's own first, then one per value, each named
    after the preset and what it sets; [] for a preset that compares nothing."""
    compare = preset.compare
    if compare is None or not compare.values:
        return []
    from .convert import preset_from_dict, preset_to_dict

    own = replace(preset, compare=None)
    body = preset_to_dict(own)
    path = compare_path(compare.key, len(preset.model.layers))
    if isinstance(path, str):
        raise PresetError(path)
    out: list[Variant] = []
    for value in compared_values(preset):
        raw = copy.deepcopy(body)
        put_path(raw, path, value)
        label = variant_label(compare.key, value)
        made = preset_from_dict(raw, source=f"the variant {label}")
        out.append(Variant(len(out), label, value, replace(made, name=f"{preset.name} [{label}]")))
    return out


def rebased(preset: Preset, before: Preset) -> Preset:
    """`preset` after an edit of `before`: where the edit set the compared key to one of the
    compared values, that value and the preset's old one trade places (the same networks, the
    edited one first). Anything else as it is (the checker says what no longer fits)."""
    compare = preset.compare
    if compare is None:
        return preset
    try:
        new, old = base_value(preset, compare.key), base_value(before, compare.key)
    except (PresetError, IndexError, AttributeError):
        return preset
    if new == old or new not in compare.values:
        return preset
    values = [old if value == new else value for value in compare.values]
    return replace(preset, compare=replace(compare, values=values))
