"""Opening the app (`tui-nn`, `tui-nn attach`) and the commands that list things."""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
from collections.abc import Callable


def _load_app(trainer: bool = True) -> Callable[..., int]:
    """The app's `run_app`, with (`trainer`) a trainer started before the UI's imports, so that
    its torch import runs alongside them (run_app stops it if the app does not take it). Those
    imports and the first frame allocate much and free little, so the cyclic garbage collector
    only costs time there (~30 ms): it is off until the first frame is drawn (`tui_nn.ui.later`
    turns it back on)."""
    from tui_nn.trainer.client import TrainerSupply

    trainers = TrainerSupply.started() if trainer else TrainerSupply()
    gc.disable()
    try:
        from tui_nn.ui.launch import run_app
    except BaseException:
        trainers.discard()
        raise
    return functools.partial(run_app, trainers=trainers)


def cmd_app(options: argparse.Namespace) -> int:
    """The app on a preset name or file; a CSV file or `--data` gets its preset built here, with
    the same rules (and one-line messages) as `tui-nn train`."""
    name = options.preset
    plain = name is None or os.path.splitext(name)[1].lower() in ("", ".toml")
    if options.data is None and plain:
        return _load_app()(name)  # the quick path: nothing more is read before the first frame
    from tui_nn.presets.from_csv import is_data_file

    if options.data is None and not is_data_file(name or ""):
        return _load_app()(name)
    from tui_nn.cli.train import load_or_build, with_data_path
    from tui_nn.presets import preset_from_dict, preset_to_dict

    preset = with_data_path(load_or_build(name or "xor"), options.data)
    preset = preset_from_dict(preset_to_dict(preset), source="command line")  # checks --data
    return _load_app()(preset)


def cmd_attach(options: argparse.Namespace) -> int:
    from tui_nn.runs import find_live_run

    live = find_live_run(options.run)  # a one-line error (exit status 2) when there is none
    return _load_app(trainer=False)(attach=live.socket, run=live.path)


def cmd_presets(options: argparse.Namespace) -> int:
    from tui_nn.presets import list_presets

    infos = list_presets()
    width = max((len(info.name) for info in infos), default=0)
    for info in infos:
        origin = "built-in" if info.builtin else "user"
        print(f"{info.name:<{width}}  {origin:<8}  {info.description}")
    return 0


def cmd_devices(options: argparse.Namespace) -> int:
    """Each device, its utilisation and its memory in use (`--json`: one array of objects)."""
    import dataclasses
    import json

    from tui_nn.devices import device_usage

    usages = device_usage()
    if options.json:
        print(json.dumps([dataclasses.asdict(usage) for usage in usages], indent=1))
        return 0
    for usage in usages:
        busy = "-" if usage.utilisation_percent is None else f"{usage.utilisation_percent:.0f}%"
        temperature = "" if usage.temperature_c is None else f"  {usage.temperature_c:.0f} °C"
        print(
            f"{usage.name:<8}  {busy:>4} busy  {_memory_in_use(usage.memory_used_bytes, usage.memory_total_bytes):>19}"
            f"{temperature}  {usage.description}"
        )
        if usage.note:
            print(f"{'':<8}  ({usage.note})")
    return 0


def _memory_in_use(used: int | None, total: int | None) -> str:
    """Used of total memory ("3.1 / 15.6 GiB"); "- / 80.0 GiB" where the use is not known."""
    if total is None:
        return "memory -" if used is None else f"{used / 2**30:.1f} GiB used"
    shown = "-" if used is None else f"{used / 2**30:.1f}"
    return f"{shown} / {total / 2**30:.1f} GiB"


def cmd_code(options: argparse.Namespace) -> int:
    """The script on stdout (with the bundled data it needs embedded), or with --out in a file
    and that data in a file beside it."""
    from tui_nn.cli.train import load_or_build, with_data_path
    from tui_nn.codegen import export_script, write_export
    from tui_nn.presets import preset_from_dict, preset_to_dict

    preset = with_data_path(load_or_build(options.preset), options.data)
    preset = preset_from_dict(preset_to_dict(preset), source="command line")
    if options.out is None:
        sys.stdout.write(export_script(preset, embed_data=True))
        return 0
    written = write_export(preset, options.out)
    beside = "".join(f" and {p.name} (the data it reads)" for p in written[1:])
    print(f"wrote {written[0]}{beside}", file=sys.stderr)
    return 0


def cmd_runs(options: argparse.Namespace) -> int:
    from tui_nn.runs import list_runs, runs_root

    listed = list_runs()
    runs = [run for run in listed if not run.damaged]
    if not runs:
        print(f"no runs yet in {runs_root()}")
    else:
        print(
            f"{'run':<40} {'preset':<22} {'status':<11} {'epochs':>7} {'best test':>9}  "
            f"{'started':<19}  trainer"
        )
    for run in runs:
        best = f"{run.best_test_acc:.1%}" if run.best_test_acc is not None else "-"
        trainer = ""  # a live run: which process trains it
        if run.pid is not None:
            trainer = f"pid {run.pid}, " + ("headless `tui-nn train`" if run.headless else "an app")
        print(
            f"{run.id:<40} {run.preset[:22]:<22} {run.status:<11} {run.epochs:>7} {best:>9}  "
            f"{run.started:<19}  {trainer}".rstrip()
        )
    damaged = [run for run in listed if run.damaged]
    if damaged:
        print(f"\ndamaged folders in {runs_root()} (no runs: skipped by --resume latest):")
        for run in damaged:
            print(f"  {run.id}: {run.problem}")
    return 0
