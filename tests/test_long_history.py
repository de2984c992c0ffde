"""Runs with a long history open quickly: the run folder's curve index (curve.jsonl), the readers
that use it or thin metrics.jsonl by the same rule, and `tui-nn show RUN`."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from support import FakeTrainer, status_text, wait_for

from tui_nn.cli import main
from tui_nn.presets import load_named, load_preset
from tui_nn.runs import RunFolder
from tui_nn.runs.history_index import CURVE, DENSE_S, Thinning, curve_lines, is_window_only
from tui_nn.runs.record import RunRecord
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.history_loader import read_history
from tui_nn.ui.panes.plots import PlotsPane

SPE = 10  # steps per epoch
LATE_S = 100_000.0  # a day's worth of training in: window lines are thinned out hard there


def window(step: int, elapsed: float) -> p.Metrics:
    """A line with the window's loss only, as the trainer writes it (protocol 3 repeated the
    latest evaluation in each: see the test of those)."""
    return p.Metrics(step // SPE, step, 1.0 / step, 50.0, elapsed, 0.1, "running")


def with_points(step: int, elapsed: float, *, evaluate: bool) -> p.Metrics:
    epoch = step // SPE
    evals = [p.EvalPoint(epoch, step, 0.9 / epoch, 1.0 / epoch, 0.5, 0.4)] if evaluate else []
    return p.Metrics(
        epoch,
        step,
        1.0 / step,
        50.0,
        elapsed,
        0.1,
        "running",
        epochs=[p.EpochLoss(epoch, step, 1.0 / epoch)],
        evals=evals,
    )


def events(first: int, last: int, start_s: float, every_s: float) -> list[p.Metrics]:
    """Lines at steps first..last, `every_s` apart: an epoch point at each epoch's end, an
    evaluation every other epoch, window losses in between."""
    out = []
    for step in range(first, last + 1):
        elapsed = start_s + (step - first) * every_s
        if step % SPE:
            out.append(window(step, elapsed))
        else:
            out.append(with_points(step, elapsed, evaluate=step % (2 * SPE) == 0))
    return out


def summary() -> p.Summary:
    return p.Summary(
        "XOR", "cpu", "done", 60, 600, 0.01, 0.02, 1.0, 0.9, 9.0, 50.0, True, None, "done"
    )


def write_run(folder: Path, parts: list[list[p.Metrics]], end: bool = True) -> None:
    """A run folder as the trainer writes it; each part in a session of its own (a resume)."""
    for number, part in enumerate(parts):
        run = RunFolder(folder, resume=number > 0)
        run.start(load_named("xor"), "cpu", status="running")
        for event in part:
            run.append_metrics(event)
        if end and number == len(parts) - 1:
            run.append_metrics(summary())
            run.update(status="done", epochs=part[-1].epoch)
        run.close()


def only_metrics(folder: Path, into: Path) -> Path:
    """The same run as an older tui-nn left it: metrics.jsonl and no curve.jsonl."""
    into.mkdir()
    shutil.copy(folder / "metrics.jsonl", into / "metrics.jsonl")
    return into


def curves(folder: Path) -> dict[str, tuple[list[float], list[float]]]:
    history = read_history(folder, capacity=64)
    keys = ("train_loss", "test_loss")
    out = {key: history.loss.points(key) for key in keys}
    out.update({key: history.acc.points(key) for key in ("train_acc", "test_acc")})
    return out


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


# -- the index and the readers -------------------------------------------------------------


def test_the_index_gives_the_curve_and_record_that_metrics_jsonl_gives(tmp_path: Path) -> None:
    dense = events(1, 200, 1.0, 0.1)  # the first minutes: every line kept
    late = events(201, 600, LATE_S, 5.0)  # a day in: one window line per ~75 s bucket
    run = tmp_path / "run"
    write_run(run, [dense, late[:150], late[150:]])  # resumed twice
    old = only_metrics(run, tmp_path / "old")

    metrics, index = lines(run / "metrics.jsonl"), lines(run / CURVE)
    assert len(metrics) == 601 and len(index) < 320  # thinned out
    assert set(index) <= set(metrics)  # the same lines, a subset
    with_points_lines = [line for line in metrics if not is_window_only(line)]
    assert all(line in index for line in with_points_lines)  # every epoch, evaluation, summary
    assert [line for line in metrics[:200]] == index[:200]  # the dense start, whole

    from_index, from_metrics = curves(run), curves(old)
    assert from_index == from_metrics and len(from_index["train_loss"][0]) > 32
    assert read_history(run).events == read_history(old).events

    record, legacy = RunRecord.read(run / "metrics.jsonl"), RunRecord.read(old / "metrics.jsonl")
    every = dense + late
    assert record.epochs == legacy.epochs == [point for e in every for point in e.epochs]
    assert record.evals == legacy.evals == [point for e in every for point in e.evals]
    assert len(record.evals) == 30
    cut = RunRecord.read(run / "metrics.jsonl", until_step=300)
    assert cut.epochs[-1].step == 300 and cut.evals[-1].step == 300


def test_thinning_keeps_the_first_line_of_each_bucket_of_time() -> None:
    rule = Thinning()
    assert all(rule.keep_window(t) for t in (0.0, 0.0, DENSE_S))  # the dense start: all
    assert rule.keep_window(LATE_S) and not rule.keep_window(LATE_S + 1.0)
    assert rule.keep_window(LATE_S + 200.0)  # the next bucket
    assert rule.keeps(with_points(30, LATE_S + 200.1, evaluate=False))  # epochs: always
    assert rule.keeps(summary())


def test_damaged_and_cut_lines_are_skipped(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_run(run, [events(1, 120, 1.0, 0.1)], end=False)
    clean = curves(run)
    for name in ("metrics.jsonl", CURVE):
        text = lines(run / name)
        text.insert(40, b'{"event":"metrics","epo\n')  # a write cut short, then training went on
        text.insert(60, b'{"event":"metrics","elapsed_s":x,"evals":[],"epochs":[]}\n')
        text.append(b'{"event":"metrics","epoch":12,"step":121,"train_l')  # killed mid-line
        (run / name).write_bytes(b"".join(text))
    old = only_metrics(run, tmp_path / "old")
    assert curves(run) == curves(old) == clean
    assert (
        RunRecord.read(run / "metrics.jsonl").epochs == RunRecord.read(old / "metrics.jsonl").epochs
    )
    assert len(RunRecord.read(run / "metrics.jsonl").epochs) == 12


def test_a_protocol_3_file_without_epochs_opens(tmp_path: Path) -> None:
    """Older folders: `Metrics` had no `epochs` (its lines end with `"evals":[...]}`)."""
    run = tmp_path / "run"
    run.mkdir()
    latest = {"eval_train_loss": 0.4, "test_loss": 0.5, "train_acc": 0.8, "test_acc": 0.7}
    new = [replace(window(step, 0.1 * step), **latest) for step in range(1, 40)]
    new.append(
        p.Metrics(
            4,
            40,
            0.3,
            50.0,
            4.0,
            0.1,
            "done",
            0.4,
            0.5,
            0.8,
            0.7,
            evals=[p.EvalPoint(4, 40, 0.3, 0.4, 0.9, 0.8)],
        )
    )
    v3 = [p.encode(e).replace(',"epochs":[],"variant":0}', "}") for e in new]
    assert all('"epochs"' not in line for line in v3)
    (run / "metrics.jsonl").write_text("".join(v3))
    assert all(is_window_only(line) for line in lines(run / "metrics.jsonl")[:-1])
    history = read_history(run)
    assert history.steps_per_epoch == SPE and history.events == 40
    assert len(history.loss.points("train_loss")[0]) == 40
    assert history.acc.last("test_acc") == (4.0, 0.8)
    assert RunRecord.read(run / "metrics.jsonl").evals == new[-1].evals


def test_a_folder_from_before_curve_files_gets_none_and_a_stale_one_is_replaced(
    tmp_path: Path,
) -> None:
    run = tmp_path / "run"
    write_run(run, [events(1, 30, 1.0, 0.1)])
    (run / CURVE).unlink()  # as an older tui-nn left it
    write_run(run, [[], events(31, 60, 4.0, 0.1)], end=False)  # resumed by this one
    assert not (run / CURVE).exists()
    assert len(RunRecord.read(run / "metrics.jsonl").epochs) == 6
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / CURVE).write_bytes(lines(run / "metrics.jsonl")[0])  # left by a run removed since
    write_run(fresh, [events(1, 5, 1.0, 0.1)], end=False)
    assert lines(fresh / CURVE) == lines(fresh / "metrics.jsonl")


def test_curve_lines_stops_when_cancelled() -> None:
    source = [p.encode(window(step, 0.1 * step)).encode() for step in range(1, 100)]
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    kept = list(curve_lines(source, cancelled=cancelled, check_every=10))
    assert len(kept) == 20


# -- tui-nn show ---------------------------------------------------------------------------


def test_show_a_missing_or_damaged_run_says_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "no-such-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-nn: error: no run 'no-such-run'") and err.count("\n") == 1
    run = tmp_path / "run"
    write_run(run, [events(1, 5, 1.0, 0.1)])
    (run / "preset.toml").write_text("[model\n")
    assert main(["show", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-nn: error:") and err.count("\n") == 1
    (run / "preset.toml").unlink()
    assert main(["show", str(run)]) == 2
    assert "has no preset.toml" in capsys.readouterr().err


async def test_the_app_opened_on_a_run_shows_its_curves_and_trains_nothing(
    tmp_path: Path,
) -> None:
    run = tmp_path / "20260101-000000-xor"
    write_run(run, [events(1, 200, 1.0, 0.1), events(201, 400, LATE_S, 5.0)])
    expected = read_history(run, capacity=1024).loss.points("train_loss")
    FakeTrainer.instances.clear()
    app = TuiNnApp(load_preset(run / "preset.toml"), None, trainer_factory=FakeTrainer, show=run)
    async with app.run_test(size=(100, 30)) as pilot:
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.loss_history.points("train_loss") == expected, "curve")
        await wait_for(pilot, lambda: "(done, 40 epochs) shown" in status_text(app), "the note")
        assert app.runs.viewing == run
        commands = FakeTrainer.instances[-1].commands
        assert any(isinstance(c, p.Load) for c in commands)
        assert not any(isinstance(c, p.Start | p.Resume) for c in commands)
        await app.later.settle()  # as quitting does: panes mount after the first frame
    for trainer in FakeTrainer.instances:
        trainer.stop()
