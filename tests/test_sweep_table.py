"""The sweep screen's table (`tui_nn.runs.sweep_table`): rows from a real small sweep, each run's
results as its metrics.jsonl ends, a run that did not finish, damaged folders, long files, the
sorting (missing values last in either direction) and the legend's names."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tui_nn.cli import main
from tui_nn.runs import sweep_table
from tui_nn.runs.sweep_table import (
    SweepRow,
    cell_text,
    last_result,
    read_sweep,
    run_labels,
    short_key,
    sort_rows,
)
from tui_nn.trainer.protocol import Metrics, Summary

RATES = (0.05, 0.5)
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    args = ["sweep", "xor", "--seeds", "0-2", "--set", "train.learning_rate=0.05,0.5"]
    assert main([*args, "--set", "train.epochs=20", "--out", str(out)]) == 0
    return out


def last_summary(run: Path) -> dict[str, Any]:
    """The run's summary line, read as plain JSON."""
    lines = (run / "metrics.jsonl").read_text().splitlines()
    summary: dict[str, Any] = json.loads(lines[-1])
    assert summary["event"] == "summary"
    return summary


def test_rows_of_a_real_sweep(sweep: Path) -> None:
    table = read_sweep(sweep)
    assert table.problem == "" and table.preset == "XOR"
    assert table.keys == ["train.learning_rate"]  # train.epochs takes one value: not swept
    names = json.loads((sweep / "sweep.json").read_text())["runs"]
    assert [row.name for row in table.rows] == names
    assert [(row.values["train.learning_rate"], row.seed) for row in table.rows] == [
        (rate, seed) for rate in RATES for seed in SEEDS
    ]
    for row in table.rows:
        summary = last_summary(row.path)
        assert row.status == "done" and row.path == sweep / row.name
        assert row.train_loss == summary["train_loss"] and row.train_acc == summary["train_acc"]
        assert row.epochs == summary["epochs"] <= 20
        assert row.converged is summary["converged"]
        assert row.wall_s == summary["elapsed_s"] > 0
    # xor has no test set: no test columns
    assert table.columns == [
        "run",
        "seed",
        "train.learning_rate",
        "train_loss",
        "train_acc",
        "epochs",
        "converged",
        "wall_s",
    ]
    first = table.rows[0]
    assert cell_text(first, "run") == "000" and cell_text(first, "train.learning_rate") == "0.05"
    assert cell_text(first, "test_loss") == "-"
    assert cell_text(first, "converged") in ("yes", "no")


def test_an_unfinished_run_and_a_damaged_folder(sweep: Path, tmp_path: Path) -> None:
    copy = tmp_path / "s"
    shutil.copytree(sweep, copy)
    run = copy / read_sweep(copy).rows[1].name
    lines = (run / "metrics.jsonl").read_text().splitlines()
    last_metrics = json.loads(lines[-2])
    assert last_metrics["event"] == "metrics"
    # stopped before its summary, the last line cut short by a kill
    (run / "metrics.jsonl").write_text("\n".join(lines[:-1]) + '\n{"event": "metr')
    info = json.loads((run / "run.json").read_text())
    info.update(status="running", pid=2**22 + 12345)  # a trainer that is gone
    (run / "run.json").write_text(json.dumps(info))
    (copy / "zzz-stray").mkdir()  # not named in sweep.json: listed last, damaged

    # a comparison names the values besides its preset's own: a key whose runs differ is swept
    info = json.loads((copy / "sweep.json").read_text())
    info["set"] = {"train.learning_rate": [0.5], "train.epochs": [20]}
    (copy / "sweep.json").write_text(json.dumps(info))

    table = read_sweep(copy)
    assert table.keys == ["train.learning_rate"]
    assert [r.values for r in table.rows[:4:3]] == [{"train.learning_rate": v} for v in RATES]
    row = table.rows[1]
    assert row.status == "interrupted" and row.converged is None
    assert row.train_loss == last_metrics["eval_train_loss"]
    assert row.epochs == last_metrics["epoch"] and row.wall_s == last_metrics["elapsed_s"]
    assert cell_text(row, "converged") == "-"
    stray = table.rows[-1]
    assert stray.name == "zzz-stray" and stray.status == "damaged"
    assert stray.values == {} and stray.seed is None and stray.epochs is None
    assert cell_text(stray, "train.learning_rate") == "-"
    assert sort_rows(table.rows, "train.learning_rate")[-1] is stray
    assert sort_rows(table.rows, "train.learning_rate", reverse=True)[-1] is stray


def test_only_the_end_of_a_long_metrics_file_is_read(
    sweep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = sweep / read_sweep(sweep).rows[0].name
    lines = (run / "metrics.jsonl").read_text().splitlines()
    metrics_line, summary_line = lines[-2], lines[-1]
    monkeypatch.setattr(sweep_table, "TAIL_BYTES", 256)
    long = tmp_path / "metrics.jsonl"
    long.write_text(("x" * 1000 + "\n") * 50 + metrics_line + "\n" + summary_line + "\n")
    assert isinstance(last_result(long), Summary)
    # the last line longer than the first look: the look grows until it fits
    long.write_text(summary_line + "\n" + metrics_line + "\n")
    assert len(metrics_line) > 256
    found = last_result(long)
    assert isinstance(found, Metrics) and found.epoch == json.loads(metrics_line)["epoch"]
    long.write_text("not json\n")
    assert last_result(long) is None
    assert last_result(tmp_path / "missing.jsonl") is None


def row(name: str, **fields: Any) -> SweepRow:
    values = fields.pop("values", {"train.learning_rate": 0.1})
    return SweepRow(name, Path(name), fields.pop("seed", 0), values, "done", **fields)


def test_sorting_puts_missing_values_last_either_way() -> None:
    rows = [
        row("a", train_loss=0.3, test_acc=None, epochs=5),
        row("b", train_loss=None, test_acc=0.9, epochs=5),
        row("c", train_loss=0.1, test_acc=0.5, epochs=None),
        row("d", train_loss=float("nan"), test_acc=0.7, epochs=5),
        row("e", train_loss=0.2, test_acc=0.5, epochs=2),
    ]

    def names(column: str, reverse: bool = False) -> str:
        return "".join(r.name for r in sort_rows(rows, column, reverse=reverse))

    assert names("train_loss") == "ceabd"  # no loss and a NaN loss: last, in the given order
    assert names("train_loss", reverse=True) == "aecbd"
    assert names("test_acc") == "cedba"  # ties keep their order
    assert names("test_acc", reverse=True) == "bdcea"
    assert names("epochs") == "eabdc"
    assert names("run", reverse=True) == "edcba"


def test_swept_values_sort_with_off_last_and_labels_name_what_differs() -> None:
    lr = "train.learning_rate"
    units = "model.layers.0.units"
    rows = [
        row("000", values={lr: 0.5, units: 4}, seed=0),
        row("001", values={lr: 0.01, units: 4}, seed=2),
        row("002", values={lr: None, units: 8}, seed=0),
    ]
    assert [r.name for r in sort_rows(rows, lr)] == ["001", "000", "002"]
    assert [r.name for r in sort_rows(rows, lr, reverse=True)] == ["000", "001", "002"]
    assert short_key(lr) == "lr" and short_key(units) == "l0.units"
    assert short_key("train.optimizer") == "optimizer"
    keys = [lr, units]
    assert run_labels(rows[:2], keys) == ["lr=0.5 seed 0", "lr=0.01 seed 2"]
    assert run_labels([rows[0], rows[2]], keys) == ["lr=0.5 l0.units=4", "lr=off l0.units=8"]
    assert run_labels(rows[:1], keys) == ["lr=0.5 l0.units=4 seed 0"]  # a lone run: all of it
    same = dataclasses.replace(rows[0], name="003")
    assert run_labels([rows[0], same], keys) == ["000", "003"]  # nothing differs: the numbers
