"""`tui-nn show RUN`: the app opened on a run that has ended or stopped, its preset in the editors
and its curves in the plots, as the runs screen's "open" shows them. Nothing trains until the
user asks (space trains the preset anew, ctrl+r then c continues the run).

The run is checked here, before the app loads: a missing run, a folder without run.json, or a
damaged preset is one line and exit status 2. The curves are read in the app, in a thread, from
the folder's curve.jsonl (or its metrics.jsonl: `tui_nn.runs.history_index`), so a run with a day
of history opens as fast as a short one.
"""

from __future__ import annotations

import argparse
import gc

from tui_nn.errors import TuiNnError


def cmd_show(options: argparse.Namespace) -> int:
    from tui_nn.presets import load_preset
    from tui_nn.runs import read_run_info, resolve_run

    path = resolve_run(options.run)  # a one-line error (exit status 2) for no such run
    read_run_info(path)  # a damaged run.json says so
    preset_file = path / "preset.toml"
    if not preset_file.is_file():
        raise TuiNnError(f"run {path.name} has no preset.toml: there is nothing to open")
    load_preset(preset_file)  # a damaged preset: its one-line message, before the app loads
    # As `tui-nn` itself: no cyclic garbage collection until the first frame is drawn.
    gc.disable()
    from tui_nn.ui.launch import run_app

    return run_app(run=path)
