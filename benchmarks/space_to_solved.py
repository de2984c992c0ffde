"""From pressing space on `xor` to 100% accuracy on screen (target: under 1 s).

    python benchmarks/space_to_solved.py [--rounds 3]

The app is started in a pseudo-terminal and left to load (its trainer process starts with it);
then space is pressed and the time until the status line shows "acc 100.0%" is measured.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_app import PtyApp


def once(env: dict) -> float:
    app = PtyApp([sys.executable, "-m", "tui_nn", "xor"], env=env)
    try:
        app.wait_for("Presets")
        app.wait_for("IDLE", timeout=30)  # the trainer has loaded the preset
        mark = len(app.output)
        app.press(b" ")
        return app.wait_for("acc 100.0%", timeout=30, since=mark)
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        env = {"XDG_CONFIG_HOME": f"{temp}/config", "XDG_DATA_HOME": f"{temp}/data"}
        times = [once(env) for _ in range(args.rounds)]
    print(
        f"space to 100% accuracy on screen (xor): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {len(times)} runs"
    )


if __name__ == "__main__":
    main()
