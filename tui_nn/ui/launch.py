"""`run_app`: the app of `tui-nn` (and `tui-nn show`), from a preset name, file or run folder, its
trainer handed over by the command line; what it says when it ends, and its exit status."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from tui_nn.errors import TuiNnError
from tui_nn.presets import load_named, load_preset, resolve_preset
from tui_nn.spec import Preset
from tui_nn.trainer.client import TrainerSupply

from .app import TuiNnApp


def run_app(
    preset: str | Preset | None = None,
    *,
    attach: str | Path | None = None,
    run: Path | None = None,
    trainers: TrainerSupply | None = None,
) -> int:
    """Open the app with a preset name or file (default: xor) or a preset built by the command
    line (from a CSV file, or with --data), attached to the trainer at the socket `attach` that
    trains the run folder `run`, or on `run` alone (its preset and curves); returns the status.
    `trainers`: where its trainers come from (one started before the UI's imports, stopped here
    if the app never took it)."""
    supply = trainers or TrainerSupply()
    try:
        if run is not None:
            path, loaded = None, load_preset(Path(run) / "preset.toml")
        elif isinstance(preset, Preset):
            path, loaded = None, preset
        else:
            path = resolve_preset(preset if preset is not None else "xor")
            loaded = load_named(str(path))
    except TuiNnError as error:
        supply.discard()
        print(f"tui-nn: error: {error}", file=sys.stderr)
        return 2
    app = TuiNnApp(
        loaded,
        path,
        trainer_factory=supply,
        handle_signals=True,
        attach=attach,
        show=None if attach else run,
    )
    try:
        app.run()
    finally:
        app.link.stop()
        supply.discard()  # the app ended before it took the trainer
    if app.runs.farewell:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            print(app.runs.farewell, flush=True)
    code = app.return_code
    return code if code is not None else app.runs.exit_status
