"""`tui-nn export RUN --onnx FILE`: a run's trained network, with its input scaling, as ONNX.
`--script FILE`: the run's preset as the script `tui-nn code` writes, with the run's trained
weights in the file beside it that the script's `--load` evaluates."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui_nn.errors import TuiNnError


def cmd_export(options: argparse.Namespace) -> int:
    from tui_nn.runs import resolve_run

    if options.onnx is None and options.script is None:
        raise TuiNnError("export: say what to write: --onnx FILE, --script FILE, or both")
    run = resolve_run(options.run)  # cheap checks before torch
    if options.script is not None:
        _export_script(run, Path(options.script).expanduser())
    if options.onnx is not None:
        _export_onnx(run, Path(options.onnx).expanduser())
    return 0


def _export_onnx(run: Path, out: Path) -> None:
    from tui_nn.onnx_export import export_onnx

    module = export_onnx(run, out)
    scaled = (
        " behind its input scaling" if module.mean is not None or module.fill is not None else ""
    )
    n_inputs = module.n_inputs
    print(
        f"wrote {out}: run {run.name}'s network{scaled}; input {n_inputs} raw values a row "
        f'("input", float32, batch x {n_inputs}), output "output"'
    )


def _export_script(run: Path, out: Path) -> None:
    """Nothing is written where the run has no checkpoint or the script cannot express its
    preset (`write_export` makes the whole script before it writes)."""
    import torch

    from tui_nn.codegen import weights_path, write_export
    from tui_nn.onnx_export import load_run_network
    from tui_nn.presets import load_preset

    network = load_run_network(run).network
    written = write_export(load_preset(run / "preset.toml"), out)
    weights = weights_path(out)
    try:
        torch.save({name: value.cpu() for name, value in network.state_dict().items()}, weights)
    except OSError as error:
        raise TuiNnError(f"cannot write {weights}: {error.strerror or error}") from None
    beside = "".join(f", {path.name}" for path in written[1:])
    print(
        f"wrote {out}{beside} and {weights.name}: run {run.name}'s preset as a script, and its "
        f"trained weights; `python {out} --load` evaluates them (without --load it trains anew, saving over them)"
    )
