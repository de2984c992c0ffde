"""The diagnosis in words (`tui_nn.lesson.diagnosis`): each rule triggered by a real training run
of a preset or setting, none on the built-in presets' healthy runs, and the line under the plots
(`tui_nn.ui.panes.diagnosis`) with the scripted trainer."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import pytest
from support import SIZE, FakeTrainer, wait_for

from tui_nn.lesson.diagnosis import (
    DIVERGE_FACTOR,
    OVERFIT_RISE,
    PERCEPTRON_EPOCHS,
    STUCK_EPOCHS,
    Diagnosis,
    diagnose,
)
from tui_nn.presets import load_named
from tui_nn.spec import Preset
from tui_nn.trainer import protocol as p
from tui_nn.training import Trainer
from tui_nn.ui.panes.diagnosis import DiagnosisLine, KeptPoints
from tui_nn.ui.panes.plots import PlotsPane


@dataclasses.dataclass(frozen=True)
class Run:
    preset: Preset
    events: list[p.Metrics]
    summary: p.Summary

    @property
    def epochs(self) -> list[p.EpochLoss]:
        return [point for event in self.events for point in event.epochs]

    @property
    def evals(self) -> list[p.EvalPoint]:
        return [point for event in self.events for point in event.evals]

    def final(self) -> Diagnosis | None:
        return diagnose(self.epochs, self.evals, self.preset, stop_reason=self.summary.stop_reason)

    def seen(self) -> list[Diagnosis]:
        """What the rules said after each event, as the app's line would (before the stop)."""
        epochs: list[p.EpochLoss] = []
        evals: list[p.EvalPoint] = []
        found = []
        for event in self.events:
            epochs += event.epochs
            evals += event.evals
            diagnosis = diagnose(epochs, evals, self.preset, learning_rate=event.lr)
            if diagnosis is not None:
                found.append(diagnosis)
        return found


@functools.cache
def train(name: str, model: tuple[tuple[str, Any], ...] = (), **changes: Any) -> Run:
    """One in-process run of built-in preset `name`, its `train` settings changed by keyword
    (`model`: its model settings), at full speed; cached, so that several checks share it."""
    preset = load_named(name)
    train_spec = dataclasses.replace(preset.train, pace=None, **changes)
    preset = dataclasses.replace(
        preset, train=train_spec, model=dataclasses.replace(preset.model, **dict(model))
    )
    events: list[p.Metrics] = []
    trainer = Trainer(preset, on_event=events.append)
    trainer.run()
    return Run(preset, events, trainer.summary())


# -- each rule, from a run that shows it ---------------------------------------------------------


def test_learning_rate_10_diverges() -> None:
    run = train("sine-wide", learning_rate=10.0, epochs=20)
    assert run.summary.status == "diverged"
    found = run.final()
    assert found is not None and found.kind == "diverging"
    assert "learning rate 10" in found.message


def test_a_rising_loss_is_called_diverging_before_the_trainer_stops_it() -> None:
    run = train("sine-wide", optimizer="sgd", learning_rate=0.4, batch_size=160, epochs=50)
    epochs = run.epochs
    assert run.summary.status == "diverged"
    first = next(
        n
        for n in range(1, len(epochs) + 1)
        if (d := diagnose(epochs[:n], [], run.preset)) is not None and d.kind == "diverging"
    )
    assert first < len(epochs)  # epoch by epoch, it says so before the run's last epoch
    found = diagnose(epochs[:first], [], run.preset)
    assert found is not None and "NaN soon" in found.message
    lowest = min(point.train_loss for point in epochs[:first])
    assert epochs[first - 1].train_loss >= DIVERGE_FACTOR * lowest
    assert diagnose(epochs[: first - 1], [], run.preset) is None


def test_zero_init_is_stuck_by_symmetry() -> None:
    run = train("xor", model=(("init", "zeros"),), epochs=60, target_loss=None)
    found = run.final()
    assert found is not None and found.kind == "stuck"
    assert "zero init cannot break symmetry" in found.message
    assert run.epochs[-1].epoch >= STUCK_EPOCHS


def test_learning_rate_10_saturates_the_sigmoid_and_is_stuck() -> None:
    run = train("xor", learning_rate=10.0, epochs=60)
    found = run.final()
    assert found is not None and found.kind == "stuck"
    assert "lower lr 10" in found.message
    assert "zero init" not in found.message
    assert run.seen() and {d.kind for d in run.seen()} == {"stuck"}


def test_the_overfit_preset_overfits_and_names_the_epoch_to_stop_at() -> None:
    run = train("overfit")
    found = run.final()
    assert found is not None and found.kind == "overfitting"
    tested = [e for e in run.evals if e.test_loss is not None]
    best = min(tested, key=lambda e: e.test_loss or math.inf)
    assert found.stop_epoch == best.epoch < tested[-1].epoch
    assert (tested[-1].test_loss or 0) >= (1 + OVERFIT_RISE) * (best.test_loss or 0)
    assert tested[-1].train_loss < best.train_loss  # while training loss fell
    assert found.patience is not None and 0 < found.patience < tested[-1].epoch - best.epoch
    assert f"stop at epoch {best.epoch}" in found.message
    # the line said so during the run already, not only at its end
    assert any(d.kind == "overfitting" for d in run.seen())
    # the line's thinned sample of a long run's points says the same
    epochs: KeptPoints[p.EpochLoss] = KeptPoints([lambda e: e.train_loss], capacity=8)
    evals: KeptPoints[p.EvalPoint] = KeptPoints(
        [lambda e: e.train_loss, lambda e: e.test_loss or math.inf], capacity=8
    )
    epochs.add(run.epochs)
    evals.add(run.evals)
    thinned = diagnose(epochs.points(), evals.points(), run.preset)
    assert thinned is not None and thinned.stop_epoch == best.epoch
    # the suggestion holds: with that patience the run stops near the best epoch
    stopped = train("overfit", patience=found.patience)
    assert stopped.summary.stop_reason == "patience"
    assert stopped.summary.epochs <= best.epoch + found.patience + 10


def test_the_perceptron_on_xor_is_not_separable() -> None:
    run = train("xor-perceptron")
    assert run.summary.stop_reason == "not_separable"
    found = run.final()
    assert found is not None and found.kind == "not_separable"
    # shuffled, the rule cannot see itself cycle: the count of epochs with errors stands in
    shuffled = train("xor-perceptron", shuffle=True, epochs=PERCEPTRON_EPOCHS + 5)
    found = shuffled.final()
    assert found is not None and found.kind == "not_separable"
    assert "likely" in found.message


def test_too_high_a_learning_rate_oscillates() -> None:
    # What the line said as the run went: its last evaluations may settle (they do on some
    # CPUs, whose sums round otherwise), the jumps before them are what a learner saw.
    run = train("circle", learning_rate=1.0, epochs=40)
    found = [d for d in run.seen() if d.kind == "oscillating"]
    assert found, run.seen()
    assert "learning rate 1 too high" in found[0].message
    assert train("circle", epochs=40).seen() == []  # the preset's own rate does not


# -- no rule fires on the built-in presets' healthy runs -----------------------------------------

HEALTHY = [  # (preset, epoch budget: fewer than the preset's where its full run takes seconds)
    ("xor", None),
    ("nand", None),
    ("sprinkler", None),
    ("random-projection", None),
    ("backprop", 300),
    ("circle", 80),
    ("spiral", 80),
    ("sine", 80),
    ("sine-wide", 80),
    ("mnist-like", 8),
]


@pytest.mark.parametrize(("name", "epochs"), HEALTHY)
def test_no_rule_fires_on_a_healthy_run(name: str, epochs: int | None) -> None:
    run = train(name) if epochs is None else train(name, epochs=epochs)
    assert run.summary.status == "done"
    assert run.seen() == []
    assert run.final() is None


# -- the line under the plots --------------------------------------------------------------------


def test_kept_points_keep_the_first_the_best_and_the_latest() -> None:
    kept: KeptPoints[p.EpochLoss] = KeptPoints([lambda e: e.train_loss], capacity=4)
    losses = [0.9, 0.2, 0.5, 0.6, 0.7, 0.8]
    kept.add([p.EpochLoss(epoch=i + 1, step=i + 1, train_loss=v) for i, v in enumerate(losses)])
    assert [e.epoch for e in kept.points()] == [1, 2, 3, 5, 6]  # first, lowest, the latest
    many: KeptPoints[p.EpochLoss] = KeptPoints([lambda e: e.train_loss], capacity=64)
    many.add([p.EpochLoss(epoch=n, step=n, train_loss=1.0) for n in range(1, 10_001)])
    epochs = [e.epoch for e in many.points()]
    assert len(epochs) <= 64 and epochs[0] == 1 and epochs[-1] == 10_000
    assert epochs[-20:] == list(range(9_981, 10_001))  # the latest stay dense
    assert max(b - a for a, b in zip(epochs, epochs[1:], strict=False)) <= 10_000 // 16
    kept.clear()
    assert kept.points() == []


class DivergingTrainer(FakeTrainer):
    """Its start sends five epochs whose loss doubles each time."""

    def _do_start(self, command: p.Start) -> None:
        self._state("running")
        epochs = [p.EpochLoss(epoch=n, step=n, train_loss=0.1 * 2**n) for n in range(1, 6)]
        self.epoch = 5
        self.emit(
            p.Metrics(
                epoch=5,
                step=5,
                train_loss=epochs[-1].train_loss,
                samples_per_s=100.0,
                elapsed_s=0.05,
                lr=self.lr,
                status="running",
                epochs=epochs,
            )
        )


async def test_the_line_shows_a_diagnosis_and_clears_on_reset(fake_app: Any) -> None:
    app = fake_app(fake=DivergingTrainer)
    async with app.run_test(size=SIZE) as pilot:
        line = app.query_one(DiagnosisLine)
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: app.link.loaded and plots.plots, "the loaded plots")
        assert not line.display and line.diagnosis is None
        await pilot.press("space")
        await wait_for(pilot, lambda: line.display, "the diagnosis line")
        assert line.diagnosis is not None and line.diagnosis.kind == "diverging"
        assert "diverging" in str(line.render())
        assert line.region.y >= app.query_one("#acc-plot").region.bottom  # under the plots
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.status == "paused", "paused")
        assert line.display  # a pause keeps it
        await pilot.press("r")
        await wait_for(pilot, lambda: app.link.status == "idle", "reset")
        assert not line.display and line.diagnosis is None
