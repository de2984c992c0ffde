"""The lesson's conventions said once: the threshold notes (sign(0) = -1, step(0) = 1, as
`tui_nn.lesson.threshold` computes them), the decision map's key in the model's targets, and
the axes of a map (names and ranges)."""

from __future__ import annotations

from textual.content import Content

from tui_nn.lesson.threshold import SCALAR_ACTIVATIONS
from tui_nn.ui.lesson import render


def test_threshold_notes_agree_with_the_units() -> None:
    assert SCALAR_ACTIVATIONS["sign"](0.0) == -1.0 and SCALAR_ACTIVATIONS["step"](0.0) == 1.0
    assert render.threshold_notes(["tanh", "sign"]) == ["sign(0) = -1: 1 only if a > 0"]
    assert render.threshold_notes(["step", "step"]) == ["step(0) = 1: 1 if a ≥ 0, else 0"]
    assert render.threshold_notes(["step"], ascii_only=True) == ["step(0) = 1: 1 if a >= 0, else 0"]
    assert render.threshold_notes(["sigmoid", "relu"]) == []


def test_map_legend_in_the_model_targets() -> None:
    assert "o t = -1  x t = 1" in str(render.map_legend(signed=True))
    assert "output: ' ' -1 .. '█' 1" in str(render.map_legend(signed=True))
    assert "o t = 0  x t = 1" in str(render.map_legend(signed=False))


def test_axes_name_and_range_both_inputs() -> None:
    box = Content("\n".join(["┌──────────────┐", "│              │", "└──────────────┘"]))
    lines = str(render.with_axes(box, ("Sunny", -0.25, 1.25), ("Dry", 0, 1))).split("\n")
    assert lines == [
        " Dry ↑",
        "1┌──────────────┐",
        " │              │",
        "0└──────────────┘",
        " -0.25 Sunny 1.25",  # too narrow for the arrow: the name keeps what fits
    ]
    long = render.with_axes(box, ("a very long input name", 0, 1), ("y", 0, 1), ascii_only=True)
    last = str(long).split("\n")[-1]
    assert last.startswith(" 0 a very long") and last.endswith(" 1")
    assert len(last) == 1 + 16
