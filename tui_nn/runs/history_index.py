"""A run's curve without reading all of its metrics.jsonl: the lines that matter, and curve.jsonl.

metrics.jsonl holds one `Metrics` line per trainer event, about ten a second while training: a
day is most of a million lines (~200 MB). Most carry only the mean loss of their window of steps
(their `epochs` and `evals` empty). What a curve needs is every line with epoch points or
evaluations (the trainer already thins those out for long runs), the summaries, and, of the
window-only lines, every one of the first `DENSE_S` seconds of training, then one per bucket of
time whose width doubles with each doubling of the run's time (`LINES_PER_DOUBLING` per
doubling): about 11,000 window-only lines for a day. `Thinning` is that rule.

`CurveWriter` (used by `RunFolder`) writes those lines, as they are, to curve.jsonl beside
metrics.jsonl. The readers (`RunRecord.read`, the app's history reader) take them from curve.jsonl
when the folder has one, else from metrics.jsonl through `curve_lines`, which applies the same
rule while it streams (window-only lines are told by their last bytes and skipped without being
decoded). Either way a reader sees the same lines: `curve_lines` applies the rule to curve.jsonl
again, which keeps exactly what it keeps of metrics.jsonl (a writer that resumed a run may have
kept a line more). A folder whose metrics.jsonl has lines but no curve.jsonl (written before
there was one) gets none: its index would miss those lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from tui_nn.trainer.protocol import Metrics, Summary, encode

__all__ = [
    "CURVE",
    "DENSE_S",
    "LINES_PER_DOUBLING",
    "METRICS",
    "CurveWriter",
    "Thinning",
    "curve_file",
    "curve_lines",
    "is_window_only",
]

METRICS = "metrics.jsonl"
CURVE = "curve.jsonl"
DENSE_S = 300.0  # seconds of training whose window-only lines are all kept
LINES_PER_DOUBLING = 1024  # window-only lines kept per doubling of the time beyond

# How `protocol.encode` ends a `Metrics` line with no epoch points and no evaluations (its last
# fields), in protocol 5 (a run's file holds one network's lines: variant 0), in protocol 4 and
# in protocol 3 (which had no `epochs`).
_WINDOW_ONLY = (
    b'"evals":[],"epochs":[],"variant":0}\n',
    b'"evals":[],"epochs":[]}\n',
    b'"evals":[]}\n',
)
_ELAPSED = b'"elapsed_s":'


def window_bucket(elapsed_s: float) -> tuple[int, int] | None:
    """The bucket of a window-only line at `elapsed_s` seconds of training: (doubling, index);
    None in the first `DENSE_S` seconds (or for a time that is not a finite number)."""
    if not (math.isfinite(elapsed_s) and elapsed_s > DENSE_S):
        return None
    doubling = math.ceil(math.log2(elapsed_s / DENSE_S))  # 1 up to twice DENSE_S, 2 up to 4x, ...
    width = DENSE_S * 2.0 ** (doubling - 1) / LINES_PER_DOUBLING
    return doubling, int(elapsed_s // width)


def _inside(bucket: tuple[int, int] | None) -> tuple[float, float]:
    """Times that are certainly in `bucket` (an empty range for None: the dense start)."""
    if bucket is None:
        return math.inf, -math.inf
    doubling, index = bucket
    width = DENSE_S * 2.0 ** (doubling - 1) / LINES_PER_DOUBLING
    margin = width * 1e-6
    low = max(index * width, DENSE_S * 2.0 ** (doubling - 1)) + margin
    high = min((index + 1) * width, DENSE_S * 2.0**doubling) - margin
    return low, high


class Thinning:
    """Which lines of a metrics.jsonl a curve keeps, in the order they come: all but window-only
    lines in a bucket of time (`window_bucket`) whose first line was kept."""

    def __init__(self) -> None:
        self._last: tuple[int, int] | None = None  # the bucket of the last window line kept
        # Times certainly inside that bucket (a margin short of its edges): a line there is
        # dropped without working out its bucket (most lines of a long file are).
        self._inside = (math.inf, -math.inf)

    def keep_window(self, elapsed_s: float) -> bool:
        low, high = self._inside
        if low < elapsed_s < high:
            return False
        bucket = window_bucket(elapsed_s)
        if bucket is not None and bucket == self._last:
            return False
        self._last = bucket
        self._inside = _inside(bucket)
        return True

    def keeps(self, event: Metrics | Summary) -> bool:
        if isinstance(event, Metrics) and not event.epochs and not event.evals:
            return self.keep_window(event.elapsed_s)
        return True

    def select(
        self,
        lines: Iterable[bytes],
        *,
        windows: bool = True,
        cancelled: Callable[[], bool] | None = None,
        check_every: int = 4096,
    ) -> Iterator[bytes]:
        """`curve_lines`. A million lines pass through here: the common case, a window-only
        line inside the last kept bucket, costs a suffix test, two finds and a float."""
        countdown = 1  # asked before the first line, then every `check_every`
        for line in lines:
            countdown -= 1
            if countdown <= 0 and cancelled is not None:
                if cancelled():
                    return
                countdown = check_every
            if line.endswith(_WINDOW_ONLY):
                if not windows:
                    continue
                start = line.find(_ELAPSED) + len(_ELAPSED)
                try:
                    elapsed = float(line[start : line.find(b",", start)])
                except ValueError:
                    yield line  # damaged: decoding it fails
                    continue
                low, high = self._inside
                if low < elapsed < high or not self.keep_window(elapsed):
                    continue
            yield line


def is_window_only(line: bytes) -> bool:
    """Whether `line` (with its newline) is a `Metrics` line with neither epochs nor evaluations,
    told without decoding it."""
    return line.endswith(_WINDOW_ONLY)


def curve_file(metrics_file: Path) -> Path:
    """The file to read a curve from: the curve.jsonl beside `metrics_file` when there is one,
    else `metrics_file` itself."""
    metrics_file = Path(metrics_file)
    if metrics_file.name == METRICS:
        index = metrics_file.with_name(CURVE)
        if index.is_file():
            return index
    return metrics_file


def curve_lines(
    lines: Iterable[bytes],
    *,
    windows: bool = True,
    cancelled: Callable[[], bool] | None = None,
    check_every: int = 4096,
) -> Iterator[bytes]:
    """The lines of a metrics.jsonl or curve.jsonl (bytes, as a binary file gives them) that a
    curve keeps (`Thinning`); with `windows=False` no window-only line at all (the run's record
    needs none). Damaged lines are passed on: decoding them fails. Ends early once `cancelled()`
    says so (asked every `check_every` lines)."""
    return Thinning().select(lines, windows=windows, cancelled=cancelled, check_every=check_every)


class CurveWriter:
    """Appends a run folder's curve.jsonl as its metrics.jsonl is appended: the lines of
    `Thinning`, each flushed at once. Open it before metrics.jsonl has its first line of this
    session: a folder whose metrics.jsonl has lines and no curve.jsonl gets no index."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder)
        metrics, index = folder / METRICS, folder / CURVE
        try:
            recorded = metrics.stat().st_size > 0
        except FileNotFoundError:
            recorded = False
        self._stream: IO[str] | None = None
        if recorded and not index.is_file():
            return  # written before curve files: the readers read metrics.jsonl
        # A new run's index starts empty, whatever an earlier one left; a resumed run's goes on.
        self._stream = open(index, "a" if recorded else "w", encoding="utf-8")
        self._thinning = Thinning()

    @property
    def active(self) -> bool:
        return self._stream is not None

    def append(self, event: Metrics | Summary, line: str | None = None) -> None:
        """Write `event` (its line, `encode(event)`, when already made) if the curve keeps it."""
        if self._stream is None or not self._thinning.keeps(event):
            return
        self._stream.write(encode(event) if line is None else line)
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
