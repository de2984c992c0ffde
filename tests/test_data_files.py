"""Data files as people have them (CSV shapes, MNIST's parts, damaged gzip): each test writes the
file shape that tripped the loaders, and the input scaling the trainer takes from its split."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tui_nn.data import load_dataset
from tui_nn.errors import DataError
from tui_nn.presets import parse_preset

IRIS_ROWS = [
    ("5.1", "3.5", "1.4", "0.2", "setosa"),
    ("4.9", "3.0", "1.4", "0.2", "setosa"),
    ("7.0", "3.2", "4.7", "1.4", "versicolor"),
    ("6.4", "3.2", "4.5", "1.5", "versicolor"),
    ("6.3", "3.3", "6.0", "2.5", "virginica"),
    ("5.8", "2.7", "5.1", "1.9", "virginica"),
]


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def preset_data(path: Path, extra: str = ""):
    """The DataSpec of a preset file's [data] table, as TOML writes it (integers stay integers)."""
    preset = parse_preset(
        f'schema = 1\nname = "t"\n[data]\nset = "csv"\npath = "{path}"\n{extra}\n'
        "[[model.layers]]\nunits = 3\n"
    )
    return preset.data


def load(path: Path, extra: str = ""):
    return load_dataset(preset_data(path, extra), seed=0)


def test_integer_label_column_is_an_index_even_when_a_header_names_a_column_0(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "a,b,c,0\n1,10,100,5\n2,20,200,6\n")
    data = load(path, "label_column = 0")
    assert data.input_names == ["b", "c", "0"]
    assert data.class_names == ["1", "2"]


def test_sklearn_iris_label_column_4_is_the_fifth_column(tmp_path: Path) -> None:
    # scikit-learn's iris.csv: a first line of counts and class names, then 4 features + label.
    lines = ["6,4,setosa,versicolor,virginica"]
    lines += [",".join((*row[:4], str(i // 2))) for i, row in enumerate(IRIS_ROWS)]
    data = load(write(tmp_path, "\n".join(lines) + "\n"), "label_column = 4")
    assert data.class_names == ["0", "1", "2"] and len(data) == 6
    assert data.x[:, 1].tolist() == pytest.approx([3.5, 3.0, 3.2, 3.2, 3.3, 2.7])


def test_out_of_range_index_says_it_was_an_index(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError) as info:
        load(path, "label_column = 7")
    message = str(info.value)
    assert message.startswith(f"{path}: data.label_column = 7 is a 0-based column index")
    assert "indices 0-2" in message and 'label_column = "7"' in message


def test_a_name_that_is_not_a_column_says_it_was_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError) as info:
        load(path, 'label_column = "2"')
    message = str(info.value)
    assert 'no column named "2"' in message and "label_column = 2" in message


def test_numeric_header_names_are_a_header(tmp_path: Path) -> None:
    rows = ["400,450,500,550,class"] + [
        f"0.{i},0.{i + 1},0.{i + 2},0.{i + 3},{i % 2}" for i in range(6)
    ]
    data = load(write(tmp_path, "\n".join(rows) + "\n"))
    assert len(data) == 6 and data.class_names == ["0", "1"]
    assert data.input_names == ["400", "450", "500", "550"]


def test_numeric_header_with_string_labels(tmp_path: Path) -> None:
    rows = ["1,2,3,4,species"] + [",".join(row) for row in IRIS_ROWS * 2]
    data = load(write(tmp_path, "\n".join(rows) + "\n"))
    assert len(data) == 12 and data.class_names == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize(
    ("separator", "shown"), [(";", "';'"), ("\t", "tab"), (" ", "space"), ("|", "'|'")]
)
def test_other_separators_are_sniffed(tmp_path: Path, separator: str, shown: str) -> None:
    header = separator.join(
        ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    )
    rows = [header] + [separator.join(row) for row in IRIS_ROWS]
    data = load(write(tmp_path, "\n".join(rows) + "\n"))
    assert data.n_features == 4 and data.class_names == ["setosa", "versicolor", "virginica"]
    assert data.note is not None and shown in data.note and "with a header" in data.note


def test_aligned_spaces_and_decimal_commas(tmp_path: Path) -> None:
    spaced = write(tmp_path, "  1.5    2.0   0\n 10.25   3.5   1\n  0.5   -1.0   0\n", "s.txt")
    assert load(spaced).x.tolist() == [[1.5, 2.0], [10.25, 3.5], [0.5, -1.0]]
    comma = write(tmp_path, "a;b;label\n1,5;2,25;x\n3,0;-4,5;y\n", "c.csv")
    data = load(comma)
    assert data.x.tolist() == [[1.5, 2.25], [3.0, -4.5]]
    assert "decimal commas" in (data.note or "")
    given = load(comma, 'separator = ";"\ndecimal = ","')
    assert given.x.tolist() == data.x.tolist()


def test_separator_given_and_a_one_column_file_names_the_option(tmp_path: Path) -> None:
    path = write(tmp_path, "a:b:label\n1:2:0\n3:4:1\n")
    with pytest.raises(DataError) as info:
        load(path)
    assert "data.separator" in str(info.value) and "line 1" in str(info.value)
    assert load(path, 'separator = ":"').x.tolist() == [[1, 2], [3, 4]]


def test_header_given(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n")
    assert len(load(path, "header = true")) == 2
    assert len(load(path, "header = false")) == 3
    named = write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n", "n.csv")
    with pytest.raises(DataError, match='line 1, column "col0": "a" is not a number; if line 1'):
        load(named, "header = false")


def pandas_iris(tmp_path: Path, shuffled: bool = False) -> Path:
    rows = [",sepal_length,sepal_width,petal_length,petal_width,species"]
    order = [5, 0, 3, 1, 4, 2] if shuffled else range(6)
    rows += [",".join((str(i), *IRIS_ROWS[i])) for i in order]
    return write(tmp_path, "\n".join(rows) + "\n", "pandas.csv")


@pytest.mark.parametrize("shuffled", [False, True])
def test_pandas_index_column_is_dropped(tmp_path: Path, shuffled: bool) -> None:
    data = load(pandas_iris(tmp_path, shuffled))
    assert data.input_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert data.note is not None and "dropped the index column" in data.note


def test_drop_columns_by_name_and_index(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name,x,y,label\n7,ann,1,2,0\n9,bob,3,4,1\n")
    data = load(path, 'drop_columns = ["id", 1]')
    assert data.input_names == ["x", "y"]
    with pytest.raises(DataError, match=r'column "name": "ann" is not a number.*drop_columns'):
        load(path, 'drop_columns = ["id"]')
    with pytest.raises(DataError, match='drop_columns: no column named "nope"'):
        load(path, 'drop_columns = ["nope"]')
    kept = load(pandas_iris(tmp_path), "drop_columns = []")  # an explicit list: nothing guessed
    assert kept.n_features == 5


def test_numeric_and_string_labels(tmp_path: Path) -> None:
    numeric = load(write(tmp_path, "a,label\n1,10\n2,2\n3,10\n", "n.csv"))
    assert numeric.class_names == ["2", "10"] and numeric.task == "classification"
    text = load(write(tmp_path, "a,label\n1,dog\n2,cat\n3,dog\n", "t.csv"))
    assert text.class_names == ["cat", "dog"]


def test_float_label_is_regression(tmp_path: Path) -> None:
    data = load(write(tmp_path, "a,b,price\n1,2,3.5\n2,1,0.25\n3,3,7\n", "r.csv"))
    assert data.task == "regression" and data.class_names == []
    assert data.y.dtype == torch.float32 and data.y.reshape(-1).tolist() == [3.5, 0.25, 7.0]
    forced = load(write(tmp_path, "a,label\n1,1\n2,2\n3,3\n", "f.csv"), 'task = "regression"')
    assert forced.task == "regression"


MISSING = "a,b,label\n1,2,0\n,4,1\n5,NA,0\n7,8,1\n"


def test_missing_values_are_an_error_naming_line_column_and_option(tmp_path: Path) -> None:
    path = write(tmp_path, MISSING)
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f'{path}: line 3, column "a": missing value')
    assert 'data.missing = "drop"' in message and '"mean"' in message


def test_missing_values_dropped_or_filled(tmp_path: Path) -> None:
    path = write(tmp_path, MISSING)
    dropped = load(path, 'missing = "drop"')
    assert dropped.x.tolist() == [[1, 2], [7, 8]] and "2 rows" in (dropped.note or "")
    filled = load(path, 'missing = "mean"')  # NaN here; the trainer fills them from its split
    assert len(filled) == 4 and int(torch.isnan(filled.x).sum()) == 2


def test_relative_path_is_relative_to_the_preset_file(tmp_path: Path, monkeypatch) -> None:
    from tui_nn.presets import load_preset

    folder = tmp_path / "project"
    folder.mkdir()
    write(folder, "a,label\n1,0\n2,1\n", "points.csv")
    (folder / "mine.toml").write_text(
        'schema = 1\nname = "mine"\n[data]\nset = "csv"\npath = "points.csv"\n'
        "[[model.layers]]\nunits = 2\n"
    )
    monkeypatch.chdir(tmp_path)
    preset = load_preset(folder / "mine.toml")
    assert preset.data.path == str(folder / "points.csv")
    assert len(load_dataset(preset.data, seed=0)) == 2


def test_the_guess_line(tmp_path: Path) -> None:
    rows = ["a;b;label"] + [f"{i},5;{i % 3},25;{'xy'[i % 2]}" for i in range(6)]
    data = load(write(tmp_path, "\n".join(rows) + "\n"))
    assert data.note == (
        f"{tmp_path / 'data.csv'}: read as ';'-separated with decimal commas and a header; "
        'the label is the last column, "label"'
    )
    given = load(
        write(tmp_path, "a,label\n1,0\n2,1\n"),
        'header = true\nseparator = ","\nlabel_column = "label"',
    )
    assert given.note is None  # nothing guessed, nothing said


# ---------------------------------------------------------------- standardised inputs


def csv_preset(path: Path, extra: str = "", epochs: int = 3):
    return parse_preset(
        f'schema = 1\nname = "t"\n[data]\nset = "csv"\npath = "{path}"\ntest_fraction = 0.25\n'
        f'{extra}\n[[model.layers]]\nunits = 4\nactivation = "relu"\n[[model.layers]]\n'
        f'units = 2\nactivation = "softmax"\n[train]\nloss = "cross_entropy"\n'
        f'optimizer = "adam"\nlearning_rate = 0.01\nbatch_size = 4\nepochs = {epochs}\n'
    )


def spread_file(tmp_path: Path, offset: float = 0.0, name: str = "spread.csv") -> Path:
    rows = ["x1,x2,label"] + [f"{1000 + 10 * i + offset},{0.001 * i},{i % 2}" for i in range(20)]
    return write(tmp_path, "\n".join(rows) + "\n", name)


def test_standardize_uses_the_training_split_only(tmp_path: Path) -> None:
    from tui_nn.data.scaling import standardization
    from tui_nn.training import Trainer

    trainer = Trainer(csv_preset(spread_file(tmp_path)))
    assert trainer.scaling is not None and trainer.preset.data.standardize is None  # the default
    raw = trainer.dataset.x
    mean, std = standardization(raw[trainer.train_idx])
    assert torch.equal(trainer.scaling.mean, mean) and torch.equal(trainer.scaling.std, std)
    assert not torch.equal(mean, raw.mean(dim=0))  # the test rows took no part
    assert torch.allclose(trainer.x_train.mean(dim=0), torch.zeros(2), atol=1e-5)
    assert torch.equal(trainer.x_test, (raw[trainer.test_idx] - mean) / std)
    off = Trainer(csv_preset(spread_file(tmp_path), "standardize = false"))
    assert off.scaling is None and torch.equal(off.x_train, raw[off.train_idx])
    from tui_nn.presets import load_named

    assert Trainer(load_named("xor")).scaling is None  # built-in sets: off by default


def test_missing_mean_fills_from_the_training_split(tmp_path: Path) -> None:
    from tui_nn.training import Trainer

    rows = ["a,b,label"] + [f"{'' if i == 3 else i},{i * i},{i % 2}" for i in range(12)]
    preset = csv_preset(write(tmp_path, "\n".join(rows) + "\n"), 'missing = "mean"')
    trainer = Trainer(preset)
    assert not torch.isnan(trainer.dataset.x).any() and not torch.isnan(trainer.x_train).any()
    train_a = [i for i in trainer.train_idx.tolist() if i != 3]
    assert float(trainer.scaling.fill[0]) == pytest.approx(sum(train_a) / len(train_a))


def test_a_resumed_run_keeps_the_scaling_it_trained_with(tmp_path: Path) -> None:
    from tui_nn.checkpoint import CheckpointError, restore_checkpoint, save_checkpoint
    from tui_nn.training import Trainer

    path = spread_file(tmp_path)
    first = Trainer(csv_preset(path))
    first.run_epoch()
    save_checkpoint(first, tmp_path / "checkpoint.safetensors")
    spread_file(tmp_path, offset=500.0)  # the file changed since: its statistics too
    second = Trainer(csv_preset(path))
    assert not torch.equal(second.scaling.mean, first.scaling.mean)
    restore_checkpoint(second, tmp_path / "checkpoint.safetensors")
    assert torch.equal(second.scaling.mean, first.scaling.mean)
    assert torch.equal(second.x_train, first.scaling.apply(second.dataset.x[second.train_idx]))
    unscaled = Trainer(csv_preset(path, "standardize = false"))
    unscaled.run_epoch()
    save_checkpoint(unscaled, tmp_path / "raw.safetensors")
    with pytest.raises(
        CheckpointError, match="unscaled inputs; to resume it, set data.standardize"
    ):
        restore_checkpoint(Trainer(csv_preset(path)), tmp_path / "raw.safetensors")


def test_a_two_feature_csv_map_is_drawn_in_the_data_units(tmp_path: Path) -> None:
    from tui_nn.snapshot import data_overview, take_snapshot
    from tui_nn.training import Trainer

    trainer = Trainer(csv_preset(spread_file(tmp_path)))
    overview = data_overview(trainer)
    assert overview["bounds"][0][0] < 1001 and overview["points"]["train"][0][0] >= 1000
    assert take_snapshot(trainer).map is not None


# ---------------------------------------------------------------- MNIST's parts


def idx_folder(folder: Path, parts: dict[str, int], sub: str = "MNIST/raw") -> Path:
    from tui_nn.data.idx import write_idx

    g = torch.Generator().manual_seed(3)
    raw = folder / sub
    raw.mkdir(parents=True)
    for part, count in parts.items():
        write_idx(
            raw / f"{part}-images-idx3-ubyte.gz",
            torch.randint(0, 256, (count, 4, 4), generator=g, dtype=torch.uint8),
        )
        write_idx(
            raw / f"{part}-labels-idx1-ubyte",
            torch.arange(count, dtype=torch.uint8) % 10,
        )
    return folder


def mnist_preset(folder: Path, set_name: str = "mnist", samples: int | None = None):
    import dataclasses

    from tui_nn.presets import load_named
    from tui_nn.spec import LayerSpec

    preset = load_named(set_name)
    data = dataclasses.replace(preset.data, path=str(folder), samples=samples)
    model = dataclasses.replace(
        preset.model, layers=[LayerSpec(units=6, activation="relu"), LayerSpec(units=10)]
    )
    train = dataclasses.replace(preset.train, epochs=1)
    return dataclasses.replace(preset, data=data, model=model, train=train)


def test_mnist_tests_on_the_official_test_files_when_both_are_there(tmp_path: Path) -> None:
    from tui_nn.training import Trainer

    folder = idx_folder(tmp_path, {"train": 30, "t10k": 12})
    trainer = Trainer(mnist_preset(folder, samples=25))
    assert trainer.test_idx.tolist() == list(range(25, 37)) and trainer.n_train == 25
    note = trainer.dataset.note or ""
    assert "official test files (12 images)" in note and "first 25 of its 30" in note


@pytest.mark.parametrize("part", ["train", "t10k"])
def test_mnist_with_one_part_splits_it_and_says_so(tmp_path: Path, part: str) -> None:
    from tui_nn.training import Trainer

    trainer = Trainer(mnist_preset(idx_folder(tmp_path, {part: 20})))
    assert (trainer.n_train, len(trainer.test_idx)) == (16, 4)  # test_fraction 0.2
    assert "not MNIST's official test set" in (trainer.dataset.note or "")


def test_fashion_mnist_preset_reads_idx_files(tmp_path: Path) -> None:
    from tui_nn.training import Trainer

    folder = idx_folder(tmp_path, {"train": 20, "t10k": 10}, sub="FashionMNIST/raw")
    trainer = Trainer(mnist_preset(folder, "fashion-mnist"))
    assert trainer.dataset.class_names[0] == "T-shirt/top" and trainer.dataset.image_shape == (4, 4)
    assert len(trainer.test_idx) == 10 and "Fashion-MNIST" in (trainer.dataset.note or "")
    trainer.run()
    assert trainer.finished
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no Fashion-MNIST files in .*FashionMNIST/raw"):
        Trainer(mnist_preset(tmp_path / "empty", "fashion-mnist"))


def test_a_corrupt_gz_is_reported_by_gzip_crc_check(tmp_path: Path) -> None:
    from tui_nn.data.idx import read_idx, write_idx

    g = torch.Generator().manual_seed(0)
    images = torch.rand(60, 28, 28, generator=g) * 255 * (torch.rand(60, 28, 28, generator=g) > 0.7)
    good = tmp_path / "t10k-images-idx3-ubyte.gz"
    write_idx(good, images.to(torch.uint8))
    raw = good.read_bytes()
    messages = []
    for at in range(len(raw) // 3, len(raw) - 8, 211):  # flips inside the compressed data
        bad = bytearray(raw)
        bad[at] ^= 0x10
        good.write_bytes(bytes(bad))
        try:
            read_idx(good, ndim=3)
        except DataError as error:
            messages.append(str(error))
    assert messages and all("corrupt gzip data" in m for m in messages), messages
    assert any("CRC check failed" in m for m in messages)
