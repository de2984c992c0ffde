"""Event-loop stall measurement for benchmarks: with TUI_NN_LOOP_STATS=FILE set, the app wakes
every 10 ms, records how late each wake-up was, and writes the statistics to FILE when it exits:
percentiles, each stall over 50 ms with the `time.perf_counter()` it ended at (a system-wide
monotonic clock on Linux, so a benchmark can match stalls to the keys it pressed), and the time
spent in garbage collection."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import threading
import time
from typing import Any

INTERVAL_S = 0.01
STALL_S = 0.05
LONG_GC_S = 0.01
SAMPLE_S = 0.01
SAMPLE_DEPTH = 40


class LoopMonitor:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lags: list[float] = []
        self.stalls: list[tuple[float, float]] = []  # (perf_counter at its end, lag in seconds)
        self.gc_seconds = [0.0, 0.0, 0.0]  # time spent collecting, per generation
        self.gc_longest = 0.0
        self.long_gcs: list[tuple[float, int, float]] = []  # (perf_counter, generation, seconds)
        self._gc_started: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.samples: list[tuple[float, list[str]]] = []  # (perf_counter, innermost frames)
        self._stopped = False

    @classmethod
    def from_environment(cls) -> LoopMonitor | None:
        path = os.environ.get("TUI_NN_LOOP_STATS")
        return cls(path) if path else None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        gc.callbacks.append(self._on_gc)
        self._heartbeat = time.perf_counter()
        self._loop_thread = threading.get_ident()
        threading.Thread(target=self._sample_stalls, daemon=True, name="loop-monitor").start()

    def _sample_stalls(self) -> None:
        """While the loop is late by over 30 ms, note where its thread is, every 10 ms."""
        while not self._stopped:
            time.sleep(SAMPLE_S)
            late = time.perf_counter() - self._heartbeat
            if late < 0.03:
                continue
            frame = sys._current_frames().get(self._loop_thread)
            where: list[str] = []
            while frame is not None and len(where) < SAMPLE_DEPTH:
                code = frame.f_code
                where.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
                frame = frame.f_back
            self.samples.append((time.perf_counter(), where))

    async def _watch(self) -> None:
        expected = time.perf_counter() + INTERVAL_S
        while True:
            await asyncio.sleep(INTERVAL_S)
            now = time.perf_counter()
            self._heartbeat = now
            lag = max(0.0, now - expected)
            self.lags.append(lag)
            if lag > STALL_S:
                self.stalls.append((now, lag))
            expected = now + INTERVAL_S

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            took = time.perf_counter() - self._gc_started
            self.gc_seconds[info["generation"]] += took
            self.gc_longest = max(self.gc_longest, took)
            if took > LONG_GC_S:
                self.long_gcs.append((time.perf_counter(), info["generation"], took))

    def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        ordered = sorted(self.lags) or [0.0]
        stats = {
            "samples": len(self.lags),
            "p50_ms": 1000 * ordered[len(ordered) // 2],
            "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
            "max_ms": 1000 * ordered[-1],
            "over_50ms": len(self.stalls),
            "stalls": [{"at": at, "ms": 1000 * lag} for at, lag in self.stalls],
            "gc_ms": [1000 * seconds for seconds in self.gc_seconds],
            "gc_longest_ms": 1000 * self.gc_longest,
            "stall_samples": [{"at": at, "where": where} for at, where in self.samples],
            "long_gcs": [
                {"at": at, "generation": g, "ms": 1000 * took} for at, g, took in self.long_gcs
            ],
        }
        with open(self.path, "w", encoding="utf-8") as handle:
            json.dump(stats, handle)
