"""A CSV file as people have them, read without torch: the separator, the decimal mark and the
header guessed unless given, an index column noticed, missing values handled, the label read as
classes or as numbers.

`read_table` returns a `Table`: plain lists, the `CsvLayout` it was read with (everything a second
reader needs to read the same rows: the exported script is written from it) and a one-line `note`
of what was guessed. `tui_nn.data.csv_data` makes tensors of it. Every problem with the file is a
one-line `DataError` naming the file, the line and column where there is one, and the preset
option that would fix it.

The parts: `table_text` (the file's text and rows), `table_dialect` (guessing the separator, the
decimal mark and the header), `table_columns` (the label, dropped and index columns),
`table_values` (numbers, missing values and labels), `table_note` (what was guessed) and
`table_messages` (how problems are worded).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tui_nn.data.table_columns import dropped_columns, has_index_column, label_index
from tui_nn.data.table_dialect import detect_header, guess_separator, sniff_decimal
from tui_nn.data.table_messages import separator_name, table_error
from tui_nn.data.table_note import INDEX_DROPPED, dropped_rows, guessed, joined, label_guessed
from tui_nn.data.table_text import decode_file, split_rows
from tui_nn.data.table_values import (
    MISSING_CELLS,
    missing_cell,
    number,
    read_task,
    read_values,
    sorted_labels,
)
from tui_nn.errors import DataError
from tui_nn.spec import DataSpec

__all__ = [
    "MISSING_CELLS",
    "CsvLayout",
    "CsvOptions",
    "Table",
    "missing_cell",
    "number",
    "read_table",
    "separator_name",
    "sorted_labels",
]

MIN_ROWS = 2


@dataclass(frozen=True)
class CsvOptions:
    """What a preset says about its CSV file (None: guess)."""

    label_column: str | int | None = None
    separator: str | None = None
    decimal: str | None = None
    header: bool | None = None
    drop_columns: tuple[str | int, ...] | None = None
    missing: str = "error"
    task: str | None = None
    samples: int | None = None

    @classmethod
    def of(cls, spec: DataSpec) -> CsvOptions:
        return cls(
            label_column=spec.label_column,
            separator=spec.separator,
            decimal=spec.decimal,
            header=spec.header,
            drop_columns=None if spec.drop_columns is None else tuple(spec.drop_columns),
            missing=spec.missing or "error",
            task=spec.task,
            samples=spec.samples,
        )


@dataclass(frozen=True)
class CsvLayout:
    """How the file is read: enough for another reader to get the same rows."""

    separator: str
    decimal: str
    header: bool
    feature_columns: tuple[int, ...]
    label_column: int
    task: str  # "classification" or "regression"


@dataclass
class Table:
    name: str  # the file as the user named it, for messages
    layout: CsvLayout
    columns: list[str]  # every column's name: the header's, or col0, col1, ...
    features: list[list[float]]  # one row per sample; NaN where a value is missing ("mean")
    labels: list[str]  # the label cells, one per sample
    class_names: list[str]  # sorted distinct labels (classification), else []
    note: str | None  # what was guessed, in one line; None when nothing was

    @property
    def input_names(self) -> list[str]:
        return [self.columns[j] for j in self.layout.feature_columns]

    @property
    def is_regression(self) -> bool:
        return self.layout.task == "regression"


def _read(path: Path, name: str, options: CsvOptions) -> Table:
    guesses: list[str] = []  # "decimal commas", "a header", ...
    text = decode_file(path, name)
    if not text.strip():
        raise table_error(name, "the file is empty")
    sniffed: str | None = None  # the separator, when it was guessed
    if options.separator is not None:
        separator = options.separator
    else:
        separator = sniffed = guess_separator(text, name)
    rows = list(split_rows(text, separator, name))
    if not rows:
        raise table_error(name, "the file is empty")
    first_line, first = rows[0]
    n_cols = len(first)
    if n_cols < 2:
        raise table_error(
            name,
            f"line {first_line} has 1 column when split at {separator_name(separator)}; a "
            "CSV needs at least one feature column and a label column (set data.separator "
            "to the character between its cells)",
        )
    decimal = options.decimal
    if decimal is None:
        decimal = "." if separator == "," else sniff_decimal([r for _, r in rows[1:50]])
        if decimal == ",":
            guesses.append("decimal commas")
    header = options.header
    label, header = label_index(name, first, header, options.label_column)
    if header is None:
        header = detect_header([cells for _, cells in rows], label, decimal)
        guesses.append("a header" if header else "no header")
    if header:
        columns = [cell or f"col{j}" for j, cell in enumerate(first)]
        columns[0] = first[0]  # an empty name stays empty: pandas' index column
        data = rows[1:]
    else:
        columns = [f"col{j}" for j in range(n_cols)]
        data = rows
    dropped = dropped_columns(name, columns, header, label, options.drop_columns)
    notes = [guessed(sniffed, guesses)] if sniffed or guesses else []
    if has_index_column(columns, header, data, label, options.drop_columns):
        dropped.add(0)
        notes.append(INDEX_DROPPED)
    if header and not columns[0]:
        columns[0] = "col0"
    features = tuple(j for j in range(n_cols) if j != label and j not in dropped)
    if not features:
        raise table_error(name, "no feature columns are left (see data.drop_columns)")
    if options.label_column is None:
        notes.append(label_guessed(columns[label]))
    table_rows, labels, lines, skipped = read_values(
        name,
        data,
        first_line,
        columns,
        features,
        label,
        separator=separator,
        decimal=decimal,
        missing=options.missing,
        separator_given=options.separator is not None,
        header_given=options.header,
    )
    if skipped:
        notes.append(dropped_rows(skipped))
    if len(table_rows) < MIN_ROWS:
        after = f" after dropping {skipped} with missing values" if skipped else ""
        raise table_error(
            name, f"needs at least {MIN_ROWS} data rows, found {len(table_rows)}{after}"
        )
    task = read_task(
        name, labels, lines, columns[label], notes, given=options.task, decimal=decimal
    )
    class_names = [] if task == "regression" else sorted_labels(labels, decimal)
    cap = options.samples
    if cap is not None:
        table_rows, labels = table_rows[:cap], labels[:cap]
    layout = CsvLayout(separator, decimal, header, features, label, task)
    return Table(name, layout, columns, table_rows, labels, class_names, joined(notes))


def read_table(path: str | os.PathLike[str] | None, options: CsvOptions) -> Table:
    """Read a CSV file of numeric feature columns and a label column (see the module)."""
    if path is None:
        raise DataError("the csv data set needs data.path (or --data FILE): the CSV file to load")
    name = str(path)
    if options.samples is not None and options.samples < 1:
        raise DataError(f"csv: samples must be at least 1, not {options.samples}")
    return _read(Path(path).expanduser(), name, options)
