"""`tui-nn export RUN --onnx FILE`: a run's trained network, with its input scaling, as ONNX."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_export(options: argparse.Namespace) -> int:
    from tui_nn.runs import resolve_run

    run = resolve_run(options.run)  # cheap checks before torch
    from tui_nn.onnx_export import export_onnx

    out = Path(options.onnx).expanduser()
    module = export_onnx(run, out)
    scaled = (
        " behind its input scaling" if module.mean is not None or module.fill is not None else ""
    )
    n_inputs = module.n_inputs
    print(
        f"wrote {out}: run {run.name}'s network{scaled}; input {n_inputs} raw values a row "
        f'("input", float32, batch x {n_inputs}), output "output"'
    )
    return 0
