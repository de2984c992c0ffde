"""The in-memory data set every loader returns, and the seeded train/test split."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from tui_nn.errors import DataError

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class Dataset:
    """Samples as CPU tensors plus the names the UI shows for inputs and classes.

    `x` is float32 (N, F); NaN marks a missing value only where the preset asked to fill them in
    (`data.missing = "mean"`: the trainer fills them from its training split). `y` is int64 class
    indices (N,) for classification and float32 (N, 1) for regression; `class_names` is empty for
    regression. `official_test`, when set, is the number of samples at the end that are the data
    set's own test part (MNIST's t10k files): the trainer tests on them instead of drawing a split.
    `note` says in one line what the loader guessed or chose (a CSV's separator, MNIST's parts).
    """

    name: str
    x: torch.Tensor
    y: torch.Tensor
    input_names: list[str]
    class_names: list[str]
    task: str
    image_shape: tuple[int, int] | None = None
    official_test: int | None = None
    note: str | None = None

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_classes(self) -> int:
        """The number of classes; 0 for regression."""
        return len(self.class_names)

    @property
    def is_classification(self) -> bool:
        return self.task == CLASSIFICATION

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, indices: torch.Tensor) -> Dataset:
        """The samples at `indices` (int64), in that order, with the same names."""
        return Dataset(
            name=self.name,
            x=self.x[indices],
            y=self.y[indices],
            input_names=list(self.input_names),
            class_names=list(self.class_names),
            task=self.task,
            image_shape=self.image_shape,
        )

    def split(self, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(train, test) indices, each sorted: the official test part when the data has one,
        else a seeded split of `test_fraction` (`split_indices`)."""
        if self.official_test is not None:
            n_train = len(self) - self.official_test
            return torch.arange(n_train), torch.arange(n_train, len(self))
        train, test = split_indices(len(self), test_fraction, seed)
        return train.sort().values, test.sort().values


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Split `range(n)` into (train, test) int64 index tensors by a seeded permutation.

    The test part is the first `round(n * test_fraction)` indices of the permutation, the
    training part the rest, both in permuted order. A fraction of 0 gives an empty test part.
    """
    if not isinstance(test_fraction, int | float) or not math.isfinite(test_fraction):
        raise DataError(f"test_fraction must be a number from 0 to 1, not {test_fraction!r}")
    if not 0.0 <= test_fraction < 1.0:
        raise DataError(f"test_fraction must be at least 0 and below 1, not {test_fraction}")
    if n < 1:
        raise DataError("the data set has no samples")
    n_test = round(n * test_fraction)
    if n_test >= n:
        raise DataError(
            f"test_fraction {test_fraction} of {n} samples leaves no samples for training"
        )
    if test_fraction > 0 and n_test == 0:
        raise DataError(
            f"test_fraction {test_fraction} of {n} samples leaves no samples for testing; "
            "raise it or set it to 0"
        )
    generator = torch.Generator().manual_seed(int(seed))
    order = torch.randperm(n, generator=generator, dtype=torch.int64)
    return order[n_test:].clone(), order[:n_test].clone()
