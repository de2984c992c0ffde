"""Data sets: logic gates, 2-D toy sets, a sine curve, bundled digits, MNIST and CSV files.

Every loader returns a `Dataset` of CPU tensors; `split_indices` holds out a seeded test
part. Problems the user can fix raise `tui_nn.errors.DataError` with a one-line message.
"""

from tui_nn.data.dataset import CLASSIFICATION, REGRESSION, Dataset, split_indices
from tui_nn.data.loaders import load_dataset

__all__ = ["CLASSIFICATION", "REGRESSION", "Dataset", "load_dataset", "split_indices"]
