"""Figures of the code's shape that the architecture issue tracks, for a tree given on the command
line (default: this checkout): the largest modules, accesses to another object's `_private`
members, and `dict[str, Any]` on the app-trainer path.

    python benchmarks/code_health.py [ROOT]

A private access is `x._name` where `x` is not `self` or `cls` (dunders and the standard library's
documented `os._exit`, `sys._getframe`, `sys._current_frames` aside). The app-trainer path is every module that builds,
sends, receives or shows a trainer message: tui_nn/trainer (or the old runner.py and worker.py),
the engine, snapshot.py, cli.py, the run folders and the whole UI.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ALLOWED = {("os", "_exit"), ("sys", "_getframe"), ("sys", "_current_frames")}
PATH_PARTS = ("trainer", "training", "ui", "runs")
PATH_FILES = ("runner.py", "worker.py", "engine.py", "snapshot.py", "cli.py", "runs.py")


def private_accesses(path: Path) -> list[str]:
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or name.startswith("__"):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and (
            owner.id in ("self", "cls") or (owner.id, name) in ALLOWED
        ):
            continue
        if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
            continue
        found.append((node.lineno, f"{path}:{node.lineno}: {ast.unparse(node)}"))
    return [text for _, text in sorted(found)]


def on_app_trainer_path(path: Path, package: Path) -> bool:
    relative = path.relative_to(package)
    return relative.parts[0] in PATH_PARTS or (len(relative.parts) == 1 and path.name in PATH_FILES)


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])
    package = root / "tui_nn"
    modules = sorted(package.rglob("*.py"))
    sizes = sorted(((len(p.read_text().splitlines()), p) for p in modules), reverse=True)
    print(f"modules: {len(modules)}; over 400 lines: {sum(n > 400 for n, _ in sizes)}")
    for lines, path in sizes[:3]:
        print(f"  {lines:5d}  {path.relative_to(root)}")
    for where in (package, root / "tests"):
        accesses = [hit for p in sorted(where.rglob("*.py")) for hit in private_accesses(p)]
        print(f"private accesses in {where.name}/: {len(accesses)}")
        for hit in accesses[:40]:
            print("  " + hit.replace(str(root) + "/", ""))
    loose = sum(
        p.read_text().count("dict[str, Any]") for p in modules if on_app_trainer_path(p, package)
    )
    print(f"dict[str, Any] on the app-trainer path: {loose}")


if __name__ == "__main__":
    main()
