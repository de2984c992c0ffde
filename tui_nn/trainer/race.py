"""A comparison in the trainer process: a preset's variants ([compare], see
`tui_nn.presets.compare`) as networks trained side by side (`side_by_side`), each a run of its
own with its own folder (`RunKeeper`), its events tagged with its `variant`.

The lead (variant 0, the preset's own network) is the server's trainer, which the lesson views
show; `Race` holds the others. They share the lead's data (a comparison never changes it) and,
from the preset's seed, its initial weights and batch order wherever the change leaves the
shapes alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui_nn.errors import TuiNnError
from tui_nn.presets import slugify
from tui_nn.presets.compare import Variant
from tui_nn.spec import Preset
from tui_nn.trainer import protocol
from tui_nn.trainer.run_keeper import RunKeeper

if TYPE_CHECKING:  # imports torch, which loads once the trainer is up
    from tui_nn.sweep.folder import SweepFolder
    from tui_nn.training import Trainer

__all__ = ["Member", "Race", "tagged"]

_TAGGED = (protocol.Metrics, protocol.History, protocol.RunOpened, protocol.Summary)


def tagged(event: protocol.Event, variant: int) -> protocol.Event:
    """The event as variant `variant`'s (the events of one run carry which network it is)."""
    if isinstance(event, _TAGGED):
        return dataclasses.replace(event, variant=variant)
    return event


@dataclass
class Member:
    """One network of a comparison besides the lead, and its run."""

    trainer: Trainer
    keeper: RunKeeper


class Race:
    def __init__(self, send: Callable[[protocol.Event], None], socket_path: str | None) -> None:
        self.send = send
        self.socket_path = socket_path
        self.members: list[Member] = []
        self.variants: list[Variant] = []  # every network's, the lead's first ([]: one network)
        self.preset: Preset | None = None  # the preset that compares them
        self.folder: SweepFolder | None = None  # where the runs of the comparison are

    @property
    def compared(self) -> str:
        """The key the networks differ in ("" while there is one network)."""
        compare = self.preset.compare if self.preset is not None else None
        return compare.key if compare is not None else ""

    @property
    def labels(self) -> list[str]:
        """What each network sets, the lead's first."""
        return [variant.label for variant in self.variants]

    def build(self, preset: Preset, variants: list[Variant], lead: Trainer) -> None:
        """The networks of `variants[1:]` of `preset`, beside the already built `lead`
        (`variants[0]`)."""
        from tui_nn.training import Trainer

        self.clear()
        for variant in variants[1:]:
            keeper = RunKeeper(self._sender(variant.index), self.socket_path)
            trainer = Trainer(
                variant.preset,
                dataset=lead.dataset,
                on_event=keeper.metrics,
                on_epoch_end=keeper.epoch_ended,
            )
            self.members.append(Member(trainer, keeper))
        self.preset, self.variants = preset, variants

    def _sender(self, index: int) -> Callable[[protocol.Event], None]:
        return lambda event: self.send(tagged(event, index))

    def clear(self) -> None:
        """No comparison (their runs are closed first: see `close`)."""
        self.members, self.variants = [], []
        self.folder, self.preset = None, None

    def run_folders(self, keepers: list[RunKeeper]) -> list[Path | None]:
        """Where each network's run goes at its first start: side by side in the comparison's
        folder (`<stamp>-compare-<preset>`, listed like a sweep), made at the first start."""
        opened = [keeper.session is not None or keeper.last_path is not None for keeper in keepers]
        if not self.members or all(opened):
            return [None] * len(keepers)  # (ended runs go on in their own folders: `n`)
        from tui_nn.sweep.folder import SweepFolder, plan_folder

        # ("+" would read as "-": lr 1e+09 is 1e09)
        names = [
            slugify(f"{i:03d} {label.replace('+', '')}") for i, label in enumerate(self.labels)
        ]
        if self.folder is None and self.preset is not None:
            folder = SweepFolder(plan_folder(None, self.preset.name, kind="compare"))
            folder.start(
                kind="compare",
                preset=self.preset.name,
                seeds=[self.preset.train.seed],
                set={self.compared: [variant.value for variant in self.variants]},
                runs=names,
                backend="app",
            )
            folder.write_preset(self.preset)  # what an app that attaches edits
            self.folder = folder
        assert self.folder is not None
        path = self.folder.path
        return [
            None if was_opened else path / name
            for was_opened, name in zip(opened, names, strict=True)
        ]

    def close(self, status: str) -> None:
        """Close the members' runs (the lead's is the server's) and the comparison's folder."""
        for member in self.members:
            member.keeper.close(member.trainer, status)
        self.finished(status)

    def finished(self, status: str = "done") -> None:
        """The comparison's runs ended: its folder says so, and a new start makes a new one."""
        folder, self.folder = self.folder, None
        if folder is not None:
            try:
                folder.update(status=status)
            except TuiNnError as error:
                self.send(protocol.Error(str(error)))
