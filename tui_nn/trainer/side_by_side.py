"""Training one network, or a comparison's networks side by side, at full speed or at a pace.

Side by side is fair to each network: at full speed they take turns of whole epochs, the one
furthest behind up to the same epoch as the others, each turn long enough (`TURN_S`) that the
switches cost nothing measurable, so that their curves grow together and a pause stops them at
about the same epoch; at a pace, every step steps each of them once. One network is the same
loop with one member.

`until[i]` is the epoch network `i` stops at (None: its budget, then its stop rules end it);
`ended(trainer)` is called as soon as a network's run ends, while the others train on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tui_nn.trainer.pace import Pace

if TYPE_CHECKING:  # imports torch, which loads once the trainer is up
    from tui_nn.training import Trainer

__all__ = ["train_paced", "train_together"]

TURN_S = 0.05  # a turn of the networks lasts at least this; a switch costs a few microseconds
ASK_S = 0.02  # commands are looked at this often, as the engine does for one network


def _left(trainers: Sequence[Trainer], until: Sequence[int | None]) -> list[int]:
    """The networks that still have epochs to train."""
    return [
        i
        for i, (trainer, last) in enumerate(zip(trainers, until, strict=True))
        if not trainer.finished and (last is None or trainer.state.epoch < last)
    ]


def train_together(
    trainers: Sequence[Trainer],
    until: Sequence[int | None],
    should_pause: Callable[[], bool],
    ended: Callable[[Trainer], None] | None = None,
) -> None:
    """Train until each network is finished or at its `until`, or `should_pause()` (asked
    about every 20 ms, by the engine and between the networks' turns: a turn of one network
    may be shorter) says to pause. One network trains in one go."""
    if len(trainers) == 1:
        trainers[0].run(until_epoch=until[0], should_pause=should_pause)
        if trainers[0].finished and ended is not None:
            ended(trainers[0])
        return
    asked = False
    asked_at = time.perf_counter()

    def ask() -> bool:
        nonlocal asked, asked_at
        asked_at = time.perf_counter()
        asked = asked or should_pause()
        return asked

    turn = 1  # epochs a turn; doubled while turns are short, halved while they are long
    while not asked and (left := _left(trainers, until)):
        target = min(trainers[i].state.epoch for i in left) + turn
        started = time.perf_counter()
        for i in left:
            trainer, last = trainers[i], until[i]
            limit = trainer.preset.train.epochs if last is None else last
            stop = min(target, limit)
            if trainer.state.epoch < stop:
                # Up to the budget, `until_epoch=None`: there the budget ends the run.
                at_budget = last is None and stop >= limit
                until_epoch = None if at_budget else stop
                trainer.run(until_epoch=until_epoch, should_pause=ask, turn=True)
                if trainer.finished and ended is not None:
                    ended(trainer)
            if asked or (time.perf_counter() - asked_at >= ASK_S and ask()):
                break
        took = time.perf_counter() - started
        if took < TURN_S:
            turn *= 2
        elif took > 4 * TURN_S:
            turn = max(1, turn // 2)
    for trainer in trainers:
        if not trainer.finished:
            trainer.emit_pending()


def train_paced(
    trainers: Sequence[Trainer],
    until: Sequence[int | None],
    pace: Pace,
    max_steps: int | None,
    *,
    after_step: Callable[[], None],
    wait: Callable[[float], bool],
    should_pause: Callable[[], bool],
    ended: Callable[[Trainer], None] | None = None,
) -> None:
    """Train one step of each network at a time, with each step's `Metrics` and then
    `after_step` (the views), at most `pace` steps a second, until none has any left,
    `max_steps` steps or `wait(seconds)` between steps (which takes commands) says to pause;
    on at full speed when the pace becomes full."""
    taken = 0
    pace.start()
    while left := _left(trainers, until):
        for i in left:
            trainers[i].run(until_epoch=until[i], max_steps=1)
            if trainers[i].finished and ended is not None:
                ended(trainers[i])
        taken += 1
        after_step()
        if taken == max_steps or not any(trainers[i].state.status == "running" for i in left):
            break
        if pace.full:
            train_together(trainers, until, should_pause, ended)
            break
        pace.step_taken()
        if wait(pace.wait_s()):
            break
    for trainer in trainers:
        trainer.pause()
