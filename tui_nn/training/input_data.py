"""The data a trainer trains on, on its device: the preset's data set split by the seed, its
missing values filled in and its inputs standardised as the preset says, with the training
split's statistics (or, on resume, a checkpoint's)."""

from __future__ import annotations

import dataclasses

import torch

from tui_nn.data import Dataset
from tui_nn.data.scaling import InputScaling, fill_missing, fit_scaling
from tui_nn.errors import TrainingError
from tui_nn.spec import Preset, standardizes

__all__ = ["InputData"]


class InputData:
    def __init__(self, preset: Preset, dataset: Dataset, device: torch.device) -> None:
        split_seed = preset.data.seed if preset.data.seed is not None else preset.train.seed
        # Membership comes from the seed (or the data's official test part); the order stays
        # the data's own (truth-table order).
        self.train_idx, self.test_idx = dataset.split(preset.data.test_fraction, split_seed)
        # The raw inputs; `dataset.x` has its missing values filled in, `x_train` and `x_test`
        # are also standardised: what the network sees (`scale_inputs`).
        self.raw_x = dataset.x
        self.scaling = fit_scaling(
            self.raw_x[self.train_idx],
            fill=preset.data.missing == "mean",
            scale=standardizes(preset.data),
            input_names=dataset.input_names,
        )
        if self.scaling is not None and self.scaling.fill is not None:
            dataset = dataclasses.replace(dataset, x=fill_missing(self.raw_x, self.scaling.fill))
        self.dataset = dataset
        self.x_train = self.scale_inputs(dataset.x[self.train_idx]).to(device)
        self.x_test = self.scale_inputs(dataset.x[self.test_idx]).to(device)
        self.y_train = dataset.y[self.train_idx].to(device)
        self.y_test = dataset.y[self.test_idx].to(device)

    def scale_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Raw inputs (missing values filled in) as the network takes them: standardised when
        the preset says so, with the training split's statistics."""
        return x if self.scaling is None else self.scaling.apply(x)

    def restore_scaling(self, scaling: InputScaling) -> None:
        """Scale the inputs with a checkpoint's statistics (those the run was trained with)."""
        if self.scaling is None or scaling.kinds() != self.scaling.kinds():
            raise TrainingError("the checkpoint's input scaling does not fit this preset")
        self.scaling = scaling
        if scaling.fill is not None:
            self.dataset = dataclasses.replace(
                self.dataset, x=fill_missing(self.raw_x, scaling.fill)
            )
        with torch.no_grad():  # in place: the learning rule holds these tensors
            self.x_train.copy_(self.scale_inputs(self.dataset.x[self.train_idx]))
            self.x_test.copy_(self.scale_inputs(self.dataset.x[self.test_idx]))
