"""Classification data from a CSV file: numeric feature columns and one label column."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import torch

from tui_nn.data.checks import check_samples
from tui_nn.data.dataset import CLASSIFICATION, Dataset
from tui_nn.errors import DataError

FLOAT32_MAX = 3.4028234663852886e38
MIN_ROWS = 2


def _number(cell: str) -> float | None:
    """The cell as a float, or None when it is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return '"' + shown.replace("\n", "\\n").replace("\r", "\\r") + '"'


def _read_rows(path: Path, name: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows as (line number, stripped cells)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"CSV file not found: {name}") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first_line = 1
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((first_line, cells))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{name}: line {reader.line_num}: malformed CSV ({exc})") from None
    return rows


def _label_index(
    label_column: str | int | None, first: list[str], name: str
) -> tuple[int, bool | None]:
    """(label column index, True when `first` is certainly a header / None when undecided)."""
    n_cols = len(first)
    if label_column is None:
        return n_cols - 1, None
    wanted = str(label_column).strip()
    has_header = any(_number(cell) is None for cell in first)
    if wanted in first and has_header:
        return first.index(wanted), True
    if wanted.isascii() and wanted.isdigit() and int(wanted) < n_cols:
        return int(wanted), None
    indices = f"a 0-based index 0-{n_cols - 1}"
    if has_header:
        columns = ", ".join(_quote(cell) for cell in first)
        hint = f"the columns are {columns}, or give {indices}"
    else:
        hint = f"the file has no header row, so give {indices}"
    raise DataError(f"{name}: no label column {_quote(wanted)}; {hint}")


def _sorted_labels(labels: list[str]) -> list[str]:
    distinct = set(labels)
    numbers = {label: _number(label) for label in distinct}
    if all(v is not None and math.isfinite(v) for v in numbers.values()):
        return sorted(distinct, key=lambda label: (numbers[label], label))
    return sorted(distinct)


def load_csv(
    path: str | os.PathLike[str] | None,
    label_column: str | int | None = None,
    samples: int | None = None,
) -> Dataset:
    """Load a CSV file of numeric features and a label column (the last unless named).

    The first row is a header when one of its feature cells is not a number. The distinct
    labels, sorted (numerically when all are numbers), become `class_names`; `y` indexes
    them. `samples` keeps the first N rows (the classes are those of the whole file).
    """
    if path is None:
        raise DataError("the csv data set needs data.path (or --data FILE): the CSV file to load")
    name = str(path)
    cap = None if samples is None else check_samples(samples, "csv")
    rows = _read_rows(Path(path).expanduser(), name)
    if not rows:
        raise DataError(f"{name}: the file is empty")
    first_line, first = rows[0]
    n_cols = len(first)
    if n_cols < 2:
        raise DataError(
            f"{name}: line {first_line} has {n_cols} column; a CSV needs at least one "
            "feature column and a label column"
        )
    label_index, header = _label_index(label_column, first, name)
    feature_columns = [j for j in range(n_cols) if j != label_index]
    if header is None:
        header = any(_number(first[j]) is None for j in feature_columns)
    if header:
        columns = [cell or f"col{j}" for j, cell in enumerate(first)]
        data_rows = rows[1:]
    else:
        columns = [f"col{j}" for j in range(n_cols)]
        data_rows = rows
    if len(data_rows) < MIN_ROWS:
        raise DataError(f"{name}: needs at least {MIN_ROWS} data rows, found {len(data_rows)}")
    features: list[list[float]] = []
    labels: list[str] = []
    for line, cells in data_rows:
        if len(cells) != n_cols:
            raise DataError(
                f"{name}: line {line} has {len(cells)} cells, expected {n_cols} "
                f"like line {first_line}"
            )
        values = []
        for j in feature_columns:
            value = _number(cells[j])
            where = f"{name}: line {line}, column {_quote(columns[j])}"
            if value is None:
                raise DataError(f"{where}: {_quote(cells[j])} is not a number")
            if not math.isfinite(value):
                raise DataError(f"{where}: {_quote(cells[j])} is not a finite number")
            if abs(value) > FLOAT32_MAX:
                raise DataError(f"{where}: {_quote(cells[j])} is too large (float32)")
            values.append(value)
        label = cells[label_index]
        if not label:
            raise DataError(
                f"{name}: line {line}, column {_quote(columns[label_index])}: the label is empty"
            )
        features.append(values)
        labels.append(label)
    class_names = _sorted_labels(labels)
    index = {label: i for i, label in enumerate(class_names)}
    if cap is not None:
        features, labels = features[:cap], labels[:cap]
    return Dataset(
        name="csv",
        x=torch.tensor(features, dtype=torch.float32),
        y=torch.tensor([index[label] for label in labels], dtype=torch.int64),
        input_names=[columns[j] for j in feature_columns],
        class_names=class_names,
        task=CLASSIFICATION,
    )
