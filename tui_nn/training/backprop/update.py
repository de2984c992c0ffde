"""The optimizer's update after one sample: the real optimizer's step, run on copies of the
network and of its state, SGD's step from the formula, and the update's formula as text."""

from __future__ import annotations

import copy

import torch
from torch import nn

from tui_nn.model import TaskHead
from tui_nn.spec import TrainSpec
from tui_nn.training.backprop.autograd import Grads, loss_of, loss_prefix
from tui_nn.training.strategies import make_optimizer

__all__ = ["optimizer_step", "sgd_formula", "update_formula"]


def optimizer_step(
    network: nn.Sequential,
    head: TaskHead,
    x: torch.Tensor,
    t: torch.Tensor,
    grads: Grads,
    train: TrainSpec,
    optimizer: torch.optim.Optimizer | None,
) -> tuple[list[tuple[torch.Tensor, torch.Tensor]], float | None]:
    """The real optimizer's step on a copy of the network (and of the optimizer's state), with
    autograd's gradients: each layer's (step of W, step of b), and the sample's loss after it."""
    net = copy.deepcopy(network).to("cpu")
    linears = [m for m in net if isinstance(m, nn.Linear)]
    before = [(m.weight.detach().clone(), m.bias.detach().clone()) for m in linears]
    copied = make_optimizer(net, train)
    new_loss: float | None = None
    if copied is not None:
        if optimizer is not None:
            # a deep copy: loading keeps the very tensors where device and dtype agree, and the
            # step below changes its state in place (the engine's own must stay as it is)
            copied.load_state_dict(copy.deepcopy(optimizer.state_dict()))
        copied.zero_grad(set_to_none=True)
        for linear, (dW, db) in zip(linears, grads, strict=True):
            for parameter, grad in ((linear.weight, dW), (linear.bias, db)):
                if parameter.requires_grad and grad is not None:
                    parameter.grad = grad.clone().to(parameter.dtype)
        copied.step()
        new_loss = loss_of(loss_prefix(net, head), head, x, t)
    steps = [
        ((m.weight.detach() - w).double(), (m.bias.detach() - b).double())
        for m, (w, b) in zip(linears, before, strict=True)
    ]
    return steps, new_loss


def sgd_formula(
    parameter: torch.Tensor,
    value: torch.Tensor,
    grad: torch.Tensor,
    train: TrainSpec,
    lr: float,
    optimizer: torch.optim.Optimizer | None,
) -> torch.Tensor:
    """SGD's step from the formula: -eta * (dW + weight_decay * W), through the momentum
    buffer (buf <- momentum * buf + g; the first step's buf is g) where the preset has one."""
    g = grad + train.weight_decay * value
    if train.momentum != 0:
        state = optimizer.state.get(parameter, {}) if optimizer is not None else {}
        buffer = state.get("momentum_buffer")
        if buffer is not None:
            g = train.momentum * buffer.detach().cpu().double() + g
    return -lr * g


def update_formula(train: TrainSpec, lr: float, frozen: bool) -> str:
    """The update's formula as text (`frozen`: no layer is trainable, so no step)."""
    if frozen:
        return "every layer is frozen (trainable = false): the optimizer takes no step"
    if train.optimizer == "sgd":
        g = f"(dW + {train.weight_decay:g} W)" if train.weight_decay else "dW"
        if train.momentum:
            return (
                f"SGD, eta = {lr:g}, momentum {train.momentum:g}: buf <- {train.momentum:g} buf"
                f" + {g} (at the first step buf = {g}), W <- W - eta * buf; b likewise"
            )
        if train.weight_decay:
            return f"SGD, eta = {lr:g}: W <- W - eta * {g} (weight decay); b likewise"
        return f"SGD, eta = {lr:g}: W <- W - eta * dW, b <- b - eta * db"
    name = {"adam": "Adam", "rmsprop": "RMSprop"}.get(train.optimizer, train.optimizer)
    return (
        f"{name}, eta = {lr:g}: the step the optimizer takes (run on a copy of the network "
        "and of its state), not -eta * dW"
    )
