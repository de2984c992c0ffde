"""Data sets: logic gates, 2-D toy sets, a sine curve, bundled digits, MNIST-style IDX folders and
CSV files.

Every loader returns a `Dataset` of CPU tensors; `split_indices` holds out a seeded test
part. Problems the user can fix raise `tui_nn.errors.DataError` with a one-line message.

The names below are loaded on first use, so that `tui_nn.data.table` (the CSV reader, which the
exporter and the preset builder use) imports without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_nn.data.dataset import CLASSIFICATION, REGRESSION, Dataset, split_indices
    from tui_nn.data.loaders import load_dataset

__all__ = ["CLASSIFICATION", "REGRESSION", "Dataset", "load_dataset", "split_indices"]

_HOMES = {
    "CLASSIFICATION": "tui_nn.data.dataset",
    "REGRESSION": "tui_nn.data.dataset",
    "Dataset": "tui_nn.data.dataset",
    "split_indices": "tui_nn.data.dataset",
    "load_dataset": "tui_nn.data.loaders",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tui_nn.data' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
