"""The local backend: a sweep's jobs on this machine.

Runs that can stack make one job (`plan_jobs`); so does every run that cannot, each alone. With
one worker, or one job, the jobs run in this process (a population shows its progress epoch by
epoch); with more, they spread over that many worker processes (spawned, as CUDA needs), each
with one torch thread, and report when each job ends. SIGINT and SIGTERM in a worker stop its
job as they stop this process's: each run still training is saved with a checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from tui_nn.sweep.grid import SweepRun
from tui_nn.sweep.jobs import Job, Progress, run_job

if TYPE_CHECKING:
    from tui_nn.sweep.results import RunResult

__all__ = ["plan_jobs", "run_local", "split_jobs"]


def _plan_key(run: SweepRun) -> Hashable | None:
    """Runs with equal keys may stack (the population checks the rest once built); None: the
    perceptron rule, which steps sample by sample, trains alone. No torch."""
    preset = run.preset
    if preset.model.kind == "perceptron":
        return None
    layers = tuple(
        (layer.units, layer.activation, layer.trainable) for layer in preset.model.layers
    )
    train, data = preset.train, preset.data
    return (
        layers,
        train.loss,
        train.optimizer,
        train.momentum,
        train.weight_decay,
        train.batch_size,
        train.device,
        data.set,
        data.samples,
        data.test_fraction,
        data.path,
    )


def plan_jobs(
    runs: list[SweepRun], folder: str, *, stack: bool = True, threads: int | None = None
) -> list[Job]:
    """The sweep's jobs: one per group of runs that may stack, and one per run that cannot."""
    groups: dict[Hashable, list[SweepRun]] = {}
    jobs: list[Job] = []
    for run in runs:
        key = _plan_key(run) if stack else None
        if key is None:
            jobs.append(Job((run,), folder, stack, threads))
        else:
            groups.setdefault(key, []).append(run)
    jobs += [Job(tuple(group), folder, stack, threads) for group in groups.values()]
    return sorted(jobs, key=lambda job: job.runs[0].index)


def split_jobs(jobs: list[Job], parts: int) -> list[Job]:
    """The jobs cut into about `parts` jobs (each population into pieces of equal size), for
    backends whose jobs run on many machines: a member's results do not depend on its piece."""
    import dataclasses
    import math

    runs = sum(len(job.runs) for job in jobs)
    size = max(1, math.ceil(runs / max(1, parts)))
    pieces = []
    for job in jobs:
        for start in range(0, len(job.runs), size):
            pieces.append(dataclasses.replace(job, runs=job.runs[start : start + size]))
    return pieces


def run_local(
    jobs: list[Job],
    workers: int,
    *,
    should_stop: Callable[[], bool],
    progress: Progress,
    on_results: Callable[[list[RunResult]], None],
) -> None:
    """Run the jobs here (one worker or one job) or over `workers` processes; `on_results` is
    told each job's results as it ends."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            if should_stop():
                return
            on_results(run_job(job, should_stop=should_stop, progress=progress))
        return
    import dataclasses
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=context, initializer=_worker_signals
    ) as pool:
        pending = {
            pool.submit(_worker_job, dataclasses.replace(job, threads=1)): job for job in jobs
        }
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                results = future.result()
                progress(sum(run.preset.train.epochs for run in job.runs))
                on_results(results)
            if should_stop():
                for future in pending:
                    future.cancel()  # those not begun; the others stop on their own signal


_STOP: list[str] = []  # in a worker: the signal that asked it to stop


def _worker_signals() -> None:
    import signal

    def handle(signum: int, frame: object) -> None:
        _STOP.append(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)


def _worker_job(job: Job) -> list[RunResult]:
    return run_job(job, should_stop=lambda: bool(_STOP))
