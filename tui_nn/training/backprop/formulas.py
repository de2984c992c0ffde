"""The activations, their derivatives and the losses of one sample, as the lecture's formulas
(elementwise on float64 tensors, no autograd), and the text that names the loss and delta(L)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
from torch.nn import functional as F

from tui_nn.errors import TrainingError
from tui_nn.model import TaskHead, perceptron_criterion

__all__ = [
    "LossName",
    "activate",
    "loss_and_error",
    "loss_formulas",
    "loss_kind",
    "through_activation",
]

LossName = Literal["mse", "bce", "cross_entropy", "perceptron"]


def activate(name: str, a: torch.Tensor, slope: float) -> torch.Tensor:
    """y = f(a) for the activation `name` (`slope`: leaky ReLU's, for a < 0)."""
    if name == "identity":
        return a.clone()
    if name == "step":
        return (a >= 0).to(a.dtype)
    if name == "sign":
        return torch.where(a > 0, 1.0, -1.0).to(a.dtype)
    if name == "sigmoid":
        return 1.0 / (1.0 + torch.exp(-a))
    if name == "tanh":
        return torch.tanh(a)
    if name == "relu":
        return torch.where(a > 0, a, 0.0)
    if name == "leaky_relu":
        return torch.where(a > 0, a, slope * a)
    if name == "gelu":
        return a * _normal_cdf(a)
    if name == "softmax":
        e = torch.exp(a - a.max())
        return e / e.sum()
    raise TrainingError(f"backprop does not know the activation {name!r}")


def _fprime(name: str, a: torch.Tensor, y: torch.Tensor, slope: float) -> torch.Tensor | None:
    """f'(a), elementwise; None for softmax, whose Jacobian mixes its units."""
    if name == "identity":
        return torch.ones_like(a)
    if name in ("step", "sign"):
        return torch.zeros_like(a)
    if name == "sigmoid":
        return y * (1 - y)
    if name == "tanh":
        return 1 - y * y
    if name == "relu":
        return (a > 0).to(a.dtype)
    if name == "leaky_relu":
        return torch.where(a > 0, 1.0, slope).to(a.dtype)
    if name == "gelu":
        return _normal_cdf(a) + a * torch.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    return None


def _normal_cdf(a: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1 + torch.erf(a / math.sqrt(2)))


def through_activation(
    name: str, a: torch.Tensor, y: torch.Tensor, g: torch.Tensor, slope: float
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """delta = dL/da from g = dL/dy: f'(a) * g, or softmax's Jacobian-vector product
    y_i (g_i - sum_k g_k y_k). Returns (delta, f'(a) or None)."""
    fprime = _fprime(name, a, y, slope)
    if fprime is None:
        return y * (g - (g * y).sum()), None
    return fprime * g, fprime


def loss_kind(head: TaskHead) -> LossName:
    """Which loss the head really uses (its function, not the preset's word)."""
    kinds: list[tuple[Callable[..., torch.Tensor], LossName]] = [
        (F.mse_loss, "mse"),
        (F.cross_entropy, "cross_entropy"),
        (F.binary_cross_entropy_with_logits, "bce"),
        (perceptron_criterion, "perceptron"),
    ]
    for function, kind in kinds:
        if head.loss_fn is function:
            return kind
    raise TrainingError(f"backprop does not know the loss {head.loss_fn!r}")


def loss_and_error(
    kind: LossName, z: torch.Tensor, t: torch.Tensor
) -> tuple[float, torch.Tensor, torch.Tensor | None]:
    """The loss of one sample from the loss's input z (y or a of the output layer), dL/dz, and
    the probabilities the loss computes (softmax, sigmoid) where it does."""
    if kind == "mse":
        diff = z - t
        return float((diff * diff).mean()), 2 * diff / z.numel(), None
    if kind == "cross_entropy":
        target = int(t)
        p = activate("softmax", z, 0.0)
        log_sum = float(z.max() + torch.log(torch.exp(z - z.max()).sum()))
        onehot = torch.zeros_like(z)
        onehot[target] = 1.0
        return log_sum - float(z[target]), p - onehot, p
    if kind == "bce":
        p = activate("sigmoid", z, 0.0)
        softplus = torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))
        return float((softplus - t * z).mean()), (p - t) / z.numel(), p
    margin = -z * t  # the perceptron criterion max(0, -t a), t in {-1, 1}
    return (
        float(torch.clamp(margin, min=0).mean()),
        torch.where(margin > 0, -t, 0.0) / z.numel(),
        None,
    )


def loss_formulas(kind: LossName, folded: bool, out_activation: str, n_out: int) -> tuple[str, str]:
    """(the loss's formula and scaling, how delta(L) comes from it)."""
    z = "a" if folded else "y"
    if kind == "mse":
        if n_out == 1:
            mean, scale = "(y - t)^2", "2(y - t)"
            lecture = "E = 1/2 (t - y)^2 is L/2, so its gradients are half of these"
        else:
            mean, scale = f"mean_k (y_k - t_k)^2 over K = {n_out} outputs", "(2/K)(y - t)"
            times = (
                "L, so its gradients are these"
                if n_out == 2
                else (f"{n_out / 2:g} L, so its gradients are {n_out / 2:g} times these")
            )
            lecture = f"E = 1/2 sum_k (t_k - y_k)^2 is {times}"
        loss = f"L = {mean}: torch's mse_loss, without the lecture's 1/2; its {lecture}"
        if out_activation == "softmax":
            return loss, f"delta(L) = softmax's Jacobian times dL/dy, dL/dy = {scale}"
        return loss, f"delta(L) = f'(a) * dL/dy, dL/dy = {scale}"
    if kind == "cross_entropy":
        loss = (
            "L = -log softmax(a)_t = log sum_k exp(a_k) - a_t: torch's cross_entropy, "
            "on the logits a(L) (it applies the softmax itself)"
        )
        return loss, "delta(L) = softmax(a) - onehot(t) = p - onehot(t)"
    if kind == "bce":
        loss = (
            f"L = -(t log p + (1 - t) log(1 - p)), p = sigmoid({z}): torch's "
            "binary_cross_entropy_with_logits (it applies the sigmoid itself)"
        )
        return loss, "delta(L) = sigmoid(a) - t = p - t"
    loss = f"L = max(0, -t {z}), t in {{-1, 1}}: the perceptron criterion"
    return loss, "delta(L) = -t if t a < 0 (misclassified) else 0"
