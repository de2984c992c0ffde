"""What the network's inputs go through before it sees them: missing values filled in with the
training split's column means (`data.missing = "mean"`), then each column standardised with the
training split's mean and standard deviation (`data.standardize`). The statistics come from the
training split only, never from the test split, and are kept in checkpoints, so that a resumed
run, the exported script and an ONNX export scale their inputs the same way.

`tui-nn code` copies `column_means`, `fill_missing`, `standardization` and `standardize` into the
scripts it exports (see `tui_nn.codegen.shared`): keep them plain torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from tui_nn.errors import DataError

__all__ = [
    "InputScaling",
    "column_means",
    "fill_missing",
    "fit_scaling",
    "standardization",
    "standardize",
]


def column_means(x: torch.Tensor) -> torch.Tensor:
    """Each column's mean over the values it has (NaN marks a missing one)."""
    return torch.nanmean(x, dim=0)


def fill_missing(x: torch.Tensor, means: torch.Tensor) -> torch.Tensor:
    """`x` with each missing value (NaN) replaced by its column's entry of `means`."""
    return torch.where(torch.isnan(x), means, x)


def standardization(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each column's mean and standard deviation; 1 for a constant column, which then only
    loses its mean."""
    mean = x.mean(dim=0)
    std = x.std(dim=0, correction=0)
    return mean, torch.where(std > 0, std, torch.ones_like(std))


def standardize(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Each column less its mean, in units of its standard deviation."""
    return (x - mean) / std


_KEYS = ("fill", "mean", "std")
PREFIX = "inputs."  # the tensors' names in a checkpoint


@dataclass
class InputScaling:
    """The statistics of one training split: `fill` (column means for missing values) and
    `mean` / `std` (standardisation); None where the preset asks for neither."""

    fill: torch.Tensor | None = None
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """`x` (raw values, on any device) as the network takes it."""
        if self.fill is not None:
            x = fill_missing(x, self.fill.to(x.device))
        if self.mean is not None and self.std is not None:
            x = standardize(x, self.mean.to(x.device), self.std.to(x.device))
        return x

    def tensors(self) -> dict[str, torch.Tensor]:
        """The statistics under their checkpoint names (CPU, contiguous)."""
        out = {}
        for key in _KEYS:
            value = getattr(self, key)
            if value is not None:
                out[PREFIX + key] = value.detach().cpu().contiguous()
        return out

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, torch.Tensor]) -> InputScaling | None:
        """The statistics a checkpoint holds, or None when it holds none."""
        found = {key: tensors.get(PREFIX + key) for key in _KEYS}
        if all(value is None for value in found.values()):
            return None
        return cls(**found)

    def kinds(self) -> tuple[bool, bool]:
        """(fills missing values, standardises)."""
        return self.fill is not None, self.mean is not None


def fit_scaling(
    x_train: torch.Tensor, *, fill: bool, scale: bool, input_names: list[str]
) -> InputScaling | None:
    """The statistics of the training inputs `x_train` (raw, NaN where missing), or None when
    the preset asks for neither a fill nor a standardisation."""
    if not (fill or scale):
        return None
    scaling = InputScaling()
    if fill:
        means = column_means(x_train)
        empty = torch.nonzero(torch.isnan(means)).reshape(-1).tolist()
        if empty:
            names = ", ".join(f'"{input_names[j]}"' for j in empty[:5])
            raise DataError(
                f"column {names} has no value in the training split to take the mean of "
                '(data.missing = "mean"); leave it out with data.drop_columns'
            )
        scaling.fill = means
        x_train = fill_missing(x_train, means)
    if scale:
        scaling.mean, scaling.std = standardization(x_train)
    return scaling
