"""A sweep's runs from the command line: `--seeds` and `--set KEY=V1,V2 ...` over a preset.

Everything here is checked before any folder is made: an unknown key, a value of the wrong type
or out of range (the preset checker's own message), an empty seed range. No torch.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields
from typing import Any

from tui_nn.errors import TuiNnError
from tui_nn.presets import preset_from_dict, preset_to_dict, slugify
from tui_nn.presets.compare import put_path, show_value
from tui_nn.presets.limits import MAX_SEED
from tui_nn.spec import DataSpec, LayerSpec, ModelSpec, Preset, TrainSpec

__all__ = ["MAX_RUNS", "Override", "SweepRun", "expand_grid", "parse_seeds", "parse_set"]

MAX_RUNS = 10_000  # a grid larger than this is a typo, not a sweep

_SECTIONS: dict[str, type] = {"data": DataSpec, "model": ModelSpec, "train": TrainSpec}
# Keys a sweep cannot vary: the seed is --seeds; lists do not fit `V1,V2`; paths are --data's.
_REFUSED = {
    ("train", "seed"): "vary the seed with --seeds",
    ("model", "layers"): "vary a layer's field, e.g. model.layers.0.units=4,8",
    ("data", "drop_columns"): "a list cannot be swept",
}
_LIST_FIELDS = ("weights", "bias")
_NONE_WORDS = ("none", "off")


@dataclass(frozen=True)
class Override:
    """One `--set` key and the values it takes (typed by the preset schema)."""

    key: str
    path: tuple[str | int, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SweepRun:
    """One run of the grid: its seed, the values of the `--set` keys, its preset and its name."""

    index: int
    seed: int
    overrides: dict[str, Any]
    preset: Preset
    name: str


def parse_seeds(text: str) -> list[int]:
    """`A-B` (inclusive) or `A,B,C`: the seeds, in order, each once."""
    text = text.strip()
    try:
        if "-" in text and "," not in text:
            first, last = (int(part) for part in text.split("-", 1))
            seeds = list(range(first, last + 1))
            if not seeds:
                raise TuiNnError(f"--seeds {text}: the range is empty ({first} is above {last})")
        else:
            seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise TuiNnError(
            f"--seeds {text}: give a range A-B or a list A,B,C of whole numbers"
        ) from None
    for seed in seeds:
        if not 0 <= seed <= MAX_SEED:
            raise TuiNnError(f"--seeds {text}: seed {seed} is not between 0 and {MAX_SEED}")
    if len(set(seeds)) != len(seeds):
        raise TuiNnError(f"--seeds {text}: a seed is named twice")
    if len(seeds) > MAX_RUNS:
        raise TuiNnError(f"--seeds {text}: {len(seeds):,} seeds is more than {MAX_RUNS:,}")
    return seeds


def parse_set(text: str, preset: Preset) -> Override:
    """`KEY=V1,V2`: a dotted preset key (`train.learning_rate`, `model.layers.0.units`) and its
    values, typed by the schema; "none" or "off" clears a key that may be absent."""
    key, sep, values_text = text.partition("=")
    key = key.strip()
    if not sep or not key or not values_text.strip():
        raise TuiNnError(
            f"--set {text}: expected KEY=VALUE[,VALUE...], e.g. train.learning_rate=0.01,0.1"
        )
    path, kind, optional = _resolve_key(key, preset)
    values = []
    for part in values_text.split(","):
        values.append(_typed(part.strip(), kind, optional, key))
    if len(set(map(repr, values))) != len(values):
        raise TuiNnError(f"--set {text}: a value is named twice")
    return Override(key, path, tuple(values))


def _resolve_key(key: str, preset: Preset) -> tuple[tuple[str | int, ...], str, bool]:
    """The key's path in the preset's dict, its type ("int", "float", "bool", "str") and
    whether it may be absent; an unknown key says which keys there are."""
    parts = key.split(".")
    section = parts[0]
    if section not in _SECTIONS:
        raise TuiNnError(
            f"--set {key}: unknown key; a key starts with {', '.join(_SECTIONS)} "
            "(e.g. train.learning_rate)"
        )
    cls: type = _SECTIONS[section]
    path: list[str | int] = [section]
    rest = parts[1:]
    if section == "model" and rest[:1] == ["layers"] and len(rest) == 3:
        try:
            index = int(rest[1])
        except ValueError:
            raise TuiNnError(f"--set {key}: {rest[1]!r} is not a layer number") from None
        count = len(preset.model.layers)
        if not 0 <= index < count:
            raise TuiNnError(
                f"--set {key}: the preset has {count} layers (model.layers.0 to "
                f"model.layers.{count - 1})"
            )
        cls, path, rest = LayerSpec, [section, "layers", index], rest[2:]
    names = {f.name: f for f in fields(cls)}
    if len(rest) != 1 or rest[0] not in names:
        shown = ", ".join(f"{'.'.join(map(str, path))}.{name}" for name in names)
        raise TuiNnError(f"--set {key}: unknown key; the keys there are {shown}")
    name = rest[0]
    refused = _REFUSED.get((section, name)) if cls is not LayerSpec else None
    if cls is LayerSpec and name in _LIST_FIELDS:
        refused = "a list cannot be swept"
    if refused is not None:
        raise TuiNnError(f"--set {key}: {refused}")
    annotation = str(names[name].type)
    kind = next(k for k in ("bool", "int", "float", "str") if k in annotation)
    return (*path, name), kind, "None" in annotation


def _typed(text: str, kind: str, optional: bool, key: str) -> Any:
    if text.lower() in _NONE_WORDS:
        if not optional:
            raise TuiNnError(f"--set {key}={text}: {key} cannot be cleared (it has no 'off')")
        return None
    try:
        if kind == "bool":
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind == "int":
            return int(text)
        if kind == "float":
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
            return value
    except ValueError:
        wanted = {"bool": "true or false", "int": "a whole number", "float": "a number"}[kind]
        raise TuiNnError(f"--set {key}={text}: {text!r} is not {wanted}") from None
    if not text:
        raise TuiNnError(f"--set {key}: an empty value")
    return text


def expand_grid(preset: Preset, seeds: list[int], overrides: list[Override]) -> list[SweepRun]:
    """Every combination of the overrides' values, times the seeds (innermost), each preset
    checked by the preset checker."""
    keys = [override.key for override in overrides]
    if len(set(keys)) != len(keys):
        raise TuiNnError("--set: a key is named twice; give all its values in one --set")
    combos = list(itertools.product(*(override.values for override in overrides)))
    total = len(combos) * len(seeds)
    if total > MAX_RUNS:
        raise TuiNnError(f"the sweep would make {total:,} runs, more than {MAX_RUNS:,}")
    runs: list[SweepRun] = []
    for combo in combos:
        raw = preset_to_dict(preset)
        for override, value in zip(overrides, combo, strict=True):
            put_path(raw, override.path, value)
        shown = ", ".join(f"{k}={show_value(v)}" for k, v in zip(keys, combo, strict=True))
        source = f"--set {shown}" if shown else "the preset"
        for seed in seeds:
            raw["train"] = {**raw.get("train", {}), "seed": seed}
            checked = preset_from_dict(raw, source=source)
            varied = {
                o.key: value for o, value in zip(overrides, combo, strict=True) if len(o.values) > 1
            }
            name = _run_name(len(runs), varied, seed)
            runs.append(
                SweepRun(len(runs), seed, dict(zip(keys, combo, strict=True)), checked, name)
            )
    return runs


def _run_name(index: int, overrides: dict[str, Any], seed: int) -> str:
    """`003-learning-rate-0-01-seed-3` (the keys that take more than one value): sorted by grid
    order, readable in `tui-nn runs`."""
    parts = [f"{key.rsplit('.', 1)[-1]}-{show_value(value)}" for key, value in overrides.items()]
    return slugify(f"{index:03d} {' '.join(parts)} seed {seed}")
