"""Preset files: load, validate, save and find the TOML files that describe an experiment.

A preset file mirrors the dataclasses in `spec.py` (top-level `schema`, `name`,
`description`, then `[data]`, `[model]`, `[[model.layers]]` and `[train]` tables). Loading is
strict: every problem becomes a one-line `PresetError` naming the file, the line (when it can
be found), the dotted field, what is wrong and what is allowed. Nothing in a file is ever
executed, and no input whatsoever raises anything but `PresetError`.

This module must not import torch or textual.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import reprlib
import tempfile
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from .errors import PresetError
from .spec import (
    ACTIVATIONS,
    DATA_SETS,
    INITS,
    LOSSES,
    MODEL_KINDS,
    OPTIMIZERS,
    SCHEMA_VERSION,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Preset,
    TrainSpec,
)

__all__ = [
    "PresetInfo",
    "builtin_presets_dir",
    "dump_preset",
    "list_presets",
    "load_named",
    "load_preset",
    "parse_preset",
    "preset_from_dict",
    "preset_to_dict",
    "resolve_preset",
    "save_preset",
    "slugify",
    "user_presets_dir",
]

MAX_COUNT = 10_000_000  # epochs, samples, batch size, patience
MAX_UNITS = 100_000
MAX_LAYERS = 1_000
MAX_SEED = 2**63 - 1
MAX_FILE_BYTES = 64 * 1024 * 1024
PERCEPTRON_ACTIVATIONS = ("step", "sign")
DEVICE_FORMS = "auto, cpu, cuda, cuda:N (N = 0, 1, 2, ...) or mps"
_DEVICE_RE = re.compile(r"auto|cpu|cuda|cuda:(?:0|[1-9][0-9]{0,8})|mps", re.ASCII)
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_TOP_KEYS = ("schema", "name", "description", "data", "model", "train")

Key = tuple[Any, ...]  # a field path: table names, keys and array indices


# --------------------------------------------------------------------------------------
# Messages


_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = 6
_repr.maxdict = 4
_repr.maxlevel = 2


def _show(value: Any) -> str:
    """A short, one-line, safe rendering of any value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value.bit_length() > 128:
            return "a very large integer"
        return str(value)
    try:
        return _repr.repr(value)
    except Exception:  # a broken __repr__ must not escape
        return f"a {type(value).__name__}"


def _kind(value: Any) -> str:
    """The TOML name of a value's type, with an article."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    name = type(value).__name__
    return "a date-time" if name == "datetime" else f"a {name}"


def _got(value: Any) -> str:
    """`got a string ('ten')` style text; scalars are shown, containers only named."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"got {_kind(value)} ({_show(value)})"
    return f"got {_kind(value)}"


class _OddKey(str):
    """A non-string dict key, already rendered for messages."""


def _show_key(key: Any) -> str:
    if isinstance(key, _OddKey):
        return str(key)
    if isinstance(key, str) and _BARE_KEY_RE.fullmatch(key):
        return key
    if isinstance(key, str):
        return json.dumps(key if len(key) <= 60 else key[:57] + "...")
    return _show(key)


def _dotted(path: Key) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _show_key(part)
    return out or "(top level)"


def _one_line(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n"))


def _allowed(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names)


def _suggest(word: Any, names: tuple[str, ...] | list[str]) -> str:
    if not isinstance(word, str):
        return ""
    try:
        close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
    except Exception:  # best effort only
        return ""
    return f"did you mean '{close[0]}'? " if close else ""


# --------------------------------------------------------------------------------------
# Line numbers: tomllib gives none for values, so scan the (already valid) source text.


def _parse_key(line: str, i: int) -> tuple[list[str], int] | None:
    """Parse a (dotted) TOML key starting at `line[i]`; return its parts and the end index."""
    parts: list[str] = []
    n = len(line)
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            return None
        c = line[i]
        if c == '"':
            j = i + 1
            while j < n and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            if j >= n:
                return None
            raw = line[i : j + 1]
            try:
                part = json.loads(raw)
            except ValueError:
                part = raw[1:-1]
            parts.append(part)
            i = j + 1
        elif c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                return None
            parts.append(line[i + 1 : j])
            i = j + 1
        else:
            m = _BARE_KEY_RE.match(line, i)
            if not m:
                return None
            parts.append(m.group())
            i = m.end()
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] == ".":
            i += 1
            continue
        return parts, i


def _line_map(text: str) -> dict[Key, int]:
    """Map each table and key path (with array-of-table indices) to its first line number."""
    lines: dict[Key, int] = {}
    arrays: dict[Key, int] = {}  # array-of-tables path -> elements seen so far
    current: Key = ()
    depth = 0  # open brackets / braces of a multi-line value
    multi: str | None = None  # open multi-line string delimiter

    def resolve(parts: list[str]) -> Key:
        out: Key = ()
        for part in parts:
            out = (*out, part)
            if out in arrays:
                out = (*out, arrays[out] - 1)
        return out

    for lineno, line in enumerate(text.split("\n"), start=1):
        if depth == 0 and multi is None:
            stripped = line.lstrip(" \t")
            start = len(line) - len(stripped)
            if stripped.startswith("[["):
                parsed = _parse_key(line, start + 2)
                if parsed and line.startswith("]]", parsed[1]):
                    parts = parsed[0]
                    base = (*resolve(parts[:-1]), parts[-1])
                    arrays[base] = arrays.get(base, 0) + 1
                    current = (*base, arrays[base] - 1)
                    for k in range(1, len(current) + 1):
                        lines.setdefault(current[:k], lineno)
            elif stripped.startswith("["):
                parsed = _parse_key(line, start + 1)
                if parsed and line.startswith("]", parsed[1]):
                    current = resolve(parsed[0])
                    for k in range(1, len(current) + 1):
                        lines.setdefault(current[:k], lineno)
            else:
                parsed = _parse_key(line, start)
                if parsed and line.startswith("=", parsed[1]):
                    full = current
                    for part in parsed[0]:
                        full = (*full, part)
                        lines.setdefault(full, lineno)
        # Track strings, comments and brackets so that lines inside values are skipped.
        i, n = 0, len(line)
        while i < n:
            if multi is not None:
                if multi == '"""' and line[i] == "\\":
                    i += 2
                elif line.startswith(multi, i):
                    i += 3
                    while i < n and line[i] == multi[0]:
                        i += 1
                    multi = None
                else:
                    i += 1
                continue
            c = line[i]
            if c == "#":
                break
            if line.startswith('"""', i) or line.startswith("'''", i):
                multi = line[i : i + 3]
                i += 3
            elif c == '"':
                i += 1
                while i < n and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
            elif c == "'":
                j = line.find("'", i + 1)
                i = n if j < 0 else j + 1
            else:
                if c in "[{":
                    depth += 1
                elif c in "]}":
                    depth = max(0, depth - 1)
                i += 1
    return lines


# --------------------------------------------------------------------------------------
# Validation (shared by TOML text and plain dicts)


class _Checker:
    """Validates a raw preset dict and builds the dataclasses; raises on the first problem."""

    def __init__(self, source: str, lines: Callable[[], dict[Key, int]] | None) -> None:
        self.source = source
        self.lines = lines  # computed only when a problem is reported: it costs a text scan

    def fail(self, path: Key, problem: str) -> PresetError:
        lines = self.lines() if self.lines is not None else {}
        line = None
        for k in range(len(path), 0, -1):
            line = lines.get(path[:k])
            if line is not None:
                break
        where = f"line {line}: " if line is not None else ""
        return PresetError(_one_line(f"{self.source}: {where}{_dotted(path)}: {problem}"))

    # -- tables and keys

    def table(self, value: Any, path: Key, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a table, {_got(value)}")
        for key in value:
            if key not in allowed:
                where = f"[{_dotted(path)}]" if path else "the top level"
                shown = key if isinstance(key, str) else _OddKey(f"<{_kind(key)} key {_show(key)}>")
                raise self.fail(
                    (*path, shown),
                    f"unknown key; {_suggest(key, allowed)}allowed keys in {where}: "
                    f"{_allowed(allowed)}",
                )
        return value

    # -- scalars

    def integer(self, value: Any, path: Key, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected an integer, {_got(value)}; valid range: {lo} to {hi}")
        if not lo <= value <= hi:
            raise self.fail(path, f"{_show(value)} is out of range; valid range: {lo} to {hi}")
        return int(value)

    def number(
        self,
        value: Any,
        path: Key,
        range_text: str,
        ok: Any,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, {_got(value)}; valid range: {range_text}")
        try:
            x = float(value)
        except (OverflowError, ValueError):
            raise self.fail(
                path, f"{_show(value)} is too large; valid range: {range_text}"
            ) from None
        if not math.isfinite(x):
            raise self.fail(
                path, f"must be a finite number, got {_show(x)}; valid range: {range_text}"
            )
        if not ok(x):
            raise self.fail(path, f"{_show(x)} is out of range; valid range: {range_text}")
        return x

    def boolean(self, value: Any, path: Key) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected a boolean (true or false), {_got(value)}")
        return value

    def string(self, value: Any, path: Key, *, nonempty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, {_got(value)}")
        try:
            value.encode("utf-8")
        except UnicodeError:
            raise self.fail(path, "contains characters that are not valid Unicode") from None
        if nonempty and not value.strip():
            raise self.fail(path, "must not be empty")
        return str(value)

    def choice(self, value: Any, path: Key, allowed: tuple[str, ...], what: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, {_got(value)}; allowed: {_allowed(allowed)}")
        if value not in allowed:
            raise self.fail(
                path,
                f"unknown {what} {_show(value)}; {_suggest(value, allowed)}"
                f"allowed: {_allowed(allowed)}",
            )
        return str(value)

    def seed(self, value: Any, path: Key) -> int:
        return self.integer(value, path, 0, MAX_SEED)

    def count(self, value: Any, path: Key, hi: int = MAX_COUNT) -> int:
        return self.integer(value, path, 1, hi)

    def device(self, value: Any, path: Key) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, {_got(value)}; use {DEVICE_FORMS}")
        if not _DEVICE_RE.fullmatch(value):
            raise self.fail(path, f"invalid device {_show(value)}; use {DEVICE_FORMS}")
        return str(value)

    def vector(self, value: Any, path: Key) -> list[float]:
        if not isinstance(value, list | tuple):
            raise self.fail(path, f"expected an array of numbers, {_got(value)}")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise self.fail((*path, i), f"expected a number, {_got(item)}")
            try:
                x = float(item)
            except (OverflowError, ValueError):
                raise self.fail((*path, i), f"{_show(item)} is too large") from None
            if not math.isfinite(x):
                raise self.fail((*path, i), f"must be a finite number, got {_show(x)}")
            out.append(x)
        return out

    # -- the preset

    def preset(self, raw: Any) -> Preset:
        if not isinstance(raw, dict):
            raise self.fail((), f"expected a table, {_got(raw)}")
        if "schema" not in raw:
            raise self.fail(
                ("schema",), f"missing required key; add `schema = {SCHEMA_VERSION}` at the top"
            )
        schema = raw["schema"]
        if isinstance(schema, bool) or not isinstance(schema, int):
            raise self.fail(
                ("schema",), f"expected an integer, {_got(schema)}; use {SCHEMA_VERSION}"
            )
        if schema > SCHEMA_VERSION:
            raise self.fail(
                ("schema",),
                f"schema {_show(schema)} was written by a newer tui-nn; "
                f"this version reads schema {SCHEMA_VERSION} (upgrade tui-nn)",
            )
        if schema != SCHEMA_VERSION:
            raise self.fail(
                ("schema",), f"unsupported schema {_show(schema)}; use {SCHEMA_VERSION}"
            )
        self.table(raw, (), _TOP_KEYS)
        if "name" not in raw:
            raise self.fail(("name",), 'missing required key; add `name = "..."` at the top')
        name = self.string(raw["name"], ("name",), nonempty=True)
        description = ""
        if raw.get("description") is not None:
            description = self.string(raw["description"], ("description",))
        data = self.data(raw.get("data", {}))
        model = self.model(raw.get("model", {}))
        train = self.train(raw.get("train", {}))
        return Preset(
            name=name,
            description=description,
            data=data,
            model=model,
            train=train,
            schema=SCHEMA_VERSION,
        )

    def data(self, raw: Any) -> DataSpec:
        p: Key = ("data",)
        t = self.table(raw, p, _names(DataSpec))
        spec = DataSpec()
        if t.get("set") is not None:
            spec.set = self.choice(t["set"], (*p, "set"), DATA_SETS, "data set")
        if t.get("test_fraction") is not None:
            spec.test_fraction = self.number(
                t["test_fraction"], (*p, "test_fraction"), "0 <= x < 1", lambda x: 0 <= x < 1
            )
        if t.get("samples") is not None:
            spec.samples = self.count(t["samples"], (*p, "samples"))
        if t.get("noise") is not None:
            spec.noise = self.number(t["noise"], (*p, "noise"), ">= 0", lambda x: x >= 0)
        if t.get("seed") is not None:
            spec.seed = self.seed(t["seed"], (*p, "seed"))
        if t.get("path") is not None:
            spec.path = self.string(t["path"], (*p, "path"), nonempty=True)
        if t.get("label_column") is not None:
            col = t["label_column"]
            if isinstance(col, int) and not isinstance(col, bool):
                spec.label_column = str(self.integer(col, (*p, "label_column"), 0, MAX_COUNT))
            elif isinstance(col, str):
                spec.label_column = self.string(col, (*p, "label_column"), nonempty=True)
            else:
                raise self.fail(
                    (*p, "label_column"),
                    f"expected a column name (string) or 0-based index (integer), {_got(col)}",
                )
        return spec

    def model(self, raw: Any) -> ModelSpec:
        p: Key = ("model",)
        t = self.table(raw, p, _names(ModelSpec))
        spec = ModelSpec()
        if t.get("kind") is not None:
            spec.kind = self.choice(t["kind"], (*p, "kind"), MODEL_KINDS, "model kind")
        if t.get("init") is not None:
            spec.init = self.choice(t["init"], (*p, "init"), INITS, "init")
        lp: Key = (*p, "layers")
        if t.get("layers") is None:
            raise self.fail(
                lp, "missing; add at least one [[model.layers]] table with units and activation"
            )
        layers = t["layers"]
        if not isinstance(layers, list | tuple):
            raise self.fail(lp, f"expected an array of tables ([[model.layers]]), {_got(layers)}")
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
                    f"{_allowed(PERCEPTRON_ACTIVATIONS)}, got {_show(act)}",
                )
        return spec

    def layer(self, raw: Any, p: Key) -> LayerSpec:
        t = self.table(raw, p, _names(LayerSpec))
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
                raise self.fail(wp, f"expected an array of arrays (one row per unit), {_got(rows)}")
            if len(rows) != spec.units:
                raise self.fail(
                    wp,
                    f"has {_n(len(rows), 'row')} but the layer has {_n(spec.units, 'unit')}; "
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
                        f"has {_n(len(row), 'weight')} but row 0 has {width}; all rows need one "
                        "weight per input",
                    )
            spec.weights = weights
        if t.get("bias") is not None:
            bias = self.vector(t["bias"], (*p, "bias"))
            if len(bias) != spec.units:
                raise self.fail(
                    (*p, "bias"),
                    f"has {_n(len(bias), 'value')} but the layer has {_n(spec.units, 'unit')}; "
                    "give one bias per unit",
                )
            spec.bias = bias
        return spec

    def train(self, raw: Any) -> TrainSpec:
        p: Key = ("train",)
        t = self.table(raw, p, _names(TrainSpec))
        spec = TrainSpec()
        if t.get("loss") is not None:
            spec.loss = self.choice(t["loss"], (*p, "loss"), LOSSES, "loss")
        if t.get("optimizer") is not None:
            spec.optimizer = self.choice(t["optimizer"], (*p, "optimizer"), OPTIMIZERS, "optimizer")
        if t.get("learning_rate") is not None:
            spec.learning_rate = self.number(
                t["learning_rate"], (*p, "learning_rate"), "> 0", lambda x: x > 0
            )
        if t.get("momentum") is not None:
            spec.momentum = self.number(
                t["momentum"], (*p, "momentum"), "0 <= x < 1", lambda x: 0 <= x < 1
            )
        if t.get("weight_decay") is not None:
            spec.weight_decay = self.number(
                t["weight_decay"], (*p, "weight_decay"), ">= 0", lambda x: x >= 0
            )
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
            spec.target_loss = self.number(
                t["target_loss"], (*p, "target_loss"), ">= 0", lambda x: x >= 0
            )
        if t.get("target_accuracy") is not None:
            spec.target_accuracy = self.number(
                t["target_accuracy"], (*p, "target_accuracy"), "0 < x <= 1", lambda x: 0 < x <= 1
            )
        if t.get("patience") is not None:
            spec.patience = self.count(t["patience"], (*p, "patience"))
        return spec


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _check(raw: Any, source: str, lines: Callable[[], dict[Key, int]] | None) -> Preset:
    try:
        return _Checker(source, lines).preset(raw)
    except PresetError:
        raise
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise PresetError(
            _one_line(f"{source}: invalid preset: {type(exc).__name__}: {exc}")
        ) from None


# --------------------------------------------------------------------------------------
# Parsing and loading

_AT_LINE_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


def parse_preset(text: str, source: str = "<string>") -> Preset:
    """Parse and validate preset TOML text; `source` names it in error messages."""
    if not isinstance(text, str):
        raise PresetError(f"{source}: expected text, got {type(text).__name__}")
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_LINE_RE.search(msg)
        if m:
            msg = f"line {m.group(1)}: TOML syntax error: {msg[: m.start()]} (column {m.group(2)})"
        else:
            m = _AT_END_RE.search(msg)
            if m:
                last = text.count("\n") + 1
                msg = f"line {last}: TOML syntax error: {msg[: m.start()]} (at end of file)"
            else:
                msg = f"TOML syntax error: {msg}"
        raise PresetError(_one_line(f"{source}: {msg}")) from None
    except (RecursionError, MemoryError):
        raise PresetError(f"{source}: TOML syntax error: nested too deeply") from None
    except Exception as exc:  # e.g. ValueError for a 5000-digit integer
        raise PresetError(_one_line(f"{source}: TOML syntax error: {exc}")) from None

    def lines() -> dict[Key, int]:
        try:
            return _line_map(text)
        except Exception:  # line numbers are best effort
            return {}

    return _check(raw, source, lines)


def load_preset(path: str | os.PathLike[str]) -> Preset:
    """Read and validate a preset file."""
    p = Path(os.fspath(path)).expanduser()
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise PresetError(f"preset file not found: {p}") from None
    except IsADirectoryError:
        raise PresetError(f"preset path is a folder, not a file: {p}") from None
    except PermissionError:
        raise PresetError(f"cannot read preset file {p}: permission denied") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PresetError(_one_line(f"cannot read preset file {p}: {reason}")) from None
    if len(data) > MAX_FILE_BYTES:
        raise PresetError(f"{p}: preset file is too large (over {MAX_FILE_BYTES} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PresetError(
            f"{p}: line {line}: not a UTF-8 text file (invalid byte at offset {exc.start})"
        ) from None
    return parse_preset(text, source=str(p))


def preset_from_dict(d: dict[str, Any], source: str = "<dict>") -> Preset:
    """Validate a plain dict (as made by `preset_to_dict`, e.g. after JSON) into a Preset."""
    return _check(d, source, None)


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    """A plain dict of TOML/JSON-safe values (None values omitted); see `preset_from_dict`."""
    out: dict[str, Any] = {"schema": preset.schema, "name": preset.name}
    out["description"] = preset.description
    out["data"] = _plain(preset.data)
    out["model"] = _plain(preset.model)
    out["train"] = _plain(preset.train)
    return {k: v for k, v in out.items() if v is not None}


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in fields(value):
            v = getattr(value, f.name)
            if v is not None:
                out[f.name] = _plain(v)
        return out
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------
# Writing


def _literal(value: Any) -> str:
    """A TOML literal for a scalar or a flat array of scalars, on one line."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _emit_table(out: list[str], table: dict[str, Any]) -> None:
    for key, value in table.items():
        if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
            out.append(f"{key} = [")
            out.extend(f"    {_literal(row)}," for row in value)
            out.append("]")
        else:
            out.append(f"{key} = {_literal(value)}")


def dump_preset(preset: Preset) -> str:
    """The preset as readable TOML text (validated first; raises PresetError if invalid)."""
    d = preset_to_dict(preset)
    checked = preset_from_dict(d, source="<preset>")
    d = preset_to_dict(checked)
    out: list[str] = []
    _emit_table(out, {k: d[k] for k in ("schema", "name", "description") if k in d})
    out += ["", "[data]"]
    _emit_table(out, d["data"])
    model = dict(d["model"])
    layers = model.pop("layers")
    out += ["", "[model]"]
    _emit_table(out, model)
    for layer in layers:
        out += ["", "[[model.layers]]"]
        _emit_table(out, layer)
    out += ["", "[train]"]
    _emit_table(out, d["train"])
    return "\n".join(out) + "\n"


def _builtin_candidates() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [here / "builtin_presets", here.parent / "presets"]


def builtin_presets_dir() -> Path:
    """The folder of built-in presets (packaged copy first, then the source checkout's)."""
    candidates = _builtin_candidates()
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def user_presets_dir() -> Path:
    """The user's preset folder (honours XDG_CONFIG_HOME on Linux); may not exist yet."""
    return Path(platformdirs.user_config_path("tui-nn")) / "presets"


def _inside_builtin(path: Path) -> bool:
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        target = Path(os.path.abspath(path))
    for c in _builtin_candidates():
        try:
            base = c.resolve()
        except (OSError, RuntimeError):
            continue
        if target == base or target.is_relative_to(base):
            return True
    return False


def save_preset(preset: Preset, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write the preset atomically to `path` (a .toml file); return the absolute path."""
    p = Path(os.path.abspath(Path(os.fspath(path)).expanduser()))
    if _inside_builtin(p):
        raise PresetError(
            f"cannot save into the built-in presets folder: {p}; save to {user_presets_dir()} "
            "or another folder"
        )
    text = dump_preset(preset)
    if not overwrite and p.exists():
        raise PresetError(f"preset file already exists: {p} (choose another name)")
    folder = p.parent
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            mode = p.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
        if overwrite:
            os.replace(tmp, p)
        else:
            _replace_no_clobber(tmp, p)
        tmp = None
        _fsync_dir(folder)
    except PresetError:
        raise
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise PresetError(_one_line(f"cannot save preset to {p}: {reason}")) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return p


def _replace_no_clobber(tmp: str, p: Path) -> None:
    """Move tmp to p unless p exists (atomic via a hard link where the file system allows)."""
    try:
        os.link(tmp, p)
    except FileExistsError:
        raise PresetError(f"preset file already exists: {p} (choose another name)") from None
    except OSError:
        if p.exists():
            raise PresetError(f"preset file already exists: {p} (choose another name)") from None
        os.replace(tmp, p)
        return
    os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------
# Discovery


@dataclass
class PresetInfo:
    """One preset file found on disk."""

    name: str  # the file stem, used on the command line
    title: str  # the preset's own `name`
    description: str
    path: Path
    builtin: bool


def _preset_files(folder: Path) -> list[Path]:
    try:
        found = [f for f in folder.glob("*.toml") if not f.name.startswith(".") and f.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda f: f.stem)


def _info(path: Path, builtin: bool) -> PresetInfo:
    try:
        preset = load_preset(path)
    except PresetError as exc:
        return PresetInfo(path.stem, path.stem, f"(invalid: {exc})", path, builtin)
    return PresetInfo(path.stem, preset.name, preset.description, path, builtin)


def list_presets() -> list[PresetInfo]:
    """Built-in presets (by stem), then the user's; broken files are listed as invalid."""
    out = [_info(f, True) for f in _preset_files(builtin_presets_dir())]
    out += [_info(f, False) for f in _preset_files(user_presets_dir())]
    return out


def resolve_preset(name_or_path: str | os.PathLike[str]) -> Path:
    """A preset's file: an existing path or a `.toml` path, else a user or built-in stem."""
    text = os.fspath(name_or_path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if not text.strip():
        raise PresetError("empty preset name")
    p = Path(text).expanduser()
    looks_like_path = (
        text.lower().endswith(".toml") or "/" in text or (os.sep != "/" and os.sep in text)
    )
    try:
        if p.is_file():
            return p
    except (OSError, ValueError):
        pass
    if looks_like_path:
        raise PresetError(f"preset file not found: {p}")
    for folder in (user_presets_dir(), builtin_presets_dir()):
        candidate = folder / f"{text}.toml"
        try:
            if candidate.is_file():
                return candidate
        except (OSError, ValueError):
            continue
    names = sorted({info.name for info in list_presets()})
    hint = _suggest(text, names)
    available = _allowed(names) if names else "(none found)"
    raise PresetError(
        _one_line(
            f"unknown preset {_show(text)}; {hint}available: {available} "
            "(or give the path of a .toml file)"
        )
    )


def load_named(name_or_path: str | os.PathLike[str]) -> Preset:
    """Load a preset by stem (user first, then built-in) or by path."""
    return load_preset(resolve_preset(name_or_path))


_RESERVED_STEMS = {"con", "prn", "aux", "nul"} | {
    f"{d}{i}" for d in ("com", "lpt") for i in range(10)
}


def slugify(title: str) -> str:
    """A safe file stem for a typed preset name: lower-case ASCII letters, digits and '-'."""
    text = unicodedata.normalize("NFKD", str(title)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    if not slug:
        return "preset"
    if slug in _RESERVED_STEMS:
        slug += "-preset"
    return slug
