"""The perceptron rule sample by sample: the lesson's hand trace and agreement with the engine."""

from __future__ import annotations

import dataclasses

import pytest

from tui_nn.lesson.gates import gate_table
from tui_nn.lesson.perceptron_trace import perceptron_step, signed_target, trace_perceptron
from tui_nn.presets import load_named

# NAND from zero weights, eta = 1, sign output (sign(0) = -1), rows in truth-table order with
# targets t: (0,0) -> 1, (0,1) -> 1, (1,0) -> 1, (1,1) -> -1. Each step is
# (x, t, a = w.x + b before the update, misclassified?, w after, b after);
# an update is w += x*t, b += t.
NAND_BY_HAND = [
    # epoch 1: starts at w = (0, 0), b = 0
    [
        ((0, 0), 1, 0, True, (0, 0), 1),  # a = 0: sign gives -1, wrong: b = 0 + 1
        ((0, 1), 1, 1, False, (0, 0), 1),
        ((1, 0), 1, 1, False, (0, 0), 1),
        ((1, 1), -1, 1, True, (-1, -1), 0),  # wrong: w = (0, 0) - (1, 1), b = 1 - 1
    ],
    # epoch 2: w = (-1, -1), b = 0
    [
        ((0, 0), 1, 0, True, (-1, -1), 1),
        ((0, 1), 1, 0, True, (-1, 0), 2),  # a = -1 + 1 = 0
        ((1, 0), 1, 1, False, (-1, 0), 2),
        ((1, 1), -1, 1, True, (-2, -1), 1),
    ],
    # epoch 3: w = (-2, -1), b = 1
    [
        ((0, 0), 1, 1, False, (-2, -1), 1),
        ((0, 1), 1, 0, True, (-2, 0), 2),
        ((1, 0), 1, 0, True, (-1, 0), 3),
        ((1, 1), -1, 2, True, (-2, -1), 2),
    ],
    # epoch 4: w = (-2, -1), b = 2
    [
        ((0, 0), 1, 2, False, (-2, -1), 2),
        ((0, 1), 1, 1, False, (-2, -1), 2),
        ((1, 0), 1, 0, True, (-1, -1), 3),
        ((1, 1), -1, 1, True, (-2, -2), 2),
    ],
    # epoch 5: w = (-2, -2), b = 2
    [
        ((0, 0), 1, 2, False, (-2, -2), 2),
        ((0, 1), 1, 0, True, (-2, -1), 3),
        ((1, 0), 1, 1, False, (-2, -1), 3),
        ((1, 1), -1, 0, False, (-2, -1), 3),  # a = 0: sign gives -1 = t, right
    ],
    # epoch 6: w = (-2, -1), b = 3: no mistakes, converged
    [
        ((0, 0), 1, 3, False, (-2, -1), 3),
        ((0, 1), 1, 2, False, (-2, -1), 3),
        ((1, 0), 1, 1, False, (-2, -1), 3),
        ((1, 1), -1, 0, False, (-2, -1), 3),
    ],
]


def _gate(name: str) -> tuple[list[tuple[int, ...]], list[int]]:
    rows = gate_table(name)
    return [x for x, _ in rows], [y for _, y in rows]


def test_nand_full_trace_by_hand() -> None:
    samples, labels = _gate("nand")
    trace = trace_perceptron(samples, labels, eta=1.0, activation="sign")
    assert trace.converged and trace.stop_reason == "converged" and not trace.cycling
    assert trace.n_epochs == 6
    got = [
        [(s.x, s.t, s.a, s.misclassified, s.w, s.b) for s in epoch.steps] for epoch in trace.epochs
    ]
    assert got == NAND_BY_HAND
    assert [epoch.errors for epoch in trace.epochs] == [2, 3, 3, 2, 1, 0]
    assert (trace.w, trace.b) == ((-2.0, -1.0), 3.0)
    assert trace.message == "converged: no misclassified samples in epoch 6"
    first = trace.epochs[0].steps[0]
    assert first.y == -1.0 and first.dw == (0.0, 0.0) and first.db == 1.0
    assert trace.epochs[0].steps[3].dw == (-1.0, -1.0)


def test_one_step_and_checks() -> None:
    step = perceptron_step((0.5, 0.0), -1.0, (1.0, 1.0), 1, eta=0.5, activation="step")
    assert step.a == -0.5 and step.y == 0.0 and step.misclassified
    assert step.dw == (0.5, 0.5) and step.w == (1.0, 0.5) and step.b == -0.5
    assert not perceptron_step((0, 0), 0, (1, 1), 1, activation="step").misclassified  # step(0)=1
    assert perceptron_step((0, 0), 0, (1, 1), 1, activation="sign").misclassified  # sign(0)=-1
    assert [signed_target(v) for v in (0, 1, -1)] == [-1, 1, -1]
    with pytest.raises(ValueError, match="sign or step"):
        perceptron_step((0,), 0, (1,), 1, activation="tanh")
    with pytest.raises(ValueError, match="-1 or 1"):
        perceptron_step((0,), 0, (1,), 0)


def test_xor_cycles_and_is_reported_not_separable() -> None:
    samples, labels = _gate("xor")
    trace = trace_perceptron(samples, labels, max_epochs=50)
    assert trace.cycling and not trace.converged and trace.stop_reason == "not_separable"
    last = trace.epochs[-1]
    assert last.repeated and last.errors > 0
    starts = [(e.w_start, e.b_start) for e in trace.epochs]
    assert starts[-1] in starts[:-1]
    assert "not linearly separable" in trace.message


def test_budget_runs_out() -> None:
    samples, labels = _gate("xor")
    trace = trace_perceptron(samples, labels, max_epochs=2)
    assert trace.stop_reason == "epochs" and trace.n_epochs == 2
    assert trace.message.startswith("did not converge within 2 epochs")


def _engine_run(preset):
    from tui_nn.training import Trainer

    trainer = Trainer(preset)
    trainer.run()
    linear = trainer.network[0]
    return trainer, tuple(linear.weight[0].tolist()), float(linear.bias.detach()[0])


@pytest.mark.parametrize("name", ["nand", "sprinkler", "xor-perceptron"])
def test_agrees_with_the_engine(name: str) -> None:
    preset = load_named(name)
    trainer, w, b = _engine_run(preset)
    samples, labels = _gate(preset.data.set)
    trace = trace_perceptron(
        samples,
        labels,
        eta=preset.train.learning_rate,
        activation=preset.model.layers[0].activation,
        max_epochs=preset.train.epochs,
    )
    assert (trace.w, trace.b) == (w, b)
    assert trace.n_epochs == trainer.state.epoch
    assert trace.stop_reason == trainer.state.stop_reason
    assert trace.converged == trainer.state.converged
    assert trace.epochs[-1].errors == trainer.state.last_eval.train_loss


def test_agrees_with_the_engine_when_shuffled_given_its_orders() -> None:
    torch = pytest.importorskip("torch")
    preset = load_named("sprinkler")
    preset = dataclasses.replace(
        preset, train=dataclasses.replace(preset.train, shuffle=True, learning_rate=0.5, seed=3)
    )
    trainer, w, b = _engine_run(preset)
    generator = torch.Generator().manual_seed(preset.train.seed)  # the engine's order
    orders = [torch.randperm(4, generator=generator).tolist() for _ in range(preset.train.epochs)]
    samples, labels = _gate("sprinkler")
    trace = trace_perceptron(
        samples, labels, eta=0.5, max_epochs=preset.train.epochs, orders=orders
    )
    assert (trace.w, trace.b) == (w, b) and trace.n_epochs == trainer.state.epoch
