"""The perceptron rule is written twice: in torch (`tui_nn.training.steps.perceptron_update`, which
the engine runs and `tui-nn code` exports) and in plain Python
(`tui_nn.lesson.perceptron_trace.perceptron_step`, torch-free for the UI). Both run on the same
data here, and every step's weights must agree."""

from __future__ import annotations

import dataclasses
import random

import pytest
import torch

from tui_nn.lesson.gates import gate_table
from tui_nn.lesson.perceptron_trace import perceptron_step, trace_perceptron
from tui_nn.presets import load_named
from tui_nn.spec import LayerSpec
from tui_nn.training import Trainer, perceptron_update

# Exact in float32 and in Python floats alike: 0/1 inputs, small integer weights, eta a power of 2.
ETAS = (1.0, 0.5, 0.25)


@pytest.mark.parametrize("strict", [True, False])
def test_one_update_agrees_on_random_samples(strict: bool) -> None:
    rng = random.Random(7)
    activation = "sign" if strict else "step"
    for _ in range(500):
        n = rng.randint(1, 4)
        w = [float(rng.randint(-3, 3)) for _ in range(n)]
        b = float(rng.randint(-3, 3))
        x = [float(rng.randint(-2, 2)) for _ in range(n)]
        t = rng.choice((-1, 1))
        eta = rng.choice(ETAS)
        expected = perceptron_step(w, b, x, t, eta=eta, activation=activation)
        weight, bias = torch.tensor([w]), torch.tensor([b])
        wrong = perceptron_update(weight[0], bias[0], torch.tensor(x), float(t), eta, strict)
        assert wrong == expected.misclassified
        assert (tuple(weight[0].tolist()), float(bias[0])) == (expected.w, expected.b)


CASES = [
    ("nand", "sign", 1.0, False),
    ("nand", "step", 0.5, False),
    ("sprinkler", "sign", 0.25, False),
    ("sprinkler", "step", 1.0, True),
    ("xor-perceptron", "sign", 1.0, False),  # cycles: not separable
    ("xor-perceptron", "step", 0.5, True),  # runs out of epochs
]


@pytest.mark.parametrize(("name", "activation", "eta", "shuffle"), CASES)
def test_the_engine_and_the_lessons_trace_agree_at_every_step(
    name: str, activation: str, eta: float, shuffle: bool
) -> None:
    preset = load_named(name)
    preset = dataclasses.replace(
        preset,
        model=dataclasses.replace(
            preset.model, init="zeros", layers=[LayerSpec(units=1, activation=activation)]
        ),
        train=dataclasses.replace(
            preset.train, learning_rate=eta, shuffle=shuffle, seed=3, epochs=12
        ),
    )
    trainer = Trainer(preset)
    unit = trainer.network[0]
    engine = []
    while not trainer.finished and trainer.state.epoch < preset.train.epochs:
        trainer.step_batch()
        engine.append((tuple(unit.weight[0].tolist()), float(unit.bias.detach()[0])))

    rows = gate_table(preset.data.set)
    samples, labels = [list(x) for x, _ in rows], [y for _, y in rows]
    orders = None
    if shuffle:  # the engine's order: one seeded permutation per epoch
        generator = torch.Generator().manual_seed(preset.train.seed)
        orders = [torch.randperm(len(rows), generator=generator).tolist() for _ in range(12)]
    trace = trace_perceptron(
        samples, labels, eta=eta, activation=activation, max_epochs=12, orders=orders
    )

    assert [(step.w, step.b) for step in trace.steps] == engine
    assert trace.n_epochs == trainer.state.epoch
    assert trace.epochs[-1].errors == trainer.state.last_eval.train_loss
    if trainer.finished:  # a verdict before the budget ran out
        assert trace.stop_reason == trainer.state.stop_reason
        assert trace.message == trainer.state.message
