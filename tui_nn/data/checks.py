"""Validation of the loader options a preset may set (sample counts, noise)."""

from __future__ import annotations

import math

from tui_nn.errors import DataError


def check_samples(samples: object, set_name: str, minimum: int = 1) -> int:
    """`samples` as an int of at least `minimum`, or a DataError naming the set."""
    if isinstance(samples, bool) or not isinstance(samples, int):
        raise DataError(f"{set_name}: samples must be a whole number, not {samples!r}")
    if samples < minimum:
        raise DataError(f"{set_name}: samples must be at least {minimum}, not {samples}")
    return samples


def check_noise(noise: object, set_name: str) -> float:
    """`noise` as a finite float of at least 0, or a DataError naming the set."""
    if isinstance(noise, bool) or not isinstance(noise, int | float):
        raise DataError(f"{set_name}: noise must be a number, not {noise!r}")
    if not math.isfinite(noise) or noise < 0:
        raise DataError(f"{set_name}: noise must be a finite number of at least 0, not {noise}")
    return float(noise)
