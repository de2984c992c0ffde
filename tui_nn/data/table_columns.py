"""Which of a CSV file's columns is what: the label column (by name or 0-based index), the
columns data.drop_columns leaves out, and an index column that numbers the rows."""

from __future__ import annotations

from tui_nn.data.table_messages import columns_listing, quote, table_error

__all__ = [
    "HEADERLESS_INDEX_ROWS",
    "INDEX_NAMES",
    "dropped_columns",
    "has_index_column",
    "label_index",
]

INDEX_NAMES = frozenset({"", "unnamed: 0"})  # the header pandas' to_csv gives its index column
HEADERLESS_INDEX_ROWS = 20  # without a header, a column 0..n-1 is an index only in longer files


def label_index(
    name: str, first: list[str], header: bool | None, wanted: str | int | None
) -> tuple[int, bool | None]:
    """(the label column's index, the header): the `wanted` column (data.label_column), else the
    last; a column named in line 1 (`first`) makes it a header."""
    n = len(first)
    if wanted is None:
        return n - 1, header
    if isinstance(wanted, int):
        if wanted >= n:
            raise table_error(
                name,
                f"data.label_column = {wanted} is a 0-based column index, but the file has "
                f"{n} columns (indices 0-{n - 1}); to name a column, write its name as a "
                f'string: label_column = "{wanted}"',
            )
        return wanted, header
    if header is False:
        raise table_error(
            name,
            f"data.label_column = {quote(wanted)} names a column, but data.header = false; "
            "give the label column's 0-based index as an integer, e.g. "
            f"label_column = {n - 1}",
        )
    if wanted in first:
        return first.index(wanted), True
    hint = (
        f"; for the column at index {wanted} write label_column = {wanted} (an integer)"
        if wanted.isdigit() and int(wanted) < n
        else ""
    )
    raise table_error(
        name,
        f"data.label_column: no column named {quote(wanted)}; line 1 holds "
        f"{columns_listing(first)}{hint}",
    )


def dropped_columns(
    name: str,
    columns: list[str],
    header: bool,
    label: int,
    given: tuple[str | int, ...] | None,
) -> set[int]:
    """The indices of the columns `given` (data.drop_columns) names; never the label's."""
    if given is None:
        return set()
    out = set()
    for column in given:
        if isinstance(column, int):
            if column >= len(columns):
                raise table_error(
                    name,
                    f"data.drop_columns: index {column} is past the last column "
                    f"(indices 0-{len(columns) - 1})",
                )
            index = column
        elif header and column in columns:
            index = columns.index(column)
        elif not header:
            raise table_error(
                name,
                f"data.drop_columns: {quote(column)} names a column, but the file has no "
                "header; give 0-based indices (integers) instead",
            )
        else:
            raise table_error(
                name,
                f"data.drop_columns: no column named {quote(column)}; the columns are "
                f"{columns_listing(columns)}",
            )
        if index == label:
            raise table_error(
                name,
                f"data.drop_columns: column {quote(columns[index])} is the label column "
                "(data.label_column); it cannot be dropped",
            )
        out.add(index)
    return out


def has_index_column(
    columns: list[str],
    header: bool,
    data: list[tuple[int, list[str]]],
    label: int,
    drop_columns: tuple[str | int, ...] | None,
) -> bool:
    """Whether column 0 numbers the rows, as pandas' `to_csv` writes its index (never when
    data.drop_columns, `drop_columns`, is given)."""
    if drop_columns is not None or label == 0 or len(columns) < 3:
        return False
    cells = [cells[0] for _, cells in data if cells]
    if not cells or not all(cell.isascii() and cell.isdigit() for cell in cells):
        return False
    values = [int(cell) for cell in cells]
    if header:
        return columns[0].lower() in INDEX_NAMES and len(set(values)) == len(values)
    start = values[0]
    return (
        len(values) >= HEADERLESS_INDEX_ROWS
        and start in (0, 1)
        and values == list(range(start, start + len(values)))
    )
