"""One training sample's backpropagation, as plain numbers (no torch, no textual).

`tui_nn.training.backprop` computes it in the trainer's process (the lecture's formulas next to
autograd's `.grad`); `tui-nn backprop` prints it, and a lesson view can receive it as JSON
(`to_plain` / `reader_for` of `tui_nn.trainer.typed_json` read these dataclasses both ways).
Layers count from 1 (the first after the input), as the lecture does; matrices are lists of rows,
W[i][j] the weight from input j to unit i.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FPRIME_FORMULAS", "BackpropResult", "GradientCheck", "LayerBackprop"]

# f'(a) as the lecture writes it, for each activation the project offers.
FPRIME_FORMULAS: dict[str, str] = {
    "identity": "1",
    "step": "0 (a step has no gradient)",
    "sign": "0 (sign has no gradient)",
    "sigmoid": "y(1 - y)",
    "tanh": "1 - y^2",
    "relu": "1 if a > 0 else 0",
    "leaky_relu": "1 if a > 0 else 0.01",  # nn.LeakyReLU's slope, which the model uses
    "gelu": "Phi(a) + a phi(a)",
    "softmax": "the Jacobian diag(y) - y y^T",
}


@dataclass(frozen=True)
class LayerBackprop:
    """One layer l (1 = the first after the input) of one sample's forward and backward pass.

    Matrices are lists of rows: W[i][j] is the weight from input j to unit i."""

    index: int
    activation: str
    trainable: bool
    W: list[list[float]]
    b: list[float]
    a: list[float]  # W y(l-1) + b
    y: list[float]  # f(a)
    fprime: list[float] | None  # f'(a_i); None for softmax and where the loss takes a itself
    dL_dy: list[float] | None  # the error reaching y: sum_k delta(l+1)_k W(l+1)_ki (hidden)
    terms: list[list[float]]  # terms[i][k] = delta(l+1)_k W(l+1)_ki ([] on the output layer)
    delta: list[float]  # dL/da
    dW: list[list[float]]  # delta_i y(l-1)_j
    db: list[float]  # delta_i
    autograd_dW: list[list[float]]
    autograd_db: list[float]
    max_diff: float  # the largest |dW - autograd_dW|, |db - autograd_db|
    step_W: list[list[float]]  # what the optimizer adds to W (zeros for a frozen layer)
    step_b: list[float]
    new_W: list[list[float]]
    new_b: list[float]


@dataclass(frozen=True)
class GradientCheck:
    """A finite-difference check of one weight: (L(w + h) - L(w - h)) / 2h against autograd."""

    layer: int
    name: str  # "W[i,j]" or "b[i]", counted from 1 as the lecture does
    autograd: float
    numeric: float
    difference: float
    ok: bool


@dataclass(frozen=True)
class BackpropResult:
    """One sample's backpropagation through the network, and the optimizer's step on it."""

    preset: str
    sample: int  # index in the training set, from 0
    n_samples: int  # training samples
    epoch: int  # completed epochs of the weights shown
    step: int  # optimizer steps so far
    x: list[float]  # the input as the network sees it
    t: list[float]  # the target as the loss sees it (cross-entropy: one-hot; see t_class)
    t_class: int | None  # cross-entropy's target, a class index
    loss_name: str  # mse, bce, cross_entropy, perceptron
    loss_input: str  # "y": the loss takes y(L); "a": it takes the logits a(L)
    p: list[float] | None  # softmax(a(L)) or sigmoid(a(L)), where the loss applies it
    loss: float  # the sample's loss, by the formula in loss_formula
    autograd_loss: float  # the engine's loss function on the real modules
    loss_formula: str  # which formula, and which scaling (torch's mse has no 1/2)
    delta_formula: str  # how the output error delta(L) comes from the loss
    layers: list[LayerBackprop]  # input side first
    max_diff: float  # the largest difference from autograd over all layers
    optimizer: str
    learning_rate: float
    update_formula: str
    update_diff: float | None  # sgd: the largest |formula's step - the optimizer's own step|
    new_loss: float | None  # the sample's loss after the step (None: nothing trainable)
    check: list[GradientCheck] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The command line's object: preset, sample, x, t, loss_name, loss and the layers."""
        return {
            "preset": self.preset,
            "sample": self.sample,
            "x": self.x,
            "t": self.t_class if self.t_class is not None else self.t,
            "loss_name": self.loss_name,
            "loss": self.loss,
            "layers": [
                {
                    "activation": layer.activation,
                    "W": layer.W,
                    "b": layer.b,
                    "a": layer.a,
                    "y": layer.y,
                    "delta": layer.delta,
                    "dW": layer.dW,
                    "db": layer.db,
                    "autograd_dW": layer.autograd_dW,
                    "autograd_db": layer.autograd_db,
                }
                for layer in self.layers
            ],
        }
