"""The numeric limits of a preset's fields, defined once for the validator, the UI and the CLI.

The names allowed for activations, losses, optimizers, data sets and initialisations are choices
of the preset model and live in `tui_nn.spec`; this module holds the numbers and forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DEVICE_FORMS",
    "DEVICE_PATTERN",
    "LEARNING_RATE",
    "MAX_COUNT",
    "MAX_FILE_BYTES",
    "MAX_LAYERS",
    "MAX_SEED",
    "MAX_UNITS",
    "MOMENTUM",
    "NOISE",
    "TARGET_ACCURACY",
    "TARGET_LOSS",
    "PACE",
    "TEST_FRACTION",
    "WEIGHT_DECAY",
    "Interval",
]

MAX_COUNT = 10_000_000  # epochs, samples, batch size, patience, a csv label column's index
MAX_UNITS = 100_000  # units of one layer
MAX_LAYERS = 1_000  # layers of one network
MAX_SEED = 2**63 - 1  # the largest seed torch accepts
MAX_FILE_BYTES = 64 * 1024 * 1024  # the largest preset file read

DEVICE_FORMS = "auto, cpu, cuda, cuda:N (N = 0, 1, 2, ...) or mps"
DEVICE_PATTERN = re.compile(r"auto|cpu|cuda|cuda:(?:0|[1-9][0-9]{0,8})|mps", re.ASCII)


@dataclass(frozen=True)
class Interval:
    """An interval of allowed real numbers; a bound of None is no bound, an open one excluded."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, x: float) -> bool:
        low_ok = self.lo is None or (x > self.lo if self.lo_open else x >= self.lo)
        high_ok = self.hi is None or (x < self.hi if self.hi_open else x <= self.hi)
        return low_ok and high_ok

    def __str__(self) -> str:
        """The interval as messages show it: `> 0`, `>= 0`, `0 <= x < 1`."""
        low = "<" if self.lo_open else "<="
        high = "<" if self.hi_open else "<="
        if self.lo is not None and self.hi is not None:
            return f"{self.lo:g} {low} x {high} {self.hi:g}"
        if self.lo is not None:
            return f"{'>' if self.lo_open else '>='} {self.lo:g}"
        if self.hi is not None:
            return f"{high} {self.hi:g}"
        return "any number"


LEARNING_RATE = Interval(lo=0.0, lo_open=True)
MOMENTUM = Interval(lo=0.0, hi=1.0, hi_open=True)
WEIGHT_DECAY = Interval(lo=0.0)
TARGET_LOSS = Interval(lo=0.0)
PACE = Interval(lo=0.0, lo_open=True, hi=1000.0)  # steps a second
TARGET_ACCURACY = Interval(lo=0.0, lo_open=True, hi=1.0)  # a share: 1.0 is every sample
TEST_FRACTION = Interval(lo=0.0, hi=1.0, hi_open=True)
NOISE = Interval(lo=0.0)
