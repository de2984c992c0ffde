"""A Preset to and from TOML text and plain dicts, validated on the way in.

`parse_preset` and `preset_from_dict` accept anything and return a Preset or raise a one-line
`PresetError`; `dump_preset` writes readable TOML in the order a person would (top-level keys,
`[data]`, `[model]`, each `[[model.layers]]`, `[train]`); `preset_to_dict` gives JSON-safe values.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields, is_dataclass
from typing import Any

import tomli_w

from tui_nn.errors import PresetError
from tui_nn.spec import Preset

from .messages import one_line
from .schema import check_preset
from .toml_lines import FieldPath, key_lines

__all__ = ["dump_preset", "parse_preset", "preset_from_dict", "preset_to_dict"]

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
        raise PresetError(one_line(f"{source}: {_syntax_error(str(exc), text)}")) from None
    except (RecursionError, MemoryError):
        raise PresetError(f"{source}: TOML syntax error: nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - e.g. ValueError for a 5000-digit integer
        raise PresetError(one_line(f"{source}: TOML syntax error: {exc}")) from None

    def lines() -> dict[FieldPath, int]:
        try:
            return key_lines(text)
        except Exception:  # noqa: BLE001 - line numbers are best effort
            return {}

    return check_preset(raw, source, lines)


def _syntax_error(msg: str, text: str) -> str:
    """tomllib's message with its position moved to the front, as `line N: ...`."""
    m = _AT_LINE_RE.search(msg)
    if m:
        return f"line {m.group(1)}: TOML syntax error: {msg[: m.start()]} (column {m.group(2)})"
    m = _AT_END_RE.search(msg)
    if m:
        last = text.count("\n") + 1
        return f"line {last}: TOML syntax error: {msg[: m.start()]} (at end of file)"
    return f"TOML syntax error: {msg}"


def preset_from_dict(d: dict[str, Any], source: str = "<dict>") -> Preset:
    """Validate a plain dict (as made by `preset_to_dict`, e.g. after JSON) into a Preset."""
    return check_preset(d, source)


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    """A plain dict of TOML/JSON-safe values (None values omitted); see `preset_from_dict`."""
    out: dict[str, Any] = {"schema": preset.schema, "name": preset.name}
    out["description"] = preset.description
    out["data"] = _plain(preset.data)
    out["model"] = _plain(preset.model)
    out["train"] = _plain(preset.train)
    if preset.compare is not None:
        out["compare"] = _plain(preset.compare)
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
    if "compare" in d:
        out += ["", "[compare]"]
        _emit_table(out, d["compare"])
    return "\n".join(out) + "\n"


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
