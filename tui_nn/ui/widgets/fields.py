"""Parsing and validating what is typed into the editing fields, with one-line reasons.

`parse_*` functions raise `ValueError` with a message meant for the user; `FieldValidator`
wraps one for a Textual `Input`, so the field is marked invalid while it holds bad text.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any

from textual.content import Content
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Static

from tui_nn.presets.limits import (
    LEARNING_RATE,
    MAX_COUNT,
    MAX_SEED,
    MAX_UNITS,
    NOISE,
    TEST_FRACTION,
    Interval,
)


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 20 else text[:17] + "...")


def parse_int(text: str, lo: int, hi: int) -> int:
    stripped = text.strip()
    if not stripped:
        raise ValueError("needs a whole number")
    try:
        value = int(stripped)
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a whole number") from None
    if value < lo:
        raise ValueError(f"must be at least {lo}, got {value}")
    if value > hi:
        raise ValueError(f"must be at most {hi}, got {value}")
    return value


def parse_float(
    text: str,
    *,
    lo: float | None = None,
    lo_open: bool = False,
    hi: float | None = None,
    hi_open: bool = False,
) -> float:
    stripped = text.strip()
    if not stripped:
        raise ValueError("needs a number")
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    low_ok = lo is None or (value > lo if lo_open else value >= lo)
    high_ok = hi is None or (value < hi if hi_open else value <= hi)
    if not (low_ok and high_ok):
        parts = []
        if lo is not None:
            parts.append(f"{'greater than' if lo_open else 'at least'} {lo:g}")
        if hi is not None:
            parts.append(f"{'less than' if hi_open else 'at most'} {hi:g}")
        raise ValueError(f"must be {' and '.join(parts)}, got {value:g}")
    return value


def parse_in(text: str, allowed: Interval) -> float:
    """A number inside `allowed` (the interval the preset validator accepts)."""
    return parse_float(
        text, lo=allowed.lo, lo_open=allowed.lo_open, hi=allowed.hi, hi_open=allowed.hi_open
    )


def units(text: str) -> int:
    return parse_int(text, 1, MAX_UNITS)


def learning_rate(text: str) -> float:
    return parse_in(text, LEARNING_RATE)


def count(text: str) -> int:
    return parse_int(text, 1, MAX_COUNT)


def seed(text: str) -> int:
    return parse_int(text, 0, MAX_SEED)


def fraction(text: str) -> float:
    return parse_in(text, TEST_FRACTION)


def noise(text: str) -> float | None:
    if not text.strip():
        return None  # the data set's default
    return parse_in(text, NOISE)


def optional_count(text: str) -> int | None:
    if not text.strip():
        return None
    return count(text)


def nonempty(text: str) -> str | None:
    return text.strip() or None


class NumberInput(Input):
    """An Input for numbers: it leaves the space key to the app (space starts or pauses
    training), since no number contains a space. Other printable keys are typed as usual."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if key == "space":
            return False
        return super().check_consume_key(key, character)


class FieldValidator(Validator):
    """Validates an Input's text with a `parse_*` function; the failure names the field."""

    def __init__(self, label: str, parse: Callable[[str], Any]) -> None:
        super().__init__()
        self.label = label
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except ValueError as error:
            return self.failure(f"{self.label}: {error}", value)
        return self.success()


def check(label: str, parse: Callable[[str], Any], text: str) -> tuple[Any, str | None]:
    """(value, None) when valid, else (None, 'label: reason')."""
    try:
        return parse(text), None
    except ValueError as error:
        return None, f"{label}: {error}"


def format_number(value: float | int | None) -> str:
    """A float as short as it can be while reading back the same (0.05, 1e-05, 3)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text


_SHOWN: weakref.WeakKeyDictionary[Static, str] = weakref.WeakKeyDictionary()  # label -> text


def show_errors(label: Static, errors: list[str]) -> None:
    """Show the reasons under the fields; a layout pass only when they change."""
    text = "\n".join(errors)
    if _SHOWN.get(label) == text:
        return
    _SHOWN[label] = text
    label.update(Content(text))
    label.display = bool(errors)
