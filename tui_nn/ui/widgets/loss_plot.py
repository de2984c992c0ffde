"""`LossPlot`: a plotext line plot of named series from a `History`, with a log scale and an
ASCII mode (plain `-|+*o` characters for terminals that lack box drawing or bullets).

Each widget owns its plotext figure (`self.plt`); `replot()` rebuilds the figure from the
history and refreshes the widget. The owner decides when to call it (the plots pane throttles
redraws); nothing here runs on a timer.
"""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.app import RenderResult
from textual.events import Resize
from textual.message import Message
from textual_plotext import PlotextPlot

from ..history import History
from .plot_line import PlotLine

__all__ = ["ASCII_TABLE", "LossPlot", "PlotLine", "nice_ticks"]

# Box drawing and bullets -> plain ASCII, for the ASCII plot mode.
ASCII_TABLE = str.maketrans(
    {
        "─": "-",
        "│": "|",
        "┌": "+",
        "┐": "+",
        "└": "+",
        "┘": "+",
        "├": "+",
        "┤": "+",
        "┬": "+",
        "┴": "+",
        "┼": "+",
        "•": "*",
        "·": ".",
    }
)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round values (1, 2 or 5 times a power of ten apart) covering lo..hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda v: (abs(v - raw), -v))
    first = math.ceil(lo / step - 1e-9) * step
    ticks: list[float] = []
    value = first
    while value <= hi + step * 1e-9 and len(ticks) < 50:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def _label(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return f"{value:.4g}"


def thin(xs: list[float], ys: list[float], limit: int) -> tuple[list[float], list[float]]:
    """At most `limit` points, each the mean of a run of neighbours: a plot `limit / 2` cells
    wide cannot show more (two braille dots a cell), and plotext's time grows with the points."""
    n = len(xs)
    if n <= limit:
        return xs, ys
    edges = [round(i * n / limit) for i in range(limit + 1)]
    out_x, out_y = [], []
    for lo, hi in zip(edges, edges[1:], strict=False):
        if hi > lo:
            out_x.append(sum(xs[lo:hi]) / (hi - lo))
            out_y.append(sum(ys[lo:hi]) / (hi - lo))
    return out_x, out_y


class LossPlot(PlotextPlot):
    """A line plot of some series of a `History`."""

    class Resized(Message):
        """The plot's size changed: its owner rebuilds the figure (ticks and thinning follow
        the size)."""

    DEFAULT_CSS = """
    LossPlot {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(
        self,
        history: History,
        lines: list[PlotLine],
        *,
        percent: bool = False,
        ascii_mode: bool = False,
        log_scale: bool = False,
        mono: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.history = history
        self.lines = lines
        self.percent = percent  # y values are fractions shown as 0..100 %
        self.ascii_mode = ascii_mode
        self.log_scale = log_scale
        self.mono = mono  # no colours: tell lines apart by their markers
        self.drawn_version = -1
        self._figure = 0  # bumped by every replot: the figure plotext will draw changed
        self._rendered: tuple[tuple[Any, ...], Text] | None = None

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized())

    # -- drawing --------------------------------------------------------------------------

    def _series(self, key: str) -> tuple[list[float], list[float]]:
        xs, ys = thin(*self.history.points(key), limit=2 * max(self.size.width, 20))
        if self.percent:
            ys = [100.0 * y for y in ys]
        if self.log_scale and not self.percent:
            pairs = [(x, math.log10(y)) for x, y in zip(xs, ys, strict=True) if y > 0]
            xs = [x for x, _ in pairs]
            ys = [y for _, y in pairs]
        return xs, ys

    def replot(self) -> None:
        """Rebuild the figure from the history (O(capacity) per line) and refresh."""
        self._figure += 1
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        all_x: list[float] = []
        all_y: list[float] = []
        for line in self.lines:
            xs, ys = self._series(line.key)
            if not xs:
                continue
            all_x += xs
            all_y += ys
            distinct = self.ascii_mode or self.mono
            marker = line.ascii_marker if distinct else line.marker
            plt.plot(xs, ys, marker=marker, color=line.color)
        plt.frame(True)
        if all_x:
            x_lo, x_hi = min(all_x), max(all_x)
            x_lo = min(x_lo, 0.0)
            if x_hi <= x_lo:
                x_hi = x_lo + 1
            plt.xlim(x_lo, x_hi)
            xt = nice_ticks(x_lo, x_hi, 4)
            plt.xticks(xt, [_label(v) for v in xt])
            self._y_axis(min(all_y), max(all_y))
        else:
            plt.xticks([], [])
            plt.yticks([], [])
        self.drawn_version = self.history.version
        self.refresh()

    def _y_axis(self, lo: float, hi: float) -> None:
        plt = self.plt
        rows = max(self.size.height - 3, 2)
        count = max(3, min(6, rows // 2 + 1))
        if self.percent:
            # From a round 10 % below the lowest value up to 100 %: small gains stay visible.
            lo = max(0.0, min(math.floor(lo / 10) * 10, 90.0))
            hi = max(hi, 100.0)
            plt.ylim(lo, hi)
            ticks = nice_ticks(lo, hi, count)
            plt.yticks(ticks, [f"{v:g}%" for v in ticks])
            return
        if hi <= lo:
            pad = abs(lo) * 0.1 or (0.5 if self.log_scale else 0.1)
            lo, hi = lo - pad, hi + pad
        elif not self.log_scale and lo >= 0 and lo < (hi - lo) * 0.25:
            lo = 0.0  # a loss near zero: show the zero line
        plt.ylim(lo, hi)
        if self.log_scale:
            decades = list(range(math.ceil(lo), math.floor(hi) + 1))
            if len(decades) > count:
                step = math.ceil(len(decades) / count)
                decades = decades[::step]
            ticks = [float(d) for d in decades] if len(decades) >= 2 else nice_ticks(lo, hi, count)
            plt.yticks(ticks, [_label(float(f"{10**v:.2g}")) for v in ticks])
        else:
            ticks = nice_ticks(lo, hi, count)
            if len(ticks) < 2:
                ticks = [lo, (lo + hi) / 2, hi]
            plt.yticks(ticks, [_label(v) for v in ticks])

    def render(self) -> RenderResult:
        width, height = self.size.width, self.size.height
        # Textual asks again after screens and dialogs come and go; building the figure costs
        # tens of milliseconds, so an unchanged figure at an unchanged size is drawn from cache.
        key = (self._figure, width, height, self.app.theme, self.ascii_mode)
        if self._rendered is not None and self._rendered[0] == key:
            return self._rendered[1]
        self._plot.plotsize(width, height)
        self._plot._set_size(width, height)  # see PlotextPlot.render: resizing needs both
        self._plot.theme(self._get_plotext_theme_name(self.app.theme))
        text = self._plot.build()
        if self.ascii_mode:
            text = text.translate(ASCII_TABLE)
        rendered = Text.from_ansi(text)
        self._rendered = (key, rendered)
        return rendered
