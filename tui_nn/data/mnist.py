"""MNIST from its published IDX files in a local folder (nothing is downloaded here)."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from tui_nn.data.checks import check_samples
from tui_nn.data.dataset import CLASSIFICATION, Dataset
from tui_nn.data.idx import read_idx
from tui_nn.errors import DataError

# Where the files may lie below the given folder: directly, torchvision's layout, or raw/.
SUBFOLDERS = (Path("."), Path("MNIST") / "raw", Path("raw"))
PARTS = ("train", "t10k")  # loaded in this order when both are there
N_CLASSES = 10


def _file_names(part: str) -> tuple[str, str]:
    return f"{part}-images-idx3-ubyte", f"{part}-labels-idx1-ubyte"


def _existing(folder: Path, stem: str) -> Path | None:
    """`folder/stem` or `folder/stem.gz`, whichever is a file (the plain one first)."""
    for name in (stem, stem + ".gz"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def find_mnist_files(folder: Path) -> list[tuple[Path, Path]]:
    """The (images, labels) pairs of the first subfolder that holds any, train before t10k."""
    for sub in SUBFOLDERS:
        base = folder / sub
        pairs = []
        for part in PARTS:
            images_stem, labels_stem = _file_names(part)
            images, labels = _existing(base, images_stem), _existing(base, labels_stem)
            if images is not None and labels is not None:
                pairs.append((images, labels))
        if pairs:
            return pairs
    return []


def _looked_for(folder: Path) -> str:
    names = " or ".join(" + ".join(f"{stem}[.gz]" for stem in _file_names(part)) for part in PARTS)
    places = ", ".join(str(folder / sub) if str(sub) != "." else str(folder) for sub in SUBFOLDERS)
    return f"no MNIST files in {folder}: looked for {names} in {places}"


def load_mnist(path: str | os.PathLike[str] | None, samples: int | None = None) -> Dataset:
    """MNIST images as x = pixels / 255 (float32, (N, rows * columns)), labels 0-9.

    Train and t10k are concatenated (train first) when both are there; `samples` keeps the
    first N.
    """
    if path is None:
        raise DataError(
            "the mnist data set needs data.path (or --data PATH): the folder holding MNIST"
        )
    folder = Path(path).expanduser()
    if not folder.exists():
        raise DataError(
            f"MNIST folder not found: {folder} (download MNIST, e.g. with torchvision's "
            "datasets.MNIST(root, download=True), or set data.path / --data to its folder)"
        )
    if not folder.is_dir():
        raise DataError(f"MNIST path is not a folder: {folder} (give the folder holding its files)")
    cap = None if samples is None else check_samples(samples, "mnist")
    pairs = find_mnist_files(folder)
    if not pairs:
        raise DataError(_looked_for(folder))
    images_parts: list[torch.Tensor] = []
    labels_parts: list[torch.Tensor] = []
    shape: tuple[int, int] | None = None
    loaded = 0
    for images_path, labels_path in pairs:
        if cap is not None and loaded >= cap:
            break
        images = read_idx(images_path, ndim=3)
        labels = read_idx(labels_path, ndim=1)
        if images.shape[0] != labels.shape[0]:
            raise DataError(
                f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
                f"{labels.shape[0]} labels"
            )
        image_shape = (int(images.shape[1]), int(images.shape[2]))
        if shape is not None and image_shape != shape:
            raise DataError(
                f"{images_path} holds {image_shape[0]}x{image_shape[1]} images, "
                f"the other part {shape[0]}x{shape[1]}"
            )
        shape = image_shape
        if labels.numel() and int(labels.max()) >= N_CLASSES:
            bad = int(torch.nonzero(labels >= N_CLASSES)[0, 0])
            raise DataError(
                f"{labels_path}: label {int(labels[bad])} at index {bad} is not a digit 0-9"
            )
        images_parts.append(images)
        labels_parts.append(labels)
        loaded += int(images.shape[0])
    assert shape is not None
    images = torch.cat(images_parts)
    labels = torch.cat(labels_parts)
    if cap is not None:
        images, labels = images[:cap], labels[:cap]
    if images.shape[0] == 0 or shape[0] * shape[1] == 0:
        raise DataError(f"the MNIST files in {pairs[0][0].parent} hold no images")
    n_pixels = shape[0] * shape[1]
    return Dataset(
        name="mnist",
        x=images.reshape(-1, n_pixels).to(torch.float32) / 255.0,
        y=labels.to(torch.int64),
        input_names=[f"px{i}" for i in range(n_pixels)],
        class_names=[str(d) for d in range(N_CLASSES)],
        task=CLASSIFICATION,
        image_shape=shape,
    )
