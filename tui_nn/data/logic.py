"""Logic gates as tiny classification sets: every row of the truth table once. The tables are
`tui_nn.lesson.gates`, which the app's lesson views (no torch there) read as well."""

from __future__ import annotations

import torch

from tui_nn.data.dataset import CLASSIFICATION, Dataset
from tui_nn.errors import DataError
from tui_nn.lesson.gates import GATE_NAMES, gate_input_names, gate_table

LOGIC_SET_NAMES = GATE_NAMES


def truth_table(set_name: str) -> list[tuple[tuple[int, ...], int]]:
    """The gate's rows as ((inputs...), output), inputs in counting order (00, 01, 10, 11)."""
    _check(set_name)
    return gate_table(set_name)


def input_names(set_name: str) -> list[str]:
    """The names of the gate's inputs: ["A", "B"] unless the set names them itself."""
    _check(set_name)
    return gate_input_names(set_name)


def _check(set_name: str) -> None:
    if set_name not in LOGIC_SET_NAMES:
        raise DataError(
            f'unknown logic set "{set_name}"; choose one of: {", ".join(LOGIC_SET_NAMES)}'
        )


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
