"""`load_dataset`: turn a preset's DataSpec into a Dataset by dispatching on its set name."""

from __future__ import annotations

from tui_nn.data.csv_data import load_csv_spec
from tui_nn.data.dataset import Dataset
from tui_nn.data.digits import load_digits
from tui_nn.data.logic import load_logic
from tui_nn.data.mnist import load_mnist
from tui_nn.data.synthetic import make_sine, make_synthetic
from tui_nn.errors import DataError
from tui_nn.spec import DATA_SETS, IDX_SETS, LOGIC_SETS, SYNTHETIC_SETS, DataSpec


def load_dataset(spec: DataSpec, seed: int) -> Dataset:
    """The data `spec` describes; its own seed wins over `seed` (the training seed).

    Options a set does not use (noise for digits, samples for logic gates) are ignored.
    """
    name = spec.set
    data_seed = spec.seed if spec.seed is not None else seed
    if name in LOGIC_SETS:
        return load_logic(name)
    if name in SYNTHETIC_SETS:
        return make_synthetic(name, samples=spec.samples, noise=spec.noise, seed=data_seed)
    if name == "sine":
        return make_sine(samples=spec.samples, noise=spec.noise, seed=data_seed)
    if name == "digits":
        return load_digits(samples=spec.samples)
    if name in IDX_SETS:
        return load_mnist(
            spec.path, samples=spec.samples, set_name=name, test_fraction=spec.test_fraction
        )
    if name == "csv":
        return load_csv_spec(spec)
    raise DataError(f"unknown data set {name!r}; choose one of: {', '.join(DATA_SETS)}")
