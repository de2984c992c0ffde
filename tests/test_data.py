"""Data sets: logic tables, synthetic sets, digits, splits, IDX/MNIST and CSV loading."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
import torch

from tui_nn.data import Dataset, load_dataset, split_indices
from tui_nn.data.csv_data import load_csv
from tui_nn.data.digits import DIGITS_FILE, load_digits
from tui_nn.data.idx import read_idx, write_idx
from tui_nn.data.logic import load_logic, truth_table
from tui_nn.data.mnist import load_mnist
from tui_nn.data.synthetic import make_sine, make_synthetic
from tui_nn.errors import DataError
from tui_nn.spec import DATA_SETS, LOGIC_SETS, SYNTHETIC_SETS, DataSpec

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-t10k"
needs_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"the real MNIST t10k files are not at {MNIST_DIR}",
)

# ---------------------------------------------------------------- logic gates

INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
EXPECTED_TABLES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xor": [0, 1, 1, 0],
    "xnor": [1, 0, 0, 1],
    "sprinkler": [0, 0, 0, 1],
}


@pytest.mark.parametrize("gate", sorted(EXPECTED_TABLES))
def test_two_input_gate_truth_table(gate: str) -> None:
    data = load_logic(gate)
    assert data.x.dtype == torch.float32 and data.y.dtype == torch.int64
    assert data.x.tolist() == [[float(a), float(b)] for a, b in INPUTS]
    assert data.y.tolist() == EXPECTED_TABLES[gate]
    assert truth_table(gate) == list(zip(INPUTS, EXPECTED_TABLES[gate], strict=True))
    assert data.class_names == ["0", "1"]
    assert data.task == "classification"
    assert data.n_features == 2 and data.n_classes == 2 and len(data) == 4
    assert data.image_shape is None


def test_gate_input_names() -> None:
    assert load_logic("sprinkler").input_names == ["Sunny", "Dry"]
    assert load_logic("xor").input_names == ["A", "B"]
    assert load_logic("not").input_names == ["A"]


def test_not_gate() -> None:
    data = load_logic("not")
    assert data.x.tolist() == [[0.0], [1.0]]
    assert data.y.tolist() == [1, 0]
    assert truth_table("not") == [((0,), 1), ((1,), 0)]


def test_unknown_logic_set() -> None:
    with pytest.raises(DataError, match="unknown logic set"):
        truth_table("implies")


# ---------------------------------------------------------------- synthetic sets


@pytest.mark.parametrize("name", SYNTHETIC_SETS)
def test_synthetic_shapes_and_balance(name: str) -> None:
    data = make_synthetic(name, seed=3)
    assert data.x.shape == (200, 2) and data.x.dtype == torch.float32
    assert data.y.shape == (200,) and data.y.dtype == torch.int64
    assert torch.bincount(data.y).tolist() == [100, 100]
    assert data.input_names == ["x1", "x2"] and data.class_names == ["0", "1"]
    assert torch.isfinite(data.x).all()
    odd = make_synthetic(name, samples=51, seed=3)
    counts = torch.bincount(odd.y, minlength=2).tolist()
    assert sum(counts) == 51 and abs(counts[0] - counts[1]) <= 1


@pytest.mark.parametrize("name", SYNTHETIC_SETS)
def test_synthetic_determinism(name: str) -> None:
    a, b = make_synthetic(name, seed=7), make_synthetic(name, seed=7)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    c = make_synthetic(name, seed=8)
    assert not torch.equal(a.x, c.x)


@pytest.mark.parametrize("name", SYNTHETIC_SETS)
def test_synthetic_noise_changes_data(name: str) -> None:
    clean = make_synthetic(name, noise=0.0, seed=1)
    noisy = make_synthetic(name, noise=0.3, seed=1)
    assert not torch.allclose(clean.x, noisy.x)
    if name != "gaussian":  # the Gaussian clusters have tails; the others lie in [-1, 1]^2
        assert clean.x.abs().max() <= 1.0 + 1e-6


def test_synthetic_clean_geometry() -> None:
    circle = make_synthetic("circle", noise=0.0, seed=0)
    radius = circle.x.norm(dim=1)
    assert (radius[circle.y == 1] <= 0.5 + 1e-6).all()
    assert (radius[circle.y == 0] >= 0.7 - 1e-6).all()
    cloud = make_synthetic("xor-cloud", noise=0.0, seed=0)
    product = cloud.x[:, 0] * cloud.x[:, 1]
    assert ((product > 0) == (cloud.y == 1)).all()
    assert (cloud.x.abs() >= 0.05 - 1e-6).all()
    gaussian = make_synthetic("gaussian", noise=0.0, seed=0)
    assert gaussian.x[gaussian.y == 1].mean() > 0 > gaussian.x[gaussian.y == 0].mean()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 1}, "samples must be at least 2"),
        ({"samples": 2.5}, "whole number"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
    ],
)
def test_synthetic_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        make_synthetic("circle", **kwargs)


def test_sine_regression() -> None:
    data = make_sine(seed=0)
    assert data.task == "regression" and data.class_names == [] and data.n_classes == 0
    assert data.input_names == ["x"]
    assert data.x.shape == (200, 1) and data.y.shape == (200, 1)
    assert data.x.dtype == torch.float32 and data.y.dtype == torch.float32
    assert (data.x.abs() <= torch.pi + 1e-6).all()
    assert torch.allclose(data.y, torch.sin(data.x))  # default noise 0
    noisy = make_sine(samples=50, noise=0.2, seed=0)
    assert noisy.x.shape == (50, 1)
    assert not torch.allclose(noisy.y, torch.sin(noisy.x))
    assert torch.equal(make_sine(seed=4).x, make_sine(seed=4).x)


# ---------------------------------------------------------------- digits


def test_digits() -> None:
    data = load_digits()
    assert len(data) == 1797 and data.n_features == 64
    assert data.x.dtype == torch.float32 and data.y.dtype == torch.int64
    assert 0.0 <= float(data.x.min()) and float(data.x.max()) <= 1.0
    assert sorted(set(data.y.tolist())) == list(range(10))
    assert data.class_names == [str(d) for d in range(10)]
    assert data.input_names[0] == "px0" and data.input_names[-1] == "px63"
    assert data.image_shape == (8, 8)
    with gzip.open(DIGITS_FILE, "rt") as f:
        first = [int(v) for v in f.readline().split(",")]
    assert first[-1] == 0 and int(data.y[0]) == 0
    assert torch.equal(data.x[0], torch.tensor(first[:64], dtype=torch.float32) / 16)


def test_digits_cap_and_cache_isolation() -> None:
    assert len(load_digits(samples=10)) == 10
    assert len(load_digits(samples=10_000)) == 1797
    first = load_digits()
    first.x.zero_()  # a caller mutating its copy must not change the cached data
    assert float(load_digits().x.max()) == 1.0


# ---------------------------------------------------------------- load_dataset


@pytest.mark.parametrize("name", LOGIC_SETS + SYNTHETIC_SETS + ("sine", "digits"))
def test_load_dataset_builtin_sets(name: str) -> None:
    data = load_dataset(DataSpec(set=name), seed=0)
    assert isinstance(data, Dataset) and data.name == name and len(data) > 0


def test_load_dataset_seed_and_options() -> None:
    a = load_dataset(DataSpec(set="circle", samples=40, noise=0.2), seed=1)
    b = load_dataset(DataSpec(set="circle", samples=40, noise=0.2, seed=1), seed=99)
    assert len(a) == 40 and torch.equal(a.x, b.x)
    assert not torch.equal(a.x, load_dataset(DataSpec(set="circle", samples=40), seed=2).x)
    assert len(load_dataset(DataSpec(set="digits", samples=30), seed=0)) == 30


def test_load_dataset_errors() -> None:
    with pytest.raises(DataError, match="unknown data set") as info:
        load_dataset(DataSpec(set="iris"), seed=0)
    for name in DATA_SETS:
        assert name in str(info.value)
    with pytest.raises(DataError, match=r"data\.path"):
        load_dataset(DataSpec(set="mnist"), seed=0)
    with pytest.raises(DataError, match=r"data\.path"):
        load_dataset(DataSpec(set="csv"), seed=0)


# ---------------------------------------------------------------- split_indices


def test_split_indices_properties() -> None:
    train, test = split_indices(100, 0.2, seed=5)
    assert train.dtype == torch.int64 and test.dtype == torch.int64
    assert len(test) == 20 and len(train) == 80
    assert sorted(torch.cat([train, test]).tolist()) == list(range(100))
    again = split_indices(100, 0.2, seed=5)
    assert torch.equal(train, again[0]) and torch.equal(test, again[1])
    other = split_indices(100, 0.2, seed=6)
    assert not torch.equal(test, other[1])
    assert train.tolist() != sorted(train.tolist())  # permuted order is kept


def test_split_indices_zero_fraction_and_rounding() -> None:
    train, test = split_indices(10, 0.0, seed=0)
    assert len(test) == 0 and sorted(train.tolist()) == list(range(10))
    assert len(split_indices(4, 0.25, seed=0)[1]) == 1
    assert len(split_indices(7, 0.3, seed=0)[1]) == round(7 * 0.3)


@pytest.mark.parametrize(
    ("n", "fraction", "message"),
    [
        (4, 0.1, "no samples for testing"),
        (2, 0.9, "no samples for training"),
        (10, 1.0, "below 1"),
        (10, -0.1, "at least 0"),
        (10, float("nan"), "test_fraction"),
        (0, 0.0, "no samples"),
    ],
)
def test_split_indices_errors(n: int, fraction: float, message: str) -> None:
    with pytest.raises(DataError, match=message):
        split_indices(n, fraction, seed=0)


def test_dataset_subset() -> None:
    data = load_logic("xor")
    part = data.subset(torch.tensor([3, 0]))
    assert part.x.tolist() == [[1.0, 1.0], [0.0, 0.0]] and part.y.tolist() == [0, 0]
    assert part.input_names == data.input_names and part.class_names == data.class_names


# ---------------------------------------------------------------- IDX and MNIST


@pytest.fixture(scope="module")
def real_mnist() -> tuple[torch.Tensor, torch.Tensor]:
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the real MNIST t10k files are not at {MNIST_DIR}")
    images = read_idx(MNIST_DIR / "t10k-images-idx3-ubyte.gz", ndim=3)
    labels = read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz", ndim=1)
    return images, labels


@needs_mnist
def test_load_real_mnist() -> None:
    data = load_mnist(MNIST_DIR)
    assert len(data) == 10_000 and data.n_features == 784
    assert data.x.dtype == torch.float32 and data.y.dtype == torch.int64
    assert int(data.y[0]) == 7
    assert 0.0 <= float(data.x.min()) and float(data.x.max()) == 1.0
    assert data.image_shape == (28, 28)
    assert data.class_names == [str(d) for d in range(10)]
    assert sorted(set(data.y.tolist())) == list(range(10))
    capped = load_dataset(DataSpec(set="mnist", path=str(MNIST_DIR), samples=25), seed=0)
    assert len(capped) == 25 and torch.equal(capped.x, data.x[:25])


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_torchvision_layout(
    tmp_path: Path, real_mnist: tuple[torch.Tensor, torch.Tensor], gz: bool
) -> None:
    images, labels = real_mnist
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    suffix = ".gz" if gz else ""
    write_idx(raw / f"train-images-idx3-ubyte{suffix}", images[:300])
    write_idx(raw / f"train-labels-idx1-ubyte{suffix}", labels[:300])
    if gz:
        assert (raw / "train-images-idx3-ubyte.gz").read_bytes()[:2] == b"\x1f\x8b"
    data = load_mnist(tmp_path)
    assert len(data) == 300 and int(data.y[0]) == 7
    assert torch.equal(data.x, images[:300].reshape(300, -1).float() / 255)
    # With a t10k pair too, train comes first.
    write_idx(raw / "t10k-images-idx3-ubyte", images[300:400])
    write_idx(raw / "t10k-labels-idx1-ubyte", labels[300:400])
    both = load_mnist(tmp_path)
    assert len(both) == 400 and torch.equal(both.y, labels[:400].long())
    assert both.official_test == 100 and "official test files" in (both.note or "")
    capped = load_mnist(tmp_path, samples=250)  # caps the training part; the test part stays
    assert len(capped) == 350 and capped.official_test == 100


def test_idx_gzip_detected_by_magic_not_name(tmp_path: Path) -> None:
    values = torch.arange(24, dtype=torch.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", values)
    disguised = tmp_path / "train-images-idx3-ubyte"
    shutil.copy(tmp_path / "a.gz", disguised)
    assert torch.equal(read_idx(disguised, ndim=3), values)
    write_idx(tmp_path / "plain", values)
    assert torch.equal(read_idx(tmp_path / "plain"), values)


def _write_pair(folder: Path, n_images: int, n_labels: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "train-images-idx3-ubyte", torch.zeros(n_images, 4, 4, dtype=torch.uint8))
    write_idx(folder / "train-labels-idx1-ubyte", torch.zeros(n_labels, dtype=torch.uint8))


def test_mnist_small_images_and_raw_folder(tmp_path: Path) -> None:
    _write_pair(tmp_path / "raw", 3, 3)
    data = load_mnist(tmp_path)
    assert data.x.shape == (3, 16) and data.image_shape == (4, 4)


def test_mnist_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="MNIST folder not found") as info:
        load_mnist(tmp_path / "nowhere")
    assert "data.path" in str(info.value) and "--data" in str(info.value)


def test_mnist_folder_without_files(tmp_path: Path) -> None:
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"")  # images without labels
    with pytest.raises(DataError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        assert name in message
    assert "\n" not in message


def test_mnist_path_none() -> None:
    with pytest.raises(DataError, match="data.path"):
        load_mnist(None)


def test_mnist_count_mismatch(tmp_path: Path) -> None:
    _write_pair(tmp_path, 5, 4)
    with pytest.raises(DataError, match="5 images but .* 4 labels"):
        load_mnist(tmp_path)


def test_mnist_label_out_of_range(tmp_path: Path) -> None:
    write_idx(tmp_path / "t10k-images-idx3-ubyte", torch.zeros(2, 2, 2, dtype=torch.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", torch.tensor([1, 12], dtype=torch.uint8))
    with pytest.raises(DataError, match="label 12 at index 1"):
        load_mnist(tmp_path)


def _images_bytes(n: int = 2) -> bytes:
    header = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in (n, 2, 2))
    return header + bytes(range(4 * n))


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated(tmp_path: Path, gz: bool) -> None:
    data = _images_bytes()[:-3]
    path = tmp_path / "t.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DataError, match="truncated") as info:
        read_idx(path, ndim=3)
    assert str(path) in str(info.value)


def test_idx_truncated_gzip_stream(tmp_path: Path) -> None:
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(_images_bytes(50))[:-12])
    with pytest.raises(DataError, match="corrupt gzip|truncated"):
        read_idx(path, ndim=3)


def test_idx_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "c.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 40)
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(path)


def test_idx_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "m.idx"
    path.write_bytes(b"\x12\x34" + _images_bytes()[2:])
    with pytest.raises(DataError, match="bad magic"):
        read_idx(path)
    path.write_bytes(_images_bytes())
    with pytest.raises(DataError, match="expected an IDX file with 1 dimension"):
        read_idx(path, ndim=1)  # an images file where labels were expected


def test_idx_wrong_dtype(tmp_path: Path) -> None:
    path = tmp_path / "f.idx"
    path.write_bytes(bytes([0, 0, 0x0D, 1]) + (1).to_bytes(4, "big") + b"\0\0\0\0")
    with pytest.raises(DataError, match="0x0d .*float.* not supported"):
        read_idx(path)


def test_idx_extra_data_and_absurd_header(tmp_path: Path) -> None:
    path = tmp_path / "x.idx"
    path.write_bytes(_images_bytes() + b"\0")
    with pytest.raises(DataError, match="unexpected data"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3 + b"\0" * 16)
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3 + b"\0" * 16))
    with pytest.raises(DataError, match="too many|truncated"):
        read_idx(path)


def test_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_idx(tmp_path / "absent")


# ---------------------------------------------------------------- CSV


def _csv(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, "age,height,label\n30,1.8,1\n40,1.6,0\n25,1.7,1\n")
    data = load_csv(path)
    assert data.input_names == ["age", "height"]
    assert torch.allclose(data.x, torch.tensor([[30, 1.8], [40, 1.6], [25, 1.7]]))
    assert data.class_names == ["0", "1"] and data.y.tolist() == [1, 0, 1]
    assert data.task == "classification" and data.x.dtype == torch.float32


def test_csv_without_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, "1,2,10\n3,4,2\n5,6,10\n")
    data = load_csv(path)
    assert len(data) == 3 and data.input_names == ["col0", "col1"]
    assert data.class_names == ["2", "10"]  # sorted numerically, not as text
    assert data.y.tolist() == [1, 0, 1]


def test_csv_label_by_name_and_index(tmp_path: Path) -> None:
    path = _csv(tmp_path, "kind,a,b\ncat,1,2\ndog,3,4\ncat,5,6\n")
    by_name = load_csv(path, label_column="kind")
    by_index = load_csv(path, label_column=0)
    for data in (by_name, by_index):
        assert data.input_names == ["a", "b"]
        assert data.class_names == ["cat", "dog"] and data.y.tolist() == [0, 1, 0]
        assert data.x.tolist() == [[1, 2], [3, 4], [5, 6]]
    headerless = load_csv(_csv(tmp_path, "7,1,2\n8,3,4\n", "h.csv"), label_column=0)
    assert headerless.class_names == ["7", "8"] and headerless.x.tolist() == [[1, 2], [3, 4]]


def test_csv_string_labels_and_cap(tmp_path: Path) -> None:
    path = _csv(tmp_path, "x,y,species\n1,2,setosa\n3,4,virginica\n5,6,versicolor\n")
    data = load_csv(path)
    assert data.class_names == ["setosa", "versicolor", "virginica"]
    assert data.y.tolist() == [0, 2, 1]
    capped = load_csv(path, samples=2)
    assert len(capped) == 2 and capped.class_names == data.class_names
    assert len(load_dataset(DataSpec(set="csv", path=str(path), samples=1), seed=0)) == 1


def test_csv_text_in_numeric_column(tmp_path: Path) -> None:
    rows = ["age,label"] + [f"{i},0" for i in range(5)] + ["abc,1"]
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(DataError) as info:
        load_csv(path)
    assert str(info.value) == (
        f'{path}: line 7, column "age": "abc" is not a number; leave a text column out with '
        'data.drop_columns = ["age"]'
    )


def test_csv_headerless_error_names_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "1,2,0\n3,x,1\n")
    with pytest.raises(DataError, match='line 2, column "col1": "x" is not a number'):
        load_csv(path)


def test_csv_ragged_row(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,label\n1,2,0\n3,1\n")
    with pytest.raises(DataError, match="line 3 has 2 cells, expected 3"):
        load_csv(path)


def test_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="CSV file not found"):
        load_csv(tmp_path / "nope.csv")


def test_csv_unknown_label_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match='no column named "target"') as info:
        load_csv(path, label_column="target")
    assert '"a", "b", "label"' in str(info.value)
    with pytest.raises(DataError, match="label_column = 5 is a 0-based column index"):
        load_csv(path, label_column=5)
    headerless = _csv(tmp_path, "1,2,0\n3,4,1\n", "h.csv")
    with pytest.raises(DataError, match='no column named "kind"; line 1 holds "1", "2", "0"'):
        load_csv(headerless, label_column="kind")


def test_csv_bom(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeffkind,a,b\ncat,1,2\ndog,3,4\n")
    data = load_csv(path, label_column="kind")  # the BOM is not part of the first name
    assert data.input_names == ["a", "b"] and data.class_names == ["cat", "dog"]
    headerless = load_csv(_csv(tmp_path, "\ufeff1,2,0\n3,4,1\n", "h.csv"))
    assert headerless.x.tolist() == [[1, 2], [3, 4]]


def test_csv_other_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty"):
        load_csv(_csv(tmp_path, "\n\n", "e.csv"))
    with pytest.raises(DataError, match="at least 2 data rows"):
        load_csv(_csv(tmp_path, "a,label\n1,0\n", "one.csv"))
    with pytest.raises(DataError, match='missing value \\("nan"\\); set data.missing'):
        load_csv(_csv(tmp_path, "a,label\n1,0\nnan,1\n", "nan.csv"))
    with pytest.raises(DataError, match="not a finite number"):
        load_csv(_csv(tmp_path, "a,label\n1,0\n-inf,1\n", "inf.csv"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_csv(_csv(tmp_path, "a,label\n\u00e9,0\n1,1\n", "latin.csv", "latin-1"))
    with pytest.raises(DataError, match="at least one feature column"):
        load_csv(_csv(tmp_path, "label\n0\n1\n", "single.csv"))
    with pytest.raises(DataError, match='label is missing; set data.missing = "drop"'):
        load_csv(_csv(tmp_path, "a,label\n1,0\n2,\n", "nolabel.csv"))
    with pytest.raises(DataError, match="data.path"):
        load_csv(None)
