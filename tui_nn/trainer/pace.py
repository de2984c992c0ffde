"""The pace of training in the app: full speed, or at most a number of optimizer steps a
second, slow enough for a person to watch each step change the weights (`SetPace`; the loops
are in `side_by_side`). Torch-free: the app's keys step through `PACES` too."""

from __future__ import annotations

import math
import time

from tui_nn.errors import TuiNnError

__all__ = ["PACES", "Pace", "describe_pace", "faster", "slower"]

PACES: tuple[float | None, ...] = (None, 100.0, 30.0, 10.0, 3.0, 1.0)  # None: full speed


def describe_pace(steps_per_s: float | None) -> str:
    return "full speed" if steps_per_s is None else f"{steps_per_s:g} steps/s"


def slower(steps_per_s: float | None) -> float | None:
    """The next slower pace of `PACES` (the slowest stays)."""
    if steps_per_s is None:
        return PACES[1]
    return next((p for p in PACES[1:] if p is not None and p < steps_per_s), PACES[-1])


def faster(steps_per_s: float | None) -> float | None:
    """The next faster pace of `PACES` (full speed stays)."""
    if steps_per_s is None:
        return None
    quicker = [p for p in PACES[1:] if p is not None and p > steps_per_s]
    return min(quicker) if quicker else None


class Pace:
    def __init__(self) -> None:
        self.steps_per_s: float | None = None
        self._next = 0.0

    @property
    def full(self) -> bool:
        return self.steps_per_s is None

    def set(self, steps_per_s: float | None) -> None:
        if steps_per_s is not None and not (math.isfinite(steps_per_s) and steps_per_s > 0):
            raise TuiNnError(f"a pace is a positive number of steps a second, got {steps_per_s}")
        self.steps_per_s = steps_per_s

    def start(self) -> None:
        self._next = time.monotonic()

    def step_taken(self) -> None:
        """The next step is due one interval after this one (a late step does not make the
        following ones come faster)."""
        if self.steps_per_s is not None:
            self._next = max(self._next, time.monotonic() - 1 / self.steps_per_s)
            self._next += 1 / self.steps_per_s

    def wait_s(self) -> float:
        return max(0.0, self._next - time.monotonic())
