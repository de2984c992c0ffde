"""Validation of a preset's [data] table: the data set, its size and seed, and the CSV options
(path, label and dropped columns, separator, decimal mark, header, missing values, task)."""

from __future__ import annotations

from typing import Any

from tui_nn.spec import CSV_DECIMALS, CSV_MISSING, CSV_SEPARATORS, DATA_SETS, TASKS, DataSpec

from .checker import Checker, field_names
from .limits import MAX_COUNT, NOISE, TEST_FRACTION
from .messages import got, show
from .toml_lines import FieldPath

__all__ = ["SEPARATORS_REFUSED", "check_data"]

# Characters that cannot separate a CSV's cells: quotes, parts of numbers, line ends.
SEPARATORS_REFUSED = frozenset("\"'.+-\r\n")


def check_data(check: Checker, raw: Any) -> DataSpec:
    """The [data] table as a DataSpec; `check` reports the first problem."""
    p: FieldPath = ("data",)
    t = check.table(raw, p, field_names(DataSpec))
    spec = DataSpec()
    if t.get("set") is not None:
        spec.set = check.choice(t["set"], (*p, "set"), DATA_SETS, "data set")
    if t.get("test_fraction") is not None:
        spec.test_fraction = check.number(t["test_fraction"], (*p, "test_fraction"), TEST_FRACTION)
    if t.get("samples") is not None:
        spec.samples = check.count(t["samples"], (*p, "samples"))
    if t.get("noise") is not None:
        spec.noise = check.number(t["noise"], (*p, "noise"), NOISE)
    if t.get("seed") is not None:
        spec.seed = check.seed(t["seed"], (*p, "seed"))
    if t.get("path") is not None:
        spec.path = check.string(t["path"], (*p, "path"), nonempty=True)
    if t.get("label_column") is not None:
        spec.label_column = _column(check, t["label_column"], (*p, "label_column"))
    if t.get("separator") is not None:
        spec.separator = _separator(check, t["separator"], (*p, "separator"))
    if t.get("decimal") is not None:
        spec.decimal = _decimal(check, t["decimal"], (*p, "decimal"))
    if t.get("header") is not None:
        spec.header = check.boolean(t["header"], (*p, "header"))
    if t.get("drop_columns") is not None:
        cp: FieldPath = (*p, "drop_columns")
        columns = t["drop_columns"]
        if not isinstance(columns, list | tuple):
            raise check.fail(
                cp, f"expected an array of column names and 0-based indices, {got(columns)}"
            )
        spec.drop_columns = [_column(check, c, (*cp, i)) for i, c in enumerate(columns)]
    if t.get("missing") is not None:
        spec.missing = check.choice(t["missing"], (*p, "missing"), CSV_MISSING, "missing rule")
    if t.get("task") is not None:
        spec.task = check.choice(t["task"], (*p, "task"), TASKS, "task")
    if t.get("standardize") is not None:
        spec.standardize = check.boolean(t["standardize"], (*p, "standardize"))
    return spec


def _column(check: Checker, value: Any, path: FieldPath) -> str | int:
    """A CSV column: a name (a string) or a 0-based index (an integer)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return check.integer(value, path, 0, MAX_COUNT)
    if isinstance(value, str):
        return check.string(value, path, nonempty=True)
    raise check.fail(
        path, f"expected a column name (string) or 0-based index (integer), {got(value)}"
    )


def _separator(check: Checker, value: Any, path: FieldPath) -> str:
    shown = 'one character such as ",", ";", "\\t" (tab) or "|", or " " for runs of spaces or tabs'
    if not isinstance(value, str):
        raise check.fail(path, f"expected a string, {got(value)}; use {shown}")
    if value not in CSV_SEPARATORS and (
        len(value) != 1 or value.isalnum() or value in SEPARATORS_REFUSED
    ):
        raise check.fail(path, f"unsupported separator {show(value)}; use {shown}")
    return value


def _decimal(check: Checker, value: Any, path: FieldPath) -> str:
    if not isinstance(value, str):
        raise check.fail(path, f'expected a string, {got(value)}; use "." or ","')
    if value not in CSV_DECIMALS:
        raise check.fail(path, f'unsupported decimal mark {show(value)}; use "." or ","')
    return value
