"""The code view and the exported scripts agree: `w` in the code view writes the script of the
preset on screen (edits included), the hint names a command only where it gives that same
script, and a script saves its trained weights to a file (never to stdout) that `--load` reads
back."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import runpy
import sys
from pathlib import Path

import torch
from support import SIZE, wait_for
from textual.widgets import Input

from tui_nn.cli import main
from tui_nn.codegen import export_script, write_export
from tui_nn.model import build_network
from tui_nn.presets import load_named, resolve_preset
from tui_nn.training import Trainer
from tui_nn.ui.lesson.code import CodeScreen, code_hint
from tui_nn.ui.screens.dialogs import ConfirmDialog
from tui_nn.ui.screens.write_script import WriteScriptDialog


def result_of(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, stdout
    return json.loads(lines[0][len("RESULT ") :])


def run_here(script: Path, *args: str) -> str:
    """The script run in this process (torch is imported already); its stdout."""
    out, argv = io.StringIO(), sys.argv
    sys.argv = [str(script), *args]
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    return out.getvalue()


async def test_the_code_views_w_writes_the_edited_preset(fake_app, tmp_path: Path) -> None:
    app = fake_app("xor")
    target = tmp_path / "mine.py"
    target.write_text("# the user's own file\n", encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        # A layer and the learning rate edited, in the panes and applied as an edit in them is
        # (typing them in takes seconds of tab switching on a loaded machine).
        committed = app.editor.committed
        layers = [
            dataclasses.replace(committed.model.layers[0], units=7),
            *committed.model.layers[1:],
        ]
        edited = dataclasses.replace(
            committed,
            model=dataclasses.replace(committed.model, layers=layers),
            train=dataclasses.replace(committed.train, learning_rate=0.0123),
        )
        await app.editor.show(edited)
        assert app.editor.candidate()[0] == edited
        app.editor.apply(edited)
        await wait_for(pilot, lambda: app.editor.committed == edited, "the edits applied")
        app.screen.set_focus(None)

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CodeScreen), "the code")
        code = app.screen
        assert isinstance(code, CodeScreen)
        hint = str(code.query_one("#code-hint").render())
        assert "tui-nn code" not in hint.replace("`tui-nn code FILE`", "")  # none printing another
        assert "Write to file" in str(code.query_one("KeyBar").render())

        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WriteScriptDialog), "the dialog")
        field = app.screen.query_one("#script-path", Input)
        assert field.value == "xor.py"  # the default: beside where tui-nn was started
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "overwrite?")
        assert str(target) in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WriteScriptDialog), "back")
        assert target.read_text(encoding="utf-8") == "# the user's own file\n"  # kept
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "asked again")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is code, "written, back to the code")

        text = target.read_text(encoding="utf-8")
        assert text == export_script(app.editor.committed) == code.code
        assert "nn.Linear(2, 7)," in text and "LEARNING_RATE = 0.0123" in text
        assert f"wrote {target}" in str(code.query_one("#code-hint").render())


def test_the_hint_names_a_command_only_for_the_same_script(tmp_path: Path) -> None:
    xor, path = load_named("xor"), resolve_preset("xor")
    hint = code_hint(export_script(xor), path)
    assert "`tui-nn code xor --out FILE`" in hint
    assert main(["code", "xor", "--out", str(tmp_path / "cli.py")]) == 0
    assert (tmp_path / "cli.py").read_text(encoding="utf-8") == export_script(xor)
    edited = dataclasses.replace(xor, train=dataclasses.replace(xor.train, learning_rate=0.5))
    for hint in (code_hint(export_script(edited), path), code_hint(export_script(xor), None)):
        assert "tui-nn code xor" not in hint and "ctrl+s" in hint
    saved = tmp_path / "my xor.toml"
    saved.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert f"`tui-nn code '{saved}' --out FILE`" in code_hint(export_script(xor), saved)


def test_the_script_saves_its_weights_to_a_file_and_loads_them(tmp_path: Path) -> None:
    preset = load_named("xor")
    script = tmp_path / "xor.py"
    write_export(preset, script)
    stdout = run_here(script)  # test_codegen runs such scripts in their own processes
    assert len(stdout) < 1000 and "parameters" not in stdout
    trained = result_of(stdout)
    weights = tmp_path / "xor.weights.pt"
    assert trained["weights"] == str(weights)
    assert f"saved the weights in {weights}" in stdout

    # The file holds the engine's trained network: the same outputs on every input.
    trainer = Trainer(preset)
    trainer.run()
    network = build_network(preset.model, 2, preset.train.seed)
    network.load_state_dict(torch.load(weights, weights_only=True))
    with torch.no_grad():
        assert torch.equal(network(trainer.x_train), trainer.network(trainer.x_train))

    # `--load` reads them back: no training, the same figures.
    loaded = result_of(run_here(script, "--load"))
    assert loaded["epochs"] == 0 and loaded["stop"] is None
    for key in ("train_loss", "train_acc", "test_acc"):
        assert loaded[key] == trained[key], key

    (tmp_path / "gone").mkdir()
    missing = tmp_path / "gone" / "w.pt"
    try:
        run_here(script, "--load", "--weights", str(missing))
    except SystemExit as exit_:
        assert f"no weights in {missing}" in str(exit_.code)
    else:
        raise AssertionError("--load without weights ran")


def test_a_digits_script_prints_a_short_report(tmp_path: Path) -> None:
    mnist_like = load_named("mnist-like")
    preset = dataclasses.replace(
        mnist_like,
        data=dataclasses.replace(mnist_like.data, samples=120),
        train=dataclasses.replace(mnist_like.train, epochs=1),
    )
    script = write_export(preset, tmp_path / "digits.py")[0]
    stdout = run_here(script)
    assert len(stdout) < 1000, stdout[:300]
    saved = torch.load(tmp_path / "digits.weights.pt", weights_only=True)
    assert saved["0.weight"].shape == (preset.model.layers[0].units, 64)


def test_export_script_of_a_run_reproduces_its_predictions(tmp_path: Path, capsys) -> None:
    from tui_nn.onnx_export import load_run_network

    run = tmp_path / "run"
    assert main(["train", "xor", "--out", str(run), "--json"]) == 0
    summary = json.loads((run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    capsys.readouterr()
    script = tmp_path / "out" / "trained.py"
    assert main(["export", str(run), "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and len(out) < 400 and "--load" in out  # a line, no weights
    weights = tmp_path / "out" / "trained.weights.pt"

    # The weights file holds the run's trained network: the same outputs on its data.
    preset = load_named("xor")
    network = build_network(preset.model, 2, preset.train.seed)
    network.load_state_dict(torch.load(weights, weights_only=True))
    x = Trainer(preset).x_train
    with torch.no_grad():
        assert torch.equal(network(x), load_run_network(run).network(x))
    # ... and the script's `--load` evaluates them to the run's final figures.
    loaded = result_of(run_here(script, "--load"))
    assert (loaded["train_loss"], loaded["train_acc"]) == (
        summary["train_loss"],
        summary["train_acc"],
    )

    assert main(["export", str(run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--onnx FILE, --script FILE" in err[0]
