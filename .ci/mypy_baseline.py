"""mypy on the UI (tui_nn/ui/), against a count of errors that may only go down.

The core is strict and clean: plain `mypy` checks it, as pyproject.toml says. The UI is checked with
the same settings but still has errors; how many is written in .ci/mypy-ui-baseline.txt. This fails
when the UI has more errors than that, and asks for the number to be lowered when it has fewer.

Usage (from anywhere): python .ci/mypy_baseline.py
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = "tui_nn/ui"
BASELINE = ROOT / ".ci" / "mypy-ui-baseline.txt"
# "tui_nn/ui/app.py:806: error: ..." (with a column when show_column_numbers is on)
UI_ERROR = re.compile(rf"^{re.escape(UI)}/[^:]+:\d+(?::\d+)?: error: ")


def main() -> int:
    allowed = int(BASELINE.read_text(encoding="utf-8").strip())
    # pyproject.toml excludes the UI from `mypy`'s own file search, so name its files one by one.
    files = [path.relative_to(ROOT).as_posix() for path in sorted((ROOT / UI).rglob("*.py"))]
    command = [sys.executable, "-m", "mypy", "--no-pretty", "--no-color-output", *files]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        print(result.stdout + result.stderr, end="")
        print(f"mypy-ui: mypy failed (exit {result.returncode})")
        return 2
    errors = [line for line in result.stdout.splitlines() if UI_ERROR.match(line)]
    found = len(errors)
    if found > allowed:
        print("\n".join(errors))
        print(
            f"mypy-ui: {found} errors in {UI}/, more than the baseline {allowed} "
            f"({BASELINE.relative_to(ROOT)}): fix the new ones (listed above)"
        )
        return 1
    if found < allowed:
        print(
            f"mypy-ui: {found} errors in {UI}/, fewer than the baseline {allowed}: "
            f"lower it with `echo {found} > {BASELINE.relative_to(ROOT)}`"
        )
        return 0
    print(f"mypy-ui: {found} errors in {UI}/, as the baseline allows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
