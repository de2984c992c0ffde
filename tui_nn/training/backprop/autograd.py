"""The engine's side of one sample, on a CPU copy of the real modules: the loss the engine uses
and autograd's `.grad` of every layer (what the formulas are compared with)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from tui_nn.model import TaskHead

__all__ = ["Grads", "autograd_grads", "loss_of", "loss_prefix"]

Grads = list[tuple[torch.Tensor | None, torch.Tensor | None]]


def loss_prefix(network: nn.Sequential, head: TaskHead) -> nn.Sequential:
    """The network up to what the loss takes: all of it, or without a folded-in activation."""
    return nn.Sequential(*list(network)[: len(list(head.train_net.children()))])


def autograd_grads(
    network: nn.Sequential, head: TaskHead, x: torch.Tensor, t: torch.Tensor
) -> tuple[float, Grads]:
    """The engine's loss on a CPU copy of the real modules, and `.grad` of every layer (None
    where no gradient reaches it, as after the engine's own backward)."""
    net = copy.deepcopy(network).to("cpu")
    for parameter in net.parameters():
        parameter.requires_grad_(True)
        parameter.grad = None
    loss = head.loss_fn(loss_prefix(net, head)(x.unsqueeze(0)), t.unsqueeze(0))
    if loss.requires_grad:
        loss.backward()  # type: ignore[no-untyped-call]
    linears = [m for m in net if isinstance(m, nn.Linear)]
    return float(loss.detach()), [(m.weight.grad, m.bias.grad) for m in linears]


def loss_of(network: nn.Module, head: TaskHead, x: torch.Tensor, t: torch.Tensor) -> float:
    """The head's loss of the one sample (x, t) through `network`, without gradients."""
    with torch.no_grad():
        return float(head.loss_fn(network(x.unsqueeze(0)), t.unsqueeze(0)))
