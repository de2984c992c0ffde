"""`tui-nn backprop`: one training sample's backpropagation, by the lecture's formulas, at a
preset's initial weights or after some epochs of training (`tui_nn.training.backprop`), as text
that fits 80 columns or as one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui_nn.errors import TuiNnError
from tui_nn.lesson.backprop_text import MAX_TEXT_WEIGHTS, format_backprop

if TYPE_CHECKING:
    from tui_nn.spec import LayerSpec


def cmd_backprop(options: argparse.Namespace) -> int:
    from dataclasses import replace

    from tui_nn.presets import load_named, preset_from_dict, preset_to_dict

    preset = load_named(options.preset)
    if preset.model.kind == "perceptron":
        raise TuiNnError(
            f'preset {preset.name!r} is a perceptron (kind = "perceptron"): it learns by the '
            'perceptron rule, without gradients; backprop needs an MLP (kind = "mlp")'
        )
    if options.sample < 0:
        raise TuiNnError(f"--sample must be 0 or more, got {options.sample}")
    if options.epochs is not None:
        preset = replace(preset, train=replace(preset.train, epochs=options.epochs))
        preset = preset_from_dict(preset_to_dict(preset), source="command line")
    import torch  # noqa: F401 - loaded here, after the cheap checks above

    from tui_nn.training import Trainer
    from tui_nn.training.backprop import backprop_trainer

    trainer = Trainer(preset)
    if not 0 <= options.sample < trainer.n_train:
        raise TuiNnError(
            f"sample {options.sample} is out of range: the training set has {trainer.n_train} "
            f"samples (0 to {trainer.n_train - 1})"
        )
    if not options.json:
        _check_fits(preset.model.layers, trainer.dataset.n_features)
    stopped = ""
    if options.epochs is not None:
        state = trainer.run()
        if state.status in ("diverged", "failed"):
            raise TuiNnError(f"training stopped before epoch {options.epochs}: {state.message}")
        if state.epoch < options.epochs:
            stopped = state.message
    result = backprop_trainer(trainer, options.sample, check=options.check)
    if options.json:
        body = result.to_json()
        if options.check:
            body["check"] = [
                {"layer": c.layer, "weight": c.name, "autograd": c.autograd, "numeric": c.numeric}
                for c in result.check
            ]
        sys.stdout.write(json.dumps(body) + "\n")
    else:
        sys.stdout.write("\n".join(format_backprop(result, stopped=stopped)) + "\n")
    failed = [c for c in result.check if not c.ok]
    if failed:
        names = ", ".join(f"layer {c.layer} {c.name}" for c in failed)
        print(f"tui-nn: gradient check failed for {names}", file=sys.stderr)
        return 1
    return 0


def _check_fits(layers: Sequence[LayerSpec], n_inputs: int) -> None:
    """Refuse a network with a layer too large to show weight by weight."""
    fan_in = n_inputs
    for index, layer in enumerate(layers, start=1):
        units = layer.units
        if units * fan_in > MAX_TEXT_WEIGHTS:
            raise TuiNnError(
                f"the network is too large to show as text: layer {index} has {units}x{fan_in} "
                f"= {units * fan_in:,} weights, at most {MAX_TEXT_WEIGHTS} fit (use --json)"
            )
        fan_in = units
