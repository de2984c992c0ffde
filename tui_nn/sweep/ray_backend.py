"""The Ray backend: a sweep's jobs as Ray tasks, on the cluster `ray.init()` finds (`RAY_ADDRESS`)
or on a local one it starts. Each task runs `tui_nn.sweep.jobs.run_job`, the function the local
backend runs, so results are the same; it writes its runs' folders under the sweep's folder,
which must be storage every node shares.

Ray is an optional extra (`pip install "tui-nn[ray]"`), imported only here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui_nn.errors import TuiNnError
from tui_nn.sweep.jobs import Job, Progress, run_job
from tui_nn.sweep.results import RunResult

__all__ = ["connect", "run_ray"]

INSTALL = 'pip install "tui-nn[ray]"'


def connect() -> Any:
    """The `ray` module, connected to a cluster (one already connected is kept); a one-line
    error when Ray is not installed or the cluster cannot be reached. Call it before anything
    is written."""
    try:
        import ray
    except ImportError:
        raise TuiNnError(f"--backend ray needs Ray, which is not installed: {INSTALL}") from None
    if ray.is_initialized():
        return ray
    import os

    address = os.environ.get("RAY_ADDRESS", "").strip()
    if address:
        _probe(address)  # Ray itself retries an unreachable address for minutes
    try:
        ray.init(log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as error:
        where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TuiNnError(f"--backend ray: cannot start or reach {where}: {first}") from None
    return ray


def _probe(address: str, timeout_s: float = 3.0) -> None:
    """A one-line error unless `address` (RAY_ADDRESS: host:port or ray://host:port) takes a
    connection; "auto" and "local" are left to Ray."""
    import socket

    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise TuiNnError(
            f"--backend ray: cannot reach the Ray cluster at RAY_ADDRESS={address}: "
            f"{error.strerror or error}; start it (`ray start --head`) or unset RAY_ADDRESS "
            "for a local one"
        ) from None


def run_ray(
    ray: Any,
    jobs: list[Job],
    *,
    should_stop: Callable[[], bool],
    progress: Progress,
    on_results: Callable[[list[RunResult]], None],
) -> None:
    """One task per job, one CPU each, populations cut into a piece per CPU of the cluster;
    `on_results` is told each task's results as it ends. A stop cancels the tasks (Ray
    interrupts a running task as by Ctrl+C)."""
    from tui_nn.sweep.local import split_jobs

    cpus = int(ray.cluster_resources().get("CPU", 1))
    jobs = split_jobs(jobs, cpus)  # a population per CPU of the cluster
    task = ray.remote(num_cpus=1, max_retries=0)(_task)
    pending = {task.remote(job): job for job in jobs}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1, timeout=0.2)
        for ref in done:
            job = pending.pop(ref)
            try:
                results = ray.get(ref)
            except ray.exceptions.TaskCancelledError:
                continue
            except ray.exceptions.RayTaskError as error:
                cause = error.cause if isinstance(error.cause, TuiNnError) else None
                if cause is not None:
                    raise cause from None
                raise
            progress(sum(run.preset.train.epochs for run in job.runs))
            on_results(results)
        if should_stop():
            for ref in pending:
                ray.cancel(ref)
            pending.clear()


def _task(job: Job) -> list[RunResult]:
    import dataclasses

    return run_job(dataclasses.replace(job, threads=1))
