"""The network view: weights as glyphs by sign and size, and per-layer statistics."""

from __future__ import annotations

import math

import pytest

from tui_nn.lesson.network_stats import (
    layer_stats,
    render_layer_stats,
    render_weights,
    stats_from_snapshot,
    weight_cell,
    weight_grid,
    weight_scale,
)

LAYERS = [[[1.0, -0.5], [0.01, -2.0]], [[0.3, 0.0]]]
BIASES = [[0.5, -0.1], [1.0]]


def test_glyphs_by_sign_and_size() -> None:
    assert weight_scale(LAYERS) == 2.0
    assert weight_scale([[[0.0]]]) == 1.0
    # 8 levels above zero: level = ceil(|w| / scale * 8)
    assert weight_cell(2.0, 2.0).text == "+█"
    assert weight_cell(-1.0, 2.0).text == "-▄"  # 4 of 8
    assert weight_cell(0.01, 2.0).text == "+▁"  # the smallest non-zero level
    assert weight_cell(0.0, 2.0).text == " ·" and weight_cell(0.0, 2.0).style == "zero"
    assert weight_cell(-3.0, 2.0).style == "negative" and weight_cell(-3.0, 2.0).text == "-█"
    assert weight_cell(-1.0, 2.0, ascii_only=True).text == "-5"
    grid = weight_grid(LAYERS, ascii_only=True)
    assert [[c.text for c in row] for row in grid[0]] == [["+5", "-3"], ["+1", "-9"]]


def test_render_weights_with_biases() -> None:
    text = render_weights(LAYERS, BIASES)
    assert text.splitlines() == [
        "scale: full glyph = |w| 2",
        "layer 0: 2 units x 2 inputs",
        "    0 +▄ -▂  b +▂",
        "    1 +▁ -█  b -▁",
        "layer 1: 1 units x 2 inputs",
        "    0 +▂  ·  b +▄",
    ]


def test_layer_statistics_by_hand() -> None:
    first, second = layer_stats(LAYERS, BIASES, grad_norms=[0.5, None], trainable=[False, True])
    assert (first.units, first.inputs, first.count) == (2, 2, 4)
    assert first.mean_abs == pytest.approx((1 + 0.5 + 0.01 + 2) / 4)
    assert first.max_abs == 2.0
    mean = (1 - 0.5 + 0.01 - 2) / 4
    assert first.mean == pytest.approx(mean)
    var = sum((v - mean) ** 2 for v in (1, -0.5, 0.01, -2)) / 4
    assert first.std == pytest.approx(math.sqrt(var))
    assert first.bias_mean_abs == pytest.approx(0.3)
    assert first.grad_norm == 0.5 and not first.trainable
    assert second.mean_abs == pytest.approx(0.15) and second.grad_norm is None
    lines = render_layer_stats([first, second]).splitlines()
    assert lines[0].split() == ["layer", "shape", "weights", "mean|w|", "max|w|", "std", "grad"]
    assert lines[1].split()[:3] == ["0*", "2x2", "4"] and lines[2].split()[-1] == "-"
    assert lines[-1] == "* frozen (trainable = false)"
    assert max(len(line) for line in lines) <= 80


def test_statistics_from_a_trainer_snapshot() -> None:
    sent = [
        {
            "activation": "relu",
            "shape": [128, 64],
            "trainable": True,
            "mean_abs": 0.06,
            "max_abs": 0.3,
            "grad_norm": 0.02,
        },
        {
            "activation": "sigmoid",
            "shape": [1, 2],
            "trainable": False,
            "mean_abs": 0.75,
            "max_abs": 1.0,
            "grad_norm": None,
            "weights": [[0.5, -1.0]],
            "bias": [0.25],
        },
    ]
    big, small = stats_from_snapshot(sent)
    assert (big.units, big.inputs, big.count, big.std) == (128, 64, 8192, None)
    assert big.grad_norm == 0.02 and big.index == 0
    assert small.index == 1 and small.mean == -0.25 and small.bias_mean_abs == 0.25
    assert not small.trainable
    assert "8,192" in render_layer_stats([big, small])
