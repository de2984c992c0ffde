"""`PlotLine`: how one series of a `History` is drawn (label, colour, markers), and the lines of
several runs overlaid in one plot (the variants of a comparison, the runs of a sweep)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OVERLAY_COLORS",
    "OVERLAY_MARKERS",
    "PlotLine",
    "line_style",
    "overlay_color",
    "overlay_key",
    "overlay_lines",
    "overlay_marker",
]


@dataclass(frozen=True)
class PlotLine:
    key: str  # the series name in the History
    label: str
    color: str  # a plotext colour name (one of the 8 ANSI colours: the Linux console has them)
    marker: str  # plotext marker in the normal mode
    ascii_marker: str  # one ASCII character for the ASCII / no-colour mode


def line_style(color: str) -> str:
    """The Textual style of a plot colour, for legends in the same colour as the line."""
    return f"ansi_{color}"


# Overlaid runs, one colour and one ASCII marker each (red is left to the stop marks); the
# markers tell them apart where there are no colours.
OVERLAY_COLORS = ("cyan", "magenta", "yellow", "green", "blue", "white")
OVERLAY_MARKERS = ("*", "o", "+", "x", "#", "%")


def overlay_color(index: int) -> str:
    """Run `index`'s colour in an overlay (they repeat past six)."""
    return OVERLAY_COLORS[index % len(OVERLAY_COLORS)]


def overlay_marker(index: int) -> str:
    """Run `index`'s ASCII marker in an overlay."""
    return OVERLAY_MARKERS[index % len(OVERLAY_MARKERS)]


def overlay_key(series: str, index: int) -> str:
    """The History key of run `index`'s `series` (e.g. "train_loss#1") in an overlay."""
    return f"{series}#{index}"


def overlay_lines(series: str, labels: list[str]) -> list[PlotLine]:
    """One line per run for `series`, labelled, in the overlay colours (they repeat past six)."""
    return [
        PlotLine(overlay_key(series, i), label, overlay_color(i), "dot", overlay_marker(i))
        for i, label in enumerate(labels)
    ]
