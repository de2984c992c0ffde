"""`PlotLine`: how one series of a `History` is drawn (label, colour, markers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlotLine:
    key: str  # the series name in the History
    label: str
    color: str  # a plotext colour name (one of the 8 ANSI colours: the Linux console has them)
    marker: str  # plotext marker in the normal mode
    ascii_marker: str  # one ASCII character for the ASCII / no-colour mode
