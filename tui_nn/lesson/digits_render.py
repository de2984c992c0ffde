"""Handwritten digits in a terminal: an image (a flat list of 0..1 floats, row by row) as text.

Two pixels share a character cell vertically, which keeps pixels about square:

- `half` mode: each pixel is on (>= 0.5) or off, drawn with the half blocks ' ▀▄█';
- `shade` mode: the pair's mean as ' ░▒▓█';
- `ascii` mode: the pair's mean as ' .:o#'.

`image_cells` gives the (top, bottom) pixel values of every cell, so a UI can colour both
halves (a '▀' with foreground = top and background = bottom). 28x28 images are made smaller
by averaging 2x2 or 4x4 blocks (`downsample`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "ASCII_SHADES",
    "HALF_BLOCKS",
    "MODES",
    "SHADES",
    "downsample",
    "image_cells",
    "image_shape",
    "render_digit_grid",
    "render_image",
]

HALF_BLOCKS = " ▀▄█"  # index: top on = 1, bottom on = 2
SHADES = " ░▒▓█"
ASCII_SHADES = " .:o#"
MODES = ("half", "shade", "ascii")


def image_shape(n_pixels: int) -> tuple[int, int]:
    """(height, width) of a square image of `n_pixels` (64 -> 8x8, 784 -> 28x28)."""
    side = math.isqrt(n_pixels)
    if side * side != n_pixels or side == 0:
        raise ValueError(f"{n_pixels} pixels is not a square image; give the shape")
    return side, side


def _shape(pixels: Sequence[float], shape: tuple[int, int] | None) -> tuple[int, int]:
    height, width = shape if shape is not None else image_shape(len(pixels))
    if height * width != len(pixels):
        raise ValueError(f"{len(pixels)} pixels do not make a {height}x{width} image")
    return height, width


def downsample(
    pixels: Sequence[float], factor: int, shape: tuple[int, int] | None = None
) -> tuple[list[float], tuple[int, int]]:
    """The image with each factor x factor block averaged (edges padded with 0), and its shape."""
    height, width = _shape(pixels, shape)
    if factor < 1:
        raise ValueError(f"factor must be at least 1, not {factor}")
    if factor == 1:
        return [float(p) for p in pixels], (height, width)
    out_h, out_w = -(-height // factor), -(-width // factor)
    out = []
    for r in range(out_h):
        for c in range(out_w):
            total = 0.0
            for dr in range(factor):
                for dc in range(factor):
                    y, x = r * factor + dr, c * factor + dc
                    if y < height and x < width:
                        total += float(pixels[y * width + x])
            out.append(total / (factor * factor))
    return out, (out_h, out_w)


def image_cells(
    pixels: Sequence[float], shape: tuple[int, int] | None = None
) -> list[list[tuple[float, float]]]:
    """Character rows of (top pixel, bottom pixel); an odd last row pairs with 0."""
    height, width = _shape(pixels, shape)
    rows = []
    for r in range(0, height, 2):
        row = []
        for c in range(width):
            top = float(pixels[r * width + c])
            bottom = float(pixels[(r + 1) * width + c]) if r + 1 < height else 0.0
            row.append((top, bottom))
        rows.append(row)
    return rows


def _level(value: float, chars: str) -> str:
    if math.isnan(value):
        return chars[0]
    return chars[min(len(chars) - 1, max(0, int(value * len(chars))))]


def render_image(
    pixels: Sequence[float],
    shape: tuple[int, int] | None = None,
    *,
    mode: str = "half",
    factor: int = 1,
) -> list[str]:
    """The image as text lines (height/2 lines of width characters after downsampling)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    values, shape = downsample(pixels, factor, shape)
    lines = []
    for row in image_cells(values, shape):
        chars = []
        for top, bottom in row:
            if mode == "half":
                chars.append(HALF_BLOCKS[(top >= 0.5) + 2 * (bottom >= 0.5)])
            else:
                chars.append(
                    _level((top + bottom) / 2, SHADES if mode == "shade" else ASCII_SHADES)
                )
        lines.append("".join(chars))
    return lines


def render_digit_grid(
    images: Sequence[Sequence[float]],
    true_labels: Sequence[int | str],
    predicted: Sequence[int | str] | None = None,
    *,
    shape: tuple[int, int] | None = None,
    columns: int = 8,
    mode: str = "half",
    factor: int = 1,
    gap: int = 2,
) -> str:
    """Several images side by side, each over its label: "true/predicted" when predictions are
    given, with a mistake flagged by "✗" (ASCII mode: "!") after it."""
    if len(true_labels) != len(images) or (predicted is not None and len(predicted) != len(images)):
        raise ValueError("one true label (and prediction) per image")
    wrong_mark = "!" if mode == "ascii" else "✗"
    tiles = []
    for i, image in enumerate(images):
        lines = render_image(image, shape, mode=mode, factor=factor)
        if predicted is None:
            label = f"{true_labels[i]}"
        else:
            mistake = str(true_labels[i]) != str(predicted[i])
            label = f"{true_labels[i]}/{predicted[i]}{wrong_mark if mistake else ''}"
        tiles.append([*lines, label])
    if not tiles:
        return ""
    width = max(max(len(line) for line in tile) for tile in tiles)
    out = []
    for start in range(0, len(tiles), max(1, columns)):
        band = tiles[start : start + columns]
        height = max(len(tile) for tile in band)
        for r in range(height):
            cells = [(tile[r] if r < len(tile) else "").ljust(width) for tile in band]
            out.append((" " * gap).join(cells).rstrip())
        out.append("")
    return "\n".join(out).rstrip("\n")
