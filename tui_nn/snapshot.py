"""What the lesson views need from a trainer: the protocol's `DataOverview` and `Snapshot`.

`data_overview` is sent once when a preset is loaded (the data points, images, the 1-D target);
`take_snapshot` is sent a few times a second while training (weights of small networks, layer
statistics, decision maps, predictions, the confusion matrix). The UI process renders them
without torch.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import torch

from tui_nn.trainer.protocol import Curve, DataOverview, DecisionMap, LayerStats, Snapshot

if TYPE_CHECKING:
    from tui_nn.training import Trainer

MAX_WEIGHTS_SENT = 512  # a network this small is shown weight by weight
MAX_POINTS_SENT = 400
MAX_HIDDEN_MAPS = 8
GRID_ROWS, GRID_COLS = 16, 32
CURVE_POINTS = 64
DIGITS_SHOWN = 24


def _linear_layers(trainer: Trainer) -> list[tuple[torch.nn.Linear, str]]:
    linears = [module for module in trainer.network if isinstance(module, torch.nn.Linear)]
    activations = [layer.activation for layer in trainer.preset.model.layers]
    return list(zip(linears, activations, strict=True))


def _bounds(x: torch.Tensor) -> list[list[float]]:
    """The data's range per input, padded by a tenth (at least 0.25) so points are not on the edge."""
    low, high = x.min(dim=0).values, x.max(dim=0).values
    pad = torch.clamp((high - low) * 0.1, min=0.25)
    return [[float(lo), float(hi)] for lo, hi in zip(low - pad, high + pad, strict=True)]


def _sample_rows(x: torch.Tensor, labels: torch.Tensor, limit: int) -> list[list[float]]:
    step = max(1, len(x) // limit)
    rows = torch.cat([x[::step], labels[::step].float().reshape(-1, 1)], dim=1)
    return [[round(v, 4) for v in row] for row in rows.tolist()]


def data_overview(trainer: Trainer) -> DataOverview:
    data = trainer.dataset
    overview: DataOverview = {"set": data.name, "class_names": data.class_names}
    # The points in the data's own units (the network may see them standardised).
    x_cpu, y_cpu = data.x[trainer.train_idx], trainer.y_train.cpu()
    xt_cpu, yt_cpu = data.x[trainer.test_idx], trainer.y_test.cpu()
    if data.n_features == 2:
        overview["bounds"] = _bounds(data.x)
        overview["points"] = {
            "train": _sample_rows(x_cpu, y_cpu, MAX_POINTS_SENT),
            "test": _sample_rows(xt_cpu, yt_cpu, MAX_POINTS_SENT // 2) if len(xt_cpu) else [],
        }
    if data.n_features == 1:
        overview["bounds"] = _bounds(data.x)
        overview["points"] = {"train": _sample_rows(x_cpu, y_cpu.reshape(-1), MAX_POINTS_SENT)}
    if data.image_shape is not None:
        images, labels = (xt_cpu, yt_cpu) if len(xt_cpu) else (x_cpu, y_cpu)
        overview["image_shape"] = list(data.image_shape)
        overview["images"] = [[round(v, 3) for v in row] for row in images[:DIGITS_SHOWN].tolist()]
        overview["image_labels"] = labels[:DIGITS_SHOWN].tolist()
    return overview


@torch.no_grad()
def take_snapshot(trainer: Trainer) -> Snapshot:
    layers = _linear_layers(trainer)
    n_params = sum(linear.weight.numel() + linear.bias.numel() for linear, _ in layers)
    data = trainer.dataset
    decision_map = curve = None
    snapshot = Snapshot(trainer.state.epoch, trainer.state.step, [])
    trainer.network.eval()
    try:
        if data.n_features == 2:
            decision_map = _decision_map(trainer, layers)
        elif data.n_features == 1:
            curve = _curve(trainer)
        if data.is_classification and data.n_classes > 2:
            snapshot = _with_predictions(snapshot, trainer)
    finally:
        trainer.network.train()
    return dataclasses.replace(
        snapshot,
        layers=[_layer_stats(linear, activation, n_params) for linear, activation in layers],
        map=decision_map,
        curve=curve,
    )


def _layer_stats(linear: torch.nn.Linear, activation: str, n_params: int) -> LayerStats:
    weight, bias = linear.weight, linear.bias
    stats: LayerStats = {
        "activation": activation,
        "shape": list(weight.shape),
        "trainable": weight.requires_grad,
        "mean_abs": float(weight.abs().mean()),
        "max_abs": float(weight.abs().max()),
        "grad_norm": float(weight.grad.norm()) if weight.grad is not None else None,
    }
    if n_params <= MAX_WEIGHTS_SENT:
        stats["weights"] = [[round(v, 5) for v in row] for row in weight.tolist()]
        stats["bias"] = [round(v, 5) for v in bias.tolist()]
    return stats


def _grid(bounds: list[list[float]], device: torch.device) -> torch.Tensor:
    (x_lo, x_hi), (y_lo, y_hi) = bounds
    ys = torch.linspace(y_hi, y_lo, GRID_ROWS, device=device)  # top row is the largest x2
    xs = torch.linspace(x_lo, x_hi, GRID_COLS, device=device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)


def _class_one_score(trainer: Trainer, points: torch.Tensor) -> torch.Tensor:
    """A 0..1 score of class 1 for each point (two-class data, inputs as the network takes
    them), whatever the output encoding."""
    out: torch.Tensor = trainer.network(points)
    if out.shape[1] > 1:
        return torch.softmax(trainer.head.train_net(points), dim=1)[:, 1]
    low = -1.0 if trainer.head.signed_targets else 0.0
    if trainer.head.loss_fn is torch.nn.functional.binary_cross_entropy_with_logits:
        return torch.sigmoid(trainer.head.train_net(points))[:, 0]
    return ((out[:, 0] - low) / (1.0 - low)).clamp(0.0, 1.0)


def _decision_map(trainer: Trainer, layers: list[tuple[torch.nn.Linear, str]]) -> DecisionMap:
    bounds = _bounds(trainer.dataset.x)
    points = trainer.scale_inputs(_grid(bounds, trainer.device))  # the grid in the data's units
    result: DecisionMap = {"rows": GRID_ROWS, "cols": GRID_COLS, "bounds": bounds}
    if trainer.dataset.n_classes == 2:
        result["values"] = _rounded_rows(_class_one_score(trainer, points))
    # Per-neuron maps for the first hidden layer of a small network.
    if len(layers) > 1 and layers[0][0].out_features <= MAX_HIDDEN_MAPS:
        hidden = trainer.network[1](trainer.network[0](points))
        low, high = hidden.min(), hidden.max()
        scaled = (hidden - low) / (high - low).clamp(min=1e-9)
        result["hidden"] = [_rounded_rows(scaled[:, unit]) for unit in range(hidden.shape[1])]
    return result


def _rounded_rows(values: torch.Tensor) -> list[list[float]]:
    return [[round(v, 3) for v in row] for row in values.reshape(GRID_ROWS, GRID_COLS).tolist()]


def _curve(trainer: Trainer) -> Curve:
    ((low, high),) = _bounds(trainer.dataset.x)
    xs = torch.linspace(low, high, CURVE_POINTS, device=trainer.device).reshape(-1, 1)
    ys = trainer.network(trainer.scale_inputs(xs))[:, 0]
    return {"x": [round(v, 4) for v in xs[:, 0].tolist()], "y": [round(v, 4) for v in ys.tolist()]}


def _with_predictions(snapshot: Snapshot, trainer: Trainer) -> Snapshot:
    """The first predictions (digits shown) and the confusion matrix, of the test set if any."""
    x, y = (
        (trainer.x_test, trainer.y_test)
        if len(trainer.x_test)
        else (trainer.x_train, trainer.y_train)
    )
    predicted = trainer.head.predict(trainer.head.train_net(x))
    n = trainer.dataset.n_classes
    confusion = torch.bincount(y * n + predicted, minlength=n * n).reshape(n, n)
    return dataclasses.replace(
        snapshot,
        predicted=predicted[:DIGITS_SHOWN].tolist(),
        confusion=confusion.tolist(),
        confusion_of="test" if len(trainer.x_test) else "train",
    )
