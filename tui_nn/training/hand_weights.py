"""Hand-set weights (`SetWeights`, the Network tab): each layer's given weights and biases, checked
against the network's linear layers (shape, finite numbers) and copied into them."""

from __future__ import annotations

import torch
from torch import nn

from tui_nn.errors import TrainingError
from tui_nn.trainer.protocol import LayerWeights

__all__ = ["copy_layer_weights"]


def copy_layer_weights(network: nn.Sequential, layers: list[LayerWeights]) -> None:
    """One entry per linear layer of `network`; None keeps a layer's weights or bias."""
    linears = [module for module in network if isinstance(module, nn.Linear)]
    if len(layers) != len(linears):
        raise TrainingError(f"expected weights for {len(linears)} layers, got {len(layers)}")
    with torch.no_grad():
        for index, (linear, given) in enumerate(zip(linears, layers, strict=True)):
            for name, target, rows in (
                ("weights", linear.weight, given.weights),
                ("bias", linear.bias, given.bias),
            ):
                if rows is None:
                    continue
                value = torch.tensor(rows, dtype=target.dtype)
                if value.shape != target.shape or not torch.isfinite(value).all():
                    raise TrainingError(
                        f"layer {index} {name}: expected finite numbers of shape "
                        f"{tuple(target.shape)}, got {tuple(value.shape)}"
                    )
                target.copy_(value.to(target.device))
