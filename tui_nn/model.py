"""Builds a torch network from a preset, and the task head that ties it to the data:
which targets the loss sees, which loss function, and how outputs become class predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from tui_nn.data import Dataset
from tui_nn.errors import TrainingError
from tui_nn.spec import ModelSpec, Preset, parameter_count


class Step(nn.Module):
    """McCulloch-Pitts threshold: 1 if a >= 0 else 0 (no useful gradient)."""

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return (a >= 0).to(a.dtype)


class Sign(nn.Module):
    """The perceptron slide's output: 1 if a > 0 else -1 (no useful gradient)."""

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return torch.where(a > 0, 1.0, -1.0).to(a.dtype)


ACTIVATION_MODULES: dict[str, Callable[[], nn.Module]] = {
    "identity": nn.Identity,
    "step": Step,
    "sign": Sign,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "softmax": lambda: nn.Softmax(dim=-1),
}

# Output activations whose range is -1..1: binary targets are encoded as -1/1 for them.
SIGNED_OUTPUTS = ("sign", "tanh")

# Above this many parameters a preset is refused before anything is allocated.
MAX_PARAMETERS = 200_000_000


def model_parameter_count(spec: ModelSpec, n_inputs: int) -> int:
    return parameter_count([layer.units for layer in spec.layers], n_inputs)


def build_network(spec: ModelSpec, n_inputs: int, seed: int) -> nn.Sequential:
    """Linear layers each followed by its activation, in a plain nn.Sequential.

    State-dict names are torch's own ("0.weight", "0.bias", "2.weight", ...)."""
    count = model_parameter_count(spec, n_inputs)
    if count > MAX_PARAMETERS:
        raise TrainingError(
            f"the network would have {count:,} parameters, more than the {MAX_PARAMETERS:,} "
            "tui-nn allows: use fewer units"
        )
    torch.manual_seed(seed)
    modules: list[nn.Module] = []
    fan_in = n_inputs
    for index, layer in enumerate(spec.layers):
        linear = nn.Linear(fan_in, layer.units)
        _initialise(linear, spec.init)
        with torch.no_grad():
            if layer.weights is not None:
                weights = torch.tensor(layer.weights, dtype=torch.float32)
                if weights.shape != linear.weight.shape:
                    raise TrainingError(
                        f"model.layers[{index}].weights: expected {layer.units} rows of {fan_in} "
                        f"numbers (the layer's inputs), got shape {tuple(weights.shape)}"
                    )
                linear.weight.copy_(weights)
            if layer.bias is not None:
                linear.bias.copy_(torch.tensor(layer.bias, dtype=torch.float32))
        linear.requires_grad_(layer.trainable)
        modules += [linear, ACTIVATION_MODULES[layer.activation]()]
        fan_in = layer.units
    return nn.Sequential(*modules)


def _initialise(linear: nn.Linear, init: str) -> None:
    with torch.no_grad():
        if init == "zeros":
            linear.weight.zero_()
            linear.bias.zero_()
        elif init == "uniform":
            linear.weight.uniform_(-1.0, 1.0)
            linear.bias.uniform_(-1.0, 1.0)
        elif init == "normal":
            linear.weight.normal_(0.0, 1.0)
            linear.bias.normal_(0.0, 1.0)
        # "default" keeps PyTorch's own (Kaiming-uniform) initialisation


@dataclass
class TaskHead:
    """How the network's output meets the data.

    `train_net` is the network without a final activation that the loss folds in (softmax for
    cross-entropy, sigmoid for bce, a threshold for the perceptron criterion); it shares its
    modules, so training it trains `network`."""

    train_net: nn.Module
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    targets: torch.Tensor  # the targets as the loss sees them, for the whole data set
    threshold: float | None  # one output: class 1 when train_net's output >= threshold
    classification: bool
    signed_targets: bool  # binary targets encoded -1/1 rather than 0/1
    strict: bool = False  # class 1 only when the output is > threshold (sign(0) is -1)

    def predict(self, train_out: torch.Tensor) -> torch.Tensor:
        if train_out.shape[1] == 1:
            if self.threshold is None:  # as comparing a tensor with None would
                raise TypeError("a head with one output and no threshold cannot classify")
            if self.strict:
                return (train_out[:, 0] > self.threshold).long()
            return (train_out[:, 0] >= self.threshold).long()
        return train_out.argmax(dim=1)


def perceptron_criterion(a: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The perceptron criterion max(0, -t a), averaged; targets t in {-1, 1}."""
    return F.relu(-a * t).mean()


def build_head(preset: Preset, network: nn.Sequential, data: Dataset) -> TaskHead:
    """Choose the targets' encoding and the loss for this network and data, or say why they don't fit."""
    loss = preset.train.loss
    out_units = preset.model.layers[-1].units
    out_activation = preset.model.layers[-1].activation
    n_classes = data.n_classes
    layers = list(network)
    without_last = nn.Sequential(*layers[:-1])

    if data.task == "regression":
        if loss != "mse" or out_units != 1:
            raise TrainingError(
                f'data set {data.name!r} is a regression task: use loss = "mse" and one output unit'
            )
        return TaskHead(network, F.mse_loss, data.y.float().reshape(-1, 1), None, False, False)

    if loss == "cross_entropy":
        if out_units != n_classes or out_activation not in ("identity", "softmax"):
            raise TrainingError(
                f"cross_entropy needs an output layer of {n_classes} units (one per class) with "
                f'activation "softmax" or "identity"; this one has {out_units} units and '
                f"{out_activation!r}"
            )
        return TaskHead(without_last, F.cross_entropy, data.y.long(), None, True, False)

    binary_output = out_units == 1 and n_classes == 2
    if loss in ("bce", "perceptron") and not binary_output:
        raise TrainingError(
            f"loss {loss!r} needs two classes and one output unit; the data has {n_classes} classes "
            f"and the output layer {out_units} units (use cross_entropy for several classes)"
        )
    if loss == "bce":
        if out_activation == "sigmoid":
            return TaskHead(
                without_last,
                F.binary_cross_entropy_with_logits,
                data.y.float().reshape(-1, 1),
                0.0,
                True,
                False,
            )
        if out_activation == "identity":
            return TaskHead(
                network,
                F.binary_cross_entropy_with_logits,
                data.y.float().reshape(-1, 1),
                0.0,
                True,
                False,
            )
        raise TrainingError(
            f'bce needs an output activation of "sigmoid" (or "identity" for logits), not '
            f"{out_activation!r}"
        )
    if loss == "perceptron":
        if out_activation not in ("sign", "step", "identity"):
            raise TrainingError(
                'the perceptron criterion needs an output activation of "sign", "step" or '
                f'"identity", not {out_activation!r}'
            )
        signed_targets = data.y.float().reshape(-1, 1) * 2 - 1
        train_net = network if out_activation == "identity" else without_last
        return TaskHead(
            train_net,
            perceptron_criterion,
            signed_targets,
            0.0,
            True,
            True,
            strict=out_activation == "sign",
        )

    # mse on classes: one output for two classes, or one output per class (one-hot).
    signed = out_activation in SIGNED_OUTPUTS
    low = -1.0 if signed else 0.0
    if binary_output:
        targets = data.y.float().reshape(-1, 1)
        if signed:
            targets = targets * 2 - 1
        return TaskHead(network, F.mse_loss, targets, (low + 1.0) / 2, True, signed)
    if out_units == n_classes:
        targets = torch.full((len(data), n_classes), low)
        targets[torch.arange(len(data)), data.y.long()] = 1.0
        return TaskHead(network, F.mse_loss, targets, None, True, signed)
    raise TrainingError(
        f"the output layer has {out_units} units but the data has {n_classes} classes: use "
        f"{n_classes} output units (or 1 for two classes)"
    )
