"""The two learning rules, one step each, as the lecture writes them.

`gradient_step` is one step of gradient descent on a batch; `perceptron_update` is the perceptron
rule on one sample. The engine's trainer calls them, and `tui-nn code` copies their source into the
scripts it exports, so these lines are the ones both run. They may use only torch (and `nn`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["gradient_step", "perceptron_update"]


def gradient_step(
    train_net: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    t: torch.Tensor,
) -> torch.Tensor:
    """One step of gradient descent on the batch (x, t); returns the batch's loss (a tensor,
    so that reading it, which waits for a GPU, is the caller's choice)."""
    optimizer.zero_grad(set_to_none=True)  # forget the last step's gradients
    out = train_net(x)  # forward
    loss = loss_fn(out, t)  # how wrong, on average over the batch
    loss.backward()  # type: ignore[no-untyped-call]  # d loss / d weight, for every weight
    optimizer.step()  # move each weight a little against its gradient
    return loss.detach()


@torch.no_grad()
def perceptron_update(
    w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, t: float, eta: float, strict: bool
) -> bool:
    """The perceptron rule on the sample (x, t), t in {-1, 1}, for the unit a = w.x + b: if the
    unit misclassifies it, w <- w + eta*x*t and b <- b + eta*t (in place). The unit says class 1
    when a > 0 if `strict` (sign, where sign(0) = -1), else when a >= 0 (step). Returns whether
    the sample was misclassified."""
    a = float(w @ x + b)
    predicted_positive = a > 0 if strict else a >= 0
    if predicted_positive == (t > 0):
        return False
    w += eta * x * t
    b += eta * t
    return True
