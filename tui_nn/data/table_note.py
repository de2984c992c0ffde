"""The one-line note of what the CSV reader guessed: the separator, the decimal mark, the
header, a dropped index column, the label column, dropped rows, the task."""

from __future__ import annotations

from collections.abc import Sequence

from tui_nn.data.table_messages import quote, separator_name

__all__ = [
    "INDEX_DROPPED",
    "REGRESSION_GUESSED",
    "dropped_rows",
    "guessed",
    "joined",
    "label_guessed",
]

INDEX_DROPPED = "dropped the index column (keep it with data.drop_columns = [])"
REGRESSION_GUESSED = "regression: the labels are fractional numbers (see data.task)"


def guessed(sniffed: str | None, guesses: Sequence[str]) -> str:
    """ "read as ';'-separated with decimal commas and a header", of what was guessed: the
    separator when `sniffed`, and the `guesses` ("decimal commas", "a header", ...)."""
    read = "read" if sniffed is None else f"read as {separator_name(sniffed)}-separated"
    return read + (" with " + " and ".join(guesses) if guesses else "")


def label_guessed(column: str) -> str:
    return f"the label is the last column, {quote(column)}"


def dropped_rows(skipped: int) -> str:
    return f"dropped {skipped} row{'s' if skipped != 1 else ''} with missing values"


def joined(notes: Sequence[str]) -> str | None:
    """The notes in one line; None when there are none."""
    return "; ".join(notes) if notes else None
