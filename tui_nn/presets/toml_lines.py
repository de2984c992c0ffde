"""Line numbers for error messages: where each table and key of a preset's TOML text starts.

`tomllib` reports no positions for values, so `key_lines` scans the source text (already known
to be valid TOML) for table headers and `key =` lines, skipping what lies inside strings and
multi-line arrays or inline tables.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["BARE_KEY_PATTERN", "FieldPath", "key_lines"]

FieldPath = tuple[Any, ...]  # a field's place in a preset: table names, keys and array indices

BARE_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


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
            m = BARE_KEY_PATTERN.match(line, i)
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


def key_lines(text: str) -> dict[FieldPath, int]:
    """Map each table and key path (with array-of-table indices) to its first line number."""
    lines: dict[FieldPath, int] = {}
    arrays: dict[FieldPath, int] = {}  # array-of-tables path -> elements seen so far
    current: FieldPath = ()
    depth = 0  # open brackets / braces of a multi-line value
    multi: str | None = None  # open multi-line string delimiter

    def resolve(parts: list[str]) -> FieldPath:
        out: FieldPath = ()
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
