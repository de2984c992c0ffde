"""The wording of preset error messages: short safe renderings of values, field paths and hints.

Every function here returns text for a one-line `PresetError` and never raises, whatever the
value (a huge integer, a broken `__repr__`, a key that is not a string).
"""

from __future__ import annotations

import difflib
import json
import reprlib
from collections.abc import Sequence
from typing import Any

from .toml_lines import BARE_KEY_PATTERN, FieldPath

__all__ = [
    "RenderedKey",
    "did_you_mean",
    "dotted",
    "got",
    "listing",
    "one_line",
    "plural",
    "show",
    "type_name",
]

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = 6
_repr.maxdict = 4
_repr.maxlevel = 2


def show(value: Any) -> str:
    """A short, one-line, safe rendering of any value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value.bit_length() > 128:
            return "a very large integer"
        return str(value)
    try:
        return _repr.repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not escape
        return f"a {type(value).__name__}"


def type_name(value: Any) -> str:
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


def got(value: Any) -> str:
    """`got a string ('ten')` style text; scalars are shown, containers only named."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"got {type_name(value)} ({show(value)})"
    return f"got {type_name(value)}"


class RenderedKey(str):
    """A non-string dict key in a field path, already rendered for messages."""


def _show_key(key: Any) -> str:
    if isinstance(key, RenderedKey):
        return str(key)
    if isinstance(key, str) and BARE_KEY_PATTERN.fullmatch(key):
        return key
    if isinstance(key, str):
        return json.dumps(key if len(key) <= 60 else key[:57] + "...")
    return show(key)


def dotted(path: FieldPath) -> str:
    """A field path as TOML spells it: `model.layers[0].units`."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _show_key(part)
    return out or "(top level)"


def one_line(text: str) -> str:
    """The text with its line breaks turned into spaces."""
    return " ".join(text.replace("\r", "\n").split("\n"))


def listing(names: Sequence[str]) -> str:
    """Allowed names as a comma-separated list."""
    return ", ".join(names)


def did_you_mean(word: Any, names: Sequence[str]) -> str:
    """`did you mean 'xor'? ` when a name is close to `word`, else empty text."""
    if not isinstance(word, str):
        return ""
    try:
        close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
    except Exception:  # noqa: BLE001 - a hint is best effort (odd names must not escape)
        return ""
    return f"did you mean '{close[0]}'? " if close else ""


def plural(count: int, word: str) -> str:
    """`1 row`, `2 rows`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
