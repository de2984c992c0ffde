"""Same-shaped networks as one stacked model: each linear layer of every member in one
[members, out, in] weight tensor and one [members, out] bias, batched matrix products, each
member's data stacked beside, and what `tui_nn.training.evaluation.evaluate` says of each member
computed for all of them at once.

A layer (or the loss) runs for all members at once only where that gives, forward and backward,
bit for bit what each member's own layer gives: kernels pick their summation order by shape
(PyTorch's small-matrix path, a matrix-vector product for a one-column output, vectorised and
scalar loops), so each shape is checked once, on random values, and a shape that rounds apart
runs member by member. Members' results then never depend on the others in the stack.

`stack_key` says which trainers fit together: gradient descent on a chain of linear layers and
activations that act on each sample's last dimension (all of `tui_nn.model`'s), with the same
shapes, loss, optimizer, batch size, data sizes, device and evaluation schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import torch
from torch import nn
from torch.nn import functional as F

from tui_nn.model import ACTIVATION_MODULES
from tui_nn.training import Trainer
from tui_nn.training.evaluation import Evaluation
from tui_nn.training.strategies import GradientDescent

__all__ = ["StackedNet", "stack_key"]

_ROW_MODULES = tuple({type(make()) for make in ACTIVATION_MODULES.values()})
_DATA = ("x_train", "t_train", "y_train", "x_test", "t_test", "y_test")


def stack_key(trainer: Trainer) -> Hashable | None:
    """Trainers with equal keys train as one population; None: this one trains alone (the
    perceptron rule, a frozen network, a layer that is not linear or an activation)."""
    if not isinstance(trainer.rule, GradientDescent) or not trainer.rule.can_train:
        return None
    parts: list[Hashable] = []
    for module in trainer.head.train_net.children():
        if isinstance(module, nn.Linear) and module.bias is not None:
            grads = (module.weight.requires_grad, module.bias.requires_grad)
            parts.append(("linear", tuple(module.weight.shape), grads))
        elif isinstance(module, _ROW_MODULES):
            parts.append(repr(module))
        else:
            return None
    train = trainer.preset.train
    return (
        tuple(parts),
        trainer.head.loss_fn,
        train.optimizer,
        train.momentum,
        train.weight_decay,
        trainer.batch_size,
        str(trainer.device),
        *(tuple(getattr(trainer, name).shape) for name in _DATA),
        trainer.t_train.dtype,
        trainer.eval_every_epochs,
    )


class StackedNet:
    def __init__(self, trainers: list[Trainer]) -> None:
        """The trainers' `head.train_net`s (which share one `stack_key`), stacked in their
        order: row r is trainers[r] until `keep` drops rows."""
        first = trainers[0]
        self.head = first.head  # the members' heads differ only in their tensors
        self.cost = first.rule.cost
        self.loss_fn = first.head.loss_fn
        self.loss = _member_losses(first.head.loss_fn)
        self._alike: dict[tuple[object, ...], bool] = {}  # see `_run`
        # The layers: an int is a linear layer's index into weights/biases, else an activation.
        self.parts: list[int | nn.Module] = []
        self.linears: list[list[nn.Linear]] = [[] for _ in trainers]  # by member, never dropped
        self.weights: list[torch.Tensor] = []
        self.biases: list[torch.Tensor] = []
        for position, module in enumerate(first.head.train_net.children()):
            if not isinstance(module, nn.Linear):
                self.parts.append(module)
                continue
            self.parts.append(len(self.weights))
            layer: list[nn.Linear] = []
            for member, trainer in enumerate(trainers):
                linear = list(trainer.head.train_net.children())[position]
                assert isinstance(linear, nn.Linear)  # the stack key says so
                layer.append(linear)
                self.linears[member].append(linear)
            self.weights.append(_stacked([linear.weight for linear in layer]))
            self.biases.append(_stacked([linear.bias for linear in layer]))
        # Each member's data: training inputs, targets and labels, then the test set's.
        self.data = [torch.stack([getattr(t, name) for t in trainers]) for name in _DATA]
        self._rows = torch.arange(len(trainers), device=first.device).unsqueeze(1)

    def trainable(self) -> list[torch.Tensor]:
        """The stacked tensors an optimizer steps, in the order of `network.parameters()`."""
        params = []
        for weight, bias in zip(self.weights, self.biases, strict=True):
            params += [p for p in (weight, bias) if p.requires_grad]
        return params

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The stacked train_net on x: [rows, samples, inputs]. Each layer runs for all rows at
        once where that rounds as each member's own layer does, else row by row (`_alike`)."""
        for part in self.parts:
            if isinstance(part, int):
                inputs = [x, self.weights[part], self.biases[part]]
                x = self._run(("linear", part), _linear_together, _linear_by_row, inputs)
            else:
                module = part
                x = self._run(
                    (repr(module),),
                    lambda v, m=module: m(v[0]),  # type: ignore[misc]
                    lambda v, m=module: torch.stack([m(row) for row in v[0].unbind()]),  # type: ignore[misc]
                    [x],
                )
        return x

    def losses(self, out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Each row's mean loss on its outputs and targets, [rows]."""
        loss, loss_fn = self.loss, self.loss_fn
        return self._run(
            ("loss",),
            lambda v: loss(v[0], v[1]),
            lambda v: torch.stack(
                [loss_fn(o, target) for o, target in zip(*_rows(v), strict=True)]
            ),
            [out, t],
        )

    def _run(
        self,
        name: tuple[object, ...],
        together: Callable[[list[torch.Tensor]], torch.Tensor],
        by_row: Callable[[list[torch.Tensor]], torch.Tensor],
        inputs: list[torch.Tensor],
    ) -> torch.Tensor:
        """`together(inputs)` where it gives, forward and backward, bit for bit what `by_row`
        (each member's own computation on its slice) gives; else `by_row(inputs)`. Kernels
        round by shape, never by value (a small tensor takes another path than a large one,
        a matrix of one column another than a batch of them): checked once per shape, on
        random values, when the shape is first met."""
        key = (*name, *(tuple(t.shape) for t in inputs))
        alike = self._alike.get(key)
        if alike is None:
            alike = self._alike[key] = _rounds_alike(together, by_row, inputs)
        return together(inputs) if alike else by_row(inputs)

    def batch_losses(self, batches: list[torch.Tensor | None]) -> tuple[torch.Tensor, int]:
        """Each row's mean loss on its batch (None for all: the whole training set), and the
        batch size."""
        x, t = self.data[0], self.data[1]
        if batches[0] is not None:
            index = torch.stack([batch for batch in batches if batch is not None])
            x, t = x[self._rows, index], t[self._rows, index]
        return self.losses(self.forward(x), t), x.shape[1]

    @torch.no_grad()
    def evaluations(self) -> list[Evaluation]:
        """Each row's `trainer.evaluate()`: the loss and accuracy on the whole training and test
        sets, as its learning rule counts its cost."""
        x, t, y, x_test, t_test, y_test = self.data
        n = x.shape[0]
        out = self.forward(x)
        train_losses = self.losses(out, t).tolist()
        errors: list[int | None] = [None] * n
        train_accs: list[float | None] = [None] * n
        if self.head.classification:
            wrong = (self._predict(out) != y).sum(dim=1).tolist()
            errors = list(wrong)
            train_accs = [1.0 - e / max(1, x.shape[1]) for e in wrong]
        test_losses: list[float | None] = [None] * n
        test_accs: list[float | None] = [None] * n
        if x_test.shape[1]:
            out = self.forward(x_test)
            test_losses = list(self.losses(out, t_test).tolist())
            if self.head.classification:
                test_accs = list((self._predict(out) == y_test).float().mean(dim=1).tolist())
        return [
            self.cost(
                Evaluation(train_losses[r], test_losses[r], train_accs[r], test_accs[r], errors[r])
            )
            for r in range(n)
        ]

    def _predict(self, out: torch.Tensor) -> torch.Tensor:
        return self.head.predict(out.reshape(-1, out.shape[-1])).reshape(out.shape[0], -1)

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only these rows, in this order (see `StackedOptimizer.keep`)."""
        self.weights = [_selected(w, rows) for w in self.weights]
        self.biases = [_selected(b, rows) for b in self.biases]
        self.data = [tensor.index_select(0, rows) for tensor in self.data]
        self._rows = torch.arange(len(rows), device=rows.device).unsqueeze(1)

    @torch.no_grad()
    def write_weights(self, member: int, row: int) -> None:
        """Row `row`'s weights into the network of member `member` (its index at the start)."""
        for linear, weight, bias in zip(
            self.linears[member], self.weights, self.biases, strict=True
        ):
            linear.weight.copy_(weight[row])
            linear.bias.copy_(bias[row])


def _linear_together(inputs: list[torch.Tensor]) -> torch.Tensor:
    x, weight, bias = inputs
    return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))


def _linear_by_row(inputs: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack([F.linear(x, w, b) for x, w, b in zip(*_rows(inputs), strict=True)])


def _rows(inputs: list[torch.Tensor]) -> list[tuple[torch.Tensor, ...]]:
    """Each input's rows, by `unbind`, whose gradient is one stack (indexing row by row would
    make a gradient the size of the whole tensor for each row)."""
    return [t.unbind() for t in inputs]


def _rounds_alike(
    together: Callable[[list[torch.Tensor]], torch.Tensor],
    by_row: Callable[[list[torch.Tensor]], torch.Tensor],
    inputs: list[torch.Tensor],
) -> bool:
    """Whether both give the same output and the same gradients of their float inputs, bit for
    bit, on random values of the inputs' shapes (other inputs, such as class labels, as given)."""
    generator = torch.Generator().manual_seed(0)

    def random(t: torch.Tensor) -> torch.Tensor:
        if not t.is_floating_point():
            return t
        return torch.randn(t.shape, generator=generator).to(t.device, t.dtype)

    values = [random(t) for t in inputs]
    seed: torch.Tensor | None = None
    results = []
    for compute in (together, by_row):
        leaves = [v.clone().requires_grad_(v.is_floating_point()) for v in values]
        with torch.enable_grad():
            out = compute(leaves)
            if seed is None:
                seed = torch.randn(out.shape, generator=generator).to(out.device, out.dtype)
            out.backward(seed)  # type: ignore[no-untyped-call]
        grads = [leaf.grad for leaf in leaves if leaf.grad is not None]
        results.append([out.detach(), *grads])
    first, second = results
    return len(first) == len(second) and all(
        torch.equal(a, b) for a, b in zip(first, second, strict=True)
    )


def _member_losses(
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Each member's mean loss, [members]: the losses tui-nn uses per sample, averaged over
    each member's batch (others: the loss function itself, mapped over the members)."""
    if loss_fn is F.mse_loss or loss_fn is F.binary_cross_entropy_with_logits:

        def elementwise(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return loss_fn(out, t, reduction="none").flatten(1).mean(dim=1)

        return elementwise
    if loss_fn is F.cross_entropy:

        def cross_entropy(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            flat = F.cross_entropy(out.flatten(0, 1), t.flatten(), reduction="none")
            return flat.reshape(t.shape).mean(dim=1)

        return cross_entropy
    mapped: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = torch.func.vmap(loss_fn)
    return mapped


def _stacked(tensors: list[torch.Tensor]) -> torch.Tensor:
    """The members' tensors as one leaf, member first; it trains if theirs do."""
    return torch.stack([t.detach() for t in tensors]).requires_grad_(tensors[0].requires_grad)


def _selected(tensor: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    return tensor.detach().index_select(0, rows).requires_grad_(tensor.requires_grad)
