"""Run folders: every training run, from the app or `tui-nn train`, writes one.

    <runs>/<id>/preset.toml          the preset as run
               metrics.jsonl         every metric event, appended and flushed as training goes
               run.json              what `tui-nn runs` lists: preset, status, epochs, best metric
               checkpoint.safetensors  the latest checkpoint (replaced atomically)
               model.safetensors     the final weights under torch's state_dict names

`<runs>` is `platformdirs.user_data_path("tui-nn") / "runs"` unless `--out DIR` names the folder.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import platformdirs

from tui_nn.atomic import write_atomic, write_text_atomic
from tui_nn.errors import TuiNnError
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import Metrics, Summary, encode

CHECKPOINT = "checkpoint.safetensors"


def runs_root() -> Path:
    return platformdirs.user_data_path("tui-nn") / "runs"


class RunFolder:
    def __init__(self, path: Path, *, resume: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.info: dict[str, Any] = {}
        if resume:
            self.info = read_run_info(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._metrics: IO[str] = open(self.path / "metrics.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise TuiNnError(
                f"cannot write the run folder {self.path}: {error.strerror or error}"
            ) from None

    @classmethod
    def create(cls, preset: Preset, root: Path | None = None) -> RunFolder:
        """A new folder named by the time and the preset, under `root` (the user's runs folder)."""
        from tui_nn.presets import slugify

        root = runs_root() if root is None else Path(root)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{slugify(preset.name)}"
        name, counter = base, 1
        while (root / name).exists():
            counter += 1
            name = f"{base}-{counter}"
        return cls(root / name)

    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT

    def start(self, preset: Preset, device: str) -> None:
        from tui_nn.presets import dump_preset

        self._guard(lambda: write_text_atomic(self.path / "preset.toml", dump_preset(preset)))
        self.info.setdefault("started", datetime.now().isoformat(timespec="seconds"))
        self.update(preset=preset.name, device=device, status="running", pid=os.getpid())

    def update(self, **fields: Any) -> None:
        self.info.update(fields, id=self.path.name, updated=time.time())
        text = json.dumps(self.info, indent=1)
        self._guard(lambda: write_text_atomic(self.path / "run.json", text))

    def append_metrics(self, event: Metrics | Summary) -> None:
        """One protocol line in metrics.jsonl (read back with `protocol.decode_event`)."""

        def write() -> None:
            self._metrics.write(encode(event))
            self._metrics.flush()

        self._guard(write)
        if event.test_acc is not None:
            best = self.info.get("best_test_acc")
            if best is None or event.test_acc > best:
                self.info["best_test_acc"] = event.test_acc

    def save_checkpoint(self, trainer: Any) -> None:
        from tui_nn.checkpoint import save_checkpoint

        save_checkpoint(trainer, self.checkpoint_path)
        self.update(
            epochs=trainer.state.epoch,
            steps=trainer.state.step,
            checkpoint_epoch=trainer.state.epoch,
        )

    def save_model(self, state_dict: dict[str, Any]) -> None:
        from safetensors.torch import save_file

        tensors = {
            name: tensor.detach().to("cpu").contiguous() for name, tensor in state_dict.items()
        }
        self._guard(
            lambda: write_atomic(
                self.path / "model.safetensors", lambda t: save_file(tensors, str(t))
            )
        )

    def close(self) -> None:
        self._metrics.close()

    def _guard(self, action: Any) -> None:
        try:
            action()
        except OSError as error:
            raise TuiNnError(
                f"cannot write to the run folder {self.path}: {error.strerror or error}"
            ) from None


def read_run_info(path: Path) -> dict[str, Any]:
    try:
        info = json.loads((Path(path) / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TuiNnError(f"not a run folder (no run.json): {path}") from None
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise TuiNnError(f"cannot read {Path(path) / 'run.json'}: {error}") from None
    if not isinstance(info, dict):
        raise TuiNnError(f"{Path(path) / 'run.json'} is damaged")
    return info


@dataclass
class RunSummary:
    id: str
    path: Path
    preset: str
    status: str
    epochs: int
    best_test_acc: float | None
    started: str


def list_runs(root: Path | None = None) -> list[RunSummary]:
    """Runs, newest first; folders whose run.json cannot be read are listed as damaged."""
    root = runs_root() if root is None else Path(root)
    if not root.is_dir():
        return []
    runs = []
    for folder in sorted(root.iterdir(), reverse=True):
        if not folder.is_dir():
            continue
        try:
            info = read_run_info(folder)
        except TuiNnError:
            runs.append(RunSummary(folder.name, folder, "?", "damaged", 0, None, ""))
            continue
        status = info.get("status", "?")
        if status == "running" and not pid_alive(info.get("pid")):
            status = "interrupted"
        best = info.get("best_test_acc")
        runs.append(
            RunSummary(
                folder.name,
                folder,
                str(info.get("preset", "?")),
                str(status),
                int(info.get("epochs", 0) or 0),
                float(best) if isinstance(best, int | float) else None,
                str(info.get("started", "")),
            )
        )
    return runs


def resolve_run(name: str | None, root: Path | None = None) -> Path:
    """A run folder from its id, a path, or the newest run when `name` is None or "latest"."""
    root = runs_root() if root is None else Path(root)
    if name in (None, "latest"):
        runs = list_runs(root)
        if not runs:
            raise TuiNnError(
                f"there are no runs in {root} yet: train one with `tui-nn train PRESET`"
            )
        return runs[0].path
    for candidate in (Path(name).expanduser(), root / name):
        if (candidate / "run.json").is_file():
            return candidate
    raise TuiNnError(f"no run {name!r}: give a run id from `tui-nn runs` or a run folder's path")


def pid_alive(pid: Any) -> bool:
    """True when `pid` is a live process (and, where /proc tells, a tui-nn trainer)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        text = cmdline.read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc on this system: trust kill(0)
    except OSError:
        return True
    if b"<defunct>" in text or not text:
        return False  # a zombie: it has ended, its parent has not reaped it yet
    return b"tui_nn" in text or b"tui-nn" in text
