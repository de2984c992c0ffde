"""How the protocol's messages (`tui_nn.trainer.protocol`) travel: one JSON object a line, the
message's name under "cmd" (a command) or "event" (an event), then its fields, each checked
against its type hint on the way in (`tui_nn.trainer.typed_json`)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tui_nn.trainer.typed_json import ShapeError, reader_for, to_plain

__all__ = ["ProtocolError", "decode_line", "message_from_json", "message_to_json"]


class ProtocolError(ValueError):
    """A line that is not a message of this protocol (or of its version)."""


def message_to_json(message: Any, key: str) -> dict[str, Any]:
    body: dict[str, Any] = {key: message.NAME}
    for item in dataclasses.fields(message):
        body[item.name] = to_plain(getattr(message, item.name))
    return body


def decode_line(line: str | bytes, key: str, kinds: dict[str, type[Any]]) -> Any:
    try:
        body = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not a JSON line: {_preview(line)} ({error})") from None
    return message_from_json(body, key, kinds)


def message_from_json(body: Any, key: str, kinds: dict[str, type[Any]]) -> Any:
    if not isinstance(body, dict):
        raise ProtocolError(f"a message is a JSON object, got {type(body).__name__}")
    name = body.get(key)
    cls = kinds.get(name) if isinstance(name, str) else None
    if cls is None or not isinstance(name, str):
        known = ", ".join(sorted(kinds))
        raise ProtocolError(f"unknown {key} {name!r} (known: {known})")
    try:
        return reader_for(cls)(body, name)
    except ShapeError as error:
        raise ProtocolError(str(error)) from None


def _preview(line: str | bytes) -> str:
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.strip()
    return repr(text if len(text) <= 80 else text[:77] + "...")
