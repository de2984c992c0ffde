"""A sweep's runs as table rows: what each run trained with (its seed, the swept values) and how it
ended, read from the sweep's folder. The app's sweep screen shows them; no textual, no torch.

The swept keys are sweep.json's `--set` keys that take more than one value, or whose values
differ between the runs (a comparison's sweep.json names only the values besides its preset's
own); each run's values and seed come from its own preset.toml (what it trained with), its
results from the last `Summary` in its metrics.jsonl, or, for a run that did not finish, from
its last `Metrics`.
Only the end of metrics.jsonl is read: a long run's file can be hundreds of megabytes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_nn.errors import TuiNnError
from tui_nn.presets.compare import show_value
from tui_nn.runs.listing import SWEEP_FILE, pid_alive, read_run_info
from tui_nn.trainer.protocol import Metrics, ProtocolError, Summary, decode_event

__all__ = [
    "RESULT_COLUMNS",
    "SweepRow",
    "SweepTable",
    "cell_text",
    "cell_value",
    "read_sweep",
    "run_labels",
    "short_key",
    "sort_rows",
]

METRICS = "metrics.jsonl"
TAIL_BYTES = 64 * 1024  # the first look at the end of metrics.jsonl; doubled until a line fits
RESULT_COLUMNS = (
    "train_loss",
    "test_loss",
    "train_acc",
    "test_acc",
    "epochs",
    "converged",
    "wall_s",
)
TITLES = {
    "run": "run",
    "seed": "seed",
    "train_loss": "train loss",
    "test_loss": "test loss",
    "train_acc": "train acc",
    "test_acc": "test acc",
    "epochs": "epochs",
    "converged": "converged",
    "wall_s": "wall s",
}
SHORT_NAMES = {"learning_rate": "lr", "weight_decay": "wd", "batch_size": "batch"}
MISSING = object()  # a swept key whose run's preset could not be read


@dataclass(frozen=True)
class SweepRow:
    name: str  # the run's folder name inside the sweep
    path: Path
    seed: int | None
    values: dict[str, Any]  # each swept key's value (None: the key was off); {}: no preset.toml
    status: str
    train_loss: float | None = None
    test_loss: float | None = None
    train_acc: float | None = None
    test_acc: float | None = None
    epochs: int | None = None
    converged: bool | None = None  # None: the run did not finish (no Summary)
    wall_s: float | None = None
    message: str = ""


@dataclass(frozen=True)
class SweepTable:
    path: Path
    preset: str
    keys: list[str]  # the swept keys (those that take more than one value), in --set order
    rows: list[SweepRow]  # in the sweep's order
    problem: str = ""  # why sweep.json could not be read ("" when it was)

    @property
    def columns(self) -> list[str]:
        """The columns: run, seed, the swept keys, then the results that some run has (a sweep
        without a test set has no test columns)."""
        results = [c for c in RESULT_COLUMNS if any(getattr(r, c) is not None for r in self.rows)]
        return ["run", "seed", *self.keys, *results]


def read_sweep(folder: Path | str) -> SweepTable:
    """The sweep at `folder` (the one holding sweep.json): its swept keys and one row per run
    folder, in the order sweep.json names them (folders it does not name after them)."""
    folder = Path(folder)
    problem = ""
    try:
        info = json.loads((folder / SWEEP_FILE).read_text(encoding="utf-8"))
        if not isinstance(info, dict):
            raise ValueError("not an object")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        info, problem = {}, f"cannot read {folder / SWEEP_FILE}: {error}"
    swept: dict[str, Any] = info["set"] if isinstance(info.get("set"), dict) else {}
    listed = [key for key in swept if isinstance(key, str)]
    names = [n for n in info.get("runs", []) if isinstance(n, str)]
    try:
        folders = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name[:1] != ".")
    except OSError:
        folders = []
    order = [n for n in names if n in folders] + [n for n in folders if n not in names]
    rows = [read_row(folder / name, listed) for name in order]
    # swept: more than one value named (a sweep), or values that differ between the runs (a
    # comparison names only the values besides its preset's own)
    keys = [
        key
        for key in listed
        if (isinstance(swept[key], list) and len(swept[key]) > 1)
        or len({repr(row.values.get(key)) for row in rows if row.values}) > 1
    ]
    rows = [
        dataclasses.replace(row, values={k: row.values[k] for k in keys if k in row.values})
        for row in rows
    ]
    return SweepTable(folder, str(info.get("preset", "?")), keys, rows, problem)


def read_row(path: Path, keys: list[str]) -> SweepRow:
    """One run of a sweep: its seed and values from preset.toml, its results from metrics.jsonl."""
    try:
        preset = tomllib.loads((path / "preset.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        preset = None
    values: dict[str, Any] = {}
    seed: int | None = None
    if preset is not None:
        values = {key: _lookup(preset, key) for key in keys}
        found = _lookup(preset, "train.seed")
        seed = found if isinstance(found, int) and not isinstance(found, bool) else None
    status, message = _status(path)
    last = last_result(path / METRICS)
    common: dict[str, Any] = dict(
        name=path.name, path=path, seed=seed, values=values, status=status, message=message
    )
    if isinstance(last, Summary):
        return SweepRow(
            **common,
            train_loss=last.train_loss,
            test_loss=last.test_loss,
            train_acc=last.train_acc,
            test_acc=last.test_acc,
            epochs=last.epochs,
            converged=last.converged,
            wall_s=last.elapsed_s,
        )
    if isinstance(last, Metrics):
        return SweepRow(
            **common,
            train_loss=last.eval_train_loss
            if last.eval_train_loss is not None
            else last.train_loss,
            test_loss=last.test_loss,
            train_acc=last.train_acc,
            test_acc=last.test_acc,
            epochs=last.epoch,
            wall_s=last.elapsed_s,
        )
    return SweepRow(**common)


def _lookup(preset: dict[str, Any], key: str) -> Any:
    """A dotted key's value in a preset's dict (`model.layers.0.units`); None where absent."""
    node: Any = preset
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _status(path: Path) -> tuple[str, str]:
    """run.json's status ("interrupted" for a run whose trainer is gone) and message."""
    try:
        info = read_run_info(path)
    except TuiNnError as error:
        return "damaged", str(error)
    status = str(info.get("status", "?"))
    if status in ("running", "paused") and not pid_alive(info.get("pid")):
        status = "interrupted"
    return status, str(info.get("message") or "")


def last_result(path: Path) -> Summary | Metrics | None:
    """The last `Summary` or `Metrics` line of a metrics.jsonl (damaged lines skipped), reading
    back from its end only as far as that line."""
    try:
        stream = open(path, "rb")
    except OSError:
        return None
    with stream:
        size = stream.seek(0, 2)
        tail = TAIL_BYTES
        while True:
            start = max(0, size - tail)
            stream.seek(start)
            lines = stream.read(size - start).split(b"\n")
            if start > 0:
                lines = lines[1:]  # cut in the middle of a line
            for line in reversed(lines):
                if not line.strip():
                    continue
                try:
                    event = decode_event(line)
                except ProtocolError:
                    continue
                if isinstance(event, Summary | Metrics):
                    return event
            if start == 0:
                return None
            tail *= 4


# -- sorting and showing ------------------------------------------------------------------------


def cell_value(row: SweepRow, column: str) -> Any:
    """The value a column sorts by; None when the run has none (it sorts last)."""
    if column == "run":
        return row.name
    if column == "seed":
        return row.seed
    if column in RESULT_COLUMNS:
        value = getattr(row, column)
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    return row.values.get(column)


def sort_rows(rows: list[SweepRow], column: str, *, reverse: bool = False) -> list[SweepRow]:
    """The rows by `column` (stable: ties keep their order); those without a value last, in
    either direction. Values of different kinds (a number and a word) sort numbers first."""
    valued = [(cell_value(row, column), row) for row in rows]
    present = [(value, row) for value, row in valued if value is not None]
    missing = [row for value, row in valued if value is None]

    def key(pair: tuple[Any, SweepRow]) -> tuple[int, Any]:
        value = pair[0]
        return (0, value) if isinstance(value, int | float) else (1, str(value))

    return [row for _, row in sorted(present, key=key, reverse=reverse)] + missing


def short_key(key: str) -> str:
    """A swept key as a column head and a legend shows it: `train.learning_rate` -> `lr`,
    `model.layers.0.units` -> `l0.units`."""
    parts = key.split(".")
    name = SHORT_NAMES.get(parts[-1], parts[-1])
    if len(parts) == 4 and parts[1] == "layers":
        return f"l{parts[2]}.{name}"
    return name


def column_title(column: str) -> str:
    return TITLES.get(column) or short_key(column)


def _number(value: float | None, form: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, form)


def run_number(name: str) -> str:
    """The run's number in the sweep (`003` of `003-learning-rate-0-5-seed-0`), else its name."""
    head = name.split("-", 1)[0]
    return head if head.isdigit() else name


CELLS: dict[str, Callable[[SweepRow], str]] = {
    "run": lambda row: run_number(row.name),
    "seed": lambda row: "-" if row.seed is None else str(row.seed),
    "train_loss": lambda row: _number(row.train_loss, ".4g"),
    "test_loss": lambda row: _number(row.test_loss, ".4g"),
    "train_acc": lambda row: _number(row.train_acc, ".1%"),
    "test_acc": lambda row: _number(row.test_acc, ".1%"),
    "epochs": lambda row: "-" if row.epochs is None else str(row.epochs),
    "converged": lambda row: {True: "yes", False: "no", None: "-"}[row.converged],
    "wall_s": lambda row: _number(row.wall_s, ".2f"),
}


def cell_text(row: SweepRow, column: str) -> str:
    """What the table shows in a cell."""
    show = CELLS.get(column)
    if show is not None:
        return show(row)
    if column not in row.values:
        return "-"  # its preset could not be read
    return show_value(row.values[column])


def run_labels(rows: list[SweepRow], keys: list[str]) -> list[str]:
    """A name for each of `rows` from what tells them apart (`lr=0.01 seed 2`): the swept keys
    whose values differ among them, and the seed where it does; a lone run is named by all."""

    def differs(values: list[Any]) -> bool:
        return len(rows) == 1 or len({repr(value) for value in values}) > 1

    shown = [key for key in keys if differs([row.values.get(key, MISSING) for row in rows])]
    with_seed = differs([row.seed for row in rows])
    labels = []
    for row in rows:
        parts = [f"{short_key(key)}={cell_text(row, key)}" for key in shown]
        if with_seed and row.seed is not None:
            parts.append(f"seed {row.seed}")
        labels.append(" ".join(parts) or run_number(row.name))
    return labels
