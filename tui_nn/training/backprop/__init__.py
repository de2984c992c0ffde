"""Backpropagation by hand: one training sample through an MLP, in the lecture's notation.

For the sample (x, t), layer by layer (l = 1..L, y(0) = x):

- forward: a(l) = W(l) y(l-1) + b(l), y(l) = f(a(l)); then the sample's loss L;
- the output error delta(L) = dL/da(L): f'(a) * dL/dy for a loss on y, or, where the loss takes
  the logits a(L) and applies the output activation itself (softmax + cross-entropy, sigmoid +
  bce: see `tui_nn.model.build_head`), softmax(a) - onehot(t) and sigmoid(a) - t;
- backpropagated: delta(l)_i = f'(a(l)_i) * sum_k delta(l+1)_k W(l+1)_ki, with each term;
- gradients: dL/dW(l)_ij = delta(l)_i y(l-1)_j and dL/db(l)_i = delta(l)_i;
- the update: for SGD the formula's -eta * dW (with weight decay and momentum where the preset
  has them); for Adam and RMSprop the step the real optimizer takes, run on a copy of the network
  and of the optimizer's state.

Everything above comes from these formulas (in float64 from the network's weights), not from
autograd. Next to it: autograd's `.grad` of a copy of the network (the real modules, float32,
the loss the engine uses), the largest difference, and, on request, a finite-difference check.
The network itself is never changed. The result (`BackpropResult`, in the torch-free
`tui_nn.lesson.backprop`, so that the app can read it) is plain dataclasses of numbers and
strings, ready for JSON (`to_plain` and `reader_for` in `tui_nn.trainer.typed_json`, or
`BackpropResult.to_json` for the command line's object).

The pieces, one job each:

- `formulas`: the activations, their derivatives and the losses, as formulas (and as text)
- `autograd`: the engine's side, on a copy of the real modules: its loss and `.grad`
- `update`: the optimizer's step on copies, and SGD's step from the formula
- `finite_difference`: the gradient check by central differences
- `sample`: `backprop_sample`, the forward and backward pass of one sample, put together
- `trainer_entry`: `backprop_trainer`, the same for a sample of a `Trainer`
"""

from tui_nn.lesson.backprop import FPRIME_FORMULAS, BackpropResult, GradientCheck, LayerBackprop
from tui_nn.training.backprop.finite_difference import gradient_check
from tui_nn.training.backprop.formulas import LossName
from tui_nn.training.backprop.sample import backprop_sample
from tui_nn.training.backprop.trainer_entry import backprop_trainer

__all__ = [
    "FPRIME_FORMULAS",
    "BackpropResult",
    "GradientCheck",
    "LayerBackprop",
    "LossName",
    "backprop_sample",
    "backprop_trainer",
    "gradient_check",
]
