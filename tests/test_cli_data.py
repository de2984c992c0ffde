"""The command line on data files: `tui-nn train data.csv`, `--data` where no file is read,
one-line errors for bad files (exit status 2, nothing written), paths relative to the preset
file, `tui-nn code` exports that run alone, `tui-nn export RUN --onnx FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_nn.cli import main


def iris_like(folder: Path, name: str = "flowers.csv", rows: int = 30) -> Path:
    """Three separable classes in four columns, semicolon-separated with decimal commas."""
    lines = ["sepal_length;sepal_width;petal_length;petal_width;species"]
    kinds = ["setosa", "versicolor", "virginica"]
    for i in range(rows):
        k = i % 3
        values = [4.5 + k + 0.1 * (i % 5), 3.0 + 0.05 * (i % 4), 1.0 + 2 * k, 0.2 + 0.8 * k]
        lines.append(";".join(f"{v:.2f}".replace(".", ",") for v in values) + f";{kinds[k]}")
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line_error(capsys: pytest.CaptureFixture[str], status: int) -> str:
    assert status == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-nn: error: ") and "Traceback" not in err
    return lines[0]


def test_train_a_csv_file_builds_a_preset_and_says_so(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    data = iris_like(tmp_path)
    assert main(["train", str(data), "--epochs", "40", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert "built a preset from flowers.csv: 3 classes (setosa, versicolor, virginica)" in (
        captured.err
    )
    assert "read as ';'-separated with decimal commas and a header" in captured.err
    summary = json.loads(captured.out.splitlines()[-1])
    assert summary["test_acc"] == 1.0
    from tui_nn.presets import load_preset

    kept = load_preset(out / "preset.toml")
    assert kept.data.path == str(data) and kept.data.standardize is True
    assert kept.model.layers[-1].units == 3 and kept.train.loss == "cross_entropy"


def test_a_float_label_builds_a_regression(tmp_path: Path, capsys) -> None:
    rows = ["x,y"] + [f"{i / 10},{(i / 10) ** 2 + 0.5}" for i in range(20)]
    (tmp_path / "curve.csv").write_text("\n".join(rows) + "\n")
    status = main(["train", str(tmp_path / "curve.csv"), "--epochs", "2", "--json"])
    assert status == 0
    err = capsys.readouterr().err
    assert "regression of 'y'" in err and "-> 1 identity, mse" in err


def test_data_on_a_preset_that_reads_no_file_is_an_error(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    status = main(["train", "xor", "--data", str(iris_like(tmp_path)), "--out", str(out)])
    line = one_line_error(capsys, status)
    assert "the preset 'XOR' trains on the built-in 'xor' set, which reads no file" in line
    assert "tui-nn train" in line and not out.exists()
    line = one_line_error(capsys, main(["code", "xor", "--data", "flowers.csv"]))
    assert "reads no file" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,label\n1,2,0\n3,,1\n", 'line 3, column "b": missing value ("")'),
        ("a,b,label\n1,2,0\n3,4\n", "line 3 has 2 cells, expected 3 like line 1"),
        ("a,b,label\n1,red,0\n3,4,1\n", 'line 2, column "b": "red" is not a number'),
        ("a:b:label\n1:2:0\n3:4:1\n", "line 1 has 1 column whatever the separator"),
    ],
)
def test_a_bad_file_is_one_line_naming_where_and_the_option(
    tmp_path: Path, capsys, text: str, expected: str
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(text)
    out = tmp_path / "run"
    line = one_line_error(capsys, main(["train", str(data), "--out", str(out)]))
    assert str(data) in line and expected in line and "data." in line
    assert not out.exists()  # nothing written


def test_relative_data_path_and_resume_from_elsewhere(tmp_path: Path, monkeypatch, capsys) -> None:
    project = tmp_path / "project"
    project.mkdir()
    iris_like(project)
    (project / "mine.toml").write_text(
        'schema = 1\nname = "mine"\n[data]\nset = "csv"\npath = "flowers.csv"\n'
        'test_fraction = 0.2\n[[model.layers]]\nunits = 3\nactivation = "softmax"\n'
        '[train]\nloss = "cross_entropy"\nepochs = 2\n'
    )
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    assert main(["train", "project/mine.toml", "--out", str(out), "--json"]) == 0
    assert f'path = "{project / "flowers.csv"}"' in (out / "preset.toml").read_text()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["train", "--resume", str(out), "--epochs", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["epochs"] == 4


def test_code_embeds_the_bundled_digits_or_writes_them_beside(tmp_path: Path, capsys) -> None:
    assert main(["code", "mnist-like"]) == 0
    printed = capsys.readouterr().out
    assert "DIGITS_GZ_BASE64 = (" in printed and "digits.csv.gz" in printed
    script = tmp_path / "out" / "digits.py"
    assert main(["code", "mnist-like", "--out", str(script)]) == 0
    assert "and digits.csv.gz (the data it reads)" in capsys.readouterr().err
    assert (script.parent / "digits.csv.gz").is_file()
    assert "DIGITS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__))" in (
        script.read_text()
    )


def test_export_onnx_without_the_package_says_how_to_install(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    import importlib.util

    out = tmp_path / "run"
    assert main(["train", "xor", "--out", str(out), "--epochs", "1", "--json"]) == 0
    capsys.readouterr()
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a)
    )
    line = one_line_error(capsys, main(["export", str(out), "--onnx", str(tmp_path / "x.onnx")]))
    assert "pip install 'tui-nn[onnx]'" in line and not (tmp_path / "x.onnx").exists()


def test_code_for_a_csv_file_and_without_torch(tmp_path: Path, capsys) -> None:
    import subprocess
    import sys

    data = iris_like(tmp_path)
    assert main(["code", str(data)]) == 0
    captured = capsys.readouterr()
    assert "built a preset from flowers.csv" in captured.err
    assert 'SEPARATOR = ";"' in captured.out and "standardization(x[train_idx])" in captured.out
    # The reader, the preset builder and the exporter need no torch: the app shows the code.
    check = (
        "import sys; from tui_nn.presets.from_csv import preset_from_csv; "
        "from tui_nn.codegen import export_script; "
        f"export_script(preset_from_csv({str(data)!r})[0]); "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_the_app_opens_on_a_csv_file_or_with_data(tmp_path: Path, monkeypatch, capsys) -> None:
    """`tui-nn data.csv` and `tui-nn PRESET --data PATH` give the app the preset the command
    line built; a plain preset name goes through untouched (read by the app itself)."""
    from tui_nn.cli import commands
    from tui_nn.spec import Preset

    opened: list[object] = []

    def fake_run_app(preset: object = None, **options: object) -> int:
        opened.append(preset)
        return 0

    monkeypatch.setattr(commands, "_load_app", lambda: fake_run_app)
    csv = iris_like(tmp_path)
    assert main([str(csv)]) == 0
    built = opened[-1]
    assert isinstance(built, Preset) and built.data.path == str(csv)
    assert "built a preset from flowers.csv" in capsys.readouterr().err  # said in one line
    assert main(["xor"]) == 0 and opened[-1] == "xor"
    idx = tmp_path / "mnist"
    idx.mkdir()
    assert main(["mnist", "--data", str(idx)]) == 0
    with_data = opened[-1]
    assert isinstance(with_data, Preset) and with_data.data.path == str(idx)
    assert main(["xor", "--data", str(csv)]) == 2  # xor reads no file: one line, as in train
    assert "reads no file" in capsys.readouterr().err
