"""The comparison's line under the status bar: each network of a preset that compares variants
([compare]), in its plot colour, with its state, epoch, training loss and accuracy; hidden while
the preset trains one network."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

from tui_nn.trainer.protocol import Metrics, State, Summary

from ..widgets.plot_line import line_style, overlay_color, overlay_marker
from .status_bar import format_acc, format_loss

__all__ = ["RaceLine"]


@dataclass
class _Network:
    label: str
    status: str = "idle"
    epoch: int = 0
    loss: float | None = None
    acc: float | None = None  # the test accuracy, or the training one without a test set
    evaluated: bool = False  # the figures are an evaluation's


class RaceLine(Static):
    def __init__(self, *, mono: bool = False, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.networks: list[_Network] = []
        self.mono = mono  # no colours: the plots' markers tell the networks apart

    def set_variants(self, labels: list[str]) -> None:
        """A newly loaded preset's networks ([] hides the line)."""
        self.networks = [_Network(label) for label in labels]
        self.display = bool(labels)
        self._show()

    def clear(self) -> None:
        self.set_variants([network.label for network in self.networks])

    def state(self, event: State) -> None:
        for network, state in zip(self.networks, event.variants, strict=False):
            network.status, network.epoch = state.status, state.epoch
        self._show()

    def metrics(self, event: Metrics) -> None:
        """The network's figures as the status bar shows the lead's: its last evaluation's once
        there is one, before that the latest training loss."""
        network = self._network(event.variant)
        if network is None:
            return
        network.epoch = event.epoch
        network.status = event.status
        if event.evals:
            point = event.evals[-1]
            network.evaluated = True
            network.loss = point.train_loss
            network.acc = point.test_acc if point.test_acc is not None else point.train_acc
        elif not network.evaluated:
            loss = event.epochs[-1].train_loss if event.epochs else event.train_loss
            network.loss = loss if loss is not None else network.loss
        self._show()

    def summary(self, event: Summary) -> None:
        network = self._network(event.variant)
        if network is None:
            return
        network.status, network.epoch = event.status, event.epochs
        if event.train_loss is not None:
            network.loss = event.train_loss
        acc = event.test_acc if event.test_acc is not None else event.train_acc
        network.acc = acc if acc is not None else network.acc
        self._show()

    def label(self, index: int) -> str:
        """What network `index` of the comparison sets ("" without a comparison)."""
        network = self._network(index)
        return network.label if network is not None else ""

    def _network(self, index: int) -> _Network | None:
        return self.networks[index] if 0 <= index < len(self.networks) else None

    def line(self) -> str:
        return self.race_content().plain

    def race_content(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        keys = {network.label.partition("=")[0] for network in self.networks}
        short = len(keys) == 1 and all("=" in network.label for network in self.networks)
        if short:  # "optimizer  • adam ...  • sgd ...": the key once, then the values
            parts.append((keys.pop(), "bold"))
        for index, network in enumerate(self.networks):
            color = line_style(overlay_color(index))
            marker = overlay_marker(index) if self.mono else "•"
            if index or short:
                parts.append("  ")
            name = network.label.partition("=")[2] if short else network.label
            parts.append((f"{marker} {name}", f"bold {color}"))
            parts.append((" ep ", "dim"))
            parts.append(str(network.epoch))
            parts.append(f" {format_loss(network.loss)}")
            if network.acc is not None:
                parts.append(f" {format_acc(network.acc)}")
            if network.status in ("done", "diverged", "failed"):
                style = "$error" if network.status != "done" else "$accent"
                parts.append((f" {network.status}", style))
        return Content.assemble(*parts)

    def _show(self) -> None:
        if self.display:
            self.update(self.race_content())
