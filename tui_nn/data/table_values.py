"""The CSV reader's cells as values: numbers (with either decimal mark), missing values in the
feature columns and the label, and the labels as classes or as numbers (the task)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tui_nn.data.table_messages import quote, separator_name, table_error
from tui_nn.data.table_note import REGRESSION_GUESSED

__all__ = [
    "FLOAT32_MAX",
    "MISSING_CELLS",
    "MISSING_LABELS",
    "missing_cell",
    "number",
    "read_values",
    "read_task",
    "sorted_labels",
]

FLOAT32_MAX = 3.4028234663852886e38
# Cells that mean "no value" in a feature column (compared lower-cased): pandas writes "", UCI "?".
MISSING_CELLS = frozenset({"", "?", "na", "n/a", "nan", "null", "none"})
MISSING_LABELS = frozenset({"", "?"})  # a label "NA" may be a class (North America)


def number(cell: str, decimal: str = ".") -> float | None:
    """The cell as a float, or None when it is not a number."""
    if decimal == ",":
        cell = cell.replace(",", ".")
    try:
        return float(cell)
    except ValueError:
        return None


def missing_cell(cell: str) -> bool:
    return cell.lower() in MISSING_CELLS


def sorted_labels(labels: Sequence[str], decimal: str = ".") -> list[str]:
    """The distinct labels, numerically sorted when all are numbers, else as text."""
    distinct = set(labels)
    numbers = {label: number(label, decimal) for label in distinct}
    if all(v is not None and math.isfinite(v) for v in numbers.values()):
        return sorted(distinct, key=lambda label: (numbers[label], label))
    return sorted(distinct)


def read_values(
    name: str,
    data: list[tuple[int, list[str]]],
    first_line: int,
    columns: list[str],
    features: tuple[int, ...],
    label: int,
    *,
    separator: str,
    decimal: str,
    missing: str,
    separator_given: bool,
    header_given: bool | None,
) -> tuple[list[list[float]], list[str], list[int], int]:
    """(feature rows, labels, their lines, rows skipped for missing values) of the data rows of
    file `name`, read with `separator` and `decimal` under the `missing` rule (data.missing)."""
    n_cols = len(columns)
    out: list[list[float]] = []
    labels: list[str] = []
    lines: list[int] = []
    skipped = 0
    for line, cells in data:
        if len(cells) != n_cols:
            hint = (
                f" (read as {separator_name(separator)}-separated: "
                "set data.separator if the file uses another)"
                if not separator_given
                else ""
            )
            raise table_error(
                name,
                f"line {line} has {len(cells)} cells, expected {n_cols} like line "
                f"{first_line}{hint}",
            )
        row: list[float] = []
        absent = False
        for j in features:
            cell = cells[j]
            if missing_cell(cell):
                if missing == "error":
                    raise table_error(
                        name,
                        f'missing value ({quote(cell)}); set data.missing = "drop" to skip '
                        'such rows or data.missing = "mean" to fill in the column\'s mean',
                        line,
                        columns[j],
                    )
                absent = True
                row.append(math.nan)
                continue
            value = number(cell, decimal)
            if value is None:
                problem = _not_a_number(cell, line, columns[j], header_given)
                raise table_error(name, problem, line, columns[j])
            if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
                kind = "too large (float32)" if math.isfinite(value) else "not a finite number"
                raise table_error(
                    name,
                    f"{quote(cell)} is {kind}; fix the cell, or leave the column out with "
                    f"data.drop_columns = [{quote(columns[j])}]",
                    line,
                    columns[j],
                )
            row.append(value)
        tag = cells[label]
        if tag in MISSING_LABELS:
            if missing != "drop":
                raise table_error(
                    name,
                    'the label is missing; set data.missing = "drop" to skip such rows',
                    line,
                    columns[label],
                )
            absent = True
        if absent and missing == "drop":
            skipped += 1
            continue
        out.append(row)
        labels.append(tag)
        lines.append(line)
    return out, labels, lines, skipped


def _not_a_number(cell: str, line: int, column: str, header_given: bool | None) -> str:
    if line == 1 and header_given is not True:
        fix = "if line 1 names the columns, set data.header = true"
    else:
        fix = f"leave a text column out with data.drop_columns = [{quote(column)}]"
    return f"{quote(cell)} is not a number; {fix}"


def read_task(
    name: str,
    labels: list[str],
    lines: list[int],
    column: str,
    notes: list[str],
    *,
    given: str | None,
    decimal: str,
) -> str:
    """The task the labels are for: given, or regression when every label is a number and
    one has a fraction (which is added to `notes`)."""
    if given == "classification":
        return given
    values = [number(tag, decimal) for tag in labels]
    if given is None:
        numbers = [v for v in values if v is not None and math.isfinite(v)]
        if len(numbers) < len(values) or all(v.is_integer() for v in numbers):
            return "classification"
        notes.append(REGRESSION_GUESSED)
        return "regression"
    for line, tag, value in zip(lines, labels, values, strict=True):
        if value is None or not math.isfinite(value):
            raise table_error(
                name,
                f'{quote(tag)} is not a number, and data.task = "regression" needs '
                'numbers; set data.task = "classification" for class labels',
                line,
                column,
            )
    return "regression"
