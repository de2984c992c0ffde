"""Event-loop stall measurement for benchmarks: with TUI_NN_LOOP_STATS=FILE set, the app wakes
every 10 ms, records how late each wake-up was, and writes the statistics to FILE when it exits."""

from __future__ import annotations

import asyncio
import json
import os
import time

INTERVAL_S = 0.01


class LoopMonitor:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_environment(cls) -> LoopMonitor | None:
        path = os.environ.get("TUI_NN_LOOP_STATS")
        return cls(path) if path else None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        expected = time.perf_counter() + INTERVAL_S
        while True:
            await asyncio.sleep(INTERVAL_S)
            now = time.perf_counter()
            self.lags.append(max(0.0, now - expected))
            expected = now + INTERVAL_S

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        ordered = sorted(self.lags) or [0.0]
        stats = {
            "samples": len(self.lags),
            "p50_ms": 1000 * ordered[len(ordered) // 2],
            "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
            "max_ms": 1000 * ordered[-1],
            "over_50ms": sum(lag > 0.05 for lag in self.lags),
        }
        with open(self.path, "w", encoding="utf-8") as handle:
            json.dump(stats, handle)
