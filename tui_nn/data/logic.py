"""Logic gates as tiny classification sets: every row of the truth table once."""

from __future__ import annotations

from collections.abc import Callable

import torch

from tui_nn.data.dataset import CLASSIFICATION, Dataset
from tui_nn.errors import DataError

_GATES: dict[str, Callable[[int, int], int]] = {
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "nand": lambda a, b: 1 - (a & b),
    "nor": lambda a, b: 1 - (a | b),
    "xor": lambda a, b: a ^ b,
    "xnor": lambda a, b: 1 - (a ^ b),
    # The sprinkler turns on when it is sunny and the ground is dry: AND by another name.
    "sprinkler": lambda a, b: a & b,
}
_INPUT_NAMES: dict[str, list[str]] = {"sprinkler": ["Sunny", "Dry"], "not": ["A"]}

LOGIC_SET_NAMES = (*_GATES, "not")


def truth_table(set_name: str) -> list[tuple[tuple[int, ...], int]]:
    """The gate's rows as ((inputs...), output), inputs in counting order (00, 01, 10, 11)."""
    if set_name == "not":
        return [((0,), 1), ((1,), 0)]
    gate = _GATES.get(set_name)
    if gate is None:
        raise DataError(
            f'unknown logic set "{set_name}"; choose one of: {", ".join(LOGIC_SET_NAMES)}'
        )
    return [((a, b), gate(a, b)) for a in (0, 1) for b in (0, 1)]


def input_names(set_name: str) -> list[str]:
    """The names of the gate's inputs: ["A", "B"] unless the set names them itself."""
    return list(_INPUT_NAMES.get(set_name, ["A", "B"]))


def load_logic(set_name: str) -> Dataset:
    rows = truth_table(set_name)
    x = torch.tensor([list(inputs) for inputs, _ in rows], dtype=torch.float32)
    y = torch.tensor([out for _, out in rows], dtype=torch.int64)
    return Dataset(
        name=set_name,
        x=x,
        y=y,
        input_names=input_names(set_name),
        class_names=["0", "1"],
        task=CLASSIFICATION,
    )
