"""Checkpoints: the model, the optimizer's state, the random-number state and the run's counters in
one safetensors file, written atomically. Nothing is ever unpickled: a checkpoint is tensors plus
JSON metadata, checked against the network before anything is copied."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from tui_nn.atomic import write_atomic
from tui_nn.data.scaling import InputScaling
from tui_nn.errors import TuiNnError
from tui_nn.trainer.protocol import StopMark

if TYPE_CHECKING:
    from tui_nn.training import Trainer

FORMAT = "tui-nn-checkpoint-1"
MAX_CHECKPOINT_BYTES = 8 * 2**30


class CheckpointError(TuiNnError):
    """A checkpoint cannot be written or read."""


def checkpoint_tensors(trainer: Trainer) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    tensors = {
        f"model.{name}": t.detach().cpu().contiguous()
        for name, t in trainer.network.state_dict().items()
    }
    if trainer.optimizer is not None:
        for index, state in trainer.optimizer.state_dict()["state"].items():
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.{index}.{key}"] = value.detach().cpu().contiguous()
    tensors["rng.order"] = trainer.generator.get_state()
    if trainer.scaling is not None:  # the inputs' statistics, for a resumed run and exports
        tensors.update(trainer.scaling.tensors())
    progress = trainer.epoch_progress
    if progress.position and progress.permutation is not None:  # mid-epoch: keep the epoch's order
        tensors["order.permutation"] = progress.permutation.detach().cpu().contiguous()
    state = trainer.state
    metadata = {
        "format": FORMAT,
        "preset": trainer.preset.name,
        "run_state": json.dumps(
            {
                "epoch": state.epoch,
                "step": state.step,
                "samples": state.samples,
                "elapsed_s": state.elapsed_s,
                "best_loss": state.best_loss if state.best_loss != float("inf") else None,
                "best_epoch": state.best_epoch,
                "stops": [dataclasses.asdict(stop) for stop in state.stops],
                "learning_rate": trainer.learning_rate,
                "position": progress.position,
                "epoch_errors": progress.errors,
                "start_loss": trainer.start_loss,  # the blow-up rule's reference
            }
        ),
    }
    return tensors, metadata


def save_checkpoint(trainer: Trainer, path: Path) -> None:
    """Write a checkpoint of the trainer at an epoch's end; the previous file stays whole until then."""
    from safetensors.torch import save_file

    tensors, metadata = checkpoint_tensors(trainer)
    try:
        write_atomic(Path(path), lambda temp: save_file(tensors, str(temp), metadata=metadata))
    except OSError as error:
        raise CheckpointError(
            f"cannot write checkpoint {path}: {error.strerror or error}"
        ) from None


def read_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and metadata of a checkpoint file, refusing anything that is not one."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if path.suffix in (".pt", ".pth", ".pkl", ".bin"):
        raise CheckpointError(
            f"{path}: tui-nn reads checkpoints only as .safetensors (pickled files can run code)"
        )
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error.strerror or error}") from None
    if size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"{path}: {size:,} bytes is larger than any tui-nn checkpoint")
    try:
        with open(path, "rb") as handle:
            header_size = int.from_bytes(handle.read(8), "little")
        if header_size <= 0 or header_size > min(size - 8, 100 * 2**20):
            raise CheckpointError(f"{path}: not a safetensors checkpoint (bad header)")
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        if metadata.get("format") != FORMAT:
            raise CheckpointError(
                f"{path}: not a tui-nn checkpoint (format {metadata.get('format')!r})"
            )
        run_state = json.loads(metadata["run_state"])
        if not isinstance(run_state, dict):
            raise CheckpointError(f"{path}: damaged checkpoint metadata")
        tensors = load_file(str(path))
    except CheckpointError:
        raise
    except (SafetensorError, OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise CheckpointError(
            f"{path}: not a readable checkpoint ({type(error).__name__}: {error})"
        ) from None
    return tensors, run_state


def restore_checkpoint(trainer: Trainer, path: Path) -> None:
    """Put the trainer where the checkpoint left it: weights, optimizer moments, order RNG, counters."""
    tensors, run_state = read_checkpoint(path)
    model_state = trainer.network.state_dict()
    for name, target in model_state.items():
        given = tensors.get(f"model.{name}")
        if given is None or given.shape != target.shape or given.dtype != target.dtype:
            raise CheckpointError(f"{path}: does not fit this network (parameter {name!r})")
    try:
        learning_rate = float(run_state["learning_rate"])
        epoch, step = int(run_state["epoch"]), int(run_state["step"])
        generator_state = tensors["rng.order"]
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{path}: damaged checkpoint metadata") from None
    stored = InputScaling.from_tensors(tensors)
    if stored is None and trainer.scaling is not None:
        raise CheckpointError(
            f"{path}: the run was trained on unscaled inputs; to resume it, set "
            "data.standardize = false in its preset.toml"
        )
    if stored is not None:
        n_inputs = trainer.dataset.n_features
        if trainer.scaling is None or stored.kinds() != trainer.scaling.kinds():
            raise CheckpointError(
                f"{path}: the run scaled its inputs otherwise than its preset says "
                "(data.standardize, data.missing)"
            )
        if any(t.shape != (n_inputs,) for t in stored.tensors().values()):
            raise CheckpointError(f"{path}: the input scaling does not fit {n_inputs} inputs")
        trainer.restore_scaling(stored)
    with torch.no_grad():
        for name, target in model_state.items():
            target.copy_(tensors[f"model.{name}"])
    trainer.set_learning_rate(learning_rate)
    if trainer.optimizer is not None:
        state_dict = trainer.optimizer.state_dict()
        restored: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                restored.setdefault(int(index), {})[name] = (
                    value.to(trainer.device) if name != "step" else value
                )
        state_dict["state"] = restored
        try:
            trainer.optimizer.load_state_dict(state_dict)
        except (ValueError, KeyError, RuntimeError) as error:
            raise CheckpointError(f"{path}: optimizer state does not fit ({error})") from None
    try:
        trainer.generator.set_state(generator_state)
    except RuntimeError:
        raise CheckpointError(f"{path}: damaged random-number state") from None
    state = trainer.state
    state.epoch, state.step = epoch, step
    state.samples = int(run_state.get("samples", 0))
    state.elapsed_s = float(run_state.get("elapsed_s", 0.0))
    best = run_state.get("best_loss")
    state.best_loss = float(best) if best is not None else float("inf")
    state.best_epoch = int(run_state.get("best_epoch", 0))
    start_loss = run_state.get("start_loss")
    if isinstance(start_loss, int | float) and not isinstance(start_loss, bool):
        trainer.start_loss = float(start_loss)  # older checkpoints: the next step's loss
    try:
        state.stops = [StopMark(**stop) for stop in run_state.get("stops", [])]
    except TypeError:
        raise CheckpointError(f"{path}: damaged stop marks in the checkpoint") from None
    permutation = tensors.get("order.permutation")
    position = int(run_state.get("position", 0))
    if (
        permutation is not None
        and 0 < position < trainer.n_train
        and len(permutation) == trainer.n_train
    ):
        from tui_nn.training import EpochProgress

        errors = int(run_state.get("epoch_errors", 0))
        trainer.resume_epoch(EpochProgress(permutation, position, errors))
    state.status = "paused" if epoch else "ready"
