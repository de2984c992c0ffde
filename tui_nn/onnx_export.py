"""A run's trained network as an ONNX file: the checkpoint's weights behind the input scaling the
run trained with (missing values filled in, standardised), so that the file takes the data's raw
values, as the run's preset reads them, and gives the network's output (its last layer's
activation included). Needs the optional `onnx` package (`pip install 'tui-nn[onnx]'`)."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import torch
from torch import nn

from tui_nn.checkpoint import CheckpointError, read_checkpoint
from tui_nn.data.scaling import InputScaling
from tui_nn.errors import TuiNnError
from tui_nn.model import build_network

__all__ = ["INSTALL_HINT", "ScaledNetwork", "export_onnx", "load_run_network"]

INSTALL_HINT = "pip install 'tui-nn[onnx]' (or: pip install onnx)"
OPSET = 17
INPUT, OUTPUT = "input", "output"


class ScaledNetwork(nn.Module):
    """The network behind its input scaling: raw inputs in, the network's output out."""

    def __init__(self, network: nn.Sequential, scaling: InputScaling | None) -> None:
        super().__init__()
        self.network = network
        first = network[0]
        assert isinstance(first, nn.Linear)  # tui-nn's networks start with a linear layer
        self.n_inputs = first.in_features
        self.fill: torch.Tensor | None
        self.mean: torch.Tensor | None
        self.std: torch.Tensor | None
        for name in ("fill", "mean", "std"):
            value = None if scaling is None else getattr(scaling, name)
            self.register_buffer(name, None if value is None else value.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fill is not None:
            x = torch.where(torch.isnan(x), self.fill, x)
        if self.mean is not None and self.std is not None:
            x = (x - self.mean) / self.std
        out: torch.Tensor = self.network(x)
        return out


def load_run_network(run: Path) -> ScaledNetwork:
    """The network of the run folder `run`, as its checkpoint left it, behind its scaling."""
    from tui_nn.presets import load_preset
    from tui_nn.runs.listing import CHECKPOINT

    preset = load_preset(run / "preset.toml")
    checkpoint = run / CHECKPOINT
    if not checkpoint.is_file():
        raise TuiNnError(f"run {run.name} has no checkpoint: nothing trained to export")
    tensors, _ = read_checkpoint(checkpoint)
    weights = {name[len("model.") :]: t for name, t in tensors.items() if name.startswith("model.")}
    first = weights.get("0.weight")
    if first is None or first.dim() != 2:
        raise CheckpointError(f"{checkpoint}: holds no first layer (model.0.weight)")
    network = build_network(preset.model, int(first.shape[1]), preset.train.seed)
    try:
        network.load_state_dict(weights)
    except RuntimeError:
        raise CheckpointError(f"{checkpoint}: does not fit the network of its preset") from None
    module = ScaledNetwork(network, InputScaling.from_tensors(tensors))
    return module.eval()


def export_onnx(run: Path, out: Path) -> ScaledNetwork:
    """Write the run's network (with its input scaling) to `out` as ONNX, checked by onnx's
    checker; the module written. A batch of any size goes in as (N, inputs) float32."""
    if importlib.util.find_spec("onnx") is None:
        raise TuiNnError(f"ONNX export needs the onnx package: {INSTALL_HINT}")
    onnx = importlib.import_module("onnx")  # optional: typed loosely, so mypy needs it not

    module = load_run_network(run)
    example = torch.zeros(1, module.n_inputs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                module,
                (example,),
                str(out),
                dynamo=False,
                input_names=[INPUT],
                output_names=[OUTPUT],
                dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
                opset_version=OPSET,
            )
    except OSError as error:
        raise TuiNnError(f"cannot write {out}: {error.strerror or error}") from None
    onnx.checker.check_model(onnx.load(str(out)))
    return module
