"""Guessing a CSV file's dialect from its first rows: the separator, the decimal mark, and
whether line 1 is a header."""

from __future__ import annotations

import re

from tui_nn.data.table_messages import table_error
from tui_nn.data.table_text import split_rows
from tui_nn.data.table_values import missing_cell, number
from tui_nn.errors import DataError
from tui_nn.spec import CSV_SEPARATORS

__all__ = ["SNIFF_ROWS", "detect_header", "guess_separator", "sniff_decimal"]

SNIFF_ROWS = 50  # rows looked at to guess the separator, the decimal mark and the header
HEADER_BY_LABEL_ROWS = 10  # fewer rows below line 1 are too few to tell a header by its label
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_DECIMAL_POINT = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")


def _sample(text: str, separator: str) -> list[list[str]]:
    """The first rows as this separator splits them, or [] where the quoting breaks."""
    rows: list[list[str]] = []
    try:
        for _, cells in split_rows(text, separator, ""):
            rows.append(cells)
            if len(rows) >= SNIFF_ROWS:
                break
    except DataError:
        return []
    return rows


def _numeric(cell: str) -> bool:
    return number(cell) is not None or number(cell, ",") is not None


def _sniff(text: str) -> str | None:
    """The separator that splits the first rows into the same number (2 or more) of cells, the
    most of them numbers; None when no separator does."""
    best: tuple[tuple[int, int], str] | None = None
    for separator in CSV_SEPARATORS:
        rows = _sample(text, separator)
        if not rows or len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
            continue
        score = (sum(_numeric(cell) for row in rows for cell in row), len(rows[0]))
        if best is None or score > best[0]:  # a tie keeps the earlier (the commoner) separator
            best = (score, separator)
    return None if best is None else best[1]


def guess_separator(text: str, name: str) -> str:
    """The separator of file `name` (its `text`), guessed; a one-line error when line 1 has one
    column whatever the separator."""
    sniffed = _sniff(text)
    if sniffed is None:
        rows = _sample(text, ",")
        if rows and len(rows[0]) >= 2:
            sniffed = ","  # rows of different lengths: the row check says which
        else:
            raise table_error(
                name,
                "line 1 has 1 column whatever the separator (tried ',', ';', tab, '|' and "
                "spaces), but a CSV needs at least one feature column and a label column; "
                'set data.separator to the character between its cells, e.g. ":"',
            )
    return sniffed


def sniff_decimal(rows: list[list[str]]) -> str:
    """The decimal mark: "," when some cells are numbers with a decimal comma and none with a
    decimal point, else "."."""
    cells = [cell for row in rows for cell in row]
    if any(_DECIMAL_COMMA.fullmatch(cell) for cell in cells) and not any(
        _DECIMAL_POINT.fullmatch(cell) for cell in cells
    ):
        return ","
    return "."


def detect_header(rows: list[list[str]], label: int, decimal: str) -> bool:
    """Whether the first row names the columns: a word above numbers, or a label that names
    its column rather than a class."""
    first, rest = rows[0], rows[1:]
    if not rest:
        return any(number(cell, decimal) is None for j, cell in enumerate(first) if j != label)
    sample = rest[:SNIFF_ROWS]
    for j, cell in enumerate(first):
        if number(cell, decimal) is not None or (j != label and missing_cell(cell)):
            continue
        values = [row[j] for row in sample if j < len(row) and not missing_cell(row[j])]
        numeric = sum(number(value, decimal) is not None for value in values)
        if values and 2 * numeric > len(values):
            return True  # a name above a column of numbers
    if label < len(first) and number(first[label], decimal) is None:
        labels = [row[label] for row in rest if label < len(row)]
        distinct = set(labels)
        if (
            len(labels) >= HEADER_BY_LABEL_ROWS
            and first[label] not in distinct
            and 2 * len(distinct) <= len(labels)
        ):
            return True  # named classes repeat below, and line 1's label is none of them
    return False
