"""Property tests: the IDX reader and the CSV loader give a valid result or a DataError."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tui_nn.data import Dataset
from tui_nn.data.csv_data import load_csv
from tui_nn.data.idx import read_idx
from tui_nn.errors import DataError

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data_property")


def _read(path: Path, content: bytes, ndim: int | None) -> torch.Tensor | None:
    """read_idx's tensor, or None after a DataError; any other exception fails the test."""
    path.write_bytes(content)
    try:
        values = read_idx(path, ndim=ndim)
    except DataError as exc:
        message = str(exc)
        assert message and "\n" not in message and str(path) in message
        event("DataError")
        return None
    event("loaded")
    assert values.dtype == torch.uint8
    assert 1 <= values.dim() and (ndim is None or values.dim() == ndim)
    return values


@SETTINGS
@given(
    content=st.binary(max_size=300),
    gz=st.booleans(),
    ndim=st.sampled_from([None, 1, 3]),
)
def test_idx_random_bytes(workdir: Path, content: bytes, gz: bool, ndim: int | None) -> None:
    _read(workdir / "random.idx", gzip.compress(content) if gz else content, ndim)


@st.composite
def idx_files(draw: st.DrawFn) -> tuple[bytes, list[int], bytes]:
    """(file bytes, dims, payload) of a valid uint8 IDX file."""
    dims = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4))
    payload = draw(st.binary(min_size=math.prod(dims), max_size=math.prod(dims)))
    header = bytes([0, 0, 8, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + payload, dims, payload


def _mutate(data: bytes, kind: str, position: int, value: int, extra: bytes) -> bytes:
    if not data:
        return data
    at = position % len(data)
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (value or 1)]) + data[at + 1 :]
    if kind == "append":
        return data + extra
    return data[:at] + extra + data[at:]  # insert


@SETTINGS
@given(
    file=idx_files(),
    gz=st.booleans(),
    mutate_after_gzip=st.booleans(),
    mutation=st.sampled_from(["none", "truncate", "flip", "append", "insert"]),
    position=st.integers(0, 10_000),
    value=st.integers(0, 255),
    extra=st.binary(min_size=1, max_size=8),
    pass_ndim=st.booleans(),
)
def test_idx_mutated_valid_files(
    workdir: Path,
    file: tuple[bytes, list[int], bytes],
    gz: bool,
    mutate_after_gzip: bool,
    mutation: str,
    position: int,
    value: int,
    extra: bytes,
    pass_ndim: bool,
) -> None:
    content, dims, payload = file
    ndim = len(dims) if pass_ndim else None
    if mutation != "none" and not (gz and mutate_after_gzip):
        content = _mutate(content, mutation, position, value, extra)
    if gz:
        content = gzip.compress(content)
        if mutation != "none" and mutate_after_gzip:
            content = _mutate(content, mutation, position, value, extra)
    values = _read(workdir / "mutated.idx", content, ndim)
    if mutation == "none":
        assert values is not None
        assert list(values.shape) == dims
        assert bytes(values.flatten().tolist()) == payload


@SETTINGS
@given(
    dims=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4),
    tail=st.binary(max_size=64),
    gz=st.booleans(),
)
def test_idx_absurd_headers(workdir: Path, dims: list[int], tail: bytes, gz: bool) -> None:
    header = bytes([0, 0, 8, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    assume(math.prod(dims) != len(tail))
    content = header + tail
    assert _read(workdir / "absurd.idx", gzip.compress(content) if gz else content, None) is None


# ---------------------------------------------------------------- CSV

CELLS = st.one_of(
    st.sampled_from(["", " ", "0", "1", "-2.5", "1e3", "nan", "inf", "-inf", "1e400", "abc"]),
    st.sampled_from(['"1"', '"a,b"', '"x""y"', '"open', "label", "x", "\ufeff1", "1_0"]),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=5),
)
CSV_CHARACTERS = list('0123456789.,-+e\n\r" abnif\ufeff\t;')
LABEL_COLUMNS = st.sampled_from([None, 0, 1, 2, 9, "0", "1", "label", "x", "", " 1 "])


def _check_dataset(data: Dataset, samples: int | None) -> None:
    assert isinstance(data, Dataset)
    n = len(data)
    assert n >= 1 and (samples is None or n <= samples)
    assert data.x.dtype == torch.float32 and data.x.shape == (n, data.n_features)
    assert data.n_features == len(data.input_names) >= 1
    assert torch.isfinite(data.x).all()
    if data.task == "regression":  # every label a number, one with a fraction
        assert data.y.dtype == torch.float32 and data.y.shape == (n, 1)
        assert data.class_names == [] and torch.isfinite(data.y).all()
        return
    assert data.task == "classification"
    assert data.y.dtype == torch.int64 and data.y.shape == (n,)
    assert len(set(data.class_names)) == data.n_classes >= 1
    assert int(data.y.min()) >= 0 and int(data.y.max()) < data.n_classes


def _load(path: Path, content: bytes, label_column: str | int | None, samples: int | None) -> None:
    path.write_bytes(content)
    try:
        data = load_csv(path, label_column=label_column, samples=samples)
    except DataError as exc:
        assert str(exc) and "\n" not in str(exc).strip("\n")
        event("DataError")
        return
    event("loaded")
    _check_dataset(data, samples)


@SETTINGS
@given(
    text=st.text(
        alphabet=st.sampled_from(list('0123456789.,-+e\n\r" abnif\ufeff\t;')), max_size=80
    ),
    label_column=LABEL_COLUMNS,
    samples=st.one_of(st.none(), st.integers(1, 5)),
)
def test_csv_random_text(
    workdir: Path, text: str, label_column: str | int | None, samples: int | None
) -> None:
    _load(workdir / "random.csv", text.encode("utf-8"), label_column, samples)


@SETTINGS
@given(content=st.binary(max_size=120), label_column=LABEL_COLUMNS)
def test_csv_random_bytes(workdir: Path, content: bytes, label_column: str | int | None) -> None:
    _load(workdir / "bytes.csv", content, label_column, None)


@SETTINGS
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=0, max_size=6),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    label_column=LABEL_COLUMNS,
    samples=st.one_of(st.none(), st.integers(1, 5)),
)
def test_csv_structured_rows(
    workdir: Path,
    rows: list[list[str]],
    newline: str,
    bom: bool,
    label_column: str | int | None,
    samples: int | None,
) -> None:
    text = ("\ufeff" if bom else "") + newline.join(",".join(row) for row in rows)
    _load(workdir / "rows.csv", text.encode("utf-8", "surrogatepass"), label_column, samples)


@st.composite
def csv_grids(draw: st.DrawFn) -> tuple[list[list[str]], bool, int]:
    """(rows, has header, data row count) of a well-formed CSV: numbers, then a label."""
    width = draw(st.integers(2, 4))
    n_rows = draw(st.integers(2, 6))
    header = draw(st.booleans())
    rows = []
    if header:
        rows.append([f"f{j}" for j in range(width - 1)] + ["label"])
    number = st.one_of(
        st.integers(-100, 100).map(str),
        st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    )
    # One kind of label a file: a word among numbers in line 1 is read as the column's name.
    label = st.sampled_from(draw(st.sampled_from([["0", "1", "2"], ["cat", "dog"]])))
    for _ in range(n_rows):
        rows.append([draw(number) for _ in range(width - 1)] + [draw(label)])
    return rows, header, n_rows


@SETTINGS
@given(
    grid=csv_grids(),
    damage=st.sampled_from(["none", "replace", "drop", "add"]),
    row_at=st.integers(0, 100),
    col_at=st.integers(0, 100),
    cell=CELLS,
    samples=st.one_of(st.none(), st.integers(1, 8)),
)
def test_csv_damaged_grids(
    workdir: Path,
    grid: tuple[list[list[str]], bool, int],
    damage: str,
    row_at: int,
    col_at: int,
    cell: str,
    samples: int | None,
) -> None:
    rows, header, n_rows = grid
    rows = [list(row) for row in rows]
    row = rows[row_at % len(rows)]
    at = col_at % len(row)
    if damage == "replace":
        row[at] = cell
    elif damage == "drop":
        del row[at]
    elif damage == "add":
        row.insert(at, cell)
    path = workdir / "grid.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    if damage == "none":
        data = load_csv(path, samples=samples)
        _check_dataset(data, samples)
        assert len(data) == min(n_rows, samples or n_rows)
        assert data.n_features == len(rows[0]) - 1
        if header:
            assert data.input_names == rows[0][:-1]
        return
    _load(path, path.read_bytes(), None, samples)
