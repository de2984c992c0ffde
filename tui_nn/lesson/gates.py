"""The logic gates' truth tables in pure Python (the same rows as `tui_nn.data.logic`, which
imports torch and so cannot be used by the UI process)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["GATE_NAMES", "gate_input_names", "gate_table"]

_GATES: dict[str, Callable[[int, int], int]] = {
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "nand": lambda a, b: 1 - (a & b),
    "nor": lambda a, b: 1 - (a | b),
    "xor": lambda a, b: a ^ b,
    "xnor": lambda a, b: 1 - (a ^ b),
    "sprinkler": lambda a, b: a & b,  # water when Sunny and Dry: AND by another name
}
_INPUT_NAMES: dict[str, tuple[str, ...]] = {"sprinkler": ("Sunny", "Dry"), "not": ("A",)}

GATE_NAMES = ("and", "or", "nand", "nor", "xor", "xnor", "not", "sprinkler")


def gate_table(name: str) -> list[tuple[tuple[int, ...], int]]:
    """The gate's rows as ((inputs...), output), inputs in counting order (00, 01, 10, 11)."""
    if name == "not":
        return [((0,), 1), ((1,), 0)]
    gate = _GATES.get(name)
    if gate is None:
        raise ValueError(f"unknown logic gate {name!r}; choose one of: {', '.join(GATE_NAMES)}")
    return [((a, b), gate(a, b)) for a in (0, 1) for b in (0, 1)]


def gate_input_names(name: str) -> list[str]:
    """The names of the gate's inputs: A, B unless the set names them itself (Sunny, Dry)."""
    if name not in GATE_NAMES:
        raise ValueError(f"unknown logic gate {name!r}; choose one of: {', '.join(GATE_NAMES)}")
    return list(_INPUT_NAMES.get(name, ("A", "B")))
