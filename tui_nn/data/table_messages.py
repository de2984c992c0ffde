"""How the CSV reader's messages quote cells and column names, name a separator, and say where
in the file a problem is."""

from __future__ import annotations

from collections.abc import Sequence

from tui_nn.errors import DataError

__all__ = ["columns_listing", "quote", "separator_name", "table_error"]


def separator_name(separator: str) -> str:
    """How messages name a separator: "tab", "space", or the character in quotes."""
    return {"\t": "tab", " ": "space"}.get(separator, repr(separator))


def quote(text: str, limit: int = 40) -> str:
    """A cell or column name in double quotes, shortened past `limit`, line ends escaped."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return '"' + shown.replace("\n", "\\n").replace("\r", "\\r") + '"'


def columns_listing(columns: Sequence[str]) -> str:
    """The first twelve column names, quoted, for a message."""
    return ", ".join(quote(c) for c in columns[:12]) + (", ..." if len(columns) > 12 else "")


def table_error(
    name: str, problem: str, line: int | None = None, column: str | None = None
) -> DataError:
    """The one-line error for file `name`, at a line (and column) where there is one."""
    where = name
    if line is not None:
        where += f": line {line}"
        if column is not None:
            where += f", column {quote(column)}"
    return DataError(f"{where}: {problem}")
