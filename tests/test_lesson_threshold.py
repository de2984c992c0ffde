"""Evaluating small networks given as plain lists, against hand computation and torch."""

from __future__ import annotations

import math

import pytest

from tui_nn.lesson.threshold import Layer, activate, as_layers, forward, layers_from_spec, predict
from tui_nn.presets import load_named
from tui_nn.spec import ACTIVATIONS, LayerSpec, ModelSpec


def test_threshold_activations_by_hand() -> None:
    a = [-2.0, -0.0, 0.0, 0.5]
    assert activate("step", a) == [0.0, 1.0, 1.0, 1.0]  # step(0) = 1 (a >= 0)
    assert activate("sign", a) == [-1.0, -1.0, -1.0, 1.0]  # sign(0) = -1 (a > 0)
    assert activate("identity", a) == a
    assert activate("relu", a) == [0.0, 0.0, 0.0, 0.5]
    assert activate("leaky_relu", [-2.0, 3.0]) == [-0.02, 3.0]


def test_smooth_activations_by_hand() -> None:
    assert activate("sigmoid", [0.0]) == [0.5]
    assert activate("sigmoid", [math.log(3)])[0] == pytest.approx(0.75)
    assert activate("sigmoid", [-1000.0]) == [0.0]  # no overflow
    assert activate("tanh", [math.log(2)])[0] == pytest.approx(0.6)  # (4 - 1) / (4 + 1)
    assert activate("gelu", [0.0, 1.0])[1] == pytest.approx(0.8413447460685429)  # 1 * Phi(1)
    soft = activate("softmax", [math.log(1), math.log(3)])
    assert soft == pytest.approx([0.25, 0.75])
    assert activate("softmax", [1000.0, 1000.0]) == [0.5, 0.5]


def test_activations_agree_with_torch_modules() -> None:
    torch = pytest.importorskip("torch")
    from tui_nn.model import ACTIVATION_MODULES

    values = [-3.0, -1.0, -0.25, 0.0, 0.25, 1.0, 3.0]
    for name in ACTIVATIONS:
        expected = ACTIVATION_MODULES[name]()(torch.tensor([values], dtype=torch.float64))[0]
        assert activate(name, values) == pytest.approx(expected.tolist(), abs=1e-12), name


def test_forward_returns_every_layer_by_hand() -> None:
    # Hidden: OR = step(A + B - 0.5), NAND = step(-A - B + 1.5); output AND = step(h0 + h1 - 1.5).
    layers = [
        ([[1, 1], [-1, -1]], [-0.5, 1.5], "step"),
        ([[1, 1]], [-1.5], "step"),
    ]
    traces = forward(layers, [1, 0])
    assert traces[0].a == [0.5, 0.5] and traces[0].y == [1.0, 1.0]
    assert traces[1].a == [0.5] and traces[1].y == [1.0]
    assert [predict(layers, x)[0] for x in ([0, 0], [0, 1], [1, 0], [1, 1])] == [0, 1, 1, 0]


def test_layer_objects_and_checks() -> None:
    layer = Layer(((2.0, -1.0),), (0.5,), "tanh")
    assert layer.units == 1 and layer.inputs == 2
    assert forward([layer], [1, 1])[0].a == [1.5]
    with pytest.raises(ValueError, match="2 weight rows but 1 biases"):
        as_layers([([[1], [2]], [0], "identity")])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        as_layers([([[1]], [0], "swish")])
    with pytest.raises(ValueError, match="layer 1: has 3 inputs but layer 0 has 1 units"):
        as_layers([([[1]], [0], "relu"), ([[1, 2, 3]], [0], "relu")])
    with pytest.raises(ValueError, match="the input has 1 values but layer 0 takes 2"):
        forward([layer], [1])


def test_layers_from_spec_hand_set_and_zeros() -> None:
    wired = layers_from_spec(load_named("xor-nand").model)
    assert [layer.units for layer in wired] == [2, 1]
    assert [predict(wired, x)[0] for x in ([0, 0], [0, 1], [1, 0], [1, 1])] == [0, 1, 1, 0]
    zeros = layers_from_spec(load_named("nand").model, n_inputs=2)
    assert zeros == [Layer(((0.0, 0.0),), (0.0,), "sign")]
    with pytest.raises(ValueError, match="initial weights come from torch"):
        layers_from_spec(load_named("xor").model, n_inputs=2)
    half = ModelSpec(layers=[LayerSpec(units=1, weights=[[1.0, 2.0]])])  # bias left to torch
    with pytest.raises(ValueError, match="initial bias comes from torch"):
        layers_from_spec(half)
