"""The gradient check: central differences of the sample's loss for a few weights of each
layer, in float64 on a copy of the network, against autograd's `.grad`."""

from __future__ import annotations

import copy

import torch
from torch import nn

from tui_nn.lesson.backprop import BackpropResult, GradientCheck
from tui_nn.model import TaskHead
from tui_nn.training.backprop.autograd import loss_of, loss_prefix

__all__ = ["CHECK_STEP", "CHECK_TOLERANCE", "gradient_check"]

CHECK_STEP = 1e-6  # the finite difference's h, in float64
CHECK_TOLERANCE = 1e-4  # |numeric - autograd| <= this * max(1, |numeric|)


def gradient_check(
    network: nn.Sequential,
    head: TaskHead,
    x: torch.Tensor,
    t: torch.Tensor,
    result: BackpropResult,
) -> list[GradientCheck]:
    """Central differences (L(w + h) - L(w - h)) / 2h, in float64 on a copy of the network, for
    a few weights of each layer (the largest and smallest nonzero gradient of W, the largest of
    b),
    against autograd's `.grad`."""
    net = copy.deepcopy(network).to("cpu").double()
    train_net = loss_prefix(net, head)
    x64 = x.detach().cpu().double()
    t_loss = t.detach().cpu() if t.dtype == torch.long else t.detach().cpu().double()
    linears = [m for m in net if isinstance(m, nn.Linear)]
    checks: list[GradientCheck] = []
    for layer, linear in zip(result.layers, linears, strict=True):
        ag_W = torch.tensor(layer.autograd_dW, dtype=torch.float64)
        ag_b = torch.tensor(layer.autograd_db, dtype=torch.float64)
        picks: list[tuple[str, torch.Tensor, tuple[int, ...], float]] = []
        sizes = ag_W.abs().reshape(-1)
        flats = [int(sizes.argmax())]
        nonzero = torch.nonzero(sizes).reshape(-1)
        if len(nonzero) > 1:  # and the smallest gradient that is not zero
            flats.append(int(nonzero[sizes[nonzero].argmin()]))
        chosen = [divmod(flat, int(ag_W.shape[1])) for flat in flats]
        for i, j in chosen:
            picks.append((f"W[{i + 1},{j + 1}]", linear.weight, (i, j), float(ag_W[i, j])))
        i_b = int(ag_b.abs().argmax())
        picks.append((f"b[{i_b + 1}]", linear.bias, (i_b,), float(ag_b[i_b])))
        for name, parameter, where, autograd in picks:
            with torch.no_grad():
                original = float(parameter[where])
                parameter[where] = original + CHECK_STEP
                up = loss_of(train_net, head, x64, t_loss)
                parameter[where] = original - CHECK_STEP
                down = loss_of(train_net, head, x64, t_loss)
                parameter[where] = original
            numeric = (up - down) / (2 * CHECK_STEP)
            difference = abs(numeric - autograd)
            ok = difference <= CHECK_TOLERANCE * max(1.0, abs(numeric))
            checks.append(GradientCheck(layer.index, name, autograd, numeric, difference, ok))
    return checks
