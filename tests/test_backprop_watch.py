"""The trainer's side of the Backprop view (`WatchBackprop`, `BackpropStep`), in process: the
real `TrainerServer` reads protocol lines and writes events to memory."""

from __future__ import annotations

import io

import pytest

from tui_nn.lesson.backprop import BackpropResult
from tui_nn.presets import load_named, preset_to_dict
from tui_nn.trainer import protocol as p
from tui_nn.trainer.connection import AppConnection
from tui_nn.trainer.server import TrainerServer


class _Kept(io.StringIO):
    def close(self) -> None:  # the events stay readable after the trainer ends
        pass


def serve(commands: list[p.Command]) -> list[p.Event]:
    """The events the trainer sends for `commands` (then Quit)."""
    reader = io.StringIO("".join(p.encode(command) for command in [*commands, p.Quit()]))
    writer = _Kept()
    TrainerServer(AppConnection(reader, writer)).serve()
    return [p.decode_event(line) for line in writer.getvalue().splitlines()]


def backprop_preset() -> p.Load:
    return p.Load(preset_to_dict(load_named("backprop")))


def results(events: list[p.Event]) -> list[BackpropResult]:
    found = [e.result for e in events if isinstance(e, p.Backprop)]
    assert all(result is not None for result in found)
    return [result for result in found if result is not None]


def test_nothing_is_computed_while_no_sample_is_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    import tui_nn.training.backprop as backprop

    calls: list[int] = []
    real = backprop.backprop_trainer

    def counted(trainer: object, sample: int, *, check: bool = False) -> BackpropResult:
        calls.append(sample)
        return real(trainer, sample, check=check)  # type: ignore[arg-type]

    monkeypatch.setattr(backprop, "backprop_trainer", counted)
    weights = [
        p.LayerWeights([[0.1, 0.2], [0.3, 0.4]], [0.0, 0.0]),
        p.LayerWeights([[0.5, 0.6]], [0.0]),
    ]
    hidden = serve([backprop_preset(), p.SetViews(True), p.SetWeights(weights), p.Reset()])
    assert calls == [] and not any(isinstance(e, p.Backprop) for e in hidden)
    shown = serve(
        [backprop_preset(), p.WatchBackprop(2), p.Reset(), p.WatchBackprop(None), p.Reset()]
    )
    assert calls == [2, 2]  # at the watch and after the first reset, not after the second
    assert [r.sample for r in results(shown)] == [2, 2]


def test_one_step_on_a_sample_is_the_step_the_view_showed() -> None:
    events = serve([backprop_preset(), p.WatchBackprop(1), p.BackpropStep(1), p.BackpropStep(1)])
    before, after, again = results(events)
    assert (before.step, after.step, again.step) == (0, 1, 2)
    for shown, now in zip(before.layers, after.layers, strict=True):
        assert sum(now.W, []) == pytest.approx(sum(shown.new_W, []), abs=1e-6)
        assert now.b == pytest.approx(shown.new_b, abs=1e-6)
    assert before.new_loss is not None and after.loss == pytest.approx(before.new_loss, abs=1e-6)
    assert again.loss < after.loss < before.loss  # the sample's loss goes down
    states = [e for e in events if isinstance(e, p.State)]
    assert [s.step for s in states][-2:] == [1, 2]  # the engine counts the steps


def test_a_sample_out_of_range_or_a_perceptron_is_told_why() -> None:
    events = serve([backprop_preset(), p.WatchBackprop(99), p.BackpropStep(99)])
    backprops = [e for e in events if isinstance(e, p.Backprop)]
    assert backprops and backprops[0].result is None and "out of range" in backprops[0].reason
    assert any(isinstance(e, p.Error) and "out of range" in e.message for e in events)
    events = serve([p.Load(preset_to_dict(load_named("sprinkler"))), p.WatchBackprop(0)])
    backprop = next(e for e in events if isinstance(e, p.Backprop))
    assert backprop.result is None and "perceptron" in backprop.reason


def test_a_watched_sample_follows_training() -> None:
    events = serve([backprop_preset(), p.WatchBackprop(0), p.TrainEpoch(), p.TrainEpoch()])
    found = results(events)
    assert [r.epoch for r in found] == [0, 1, 2]  # at the watch, then after each run
    assert found[-1].step == 2 * found[-1].n_samples  # batch size 1: a step per sample
    states = [e for e in events if isinstance(e, p.State)]
    assert states[-1].epoch == 2 and states[-1].status == "paused"
