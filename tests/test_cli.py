"""The `tui-nn` command line: train, presets, devices, exit statuses and one-line errors."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tui_nn import __version__
from tui_nn.cli import main

SUMMARY_KEYS = {
    "preset",
    "device",
    "epochs",
    "steps",
    "train_loss",
    "test_loss",
    "train_acc",
    "test_acc",
    "elapsed_s",
    "samples_per_s",
    "converged",
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_nn", *args], capture_output=True, text=True, timeout=120
    )


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_train_json_ends_with_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "nand", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    summary = lines[-1]
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["converged"] is True and summary["test_acc"] is None
    assert all(line["event"] == "metrics" for line in lines[:-1])


def test_train_overrides_epochs_seed_and_lr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "circle", "--json", "--epochs", "3", "--seed", "7", "--lr", "0.01"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["epochs"] == 3
    assert {line["lr"] for line in lines[:-1]} == {0.01}


def test_train_out_writes_preset_metrics_and_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["train", "xor", "--out", str(out), "--json"]) == 0
    from tui_nn.presets import load_preset

    assert load_preset(out / "preset.toml").name == "XOR"
    events = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "summary" and events[-1]["train_acc"] == 1.0
    tensors = load_file(out / "model.safetensors")
    assert set(tensors) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert tensors["0.weight"].shape == torch.Size([4, 2])


def test_train_data_overrides_the_preset_path(mnist_folder: Path, capsys) -> None:
    assert main(["train", "mnist", "--data", str(mnist_folder), "--epochs", "1", "--json"]) == 0
    assert last_json(capsys.readouterr().out)["test_acc"] > 0.8


def test_piped_output_is_plain_lines() -> None:
    result = run_cli("train", "sprinkler")
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout
    assert "converged: no misclassified samples" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("  run folder: ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["train", "missing-file.toml"], "preset file not found"),
        (["train", "no-such-preset"], "unknown preset 'no-such-preset'"),
        (["train", "xor", "--device", "cuda:7"], "cuda:7"),
        (["train", "xor", "--device", "gpu"], "invalid device 'gpu'"),
        (["train", "xor", "--lr", "-0.1"], "must be a positive number"),
        (["train", "xor", "--epochs", "zero"], "is not a whole number"),
        (["train", "mnist", "--data", "/nonexistent/mnist"], "MNIST folder not found"),
        (["nosuchcommand", "extra"], "unrecognized arguments"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], expected: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_broken_preset_files_exit_2(tmp_path: Path) -> None:
    cases = {
        "syntax.toml": "schema = 1\nname = \n",
        "unknown.toml": 'schema = 1\nname = "x"\n[train]\nlearnin_rate = 0.1\n',
        "units.toml": 'schema = 1\nname = "x"\n[[model.layers]]\nunits = 0\n',
    }
    for file_name, text in cases.items():
        path = tmp_path / file_name
        path.write_text(text)
        result = run_cli("train", str(path))
        assert result.returncode == 2 and file_name in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_csv_with_text_in_a_numeric_column(tmp_path: Path) -> None:
    data = tmp_path / "points.csv"
    data.write_text("x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n")
    preset = tmp_path / "mine.toml"
    preset.write_text(
        f'schema = 1\nname = "mine"\n[data]\nset = "csv"\npath = "{data}"\n'
        '[[model.layers]]\nunits = 1\nactivation = "sigmoid"\n'
    )
    result = run_cli("train", str(preset))
    assert result.returncode == 2
    assert 'line 3, column "x2": "abc" is not a number' in result.stderr


def test_a_truncated_idx_file_is_bad_input(tmp_path: Path, mnist_folder: Path) -> None:
    images = gzip.decompress((mnist_folder / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(images[:5000])
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(
        (mnist_folder / "t10k-labels-idx1-ubyte.gz").read_bytes()
    )
    result = run_cli("train", "mnist", "--data", str(tmp_path))
    assert result.returncode == 2 and "t10k-images-idx3-ubyte" in result.stderr


def test_unexpected_errors_exit_1_without_traceback(monkeypatch, capsys) -> None:
    def explode(options):
        raise RuntimeError("boom")

    monkeypatch.setattr("tui_nn.cli.commands.cmd_presets", explode)
    assert main(["presets"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: boom" in err and "Traceback" not in err


def test_presets_lists_builtin_and_user_presets(capsys, isolated_user_dirs: Path) -> None:
    from tui_nn.presets import load_named, save_preset, user_presets_dir

    save_preset(load_named("xor"), user_presets_dir() / "my-xor.toml")
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "nand" in out and "the universal gate" in out
    assert "my-xor" in out and "user" in out


def test_devices_lists_the_cpu(capsys) -> None:
    assert main(["devices"]) == 0
    assert capsys.readouterr().out.startswith("cpu")


def test_version_and_help() -> None:
    version = run_cli("--version")
    assert version.returncode == 0 and __version__ in version.stdout
    help_text = run_cli("train", "--help")
    assert help_text.returncode == 0 and "--device" in help_text.stdout


def test_a_command_that_is_also_a_preset_says_how_to_reach_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["backprop"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "tui-nn backprop PRESET_OR_FILE" in err and "tui-nn -- backprop" in err
