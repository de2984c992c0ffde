"""What a run has recorded so far: each epoch's training loss and each evaluation, as the
trainer's `Metrics` carry them (both already thinned out beyond `DENSE_EPOCHS`, so a record
stays small however long the run). The trainer process keeps one for the run in progress and
sends it as `History` to every newly attached app; a resumed run's record is read back from its
metrics.jsonl."""

from __future__ import annotations

from pathlib import Path

from tui_nn.runs.history_index import curve_file, curve_lines
from tui_nn.trainer.protocol import (
    EpochLoss,
    EvalPoint,
    History,
    Metrics,
    ProtocolError,
    decode_event,
)

__all__ = ["RunRecord"]


class RunRecord:
    def __init__(self) -> None:
        self.epochs: list[EpochLoss] = []
        self.evals: list[EvalPoint] = []

    def add(self, metrics: Metrics, until_step: int | None = None) -> None:
        if until_step is None:
            self.epochs.extend(metrics.epochs)
            self.evals.extend(metrics.evals)
        else:
            self.epochs.extend(p for p in metrics.epochs if p.step <= until_step)
            self.evals.extend(p for p in metrics.evals if p.step <= until_step)

    def clear(self) -> None:
        self.epochs.clear()
        self.evals.clear()

    def event(self) -> History:
        return History(list(self.epochs), list(self.evals))

    @classmethod
    def read(cls, metrics_file: Path, until_step: int | None = None) -> RunRecord:
        """The record in a run folder's metrics.jsonl up to `until_step` (a resumed run goes on
        from its checkpoint's step: what came after it is not the run any more), read from its
        index curve.jsonl when the folder has one (`history_index`). Only lines with epochs or
        evaluations are decoded. Damaged lines, such as a write that a kill cut short, are
        skipped; a missing file is an empty record."""
        record = cls()
        try:
            with open(curve_file(metrics_file), "rb") as lines:
                for line in curve_lines(lines, windows=False):
                    if b'"metrics"' not in line:
                        continue  # a summary, or damage
                    try:
                        event = decode_event(line)
                    except ProtocolError:
                        continue
                    if isinstance(event, Metrics):
                        record.add(event, until_step)
        except FileNotFoundError:
            pass
        return record
