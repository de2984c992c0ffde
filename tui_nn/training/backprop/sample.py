"""`backprop_sample`: one sample's backpropagation by the lecture's formulas, in float64 from
the network's weights: the forward pass, the output error and the deltas backpropagated layer by
layer, the gradients, next to autograd's and the optimizer's step, put together as a
`BackpropResult`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch
from torch import nn

from tui_nn.errors import TrainingError
from tui_nn.lesson.backprop import BackpropResult, LayerBackprop
from tui_nn.model import TaskHead
from tui_nn.spec import TrainSpec
from tui_nn.training.backprop.autograd import autograd_grads
from tui_nn.training.backprop.finite_difference import gradient_check
from tui_nn.training.backprop.formulas import (
    activate,
    loss_and_error,
    loss_formulas,
    loss_kind,
    through_activation,
)
from tui_nn.training.backprop.update import optimizer_step, sgd_formula, update_formula

__all__ = ["backprop_sample"]


def _layers(network: nn.Sequential, activations: Sequence[str]) -> list[tuple[nn.Linear, str]]:
    modules = list(network)
    linears = [m for m in modules[0::2] if isinstance(m, nn.Linear)]
    if len(modules) != 2 * len(activations) or len(linears) != len(activations):
        raise TrainingError("backprop needs an MLP: linear layers, each followed by its activation")
    return list(zip(linears, activations, strict=True))


def _slope(network: nn.Sequential, index: int) -> float:
    module = list(network)[2 * index + 1]
    return float(module.negative_slope) if isinstance(module, nn.LeakyReLU) else 0.01


def _rows(tensor: torch.Tensor) -> list[list[float]]:
    rows: list[list[float]] = tensor.detach().cpu().double().tolist()
    return rows


def _row(tensor: torch.Tensor) -> list[float]:
    row: list[float] = tensor.detach().cpu().double().reshape(-1).tolist()
    return row


def backprop_sample(
    network: nn.Sequential,
    activations: Sequence[str],
    head: TaskHead,
    x: torch.Tensor,
    t: torch.Tensor,
    train: TrainSpec,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    preset: str = "",
    sample: int = 0,
    n_samples: int = 1,
    epoch: int = 0,
    step: int = 0,
    check: bool = False,
) -> BackpropResult:
    """Backpropagate the sample (x, t) by the lecture's formulas through `network` (linear
    layers each followed by the activation named in `activations`), with the loss and targets
    of `head`; `t` is the head's target row for the sample. `optimizer` is the engine's, whose
    state (Adam's moments, SGD's momentum) the step goes on from; None: a fresh one. The
    network and the optimizer are not changed; all of it is computed on the CPU."""
    x, t = x.detach().cpu(), t.detach().cpu()
    layers = _layers(network, activations)
    kind = loss_kind(head)
    folded = len(list(head.train_net.children())) < len(network)
    trainable = [linear.weight.requires_grad for linear, _ in layers]
    slopes = [_slope(network, i) for i in range(len(layers))]

    # forward: a(l) = W(l) y(l-1) + b(l), y(l) = f(a(l))
    x64 = x.double().reshape(-1)
    t64 = t.double()
    Ws = [linear.weight.detach().cpu().double() for linear, _ in layers]
    bs = [linear.bias.detach().cpu().double() for linear, _ in layers]
    ys_in: list[torch.Tensor] = []
    a_s: list[torch.Tensor] = []
    ys: list[torch.Tensor] = []
    y = x64
    for (_, name), W, b, slope in zip(layers, Ws, bs, slopes, strict=True):
        ys_in.append(y)
        a = W @ y + b
        y = activate(name, a, slope)
        a_s.append(a)
        ys.append(y)

    # the loss and the output error delta(L)
    out_name, last = layers[-1][1], len(layers) - 1
    z = a_s[last] if folded else ys[last]
    loss, dL_dz, p = loss_and_error(
        kind, z, t64.reshape(z.shape) if kind != "cross_entropy" else t64
    )
    deltas: list[torch.Tensor] = [torch.empty(0)] * len(layers)
    fprimes: list[torch.Tensor | None] = [None] * len(layers)
    errors: list[torch.Tensor | None] = [None] * len(layers)
    terms: list[torch.Tensor | None] = [None] * len(layers)
    if folded:
        deltas[last] = dL_dz
    else:
        errors[last] = dL_dz
        deltas[last], fprimes[last] = through_activation(
            out_name, a_s[last], ys[last], dL_dz, slopes[last]
        )

    # backpropagated: delta(l)_i = f'(a(l)_i) * sum_k delta(l+1)_k W(l+1)_ki
    for index in range(last - 1, -1, -1):
        W_next, delta_next = Ws[index + 1], deltas[index + 1]
        terms[index] = W_next.T * delta_next  # [i][k] = delta(l+1)_k W(l+1)_ki
        error = W_next.T @ delta_next
        errors[index] = error
        deltas[index], fprimes[index] = through_activation(
            layers[index][1], a_s[index], ys[index], error, slopes[index]
        )

    # gradients, autograd's, and the optimizer's step
    autograd_loss, grads = autograd_grads(network, head, x, t)
    lr = float(optimizer.param_groups[0]["lr"]) if optimizer is not None else train.learning_rate
    steps, new_loss = optimizer_step(network, head, x, t, grads, train, optimizer)
    out_layers: list[LayerBackprop] = []
    update_diff = 0.0
    for index, ((linear, name), W, b) in enumerate(zip(layers, Ws, bs, strict=True)):
        delta = deltas[index]
        dW = torch.outer(delta, ys_in[index])
        db = delta.clone()
        gW, gb = grads[index]
        ag_dW = gW.double() if gW is not None else torch.zeros_like(dW)
        ag_db = gb.double() if gb is not None else torch.zeros_like(db)
        max_diff = max(float((dW - ag_dW).abs().max()), float((db - ag_db).abs().max()))
        step_W, step_b = steps[index]
        if train.optimizer == "sgd" and new_loss is not None:
            real_W, real_b = step_W, step_b
            step_W = (
                sgd_formula(linear.weight, W, dW, train, lr, optimizer)
                if linear.weight.requires_grad and gW is not None
                else torch.zeros_like(W)
            )
            step_b = (
                sgd_formula(linear.bias, b, db, train, lr, optimizer)
                if linear.bias.requires_grad and gb is not None
                else torch.zeros_like(b)
            )
            update_diff = max(
                update_diff,
                float((step_W - real_W).abs().max()),
                float((step_b - real_b).abs().max()),
            )
        fprime, dL_dy, term = fprimes[index], errors[index], terms[index]
        out_layers.append(
            LayerBackprop(
                index=index + 1,
                activation=name,
                trainable=trainable[index],
                W=_rows(W),
                b=_row(b),
                a=_row(a_s[index]),
                y=_row(ys[index]),
                fprime=_row(fprime) if fprime is not None else None,
                dL_dy=_row(dL_dy) if dL_dy is not None else None,
                terms=_rows(term) if term is not None else [],
                delta=_row(delta),
                dW=_rows(dW),
                db=_row(db),
                autograd_dW=_rows(ag_dW),
                autograd_db=_row(ag_db),
                max_diff=max_diff,
                step_W=_rows(step_W),
                step_b=_row(step_b),
                new_W=_rows(W + step_W),
                new_b=_row(b + step_b),
            )
        )

    loss_formula, delta_formula = loss_formulas(kind, folded, out_name, int(z.numel()))
    t_class = int(t) if kind == "cross_entropy" else None
    if t_class is not None:
        t_row = [1.0 if k == t_class else 0.0 for k in range(int(z.numel()))]
    else:
        t_row = _row(t64)
    result = BackpropResult(
        preset=preset,
        sample=sample,
        n_samples=n_samples,
        epoch=epoch,
        step=step,
        x=_row(x64),
        t=t_row,
        t_class=t_class,
        loss_name=kind,
        loss_input="a" if folded else "y",
        p=_row(p) if p is not None else None,
        loss=loss,
        autograd_loss=autograd_loss,
        loss_formula=loss_formula,
        delta_formula=delta_formula,
        layers=out_layers,
        max_diff=max(layer.max_diff for layer in out_layers),
        optimizer=train.optimizer,
        learning_rate=lr,
        update_formula=update_formula(train, lr, new_loss is None),
        update_diff=update_diff if train.optimizer == "sgd" and new_loss is not None else None,
        new_loss=new_loss,
    )
    if check:
        result = replace(result, check=gradient_check(network, head, x, t, result))
    return result
