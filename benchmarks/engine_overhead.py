"""Engine overhead: the engine's steps/s against a bare PyTorch loop on the same network, data,
batch size and optimizer, measured alternately in one run.

    python benchmarks/engine_overhead.py [--device cpu|cuda] [--presets xor mnist-like] [--rounds 5]

Prints steps/s of each and their ratio (engine / bare; the target is >= 0.95). The figure is the
median over rounds, which damps the noise of a shared machine. Two bare loops: one that never
evaluates, and one that evaluates (loss and accuracy on the training and test sets) on the
engine's own schedule (`tui_nn.training.eval_schedule`), as a person's loop that reports its
progress does: the first ratio is the engine's whole cost, evaluations included, the second what
the engine's machinery (per-epoch history, events, stop rules) costs beyond them.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import torch

from tui_nn.presets import load_named
from tui_nn.training import Trainer


def engine_preset(name: str, device: str, epochs: int | None):
    """The preset on `device` with no stop rule (an epoch budget only: `epochs`, or the preset's
    if None) and no pace."""
    preset = load_named(name)
    train = dataclasses.replace(
        preset.train,
        device=device,
        epochs=epochs if epochs is not None else preset.train.epochs,
        target_loss=None,
        target_accuracy=None,
        patience=None,
        pace=None,  # full speed: a lesson preset's watchable pace is not what is measured
    )
    return dataclasses.replace(preset, train=train)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_engine(preset) -> tuple[float, int]:
    trainer = Trainer(preset)
    synchronize(trainer.device)
    started = time.perf_counter()
    trainer.run()
    synchronize(trainer.device)
    return time.perf_counter() - started, trainer.state.step


def time_bare(preset, evaluate_every: int | None = None) -> tuple[float, int]:
    """What a person writes by hand: the same modules, tensors and optimizer, no engine; with
    `evaluate_every`, an evaluation at the end of every so many epochs."""
    reference = Trainer(preset)  # only to build the identical network, data and loss
    model, loss_fn = reference.head.train_net, reference.head.loss_fn
    sets = [(reference.x_train, reference.t_train, reference.y_train)]
    if len(reference.x_test):
        sets.append((reference.x_test, reference.t_test, reference.y_test))
    predict = reference.head.predict if reference.head.classification else None
    x, t = reference.x_train, reference.t_train
    optimizer = reference.make_optimizer()
    n, batch_size = len(x), reference.batch_size
    generator = torch.Generator().manual_seed(preset.train.seed)
    steps = 0
    synchronize(reference.device)
    started = time.perf_counter()
    for epoch in range(preset.train.epochs):
        if batch_size >= n:
            batches = [(x, t)]
        else:
            perm = torch.randperm(n, generator=generator).to(reference.device)
            batches = (
                (x[i], t[i]) for i in (perm[s : s + batch_size] for s in range(0, n, batch_size))
            )
        for xb, tb in batches:
            loss = loss_fn(model(xb), tb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            steps += 1
        if evaluate_every is not None and (epoch + 1) % evaluate_every == 0:
            model.eval()
            with torch.no_grad():
                for xs, ts, ys in sets:
                    out = model(xs)
                    float(loss_fn(out, ts))
                    if predict is not None:
                        float((predict(out) == ys).float().mean())
            model.train()
    synchronize(reference.device)
    return time.perf_counter() - started, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--presets", nargs="+", default=["xor", "mnist-like"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, nargs="+", default=None, help="epochs per preset")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads for both loops (default: what the trainer chooses, "
        "tui_nn.devices.training_threads: the count that wins for these networks)",
    )
    args = parser.parse_args()
    from tui_nn.devices import training_threads

    threads = args.threads or training_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    default_epochs = {"xor": 3000, "mnist-like": 10}
    print(f"torch {torch.__version__}, device {args.device}, threads {torch.get_num_threads()}")
    for i, name in enumerate(args.presets):
        epochs = args.epochs[i] if args.epochs else default_epochs.get(name, 10)
        preset = engine_preset(name, args.device, epochs)
        every = Trainer(preset).eval_every_epochs
        time_engine(preset), time_bare(preset)  # warm-up: allocator, kernels, caches
        engine_rates, bare_rates, evaluating_rates, ratios, machinery = [], [], [], [], []
        for _ in range(args.rounds):
            seconds, steps = time_engine(preset)
            engine_rates.append(steps / seconds)
            seconds, steps = time_bare(preset)
            bare_rates.append(steps / seconds)
            seconds, steps = time_bare(preset, evaluate_every=every)
            evaluating_rates.append(steps / seconds)
            ratios.append(engine_rates[-1] / bare_rates[-1])
            machinery.append(engine_rates[-1] / evaluating_rates[-1])
        print(
            f"{name:<12} engine {statistics.median(engine_rates):>9,.0f} steps/s   "
            f"bare {statistics.median(bare_rates):>9,.0f}   "
            f"bare evaluating every {every} epochs {statistics.median(evaluating_rates):>9,.0f}\n"
            f"{'':<12} engine/bare {statistics.median(ratios):.3f} "
            f"(min {min(ratios):.3f}, max {max(ratios):.3f})   "
            f"engine/bare evaluating {statistics.median(machinery):.3f} "
            f"(min {min(machinery):.3f}, max {max(machinery):.3f})"
        )


if __name__ == "__main__":
    main()
