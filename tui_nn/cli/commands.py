"""Opening the app (`tui-nn`, `tui-nn attach`) and the commands that list things."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable


def _load_app() -> Callable[..., int]:
    """The app's `run_app`. Its imports and first frame allocate much and free little, so the
    cyclic garbage collector only costs time there (~30 ms): it is off until the first frame is
    drawn (`tui_nn.ui.later` turns it back on)."""
    gc.disable()
    from tui_nn.ui.app import run_app

    return run_app


def cmd_app(options: argparse.Namespace) -> int:
    return _load_app()(options.preset)


def cmd_attach(options: argparse.Namespace) -> int:
    from tui_nn.runs import find_live_run

    live = find_live_run(options.run)  # a one-line error (exit status 2) when there is none
    return _load_app()(attach=live.socket, run=live.path)


def cmd_presets(options: argparse.Namespace) -> int:
    from tui_nn.presets import list_presets

    infos = list_presets()
    width = max((len(info.name) for info in infos), default=0)
    for info in infos:
        origin = "built-in" if info.builtin else "user"
        print(f"{info.name:<{width}}  {origin:<8}  {info.description}")
    return 0


def cmd_devices(options: argparse.Namespace) -> int:
    from tui_nn.devices import format_memory, list_devices

    for device in list_devices():
        print(f"{device.name:<8}  {format_memory(device.memory_bytes):>9}  {device.description}")
    return 0


def cmd_code(options: argparse.Namespace) -> int:
    from dataclasses import replace

    from tui_nn.codegen import export_script
    from tui_nn.presets import load_named, preset_from_dict, preset_to_dict

    preset = load_named(options.preset)
    if options.data is not None:
        preset = replace(preset, data=replace(preset.data, path=options.data))
        preset = preset_from_dict(preset_to_dict(preset), source="command line")
    sys.stdout.write(export_script(preset))
    return 0


def cmd_runs(options: argparse.Namespace) -> int:
    from tui_nn.runs import list_runs, runs_root

    runs = list_runs()
    if not runs:
        print(f"no runs yet in {runs_root()}")
        return 0
    print(f"{'run':<40} {'preset':<22} {'status':<11} {'epochs':>7} {'best test':>9}  started")
    for run in runs:
        best = f"{run.best_test_acc:.1%}" if run.best_test_acc is not None else "-"
        print(
            f"{run.id:<40} {run.preset[:22]:<22} {run.status:<11} {run.epochs:>7} {best:>9}  {run.started}"
        )
    return 0
