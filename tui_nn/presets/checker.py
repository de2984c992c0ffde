"""The preset validator's building blocks: a `Checker` that reports a problem as a one-line
`PresetError` (the source, the line when known, the dotted field) and checks tables, keys and
scalar values; `field_names`, the keys a dataclass's table allows."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from tui_nn.errors import PresetError

from .limits import DEVICE_FORMS, DEVICE_PATTERN, MAX_COUNT, MAX_SEED, Interval
from .messages import RenderedKey, did_you_mean, dotted, got, listing, one_line, show, type_name
from .toml_lines import FieldPath

__all__ = ["Checker", "field_names"]


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass: the keys its TOML table allows."""
    return tuple(f.name for f in fields(cls))


class Checker:
    """Checks the parts of a raw preset dict; raises on the first problem."""

    def __init__(self, source: str, lines: Callable[[], dict[FieldPath, int]] | None) -> None:
        self.source = source
        self.lines = lines  # computed only when a problem is reported: it costs a text scan

    def fail(self, path: FieldPath, problem: str) -> PresetError:
        lines = self.lines() if self.lines is not None else {}
        line = None
        for k in range(len(path), 0, -1):
            line = lines.get(path[:k])
            if line is not None:
                break
        where = f"line {line}: " if line is not None else ""
        return PresetError(one_line(f"{self.source}: {where}{dotted(path)}: {problem}"))

    # -- tables and keys

    def table(self, value: Any, path: FieldPath, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a table, {got(value)}")
        for key in value:
            if key not in allowed:
                where = f"[{dotted(path)}]" if path else "the top level"
                shown = (
                    key
                    if isinstance(key, str)
                    else RenderedKey(f"<{type_name(key)} key {show(key)}>")
                )
                raise self.fail(
                    (*path, shown),
                    f"unknown key; {did_you_mean(key, allowed)}allowed keys in {where}: "
                    f"{listing(allowed)}",
                )
        return value

    # -- scalars

    def integer(self, value: Any, path: FieldPath, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected an integer, {got(value)}; valid range: {lo} to {hi}")
        if not lo <= value <= hi:
            raise self.fail(path, f"{show(value)} is out of range; valid range: {lo} to {hi}")
        return int(value)

    def number(self, value: Any, path: FieldPath, allowed: Interval) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, {got(value)}; valid range: {allowed}")
        try:
            x = float(value)
        except (OverflowError, ValueError):
            raise self.fail(path, f"{show(value)} is too large; valid range: {allowed}") from None
        if not math.isfinite(x):
            raise self.fail(path, f"must be a finite number, got {show(x)}; valid range: {allowed}")
        if x not in allowed:
            raise self.fail(path, f"{show(x)} is out of range; valid range: {allowed}")
        return x

    def boolean(self, value: Any, path: FieldPath) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected a boolean (true or false), {got(value)}")
        return value

    def string(self, value: Any, path: FieldPath, *, nonempty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, {got(value)}")
        try:
            value.encode("utf-8")
        except UnicodeError:
            raise self.fail(path, "contains characters that are not valid Unicode") from None
        if nonempty and not value.strip():
            raise self.fail(path, "must not be empty")
        return str(value)

    def choice(self, value: Any, path: FieldPath, allowed: tuple[str, ...], what: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, {got(value)}; allowed: {listing(allowed)}")
        if value not in allowed:
            raise self.fail(
                path,
                f"unknown {what} {show(value)}; {did_you_mean(value, allowed)}"
                f"allowed: {listing(allowed)}",
            )
        return str(value)

    def seed(self, value: Any, path: FieldPath) -> int:
        return self.integer(value, path, 0, MAX_SEED)

    def count(self, value: Any, path: FieldPath, hi: int = MAX_COUNT) -> int:
        return self.integer(value, path, 1, hi)

    def device(self, value: Any, path: FieldPath) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, {got(value)}; use {DEVICE_FORMS}")
        if not DEVICE_PATTERN.fullmatch(value):
            raise self.fail(path, f"invalid device {show(value)}; use {DEVICE_FORMS}")
        return str(value)

    def vector(self, value: Any, path: FieldPath) -> list[float]:
        if not isinstance(value, list | tuple):
            raise self.fail(path, f"expected an array of numbers, {got(value)}")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise self.fail((*path, i), f"expected a number, {got(item)}")
            try:
                x = float(item)
            except (OverflowError, ValueError):
                raise self.fail((*path, i), f"{show(item)} is too large") from None
            if not math.isfinite(x):
                raise self.fail((*path, i), f"must be a finite number, got {show(x)}")
            out.append(x)
        return out
