"""Typed JSON values: check a parsed JSON value against a type hint and convert it.

`reader_for(hint)` builds, once per type, a function that takes a value from `json.loads` and
returns it as `hint` says (a dataclass, a TypedDict, a list, an optional, a Literal, a number...),
or raises `ShapeError` with a one-line message naming the field. `to_plain` goes the other way.
The protocol (`tui_nn.trainer.protocol`) decodes every message with it.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union


class ShapeError(ValueError):
    """A JSON value that does not have the shape its type hint asks for."""


_SCALARS = (int, float, str, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_plain(value: Any) -> Any:
    """Dataclasses (also nested, also in lists) as JSON-ready dicts; other values as they are.
    (Every Metrics event goes through here twice, with an epoch's loss per epoch: scalars
    first, and each dataclass's field names looked up once.)"""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return value
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return {name: to_plain(getattr(value, name)) for name in names}


_T = TypeVar("_T")
Reader = Callable[[Any, str], Any]
_READERS: dict[Any, Reader] = {}


def reader_for(hint: Any) -> Reader:
    """A function that checks and converts a JSON value to `hint` (built once per type)."""
    reader = _READERS.get(hint)
    if reader is None:
        reader = _READERS[hint] = _build_reader(hint)
    return reader


def _fail(where: str, expected: str, value: Any) -> typing.NoReturn:
    raise ShapeError(f"{where}: expected {expected}, got {_preview(json.dumps(value))}")


def _build_reader(hint: Any) -> Reader:
    origin = typing.get_origin(hint)
    if hint is Any:
        return lambda value, where: value
    if hint is bool:

        def read_bool(value: Any, where: str) -> bool:
            if not isinstance(value, bool):
                _fail(where, "true or false", value)
            return value

        return read_bool
    if hint is int:

        def read_int(value: Any, where: str) -> int:
            if not isinstance(value, int) or isinstance(value, bool):
                _fail(where, "a whole number", value)
            return value

        return read_int
    if hint is float:

        def read_float(value: Any, where: str) -> float:
            if not isinstance(value, int | float) or isinstance(value, bool):
                _fail(where, "a number", value)
            return float(value)

        return read_float
    if hint is str:

        def read_str(value: Any, where: str) -> str:
            if not isinstance(value, str):
                _fail(where, "a string", value)
            return value

        return read_str
    if origin is Literal:
        allowed = typing.get_args(hint)

        def read_literal(value: Any, where: str) -> Any:
            if value not in allowed:
                _fail(where, " or ".join(map(repr, allowed)), value)
            return value

        return read_literal
    if origin in (Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        inner = reader_for(options[0]) if len(options) == 1 else None
        if inner is None:
            raise TypeError(f"unsupported union {hint}")

        def read_optional(value: Any, where: str) -> Any:
            return None if value is None else inner(value, where)

        return read_optional
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        item = reader_for(item_hint)

        def read_list(value: Any, where: str) -> list[Any]:
            if not isinstance(value, list):
                _fail(where, "a list", value)
            return [item(entry, where) for entry in value]

        return read_list
    if origin is dict:
        key_hint, value_hint = typing.get_args(hint)
        value_reader = reader_for(value_hint)

        def read_dict(value: Any, where: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                _fail(where, "an object", value)
            return {k: value_reader(v, f"{where}.{k}") for k, v in value.items()}

        return read_dict
    if dataclasses.is_dataclass(hint):
        return _dataclass_reader(typing.cast(type[Any], hint))
    if typing.is_typeddict(hint):
        return _typeddict_reader(hint)
    raise TypeError(f"no reader for {hint!r}")


def _dataclass_reader(cls: type[_T]) -> Callable[[Any, str], _T]:
    hints = typing.get_type_hints(cls)
    label = getattr(cls, "NAME", cls.__name__)
    fields = [
        (
            item.name,
            reader_for(hints[item.name]),
            f"{label}.{item.name}",  # where a wrong value is reported
            item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING,
        )
        for item in dataclasses.fields(cls)  # type: ignore[arg-type]
    ]

    def read(value: Any, where: str) -> _T:
        if not isinstance(value, dict):
            _fail(where, f"a {label} object", value)
        given: dict[str, Any] = {}
        for name, reader, field_where, required in fields:
            if name in value:
                given[name] = reader(value[name], field_where)
            elif required:
                raise ShapeError(f"{label}: the field {name!r} is missing")
        return cls(**given)

    return read


def _typeddict_reader(cls: Any) -> Reader:
    hints = typing.get_type_hints(cls)
    readers = {name: reader_for(hint) for name, hint in hints.items()}
    required = cls.__required_keys__

    def read(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            _fail(where, f"a {cls.__name__} object", value)
        missing = required - value.keys()
        if missing:
            raise ShapeError(f"{where}: missing {', '.join(sorted(missing))}")
        return {
            key: readers[key](item, f"{where}.{key}") if key in readers else item
            for key, item in value.items()
        }

    return read


def _preview(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 80 else text[:77] + "...")
