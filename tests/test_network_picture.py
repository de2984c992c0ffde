"""The network as a picture: the pure forward pass against hand computations and against the
engine's own outputs, the picture's characters (sign and size without colour, ASCII mode), and
the Network view in the Lesson tab (Pilot): the picture after a snapshot, choosing a sample,
backprop mode's deltas, and the summary of a network too large to draw."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from lesson_support import layer_stats
from support import wait_for
from test_ui_lesson import LessonHost, open_lesson, show_view, text_of
from test_ui_lesson_backprop import BackpropFake

from tui_nn.lesson.network_picture import (
    ASCII_GLYPHS,
    GLYPHS,
    draw,
    edge_glyph,
    largest_weights,
    outputs_for,
    too_large,
    weight_scale,
)
from tui_nn.lesson.threshold import as_layers
from tui_nn.presets import load_named
from tui_nn.spec import ACTIVATIONS
from tui_nn.trainer import protocol as p
from tui_nn.ui.lesson.network import NetView
from tui_nn.ui.lesson.network_picture import backprop_picture, network_picture

SIZE = (80, 24)
BACKPROP = as_layers(  # presets/backprop.toml (and xor-nand's weights)
    [
        ([[1.0, 1.0], [-1.0, -1.0]], [-0.5, 1.5], "sigmoid"),
        ([[1.0, 1.0]], [-1.5], "sigmoid"),
    ]
)


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


# -- the forward pass ------------------------------------------------------------------------


def test_forward_pass_by_hand() -> None:
    # sample (1, 0): a1 = 1 - 0.5, a2 = -1 + 1.5; then a = y1 + y2 - 1.5
    h = sigmoid(0.5)
    inputs, hidden, out = outputs_for(BACKPROP, [1, 0])
    assert inputs == [1, 0] and hidden == pytest.approx([h, h])
    assert out == pytest.approx([sigmoid(2 * h - 1.5)])
    y = outputs_for(BACKPROP, [0, 0])
    assert y[1] == pytest.approx([sigmoid(-0.5), sigmoid(1.5)])
    assert y[2][0] == pytest.approx(0.42437, abs=1e-5)
    # the same weights as threshold units (xor-nand) compute XOR; step(0) = 1, sign(0) = -1
    step = as_layers([(x.weights, x.bias, "step") for x in BACKPROP])
    xor = [outputs_for(step, [a, b])[-1][0] for a in (0, 1) for b in (0, 1)]
    assert xor == [0.0, 1.0, 1.0, 0.0]
    zeros = as_layers([([[0.0, 0.0]], [0.0], "sign")])  # nand.toml before training
    assert outputs_for(zeros, [1, 1])[-1] == [-1.0]
    assert outputs_for(as_layers([([[0.0, 0.0]], [0.0], "step")]), [1, 1])[-1] == [1.0]
    sprinkler = as_layers([([[1.0, 1.0]], [-1.5], "sign")])
    assert [outputs_for(sprinkler, [a, b])[-1][0] for a in (0, 1) for b in (0, 1)] == [
        -1.0,
        -1.0,
        -1.0,
        1.0,
    ]


@pytest.mark.parametrize("activation", [a for a in ACTIVATIONS if a != "softmax"])
def test_forward_pass_equals_the_engines_outputs(activation: str) -> None:
    """The picture's y for every activation is the engine's y (`backprop_trainer` reads them
    off the torch modules)."""
    from tui_nn.training import Trainer
    from tui_nn.training.backprop import backprop_trainer

    preset = load_named("backprop")
    hidden, output = preset.model.layers
    model = dataclasses.replace(
        preset.model,
        layers=[
            dataclasses.replace(
                hidden,
                activation=activation,
                weights=[[1.5, -2.0], [-0.7, 0.4]],
                trainable=activation not in ("step", "sign"),  # no gradient through them
            ),
            output,
        ],
    )
    result = backprop_trainer(Trainer(dataclasses.replace(preset, model=model)), 2)
    layers = as_layers([(x.W, x.b, x.activation) for x in result.layers])
    mine = outputs_for(layers, result.x)
    for ours, engine in zip(mine[1:], result.layers, strict=True):
        assert ours == pytest.approx(engine.y, abs=1e-5)


# -- the picture -----------------------------------------------------------------------------


def test_glyphs_say_sign_and_size_without_colour() -> None:
    scale = 2.0
    cells = {w: edge_glyph(w, scale) for w in (2.0, 0.5, -2.0, -0.5, 0.1, 0.0)}
    assert [cells[w].char for w in (2.0, 0.5, -2.0, -0.5, 0.1, 0.0)] == [
        "━", "─", "┅", "┄", "·", "·",
    ]  # fmt: skip
    assert cells[2.0].style == "positive_heavy" and cells[-0.5].style == "negative"
    assert len({cells[w].char for w in (2.0, 0.5, -2.0, -0.5, 0.0)}) == 5  # NO_COLOR: all differ
    ascii_chars = [edge_glyph(w, scale, ascii_only=True).char for w in (2.0, 0.5, -2.0, -0.5)]
    assert ascii_chars == ["=", "-", ":", "."] and edge_glyph(0.0, 1, ascii_only=True).char == " "
    assert weight_scale(BACKPROP) == 1.0
    assert GLYPHS.zero != ASCII_GLYPHS.zero


def test_picture_of_the_backprop_network() -> None:
    values = outputs_for(BACKPROP, [1, 0])
    picture = draw(BACKPROP, input_names=["A", "B"], values=values, width=60)
    assert picture is not None
    lines = picture.text().splitlines()
    assert lines[0].split() == ["inputs", "1", "sigmoid", "2", "sigmoid"]
    text = picture.text()
    assert "A 1" in text and "B 0" in text
    assert text.count("(1) 0.62") == 1 and "(2) 0.62" in text and "(1) 0.44" in text
    # every weight here is +-1, the largest: heavy lines only, + solid and - dashed
    assert "━" in text and "┅" in text and "─" not in text and "┄" not in text
    assert all(len(line) <= 60 for line in picture.chars)
    # each cell has a style; a line's cells say their sign
    for row, styles in zip(picture.chars, picture.styles, strict=True):
        for char, style in zip(row, styles, strict=True):
            if char == "━":
                assert style == "positive_heavy"
            if char == "┅":
                assert style == "negative_heavy"
    plain = draw(BACKPROP, input_names=["A", "B"], values=values, width=60, ascii_only=True)
    assert plain is not None and plain.text().isascii()
    assert "=" in plain.text() and ":" in plain.text()


def test_deltas_and_the_blame_bar() -> None:
    deltas = [[0.02, -0.005], [0.1]]
    picture = draw(
        BACKPROP, input_names=["A", "B"], values=outputs_for(BACKPROP, [0, 0]), deltas=deltas
    )
    assert picture is not None
    text = picture.text()
    assert "δ 0.02 ████" in text and "δ -0.005 █···" in text and "δ 0.1 ████" in text
    plain = draw(BACKPROP, deltas=deltas, ascii_only=True)
    assert plain is not None and "d 0.02 ####" in plain.text() and "(1) ?" in plain.text()


def test_too_large_or_too_wide() -> None:
    assert too_large([(8, 8), (1, 8)]) is None
    assert too_large([(9, 2)]) == "layer 1 has more than 8 units or inputs"
    assert too_large([(2, 2), (8, 8), (8, 9)]) == "layer 3 has more than 8 units or inputs"
    deep = as_layers([([[1.0] * 2] * 2, [0.0] * 2, "tanh")] * 8)
    assert draw(deep, width=60) is None  # nine columns do not fit 60 characters with lines
    assert draw(deep, width=200) is not None
    assert largest_weights([[0.1, -3.0], [2.0, 0.5]], 2) == [(0, 1, -3.0), (1, 0, 2.0)]


def test_content_with_its_key() -> None:
    content = network_picture(BACKPROP, input_names=["A", "B"], width=60)
    assert content is not None
    lines = content.plain.splitlines()
    assert lines[0].startswith("──━━ w > 0  ┄┄┅┅ w < 0  heavy: |w| >= 0.5")
    assert "(i) y:" in lines[1] and "δ" not in lines[1]
    colours = {str(span.style) for span in content.spans}
    assert {"ansi_green", "bold ansi_green", "ansi_red", "bold ansi_red"} <= colours
    plain = network_picture(BACKPROP, width=60, ascii_only=True)
    assert plain is not None and plain.plain.isascii() and "not drawn" in plain.plain


def test_backprop_picture_from_a_backprop_event() -> None:
    from tui_nn.training import Trainer
    from tui_nn.training.backprop import backprop_trainer

    result = backprop_trainer(Trainer(load_named("backprop")), 1)
    content = backprop_picture(result, width=70)
    assert content is not None
    for layer in result.layers:
        for delta in layer.delta:
            assert f"δ {delta:.2g}" in content.plain


# -- the view in the Lesson tab --------------------------------------------------------------


def picture_of(app: Any) -> str:
    return text_of(app, "#net-picture")


async def test_picture_samples_deltas_and_a_network_too_large() -> None:
    fake = BackpropFake()
    app = LessonHost(load_named("backprop"), fake)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_lesson(pilot)
        await show_view(pilot, pane, "lesson-net", lambda: "(1) 0.38" in picture_of(app), "y")
        view = app.query_one(NetView)
        assert view.has_focus
        # sample 0 = (0, 0): the hand computation of test_forward_pass_by_hand
        assert "(2) 0.82" in picture_of(app) and "(1) 0.42" in picture_of(app)
        assert "sample 0 of 4: A=0 B=0 -> class 0" in text_of(app, "#net-title")
        assert "layer 1: 2 x 2 (sigmoid)" in text_of(app, "#net-weights")
        assert "δ" not in picture_of(app) and fake.watches() == []

        await pilot.press("full_stop")  # sample 1 = (0, 1)
        await wait_for(pilot, lambda: "sample 1 of 4" in text_of(app, "#net-title"), "sample 1")
        assert "(1) 0.62" in picture_of(app) and "(1) 0.44" in picture_of(app)
        assert fake.watches() == []  # forward mode asks the trainer for nothing

        await pilot.press("d")  # backprop mode: the trainer's deltas for the sample
        await wait_for(pilot, lambda: "δ " in picture_of(app), "the deltas")
        assert fake.watches() == [1]
        result = view.data.backprop.result if view.data and view.data.backprop else None
        assert result is not None and result.sample == 1
        for layer in result.layers:
            for delta in layer.delta:
                assert f"δ {delta:.2g}" in picture_of(app)
        await pilot.press("comma")
        await wait_for(pilot, lambda: fake.watches()[-1] == 0, "sample 0 watched")

        assert fake.layers is not None
        fake.layers = [([[1.0, 1.0], [-1.0, -1.0]], [-1.0, 1.5], "sigmoid"), fake.layers[1]]
        fake.snapshot()  # training moved the weights: the picture follows
        await wait_for(pilot, lambda: "(1) 0.27" in picture_of(app), "the new weights")
        assert "(2) 0.82" in picture_of(app) and "δ " in picture_of(app)

        await show_view(pilot, pane, "lesson-table", lambda: True, "another view")
        await wait_for(pilot, lambda: fake.watches()[-1] is None, "no watch on another view")

        # a network too large to draw: the statistics, and its largest weights by name
        hidden = [[0.1 * (i + 1), -0.05 * i] for i in range(12)]
        hidden[6] = [-4.0, 0.2]
        layers = [(hidden, [0.0] * 12, "tanh"), ([[0.3] * 11 + [2.5]], [0.0], "sigmoid")]
        fake.emit(p.Snapshot(epoch=2, step=8, layers=layer_stats(layers)))
        stats = "#net-stats"
        await show_view(
            pilot, pane, "lesson-net", lambda: "too large" in text_of(app, stats), "the summary"
        )
        assert not app.query_one("#net-picture").display
        assert "layer 1 has more than 8 units or inputs: too large to draw" in text_of(app, stats)
        assert "layer 1: -4 (7) <- A, +1.2 (12) <- A, +1.1 (11) <- A" in text_of(app, stats)
        assert "layer 2: +2.5 (1) <- (12) of layer 1" in text_of(app, stats)
        assert "49 weights and biases, epoch 2" in text_of(app, "#net-title")
        assert not view.drawn  # and the sample keys are gone from the key bar
