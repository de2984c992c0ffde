"""The order in which an epoch visits the training samples, resumable in the middle of an epoch.

Data sets live on the device as whole tensors, indexed by a permutation (no DataLoader). The
permutation and the position reached in it are the public state a checkpoint keeps, so a run
stopped mid-epoch goes on with the same batches.
"""

from __future__ import annotations

import math

import torch

__all__ = ["BatchOrder", "epoch_order"]


def epoch_order(
    n: int, shuffle: bool, generator: torch.Generator, device: torch.device | str
) -> torch.Tensor:
    """The order of one epoch's n samples: a fresh permutation drawn from `generator` when
    shuffling, else 0, 1, ..., n-1."""
    if shuffle:
        return torch.randperm(n, generator=generator).to(device)
    return torch.arange(n, device=device)


class BatchOrder:
    """Batches of sample indices through each epoch, in `epoch_order`.

    `permutation` is the current epoch's order (None before the first batch, or when every batch
    is the full set) and `position` how many of its samples were handed out; `resume` puts both
    back from a checkpoint."""

    def __init__(
        self,
        n: int,
        batch_size: int,
        *,
        shuffle: bool,
        generator: torch.Generator,
        device: torch.device,
    ) -> None:
        self.n = n
        self.batch_size = min(batch_size, n)
        self.shuffle = shuffle
        self.generator = generator
        self.device = device
        self.permutation: torch.Tensor | None = None
        self.position = 0

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n / self.batch_size)

    @property
    def epoch_done(self) -> bool:
        return self.position >= self.n

    @property
    def mid_epoch(self) -> bool:
        """Some but not all of this epoch's samples were handed out."""
        return 0 < self.position < self.n

    def next_batch(self) -> torch.Tensor | None:
        """The next batch's sample indices, or None for the full set: a full batch is the same
        set in any order (the same gradient), so it takes no permutation."""
        if self.batch_size >= self.n:
            self.position = self.n
            return None
        if self.position == 0 or self.permutation is None:
            self.permutation = epoch_order(self.n, self.shuffle, self.generator, self.device)
        batch = self.permutation[self.position : self.position + self.batch_size]
        self.position += len(batch)
        return batch

    def next_index(self) -> int:
        """The next single sample (the perceptron rule takes one at a time)."""
        if self.position == 0 or self.permutation is None:
            self.permutation = epoch_order(self.n, self.shuffle, self.generator, self.device)
        index = int(self.permutation[self.position])
        self.position += 1
        return index

    def next_epoch(self) -> None:
        self.position = 0

    def resume(self, permutation: torch.Tensor, position: int) -> None:
        """Go on from `position` in an epoch whose order was `permutation` (from a checkpoint)."""
        if len(permutation) != self.n or not 0 <= position <= self.n:
            raise ValueError(
                f"an order of {len(permutation)} samples at position {position} does not fit "
                f"{self.n} samples"
            )
        self.permutation = permutation.to(self.device)
        self.position = position
