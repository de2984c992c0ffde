"""A CSV file's text, and its rows of cells as one separator splits them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from tui_nn.errors import DataError

__all__ = ["decode_file", "split_rows"]


def decode_file(path: Path, name: str) -> str:
    """The file's text (UTF-8, a byte-order mark dropped); `name` is the file in messages."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"CSV file not found: {name} (set data.path or --data)") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, not a CSV file (set data.path or --data)") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def split_rows(text: str, separator: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows as (line number, stripped cells)."""
    if separator == " ":  # aligned columns: runs of blanks, no quoting
        for line, content in enumerate(text.splitlines(), start=1):
            cells = content.split()
            if cells:
                yield line, cells
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        first_line = 1
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                yield first_line, cells
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(
            f"{name}: line {reader.line_num}: malformed CSV ({exc}); check its quotes"
        ) from None
