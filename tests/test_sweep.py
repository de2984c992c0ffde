"""`tui-nn sweep`: the grid, bad input, stacked populations against single runs, the fallback for
runs that cannot stack, the run folders (listed, resumable) and the stacked optimizers."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from tui_nn.cli import main
from tui_nn.presets import load_named
from tui_nn.sweep.grid import expand_grid, parse_seeds, parse_set
from tui_nn.sweep.stacked_optim import StackedOptimizer
from tui_nn.training import Trainer


def single_run(name: str, seed: int, **train: Any) -> Trainer:
    """The run `tui-nn train NAME --seed SEED` makes (with these train settings)."""
    preset = load_named(name)
    preset = dataclasses.replace(
        preset, train=dataclasses.replace(preset.train, seed=seed, **train)
    )
    trainer = Trainer(preset)
    trainer.run()
    return trainer


def sweep_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["sweep", *args, "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    metrics = [json.loads(line) for line in lines[:-1]]
    assert metrics and all(line["event"] == "metrics" and "run" in line for line in metrics)
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def test_the_grid_is_the_values_times_the_seeds() -> None:
    preset = load_named("xor")
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds("5,2") == [5, 2]
    rates = parse_set("train.learning_rate=0.01,1", preset)
    units = parse_set("model.layers.0.units=2,8", preset)
    target = parse_set("train.target_loss=off", preset)
    runs = expand_grid(preset, [0, 1], [rates, units, target])
    assert len(runs) == 8 and len({run.name for run in runs}) == 8
    assert [run.seed for run in runs[:2]] == [0, 1]
    last = runs[-1].preset
    assert last.train.learning_rate == 1.0 and isinstance(last.train.learning_rate, float)
    assert last.model.layers[0].units == 8 and last.train.target_loss is None
    assert runs[-1].overrides == {
        "train.learning_rate": 1.0,
        "model.layers.0.units": 8,
        "train.target_loss": None,
    }


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "train.lerning_rate=0.1"], "unknown key"),
        (["--set", "train.epochs=many"], "not a whole number"),
        (["--set", "train.learning_rate=-1"], "train.learning_rate"),
        (["--set", "train.optimizer=adam,lbfgs"], "lbfgs"),
        (["--set", "model.layers.5.units=3"], "layers"),
        (["--set", "train.seed=1,2"], "--seeds"),
        (["--set", "train.loss=mse,cross_entropy"], "cross_entropy needs"),
        (["--seeds", "5-2"], "empty"),
        (["--seeds", "a-b"], "--seeds"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], says: str
) -> None:
    from tui_nn.runs import runs_root

    out = tmp_path / "sweep"
    assert main(["sweep", "xor", *args]) == 2
    assert main(["sweep", "xor", "--out", str(out), *args]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 2 and says in error[0] and error[0] == error[1]
    assert not out.exists() and not runs_root().exists()


def test_without_ray_the_ray_backend_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    assert main(["sweep", "xor", "--backend", "ray", "--out", str(tmp_path / "s")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and 'pip install "tui-nn[ray]"' in error
    assert not (tmp_path / "s").exists()


def test_an_unreachable_ray_cluster_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    import socket

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    assert main(["sweep", "xor", "--backend", "ray", "--out", str(tmp_path / "s")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "cannot reach the Ray cluster" in error
    assert not (tmp_path / "s").exists()


def test_a_stacked_sweep_reproduces_each_single_run_and_lists_as_a_sweep(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tui_nn.runs import list_runs, read_run_info, resolve_run

    result = sweep_json(capsys, "xor", "--seeds", "0-3", "--set", "train.epochs=120")
    runs = result["runs"]
    assert [run["seed"] for run in runs] == [0, 1, 2, 3]
    for run in runs:
        single = single_run("xor", run["seed"], epochs=120).summary()
        assert run["epochs"] == single.epochs and run["converged"] == single.converged
        assert run["stop_reason"] == single.stop_reason
        # The issue asks for 1e-4; stacked products sum in another order than single ones on
        # some CPUs (bit for bit on Intel, 1e-8 apart on AMD EPYC), so hold them to 1e-6.
        assert run["train_loss"] == pytest.approx(single.train_loss, abs=1e-6)
        assert run["train_acc"] == single.train_acc
        assert set(run) >= {"seed", "overrides", "run", "train_loss", "test_loss", "train_acc"}
    assert any(run["stop_reason"] == "target_loss" for run in runs)  # stop rules per member
    assert any(run["stop_reason"] == "epochs" for run in runs)
    listed = [run for run in list_runs() if run.sweep]
    assert len(listed) == 4 and {run.status for run in listed} == {"done"}
    sweep = Path(result["sweep"]).name
    assert [run.id for run in listed] == [f"{sweep}/{Path(r['run']).name}" for r in runs]
    assert resolve_run(listed[0].id) == Path(runs[0]["run"])
    info = read_run_info(Path(runs[0]["run"]))
    assert info["status"] == "done" and info["epochs"] == runs[0]["epochs"]
    assert main(["runs"]) == 0
    assert f"{sweep}/000-seed-0" in capsys.readouterr().out


def test_learning_rates_stack_and_a_stopped_member_resumes_to_its_single_run(
    tmp_path: Path,
) -> None:
    """Members with their own learning rates train as one population, batches shuffled; stopped
    part way, each run's folder resumes (`tui-nn train --resume`) to the single run's end, bit
    for bit: weights, optimizer moments and the batch order were all the single run's."""
    from tui_nn.runs import RunSession
    from tui_nn.sweep.jobs import Job, run_job
    from tui_nn.sweep.population import stack_key

    preset = load_named("xor")
    sets = [
        parse_set("train.learning_rate=0.02,0.05", preset),
        parse_set("train.batch_size=2", preset),
        parse_set("train.epochs=150", preset),
        parse_set("train.target_loss=off", preset),
    ]
    runs = expand_grid(preset, [3], sets)
    trainers = [Trainer(run.preset) for run in runs]
    assert stack_key(trainers[0]) == stack_key(trainers[1]) is not None
    trained = [0]  # member-epochs so far: stop once each member has trained 40 epochs

    def progress(epochs: int) -> None:
        trained[0] += epochs

    results = run_job(
        Job(tuple(runs), str(tmp_path)),
        should_stop=lambda: trained[0] >= 80,
        progress=progress,
    )
    for run, result in zip(runs, results, strict=True):
        assert 0 < result.epochs < 150 and result.status == "stopped"
        session = RunSession.resume(Path(result.run), headless=True)
        trainer = Trainer(run.preset)
        session.start(trainer)
        with session:
            trainer.run()
            resumed = session.finish(trainer)
        lr = run.preset.train.learning_rate
        single = single_run(
            "xor", 3, learning_rate=lr, batch_size=2, epochs=150, target_loss=None
        ).summary()
        assert resumed.epochs == single.epochs == 150 and resumed.steps == single.steps
        assert resumed.train_loss == single.train_loss is not None


def test_losses_kept_on_the_device_until_an_event_give_the_same_runs() -> None:
    """On a GPU the population reads the epochs' losses once per event, not every epoch: the
    same path, taken here on the CPU, ends each run where reading them every epoch does."""
    from tui_nn.sweep.population import Population

    preset = load_named("xor")
    sets = [parse_set("train.epochs=80", preset), parse_set("train.target_loss=off", preset)]
    runs = expand_grid(preset, [0, 1], sets)
    ends = []
    for on_cpu in (True, False):
        trainers = [Trainer(run.preset) for run in runs]
        population = Population(trainers)
        population.on_cpu = on_cpu
        population.run()
        ends.append([(t.summary().train_loss, t.summary().epochs) for t in trainers])
        points = [p.epoch for e in population.events[0] for p in e.epochs]
        assert points == list(range(1, 81))  # every epoch's loss, in order
    assert ends[0] == ends[1]


def test_runs_that_cannot_stack_train_alone_over_workers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The perceptron rule steps sample by sample: each run is a `tui-nn train` run, here in two
    worker processes, with exactly the single run's results."""
    result = sweep_json(
        capsys, "nand", "--seeds", "0,1", "--workers", "2", "--out", str(tmp_path / "s")
    )
    for run in result["runs"]:
        single = single_run("nand", run["seed"]).summary()
        assert (run["epochs"], run["train_loss"], run["converged"]) == (
            single.epochs,
            single.train_loss,
            single.converged,
        )
        assert (Path(run["run"]) / "checkpoint.safetensors").is_file()


@pytest.mark.parametrize("kind", ["sgd", "rmsprop", "adam"])
def test_stacked_optimizers_step_each_member_as_torch_does(kind: str) -> None:
    generator = torch.Generator().manual_seed(0)
    lrs = [0.01, 0.1, 0.03]
    members = [torch.randn(3, 2, generator=generator, requires_grad=True) for _ in lrs]
    optimizers = []
    for weight, lr in zip(members, lrs, strict=True):
        if kind == "sgd":
            optimizers.append(torch.optim.SGD([weight], lr=lr, momentum=0.9, weight_decay=0.01))
        elif kind == "rmsprop":
            optimizers.append(torch.optim.RMSprop([weight], lr=lr, weight_decay=0.01))
        else:
            optimizers.append(torch.optim.Adam([weight], lr=lr, weight_decay=0.01))
    stacked = torch.stack([w.detach() for w in members]).requires_grad_(True)
    optimizer = StackedOptimizer(
        kind, [stacked], lrs, momentum=0.9 if kind == "sgd" else 0.0, weight_decay=0.01
    )
    for _ in range(5):
        grads = torch.randn(len(lrs), 3, 2, generator=generator)
        for weight, grad, single in zip(members, grads, optimizers, strict=True):
            weight.grad = grad.clone()
            single.step()
        stacked.grad = grads.clone()
        optimizer.step()
    assert torch.equal(stacked.detach(), torch.stack([w.detach() for w in members]))
    for member, single in enumerate(optimizers):
        state = single.state[members[member]]
        for key, value in optimizer.member_state(0, member).items():
            assert torch.equal(value, state[key]), key
