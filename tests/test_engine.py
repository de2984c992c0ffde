"""The training engine: the perceptron rule by hand, the lesson's presets, determinism, controls."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest
import torch

from tui_nn.errors import DeviceError, TrainingError
from tui_nn.presets import load_named
from tui_nn.spec import LayerSpec
from tui_nn.trainer.protocol import Metrics
from tui_nn.training import Trainer


def with_train(preset, **changes):
    return dataclasses.replace(preset, train=dataclasses.replace(preset.train, **changes))


def with_layers(preset, *layers: LayerSpec):
    return dataclasses.replace(preset, model=dataclasses.replace(preset.model, layers=list(layers)))


def trained(name: str, **changes) -> Trainer:
    trainer = Trainer(with_train(load_named(name), **changes))
    trainer.run()
    return trainer


def weights_and_bias(trainer: Trainer) -> tuple[list[float], float]:
    linear = trainer.network[0]
    return linear.weight[0].detach().tolist(), float(linear.bias[0].detach())


def test_perceptron_rule_on_nand_matches_hand_computation() -> None:
    # From zero weights with eta = 1, sign output (sign(0) = -1), rows in truth-table order:
    # epoch 1: (0,0) t=1 a=0 wrong -> b=1; (1,1) t=-1 a=1 wrong -> w=(-1,-1), b=0.
    trainer = Trainer(load_named("nand"))
    trainer.run_epoch()
    assert weights_and_bias(trainer) == ([-1.0, -1.0], 0.0)
    assert trainer.state.last_eval.train_loss == 2  # misclassified samples met in the epoch
    # epochs 2-6 by hand end at w=(-2,-1), b=3 with no mistakes in epoch 6.
    trainer.run()
    assert weights_and_bias(trainer) == ([-2.0, -1.0], 3.0)
    assert trainer.state.epoch == 6
    assert trainer.summary().converged is True


@pytest.mark.parametrize("name", ["nand", "sprinkler"])
def test_logic_perceptrons_converge_within_ten_epochs(name: str) -> None:
    trainer = trained(name)
    summary = trainer.summary()
    assert summary.converged and summary.train_loss == 0 and summary.train_acc == 1.0
    assert summary.epochs <= 10


def test_xor_perceptron_never_converges_and_says_why() -> None:
    summary = trained("xor-perceptron").summary()
    assert summary.converged is False
    assert summary.train_acc < 1.0
    assert "not linearly separable" in summary.message


def test_xor_perceptron_with_shuffling_runs_out_of_epochs() -> None:
    summary = trained("xor-perceptron", shuffle=True, epochs=30).summary()
    assert summary.converged is False and summary.epochs == 30
    assert "did not converge within 30 epochs" in summary.message


@pytest.mark.parametrize("name", ["xor", "random-projection"])
def test_xor_networks_reach_full_accuracy(name: str) -> None:
    summary = trained(name).summary()
    assert summary.train_acc == 1.0 and summary.converged is True


def test_random_projection_trains_only_the_readout() -> None:
    trainer = Trainer(load_named("random-projection"))
    hidden_before = trainer.network[0].weight.detach().clone()
    readout_before = trainer.network[2].weight.detach().clone()
    trainer.run()
    assert torch.equal(trainer.network[0].weight, hidden_before)
    assert not torch.equal(trainer.network[2].weight, readout_before)


def test_mnist_like_reaches_97_percent_on_held_out_digits() -> None:
    summary = trained("mnist-like").summary()
    assert summary.test_acc >= 0.97


def test_mlp_on_real_mnist_reaches_95_percent(mnist_folder) -> None:
    preset = load_named("mnist")
    preset = dataclasses.replace(
        preset, data=dataclasses.replace(preset.data, path=str(mnist_folder))
    )
    trainer = Trainer(preset)
    assert (trainer.n_train, len(trainer.x_test)) == (8000, 2000)
    trainer.run()
    assert trainer.summary().test_acc >= 0.95


def test_same_seed_same_run_and_other_seed_other_run() -> None:
    first, second = trained("circle", epochs=5), trained("circle", epochs=5)
    other = trained("circle", epochs=5, seed=1)
    for a, b in zip(first.network.parameters(), second.network.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(first.network[0].weight, other.network[0].weight)


def test_pause_and_resume_ends_where_an_uninterrupted_run_ends() -> None:
    reference = trained("circle", epochs=6, patience=None)
    trainer = Trainer(with_train(load_named("circle"), epochs=6, patience=None))
    calls = iter([False, True] + [False] * 10_000)
    state = trainer.run(should_pause=lambda: next(calls), check_interval_s=0.0)
    assert state.status == "paused" and state.epoch < 6
    trainer.run()
    assert trainer.state.epoch == 6
    for a, b in zip(reference.network.parameters(), trainer.network.parameters(), strict=True):
        assert torch.equal(a, b)


def test_step_batch_and_run_epoch_advance_as_named() -> None:
    trainer = Trainer(with_train(load_named("circle"), batch_size=30))
    trainer.step_batch()
    assert (trainer.state.step, trainer.state.epoch) == (1, 0)
    trainer.run_epoch()
    assert trainer.state.epoch == 1 and trainer.state.step == trainer.steps_per_epoch
    assert trainer.state.status == "paused"


def test_learning_rate_changes_between_steps() -> None:
    trainer = Trainer(load_named("xor"))
    trainer.step_batch()
    trainer.set_learning_rate(0.5)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.5
    with pytest.raises(TrainingError):
        trainer.set_learning_rate(-1.0)


def test_diverging_run_stops_at_once_with_advice() -> None:
    # mse on sigmoid outputs cannot overflow; a linear output can.
    trainer = Trainer(
        with_layers(
            with_train(load_named("circle"), learning_rate=1e9, optimizer="sgd", loss="mse"),
            LayerSpec(units=8, activation="relu"),
            LayerSpec(units=1, activation="identity"),
        )
    )
    trainer.run()
    summary = trainer.summary()
    assert summary.status == "diverged"
    assert "diverged at step" in summary.message and "smaller learning rate" in summary.message
    assert trainer.state.step < 50


def test_a_step_that_diverges_does_not_end_its_epoch() -> None:
    # A full batch: every step is an epoch's last; the diverging one leaves the epoch unfinished,
    # as the exported script counts it, with one stop mark.
    trainer = Trainer(
        with_layers(
            with_train(
                load_named("circle"),
                learning_rate=1e9,
                optimizer="sgd",
                loss="mse",
                batch_size=1000,
            ),
            LayerSpec(units=8, activation="relu"),
            LayerSpec(units=1, activation="identity"),
        )
    )
    trainer.run()
    assert trainer.state.status == "diverged"
    assert trainer.state.epoch == trainer.state.step - 1
    assert [(s.epoch, s.reason) for s in trainer.state.stops] == [(trainer.state.epoch, "diverged")]


def test_metric_events_are_rate_limited_and_complete() -> None:
    events: list[Metrics] = []
    trainer = Trainer(with_train(load_named("spiral"), epochs=60), on_event=events.append)
    trainer.run()
    assert events, "no events"
    assert len(events) <= trainer.state.elapsed_s / 0.1 + 3
    assert all(math.isfinite(e.train_loss) for e in events if e.train_loss is not None)
    assert events[-1].epoch == 60
    assert any(e.test_acc is not None for e in events)


def test_evaluation_runs_without_autograd() -> None:
    trainer = Trainer(load_named("circle"))
    seen: list[bool] = []
    trainer.network[0].register_forward_hook(lambda *_: seen.append(torch.is_grad_enabled()))
    trainer.evaluate()
    assert seen and not any(seen)


def test_incompatible_output_and_loss_is_a_clear_error() -> None:
    preset = with_train(load_named("mnist-like"), loss="bce")
    with pytest.raises(TrainingError, match="two classes and one output unit"):
        Trainer(preset)


def test_absent_device_lists_the_devices_there_are() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(DeviceError, match=r"no CUDA GPU found \(devices here: auto, cpu"):
        Trainer(with_train(load_named("xor"), device="cuda:0"))


def test_the_core_never_imports_textual() -> None:
    code = (
        "import sys, tui_nn.cli, tui_nn.training, tui_nn.presets, tui_nn.data, tui_nn.runs, "
        "tui_nn.trainer.server, tui_nn.trainer.client, tui_nn.devices, tui_nn.model\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext'))\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_trainable_layers_before_a_step_output_are_a_clear_error() -> None:
    preset = with_layers(
        load_named("xor"),
        LayerSpec(units=4, activation="tanh"),
        LayerSpec(units=1, activation="step"),
    )
    with pytest.raises(TrainingError, match="no gradient"):
        Trainer(preset)


def test_out_of_memory_stops_with_the_batch_size_and_a_smaller_suggestion() -> None:
    trainer = Trainer(load_named("mnist-like"))
    real_forward = trainer.head.train_net.forward
    calls = {"n": 0}

    def forward(x):
        calls["n"] += 1
        if calls["n"] == 5:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_forward(x)

    trainer.head.train_net.forward = forward
    trainer.run()
    summary = trainer.summary()
    assert summary.status == "failed" and summary.stop_reason == "out_of_memory"
    assert "batch size 64" in summary.message and "smaller batch_size" in summary.message
    assert trainer.state.step == 4
    fresh = Trainer(load_named("mnist-like"))  # a new run starts without restarting anything
    fresh.run_epoch()
    assert fresh.state.epoch == 1


def test_more_hidden_units_fit_the_sine_better() -> None:
    narrow, wide = trained("sine").summary(), trained("sine-wide").summary()
    assert wide.test_loss < 0.6 * narrow.test_loss
    assert wide.test_loss < 0.02  # near the noise floor of 0.1**2
