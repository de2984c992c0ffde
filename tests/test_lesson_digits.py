"""Digits in a terminal: half blocks, shades, ASCII, downsampling and labelled grids."""

from __future__ import annotations

import pytest

from tui_nn.lesson.digits_render import (
    downsample,
    image_cells,
    image_shape,
    render_digit_grid,
    render_image,
)

# A 4x4 image, row by row.
IMAGE = [
    0, 0, 1, 1,
    0, 1, 1, 0,
    1, 1, 0, 0,
    0.3, 0.6, 0.9, 0.1,
]  # fmt: skip


def test_half_blocks_by_hand() -> None:
    # Rows 0+1 -> one text line, rows 2+3 -> the next; top on = ▀, bottom on = ▄, both = █.
    assert render_image(IMAGE) == [" ▄█▀", "▀█▄ "]
    assert image_cells(IMAGE)[1][0] == (1.0, 0.3)


def test_shades_and_ascii_average_the_pair() -> None:
    # Means of the pairs: 0, .5, 1, .5 and .65, .8, .45, .05.
    assert render_image(IMAGE, mode="shade") == [" ▒█▒", "▓█▒ "]
    assert render_image(IMAGE, mode="ascii") == [" :#:", "o#: "]
    with pytest.raises(ValueError, match="unknown mode"):
        render_image(IMAGE, mode="braille")


def test_shapes_and_odd_heights() -> None:
    assert image_shape(64) == (8, 8) and image_shape(784) == (28, 28)
    with pytest.raises(ValueError, match="not a square"):
        image_shape(10)
    # 3 rows x 2 columns: the last row pairs with an empty one
    assert render_image([1, 0, 0, 1, 1, 1], shape=(3, 2)) == ["▀▄", "▀▀"]


def test_downsampling_averages_blocks() -> None:
    values, shape = downsample(IMAGE, 2)
    assert shape == (2, 2)
    assert values == pytest.approx([0.25, 0.75, 0.725, 0.25])  # (0+0+0+1)/4, (1+1+1+0)/4, ...
    big = [1.0 if (r // 4 + c // 4) % 2 == 0 else 0.0 for r in range(28) for c in range(28)]
    small, shape = downsample(big, 4)
    assert shape == (7, 7) and small[:3] == [1.0, 0.0, 1.0]
    lines = render_image(big, factor=2)
    assert len(lines) == 7 and all(len(line) == 14 for line in lines)
    # 30x30 by 4: edges padded with zeros
    values, shape = downsample([1.0] * 900, 4)
    assert shape == (8, 8) and values[0] == 1.0 and values[7] == pytest.approx(8 / 16)


def test_grid_with_true_and_predicted_labels() -> None:
    text = render_digit_grid([IMAGE, IMAGE, IMAGE], [1, 2, 3], [1, 7, 3], columns=2)
    assert text.splitlines() == [
        " ▄█▀   ▄█▀",
        "▀█▄   ▀█▄",
        "1/1   2/7✗",
        "",
        " ▄█▀",
        "▀█▄",
        "3/3",
    ]
    ascii_text = render_digit_grid([IMAGE], ["4"], ["9"], mode="ascii")
    assert ascii_text.splitlines()[-1] == "4/9!"
    assert render_digit_grid([IMAGE], [5]).splitlines()[-1] == "5"
    assert render_digit_grid([], []) == ""


def test_a_real_digit_renders(tmp_path) -> None:
    pytest.importorskip("torch")
    from tui_nn.data.digits import load_digits

    data = load_digits(samples=3)
    lines = render_image(data.x[0].tolist(), data.image_shape)
    assert len(lines) == 4 and all(len(line) == 8 for line in lines)
    assert any(ch != " " for line in lines for ch in line)
