"""Data from a CSV file: numeric feature columns and a label column, read by
`tui_nn.data.table` (which guesses what the preset leaves open) and made into tensors."""

from __future__ import annotations

import os

import torch

from tui_nn.data.checks import check_samples
from tui_nn.data.dataset import CLASSIFICATION, REGRESSION, Dataset
from tui_nn.data.table import CsvOptions, number, read_table
from tui_nn.spec import DataSpec

__all__ = ["load_csv", "load_csv_spec"]


def load_csv(
    path: str | os.PathLike[str] | None,
    label_column: str | int | None = None,
    samples: int | None = None,
    *,
    separator: str | None = None,
    decimal: str | None = None,
    header: bool | None = None,
    drop_columns: list[str | int] | None = None,
    missing: str | None = None,
    task: str | None = None,
) -> Dataset:
    """Load a CSV file of numeric features and a label column (the last unless named).

    `label_column` is a name (a string) or a 0-based index (an integer); the other options are
    the preset's (`tui_nn.spec.DataSpec`), None where the file is to tell. For classification,
    the distinct labels, sorted (numerically when all are numbers), become `class_names` and `y`
    indexes them. `samples` keeps the first N rows (the classes are those of the whole file).
    """
    spec = DataSpec(
        set="csv",
        label_column=label_column,
        samples=samples,
        separator=separator,
        decimal=decimal,
        header=header,
        drop_columns=drop_columns,
        missing=missing,
        task=task,
    )
    return load_csv_spec(spec, path)


def load_csv_spec(spec: DataSpec, path: str | os.PathLike[str] | None = None) -> Dataset:
    """The CSV file `spec` describes, at `path` (`spec.path` when None), as a Dataset."""
    if spec.samples is not None:
        check_samples(spec.samples, "csv")
    table = read_table(spec.path if path is None else path, CsvOptions.of(spec))
    x = torch.tensor(table.features, dtype=torch.float32).reshape(len(table.labels), -1)
    if table.is_regression:
        values = [number(label, table.layout.decimal) for label in table.labels]
        y = torch.tensor(values, dtype=torch.float32).reshape(-1, 1)
        task = REGRESSION
    else:
        index = {label: i for i, label in enumerate(table.class_names)}
        y = torch.tensor([index[label] for label in table.labels], dtype=torch.int64)
        task = CLASSIFICATION
    return Dataset(
        name="csv",
        x=x,
        y=y,
        input_names=table.input_names,
        class_names=table.class_names,
        task=task,
        note=None if table.note is None else f"{table.name}: {table.note}",
    )
