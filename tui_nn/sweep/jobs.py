"""A job: some of a sweep's runs, trained in one process, each written to its own run folder.

The same function runs a job in the sweep's own process, in a local worker process and in a Ray
task, so every backend gives the same results. Inside a job, runs whose trainers share a
`stack_key` train as one `Population`; the others train alone, exactly as `tui-nn train` trains
them (`Trainer.run` with the run session as its `on_event` and `on_epoch_end`). Either way the
run folder is written by `RunSession`: started, its metric lines recorded, then finished (or
stopped, with a checkpoint to resume from with `tui-nn train --resume`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui_nn.sweep.grid import SweepRun
from tui_nn.sweep.results import RunResult, result_of

if TYPE_CHECKING:
    from tui_nn.runs import RunSession
    from tui_nn.trainer.protocol import Metrics, Summary
    from tui_nn.training import Trainer

__all__ = ["Job", "Progress", "run_job"]

Progress = Callable[[int], None]  # told the epochs that runs trained since the last call


@dataclass(frozen=True)
class Job:
    runs: tuple[SweepRun, ...]
    folder: str  # the sweep's folder: each run's folder is folder/run.name
    stack: bool = True  # False: every run trains alone (`--no-stack`)
    threads: int | None = None  # torch's threads in this job's process (None: as it is)


def run_job(
    job: Job,
    *,
    should_stop: Callable[[], bool] | None = None,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Train the job's runs and write their folders; their results, in the job's order."""
    import torch

    from tui_nn.sweep.population import Population, stack_key
    from tui_nn.training import Trainer

    if job.threads is not None:
        torch.set_num_threads(job.threads)
    trainers = [Trainer(run.preset) for run in job.runs]  # each from its seed, as in its run
    groups: dict[object, list[int]] = {}
    alone: list[int] = []
    for index, trainer in enumerate(trainers):
        key = stack_key(trainer) if job.stack else None
        if key is None:
            alone.append(index)
        else:
            groups.setdefault(key, []).append(index)
    results: dict[int, RunResult] = {}
    for members in groups.values():
        if len(members) == 1:
            alone += members
            continue
        population = Population(
            [trainers[i] for i in members], should_stop=should_stop, on_epoch=progress
        )
        population.run()
        for row, index in enumerate(members):
            results[index] = _write_run(
                job, job.runs[index], trainers[index], population.events[row]
            )
            _finish_progress(progress, trainers[index])
    for index in sorted(alone):
        if should_stop is not None and should_stop():
            break
        results[index] = _train_alone(job, job.runs[index], trainers[index], should_stop, progress)
    return [results[i] for i in sorted(results)]


def _train_alone(
    job: Job,
    run: SweepRun,
    trainer: Trainer,
    should_stop: Callable[[], bool] | None,
    progress: Progress | None,
) -> RunResult:
    """The run as `tui-nn train` runs it."""
    from tui_nn.runs import RunSession

    session = RunSession.new(Path(job.folder) / run.name, headless=True)
    events: list[Metrics] = []

    def on_event(event: Metrics) -> None:
        session.record(event)
        events.append(event)

    def on_epoch_end(done: Trainer) -> None:
        session.epoch_ended(done)
        if progress is not None:
            progress(1)

    trainer.on_event = on_event
    trainer.on_epoch_end = on_epoch_end
    session.start(trainer)
    with session:
        trainer.run(should_pause=should_stop)
        summary = _end_session(session, trainer)
    _finish_progress(progress, trainer)
    return result_of(run.name, str(session.path), run.seed, run.overrides, summary, events)


def _write_run(job: Job, run: SweepRun, trainer: Trainer, events: list[Metrics]) -> RunResult:
    """A population member's folder, from its trainer (weights, moments and state copied back)."""
    from tui_nn.runs import RunSession

    session = RunSession.new(Path(job.folder) / run.name, headless=True)
    session.start(trainer)
    with session:
        for event in events:
            session.record(event)
        summary = _end_session(session, trainer)
    return result_of(run.name, str(session.path), run.seed, run.overrides, summary, events)


def _end_session(session: RunSession, trainer: Trainer) -> Summary:
    """The run's folder finished (or, when the sweep was stopped first, stopped with a
    checkpoint), and its summary."""
    if trainer.finished:
        return session.finish(trainer)
    session.stop(trainer, "the sweep was stopped")
    return dataclasses.replace(trainer.summary(), status="stopped")


def _finish_progress(progress: Progress | None, trainer: Trainer) -> None:
    """The epochs of a run's budget that it did not train (it stopped early) count as done."""
    if progress is not None:
        progress(max(0, trainer.preset.train.epochs - trainer.state.epoch))
