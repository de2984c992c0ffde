"""Two-dimensional toy sets in the style of TensorFlow Playground, and a 1-D sine regression.

Every point lies roughly in [-1, 1]^2. `noise` is the standard deviation of Gaussian noise
added to each coordinate, in those units (the sets span a width of 2, so noise 0.1 moves a
point by about a twentieth of the plot). Classes are balanced (their sizes differ by at
most one) and the samples are shuffled. The same seed gives the same tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from tui_nn.data.checks import check_noise, check_samples
from tui_nn.data.dataset import CLASSIFICATION, REGRESSION, Dataset
from tui_nn.errors import DataError

DEFAULT_SAMPLES = 200
DEFAULT_NOISE = 0.1
DEFAULT_SINE_NOISE = 0.0

# The circle set: class 1 inside CIRCLE_INNER, class 0 in the ring CIRCLE_RING.
CIRCLE_INNER = 0.5
CIRCLE_RING = (0.7, 1.0)
GAUSSIAN_CENTER = 0.5  # clusters at (+c, +c) (class 1) and (-c, -c) (class 0)
GAUSSIAN_SPREAD = 0.2  # the clusters' own standard deviation, before the noise
XOR_MARGIN = 0.05  # points keep this far from the axes, so the clean classes never touch
SPIRAL_TURNS = 1.75


def _class_sizes(samples: int) -> tuple[int, int]:
    """(class 0, class 1) sizes: half each, class 0 taking the odd one."""
    return samples - samples // 2, samples // 2


def _circle(n0: int, n1: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    lo, hi = CIRCLE_RING
    r_in = CIRCLE_INNER * torch.rand(n1, generator=g)
    r_out = lo + (hi - lo) * torch.rand(n0, generator=g)
    radius = torch.cat([r_out, r_in])
    angle = 2 * math.pi * torch.rand(n0 + n1, generator=g)
    points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    return points, _labels(n0, n1)


def _gaussian(n0: int, n1: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    centers = torch.cat(
        [torch.full((n0, 2), -GAUSSIAN_CENTER), torch.full((n1, 2), GAUSSIAN_CENTER)]
    )
    points = centers + GAUSSIAN_SPREAD * torch.randn(n0 + n1, 2, generator=g)
    return points, _labels(n0, n1)


def _xor_cloud(n0: int, n1: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    # Class 1: x1 * x2 > 0 (quadrants ++ and --); class 0: the other two quadrants.
    n = n0 + n1
    magnitude = XOR_MARGIN + (1 - XOR_MARGIN) * torch.rand(n, 2, generator=g)
    sign1 = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    same = torch.cat([-torch.ones(n0), torch.ones(n1)])  # sign2 = sign1 * same
    points = magnitude * torch.stack([sign1, sign1 * same], dim=1)
    return points, _labels(n0, n1)


def _spiral(n0: int, n1: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    arms = []
    for count, offset in ((n0, math.pi), (n1, 0.0)):
        t = torch.arange(count, dtype=torch.float32) / max(count, 1)
        angle = SPIRAL_TURNS * 2 * math.pi * t + offset
        arms.append(torch.stack([t * torch.sin(angle), t * torch.cos(angle)], dim=1))
    return torch.cat(arms), _labels(n0, n1)


def _labels(n0: int, n1: int) -> torch.Tensor:
    return torch.cat([torch.zeros(n0, dtype=torch.int64), torch.ones(n1, dtype=torch.int64)])


_MAKERS: dict[str, Callable[[int, int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]] = {
    "circle": _circle,
    "gaussian": _gaussian,
    "xor-cloud": _xor_cloud,
    "spiral": _spiral,
}
SYNTHETIC_SET_NAMES = tuple(_MAKERS)


def make_synthetic(
    set_name: str,
    samples: int | None = None,
    noise: float | None = None,
    seed: int = 0,
) -> Dataset:
    """A 2-D two-class set: "circle", "gaussian", "xor-cloud" or "spiral"."""
    maker = _MAKERS.get(set_name)
    if maker is None:
        raise DataError(
            f'unknown synthetic set "{set_name}"; choose one of: {", ".join(SYNTHETIC_SET_NAMES)}'
        )
    samples = check_samples(DEFAULT_SAMPLES if samples is None else samples, set_name, 2)
    noise = check_noise(DEFAULT_NOISE if noise is None else noise, set_name)
    g = torch.Generator().manual_seed(int(seed))
    n0, n1 = _class_sizes(samples)
    points, labels = maker(n0, n1, g)
    points = points.to(torch.float32)
    if noise > 0:
        points = points + noise * torch.randn(points.shape, generator=g)
    order = torch.randperm(samples, generator=g)
    return Dataset(
        name=set_name,
        x=points[order].contiguous(),
        y=labels[order].contiguous(),
        input_names=["x1", "x2"],
        class_names=["0", "1"],
        task=CLASSIFICATION,
    )


def make_sine(samples: int | None = None, noise: float | None = None, seed: int = 0) -> Dataset:
    """Regression: x uniform in [-pi, pi], y = sin(x) + noise * N(0, 1); shapes (N, 1)."""
    samples = check_samples(DEFAULT_SAMPLES if samples is None else samples, "sine")
    noise = check_noise(DEFAULT_SINE_NOISE if noise is None else noise, "sine")
    g = torch.Generator().manual_seed(int(seed))
    x = (2 * torch.rand(samples, 1, generator=g) - 1) * math.pi
    y = torch.sin(x)
    if noise > 0:
        y = y + noise * torch.randn(y.shape, generator=g)
    return Dataset(
        name="sine",
        x=x.to(torch.float32),
        y=y.to(torch.float32),
        input_names=["x"],
        class_names=[],
        task=REGRESSION,
    )
