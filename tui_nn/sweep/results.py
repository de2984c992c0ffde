"""A sweep's results: one `RunResult` per run, the sorted table `tui-nn sweep` prints, and the
JSON lines of `--json` (each run's metric lines, then one object with every run). No torch."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from tui_nn.presets.compare import show_value
from tui_nn.trainer.protocol import Metrics, Summary, encode

__all__ = ["RunResult", "json_lines", "result_of", "results_object", "sorted_results", "table"]

TARGET_STOPS = ("target_loss", "target_accuracy", "converged")


@dataclass
class RunResult:
    name: str  # the run's folder name inside the sweep
    run: str  # its folder
    seed: int
    overrides: dict[str, Any]
    status: str
    train_loss: float | None
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None
    best_test_acc: float | None
    epochs: int
    converged: bool
    stop_reason: str | None
    epochs_to_target: int | None  # the epochs it took to meet a target, None when it did not
    wall_s: float
    message: str
    events: list[Metrics] = field(default_factory=list)  # its metric lines, for --json


def result_of(
    name: str,
    run: str,
    seed: int,
    overrides: dict[str, Any],
    summary: Summary,
    events: list[Metrics],
) -> RunResult:
    """A run's result from its summary and the metric events it recorded."""
    accuracies = [p.test_acc for e in events for p in e.evals if p.test_acc is not None]
    reached = summary.stop_reason in TARGET_STOPS and summary.converged
    return RunResult(
        name=name,
        run=run,
        seed=seed,
        overrides=dict(overrides),
        status=summary.status,
        train_loss=summary.train_loss,
        test_loss=summary.test_loss,
        train_acc=summary.train_acc,
        test_acc=summary.test_acc,
        best_test_acc=max(accuracies) if accuracies else None,
        epochs=summary.epochs,
        converged=summary.converged,
        stop_reason=summary.stop_reason,
        epochs_to_target=summary.epochs if reached else None,
        wall_s=summary.elapsed_s,
        message=summary.message,
        events=list(events),
    )


def _rank(result: RunResult) -> tuple[float, ...]:
    """Best first: runs that ended well, then the best test accuracy (the training accuracy
    without a test set), then the lowest final loss, then the fewest epochs."""
    failed = result.status in ("diverged", "failed")
    accuracy = result.best_test_acc if result.best_test_acc is not None else result.train_acc
    loss = result.test_loss if result.test_loss is not None else result.train_loss
    return (
        1.0 if failed else 0.0,
        -(accuracy if accuracy is not None else -1.0),
        loss if loss is not None and math.isfinite(loss) else math.inf,
        float(result.epochs_to_target if result.epochs_to_target is not None else math.inf),
    )


def sorted_results(results: list[RunResult]) -> list[RunResult]:
    return sorted(results, key=_rank)


def _number(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def table(results: list[RunResult]) -> list[str]:
    """The results as aligned lines, best first."""
    keys = sorted(  # the keys whose values differ between runs
        key
        for key in {key for result in results for key in result.overrides}
        if len({repr(result.overrides.get(key)) for result in results}) > 1
    )
    head = ["#", "run", *keys, "seed", "best test", "train loss", "test loss", "train acc"]
    head += ["test acc", "epochs", "to target", "wall s", "status"]
    rows = [head]
    for rank, result in enumerate(sorted_results(results), 1):
        rows.append(
            [
                str(rank),
                result.name,
                *(show_value(result.overrides.get(key)) for key in keys),
                str(result.seed),
                _number(result.best_test_acc, ".1%"),
                _number(result.train_loss, ".4g"),
                _number(result.test_loss, ".4g"),
                _number(result.train_acc, ".1%"),
                _number(result.test_acc, ".1%"),
                str(result.epochs),
                str(result.epochs_to_target) if result.epochs_to_target is not None else "-",
                f"{result.wall_s:.2f}",
                result.status,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    text_columns = {1, len(head) - 1}
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if i in text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def json_lines(result: RunResult) -> list[str]:
    """The run's metric lines (the protocol's), each with the run's name under "run"."""
    lines = []
    for event in result.events:
        line = json.loads(encode(event))
        lines.append(json.dumps({"run": result.name, **line}))
    return lines


def results_object(folder: str, results: list[RunResult]) -> dict[str, Any]:
    """The last line of `--json`: every run, in the grid's order."""
    return {
        "sweep": folder,
        "runs": [
            {
                "name": r.name,
                "seed": r.seed,
                "overrides": r.overrides,
                "run": r.run,
                "status": r.status,
                "train_loss": r.train_loss,
                "test_loss": r.test_loss,
                "train_acc": r.train_acc,
                "test_acc": r.test_acc,
                "best_test_acc": r.best_test_acc,
                "epochs": r.epochs,
                "epochs_to_target": r.epochs_to_target,
                "converged": r.converged,
                "stop_reason": r.stop_reason,
                "wall_s": r.wall_s,
            }
            for r in results
        ],
    }
