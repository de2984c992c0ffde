"""`tui-nn export RUN --onnx FILE`: onnxruntime gives the PyTorch model's outputs within 1e-5,
input scaling included (needs the `onnx` extra: CI installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tui_nn.cli import main

onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def test_onnx_export_matches_the_pytorch_model(tmp_path: Path, capsys) -> None:
    from tui_nn.onnx_export import load_run_network
    from tui_nn.presets import load_preset
    from tui_nn.training import Trainer

    g = torch.Generator().manual_seed(2)
    x = torch.randn(40, 3, generator=g) * torch.tensor([100.0, 0.01, 5.0]) + 50
    rows = ["a,b,c,label"] + [
        f"{'' if i == 7 else f'{a:.4f}'},{b:.6f},{c:.4f},{int(a > 50) + int(c > 50)}"
        for i, (a, b, c) in enumerate(x.tolist())
    ]
    (tmp_path / "points.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "p.toml").write_text(
        'schema = 1\nname = "p"\n[data]\nset = "csv"\npath = "points.csv"\nmissing = "mean"\n'
        'test_fraction = 0.25\n[[model.layers]]\nunits = 8\nactivation = "tanh"\n'
        '[[model.layers]]\nunits = 3\nactivation = "softmax"\n[train]\nloss = "cross_entropy"\n'
        'optimizer = "adam"\nlearning_rate = 0.05\nepochs = 5\n'
    )
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "p.toml"), "--out", str(run), "--json"]) == 0
    onnx_file = tmp_path / "model.onnx"
    assert main(["export", str(run), "--onnx", str(onnx_file)]) == 0
    assert "behind its input scaling" in capsys.readouterr().out

    raw = torch.cat([x, torch.tensor([[float("nan"), 0.0, 50.0]])]).float()  # a missing value too
    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": raw.numpy()})
    module = load_run_network(run)
    with torch.no_grad():
        expected = module(raw)
    assert float((torch.from_numpy(got) - expected).abs().max()) <= 1e-5
    # ... and that module is the trained network on the inputs the run scaled:
    trainer = Trainer(load_preset(run / "preset.toml"))
    from tui_nn.checkpoint import restore_checkpoint

    restore_checkpoint(trainer, run / "checkpoint.safetensors")
    with torch.no_grad():
        direct = trainer.network(trainer.x_test)
        via_module = module(trainer.dataset.x[trainer.test_idx])
    assert float((direct - via_module).abs().max()) <= 1e-5
