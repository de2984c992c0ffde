"""`tui-nn sweep`: a grid of `--set` values times the seeds of one preset, each run a normal run
folder inside the sweep's folder, then the results table (or `--json` lines). A preset with a
[compare] table adds its compared key to the grid, as the app's side-by-side comparison trains it.

Everything the command line says is checked before any folder is made: the preset, the seeds,
every `--set` key and value (and every preset of the grid), the folder, Ray where asked for, and,
when runs train in other processes, a trainer of each combination of values (a loss that does
not fit the output layer, a data file that is missing). A sweep that fails before its first run
is written leaves no folder behind.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any

from tui_nn.cli.stop_signals import StopSignals, signal_exit_status
from tui_nn.cli.train import say
from tui_nn.errors import TuiNnError

if TYPE_CHECKING:
    from tui_nn.spec import Preset
    from tui_nn.sweep.grid import Override, SweepRun
    from tui_nn.sweep.jobs import Job
    from tui_nn.sweep.results import RunResult


def cmd_sweep(options: argparse.Namespace) -> int:
    from tui_nn.cli.train import load_or_build, with_data_path
    from tui_nn.sweep.folder import SweepFolder, plan_folder
    from tui_nn.sweep.grid import expand_grid, parse_seeds, parse_set
    from tui_nn.sweep.local import plan_jobs

    preset = with_data_path(load_or_build(options.preset), options.data)
    seeds = parse_seeds(options.seeds) if options.seeds is not None else [preset.train.seed]
    overrides = [parse_set(text, preset) for text in options.set or []]
    preset, overrides = _with_compare(preset, overrides)
    runs = expand_grid(preset, seeds, overrides)
    ray: Any = None
    if options.backend == "ray":
        from tui_nn.sweep.ray_backend import connect

        ray = connect()
    path = plan_folder(options.out, preset.name)
    jobs = plan_jobs(runs, str(path), stack=not options.no_stack)
    workers = options.workers if options.workers is not None else _default_workers(len(jobs))
    import torch  # loaded here, after the cheap checks above

    from tui_nn.devices import training_threads

    threads = training_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    if len(jobs) > 1:
        _check_trainers(runs)
    folder = SweepFolder(path)
    folder.start(
        preset=preset.name,
        seeds=seeds,
        set={o.key: list(o.values) for o in overrides},
        runs=[run.name for run in runs],
        backend=options.backend,
    )
    results: list[RunResult] = []
    try:
        code = _sweep(options, runs, jobs, workers, ray, results)
    except BaseException:
        if not results and not any(p.is_dir() for p in path.iterdir()):
            shutil.rmtree(path, ignore_errors=True)  # nothing of the sweep was written
        raise
    status = "done" if len(results) == len(runs) else "stopped"
    folder.update(status=status, finished=len(results))
    return code


def _with_compare(preset: Preset, overrides: list[Override]) -> tuple[Preset, list[Override]]:
    """A preset that compares ([compare]) sweeps its compared key over its own value and the
    table's values, the first axis of the grid (times any --set keys); a --set of that key takes
    the table's place (said on stderr). The runs' presets are without [compare]: each run folder
    holds the one network it trained."""
    from dataclasses import replace

    from tui_nn.presets.compare import compare_path, compared_values, show_value
    from tui_nn.sweep.grid import Override

    compare = preset.compare
    if compare is None:
        return preset, overrides
    plain = replace(preset, compare=None)
    path = compare_path(compare.key, len(plain.model.layers))
    if isinstance(path, str):  # a loaded preset's table was checked; this is a safeguard
        raise TuiNnError(f"[compare] key {compare.key}: {path}")
    if any(override.path == path for override in overrides):
        say(
            f"tui-nn: --set {compare.key} takes the place of the preset's [compare] values "
            f"({', '.join(show_value(v) for v in compare.values)})"
        )
        return plain, overrides
    return plain, [Override(compare.key, path, tuple(compared_values(preset))), *overrides]


def _default_workers(jobs: int) -> int:
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(jobs, cores))


def _check_trainers(runs: list[SweepRun]) -> None:
    """Build a trainer for one run of each combination of values (the seed changes no shape),
    so that a combination that cannot train says so before anything is written."""
    from tui_nn.training import Trainer

    seen: set[str] = set()
    for run in runs:
        key = repr(sorted(run.overrides.items()))
        if key not in seen:
            seen.add(key)
            try:
                Trainer(run.preset)
            except TuiNnError as error:
                shown = " ".join(f"{k}={_show(v)}" for k, v in run.overrides.items())
                raise TuiNnError(f"--set {shown}: {error}") from None


def _sweep(
    options: argparse.Namespace,
    runs: list[SweepRun],
    jobs: list[Job],
    workers: int,
    ray: Any,
    results: list[RunResult],
) -> int:
    from tui_nn.sweep.results import json_lines, results_object, table

    total = sum(run.preset.train.epochs for run in runs)
    started = time.perf_counter()
    with StopSignals() as stop, _ProgressBar(total, enabled=not options.json) as bar:

        def on_results(done: list[RunResult]) -> None:
            results.extend(done)
            bar.runs_done(len(results), len(runs))
            if options.json:
                for result in done:
                    for line in json_lines(result):
                        _out(line)

        if ray is not None:
            from tui_nn.sweep.ray_backend import run_ray

            run_ray(
                ray, jobs, should_stop=stop.requested, progress=bar.advance, on_results=on_results
            )
        else:
            from tui_nn.sweep.local import run_local

            run_local(
                jobs,
                workers,
                should_stop=stop.requested,
                progress=bar.advance,
                on_results=on_results,
            )
    wall = time.perf_counter() - started
    order = {run.name: run.index for run in runs}
    results.sort(key=lambda result: order[result.name])
    folder = str(jobs[0].folder) if jobs else ""
    if options.json:
        import json

        _out(json.dumps(results_object(folder, results)))
    else:
        for line in table(results):
            _out(line)
        converged = sum(result.converged for result in results)
        _out(
            f"{len(results)} of {len(runs)} runs in {wall:.2f} s ({converged} converged); "
            f"sweep folder: {folder}"
        )
    if stop.signal_name is not None:
        say(
            f"tui-nn: sweep stopped by {stop.signal_name}; each run still training was saved "
            "with a checkpoint: resume one with `tui-nn train --resume RUN_FOLDER`"
        )
        return signal_exit_status(stop.signal_name)
    return 0


def _show(value: Any) -> str:
    return "off" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _ProgressBar:
    """Epochs trained of the sweep's total, on stderr when it is a terminal (else nothing)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.progress: Any = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.progress.add_task("sweep", total=total)

    def __enter__(self) -> _ProgressBar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def advance(self, epochs: int) -> None:
        if self.progress is not None and epochs:
            self.progress.advance(self.task, epochs)

    def runs_done(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=f"{done}/{total} runs")
