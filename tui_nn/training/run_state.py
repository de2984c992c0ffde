"""The state of a run and what the trainer reports of it: the `RunState` it keeps, a stop recorded
on that state, and the protocol's `Metrics` (one event) and `Summary` (the run's) made from it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tui_nn.trainer.protocol import EpochLoss, EvalPoint, Metrics, Status, StopMark, Summary
from tui_nn.training.evaluation import Evaluation
from tui_nn.training.stop_rules import Stop

__all__ = ["RunState", "eval_point", "metrics_event", "record_stop", "run_summary"]


@dataclass
class RunState:
    epoch: int = 0  # completed epochs
    step: int = 0  # optimizer steps (perceptron: samples seen)
    status: Status = "ready"  # ready, running, paused, done, diverged, failed
    stop_reason: str | None = None  # converged, target_loss, target_accuracy, patience, epochs, ...
    message: str = ""
    converged: bool = False
    elapsed_s: float = 0.0
    samples: int = 0
    best_loss: float = math.inf
    best_epoch: int = 0
    last_eval: Evaluation | None = None
    stops: list[StopMark] = field(default_factory=list)


def record_stop(state: RunState, stop: Stop, status: Status = "done") -> None:
    """The run stops: its status, why, and a mark where it stopped (for the plots)."""
    state.status, state.stop_reason = status, stop.reason
    state.message, state.converged = stop.message, stop.converged
    state.stops.append(StopMark(state.epoch, state.step, stop.reason))


def eval_point(state: RunState, result: Evaluation) -> EvalPoint:
    """The evaluation `result` as the protocol records it, at the run's epoch and step."""
    return EvalPoint(
        epoch=state.epoch,
        step=state.step,
        train_loss=result.train_loss,
        test_loss=result.test_loss,
        train_acc=result.train_acc,
        test_acc=result.test_acc,
    )


def metrics_event(
    state: RunState,
    *,
    train_loss: float | None,
    samples_per_s: float,
    lr: float,
    evals: list[EvalPoint],
    epochs: list[EpochLoss],
) -> Metrics:
    """One event: the window's training loss, each epoch's since the last event, and every
    evaluation since then."""
    latest = evals[-1] if evals else None
    return Metrics(
        epoch=state.epoch,
        step=state.step,
        train_loss=train_loss,
        samples_per_s=samples_per_s,
        elapsed_s=state.elapsed_s,
        lr=lr,
        status=state.status,
        eval_train_loss=latest.train_loss if latest else None,
        test_loss=latest.test_loss if latest else None,
        train_acc=latest.train_acc if latest else None,
        test_acc=latest.test_acc if latest else None,
        evals=evals,
        epochs=epochs,
    )


def run_summary(state: RunState, *, preset: str, device: str) -> Summary:
    """The run's `Summary`: its last evaluation (none when it diverged), steps, speed, stop."""
    result = state.last_eval if state.status != "diverged" else None
    return Summary(
        preset=preset,
        device=device,
        status=state.status,
        epochs=state.epoch,
        steps=state.step,
        train_loss=result.train_loss if result else None,
        test_loss=result.test_loss if result else None,
        train_acc=result.train_acc if result else None,
        test_acc=result.test_acc if result else None,
        elapsed_s=state.elapsed_s,
        samples_per_s=state.samples / state.elapsed_s if state.elapsed_s > 0 else 0.0,
        converged=state.converged,
        stop_reason=state.stop_reason,
        message=state.message,
    )
