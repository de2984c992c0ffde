"""MNIST, and any data set in its IDX layout (Fashion-MNIST), from the published files in a local
folder (nothing is downloaded here).

With both parts there, the training files are trained on and the official test files (t10k) are
the test part; with one part only, the trainer splits it by `data.test_fraction`, and the note
says that this test part is not the official test set.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from tui_nn.data.checks import check_samples
from tui_nn.data.dataset import CLASSIFICATION, Dataset
from tui_nn.data.idx import read_idx
from tui_nn.errors import DataError

PARTS = ("train", "t10k")  # the training and the official test files
N_CLASSES = 10
# Per set: its title, where its files may lie below the given folder (directly, torchvision's
# layout, or raw/), and its class names.
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
SUBFOLDERS = {
    "mnist": (Path("."), Path("MNIST") / "raw", Path("raw")),
    "fashion-mnist": (Path("."), Path("FashionMNIST") / "raw", Path("raw")),
}
CLASS_NAMES = {
    "mnist": [str(d) for d in range(N_CLASSES)],
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}
DOWNLOAD_HINTS = {
    "mnist": "datasets.MNIST(root, download=True)",
    "fashion-mnist": "datasets.FashionMNIST(root, download=True)",
}


def _file_names(part: str) -> tuple[str, str]:
    return f"{part}-images-idx3-ubyte", f"{part}-labels-idx1-ubyte"


def _existing(folder: Path, stem: str) -> Path | None:
    """`folder/stem` or `folder/stem.gz`, whichever is a file (the plain one first)."""
    for name in (stem, stem + ".gz"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def find_mnist_files(folder: Path, set_name: str = "mnist") -> dict[str, tuple[Path, Path]]:
    """The (images, labels) files of each part ("train", "t10k") found in the first subfolder
    that holds any."""
    for sub in SUBFOLDERS[set_name]:
        base = folder / sub
        parts = {}
        for part in PARTS:
            images_stem, labels_stem = _file_names(part)
            images, labels = _existing(base, images_stem), _existing(base, labels_stem)
            if images is not None and labels is not None:
                parts[part] = (images, labels)
        if parts:
            return parts
    return {}


def _looked_for(folder: Path, set_name: str) -> str:
    names = " or ".join(" + ".join(f"{stem}[.gz]" for stem in _file_names(part)) for part in PARTS)
    places = ", ".join(
        str(folder / sub) if str(sub) != "." else str(folder) for sub in SUBFOLDERS[set_name]
    )
    return (
        f"no {TITLES[set_name]} files in {folder}: looked for {names} in {places} "
        "(set data.path / --data to the folder holding them)"
    )


def _read_part(images_path: Path, labels_path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels"
        )
    if labels.numel() and int(labels.max()) >= N_CLASSES:
        bad = int(torch.nonzero(labels >= N_CLASSES)[0, 0])
        raise DataError(
            f"{labels_path}: label {int(labels[bad])} at index {bad} is not a class 0-9"
        )
    return images, labels


def load_mnist(
    path: str | os.PathLike[str] | None,
    samples: int | None = None,
    *,
    set_name: str = "mnist",
    test_fraction: float = 0.0,
) -> Dataset:
    """The images as x = pixels / 255 (float32, (N, rows * columns)), labels 0-9.

    With both parts, the training images come first and the official test images last
    (`official_test` counts them); `samples` keeps the first N training images, and the test
    part stays whole. With one part, `samples` keeps its first N. `test_fraction` only words the
    note (the trainer splits a single part).
    """
    title = TITLES[set_name]
    if path is None:
        raise DataError(
            f"the {set_name} data set needs data.path (or --data PATH): the folder holding "
            f"{title}'s IDX files"
        )
    folder = Path(path).expanduser()
    if not folder.exists():
        raise DataError(
            f"{title} folder not found: {folder} (download {title}, e.g. with torchvision's "
            f"{DOWNLOAD_HINTS[set_name]}, or set data.path / --data to its folder)"
        )
    if not folder.is_dir():
        raise DataError(
            f"{title} path is not a folder: {folder} (give the folder holding its files)"
        )
    cap = None if samples is None else check_samples(samples, set_name)
    parts = find_mnist_files(folder, set_name)
    if not parts:
        raise DataError(_looked_for(folder, set_name))
    read = {part: _read_part(*files) for part, files in parts.items()}
    shapes = {
        part: (int(images.shape[1]), int(images.shape[2])) for part, (images, _) in read.items()
    }
    if len(set(shapes.values())) > 1:
        (a, sa), (b, sb) = shapes.items()
        raise DataError(f"{parts[b][0]} holds {sb[0]}x{sb[1]} images, the {a} part {sa[0]}x{sa[1]}")
    shape = next(iter(shapes.values()))
    where = parts[next(iter(parts))][0].parent
    official_test: int | None = None
    if len(read) == 2:
        train_images, train_labels = read["train"]
        test_images, test_labels = read["t10k"]
        n_all = int(train_images.shape[0])
        if cap is not None:
            train_images, train_labels = train_images[:cap], train_labels[:cap]
        official_test = int(test_images.shape[0])
        images = torch.cat([train_images, test_images])
        labels = torch.cat([train_labels, test_labels])
        kept = (
            f"the first {len(train_labels):,} of its {n_all:,} (data.samples)"
            if len(train_labels) < n_all
            else f"{n_all:,} images"
        )
        note = (
            f"{title}: training on the official training files ({kept}) and testing on the "
            f"official test files ({official_test:,} images) in {where}; data.test_fraction "
            "is not used"
        )
        if official_test == 0 or len(train_labels) == 0:
            raise DataError(f"the {title} files in {where} hold no images in one part")
    else:
        ((part, (images, labels)),) = read.items()
        if cap is not None:
            images, labels = images[:cap], labels[:cap]
        which = "training" if part == "train" else "official test"
        if test_fraction > 0:
            note = (
                f"{title}: only the {which} files ({part}-*) are in {where}: "
                f"{test_fraction:.0%} of their images are held out to test on, which is not "
                f"{title}'s official test set"
            )
        else:
            note = (
                f"{title}: only the {which} files ({part}-*) are in {where}, and "
                "data.test_fraction = 0: no test part"
            )
    if images.shape[0] == 0 or shape[0] * shape[1] == 0:
        raise DataError(f"the {title} files in {where} hold no images")
    n_pixels = shape[0] * shape[1]
    return Dataset(
        name=set_name,
        x=images.reshape(-1, n_pixels).to(torch.float32) / 255.0,
        y=labels.to(torch.int64),
        input_names=[f"px{i}" for i in range(n_pixels)],
        class_names=list(CLASS_NAMES[set_name]),
        task=CLASSIFICATION,
        image_shape=shape,
        official_test=official_test,
        note=note,
    )
