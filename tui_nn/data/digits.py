"""The bundled 8x8 handwritten digits (UCI, via scikit-learn): 1,797 images, labels 0-9."""

from __future__ import annotations

import csv
import gzip
import io
from functools import lru_cache
from pathlib import Path

import torch

from tui_nn.data.checks import check_samples
from tui_nn.data.dataset import CLASSIFICATION, Dataset
from tui_nn.errors import DataError

DIGITS_FILE = Path(__file__).resolve().parent / "files" / "digits.csv.gz"
IMAGE_SHAPE = (8, 8)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
MAX_PIXEL = 16


@lru_cache(maxsize=1)
def _load_raw(path: Path = DIGITS_FILE) -> tuple[torch.Tensor, torch.Tensor]:
    """(pixels uint8 (N, 64), labels int64 (N,)) parsed once per process; never mutate."""
    try:
        with gzip.open(path, "rt", encoding="ascii", newline="") as f:
            rows = list(csv.reader(io.StringIO(f.read())))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"bundled digits file {path} cannot be read: {exc}") from None
    pixels: list[list[int]] = []
    labels: list[int] = []
    for line, row in enumerate(rows, start=1):
        if not row:
            continue
        try:
            values = [int(cell) for cell in row]
        except ValueError:
            raise DataError(f"bundled digits file {path}: line {line} is not numbers") from None
        if (
            len(values) != N_PIXELS + 1
            or not all(0 <= v <= MAX_PIXEL for v in values[:N_PIXELS])
            or not 0 <= values[N_PIXELS] <= 9
        ):
            raise DataError(f"bundled digits file {path}: line {line} is malformed")
        pixels.append(values[:N_PIXELS])
        labels.append(values[N_PIXELS])
    if not labels:
        raise DataError(f"bundled digits file {path} is empty")
    return torch.tensor(pixels, dtype=torch.uint8), torch.tensor(labels, dtype=torch.int64)


def load_digits(samples: int | None = None) -> Dataset:
    """The digits as x = pixels / 16 (float32, (N, 64)); `samples` keeps the first N."""
    pixels, labels = _load_raw()
    if samples is not None:
        n = check_samples(samples, "digits")
        pixels, labels = pixels[:n], labels[:n]
    return Dataset(
        name="digits",
        x=pixels.to(torch.float32) / float(MAX_PIXEL),
        y=labels.clone(),
        input_names=[f"px{i}" for i in range(N_PIXELS)],
        class_names=[str(d) for d in range(10)],
        task=CLASSIFICATION,
        image_shape=IMAGE_SHAPE,
    )
