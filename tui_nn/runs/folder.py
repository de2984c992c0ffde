"""One run folder on disk: its files, each written atomically (run.json, the preset, the
checkpoint and the model) except metrics.jsonl, which is appended and flushed line by line, and
its index curve.jsonl (`tui_nn.runs.history_index`: the lines of it that a curve needs).

When to write what is the run's lifecycle, `tui_nn.runs.session.RunSession`; this module only
writes. No torch at import time.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tui_nn.atomic import write_atomic, write_text_atomic
from tui_nn.errors import TuiNnError
from tui_nn.runs.history_index import CurveWriter
from tui_nn.runs.listing import CHECKPOINT, read_run_info, runs_root
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import Metrics, Summary, encode

if TYPE_CHECKING:
    from tui_nn.training import Trainer

MODEL = "model.safetensors"


class RunFolder:
    def __init__(self, path: Path, *, resume: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.info: dict[str, Any] = {}
        if resume:
            self.info = read_run_info(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._curve = CurveWriter(self.path)
            self._metrics: IO[str] = open(self.path / "metrics.jsonl", "a", encoding="utf-8")
        except OSError as error:
            raise TuiNnError(
                f"cannot write the run folder {self.path}: {error.strerror or error}"
            ) from None

    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT

    def start(self, preset: Preset, device: str, *, status: str = "running", **fields: Any) -> None:
        """Write the preset as run and run.json: this process's pid, the device, `status`."""
        from tui_nn.presets import dump_preset

        self._guard(lambda: write_text_atomic(self.path / "preset.toml", dump_preset(preset)))
        self.info.setdefault("started", datetime.now().isoformat(timespec="seconds"))
        self.update(preset=preset.name, device=device, status=status, pid=os.getpid(), **fields)

    def update(self, **fields: Any) -> None:
        """Set fields of run.json and write it whole (atomically)."""
        self.info.update(fields, id=self.path.name, updated=time.time())
        text = json.dumps(self.info, indent=1)
        self._guard(lambda: write_text_atomic(self.path / "run.json", text))

    def append_metrics(self, event: Metrics | Summary) -> None:
        """One protocol line in metrics.jsonl (read back with `protocol.decode_event`), and in
        curve.jsonl when the curve keeps it."""

        def write() -> None:
            line = encode(event)
            self._metrics.write(line)
            self._metrics.flush()
            self._curve.append(event, line)

        self._guard(write)
        if event.test_acc is not None:
            best = self.info.get("best_test_acc")
            if best is None or event.test_acc > best:
                self.info["best_test_acc"] = event.test_acc

    def save_checkpoint(self, trainer: Trainer) -> None:
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
        self._guard(lambda: write_atomic(self.path / MODEL, lambda t: save_file(tensors, str(t))))

    def close(self) -> None:
        self._metrics.close()
        self._curve.close()

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except OSError as error:
            raise TuiNnError(
                f"cannot write to the run folder {self.path}: {error.strerror or error}"
            ) from None


def make_folder(preset: Preset, root: Path | None = None) -> Path:
    """Make a new, empty run folder named by the time and the preset under `root` (the user's
    runs folder), so that two runs started in the same second never share one."""
    from tui_nn.presets import slugify

    root = runs_root() if root is None else Path(root)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{slugify(preset.name)}"
    name, counter = base, 1
    while True:
        try:
            (root / name).mkdir(parents=True)
        except FileExistsError:
            counter += 1
            name = f"{base}-{counter}"
            continue
        except OSError as error:
            raise TuiNnError(
                f"cannot make a run folder in {root}: {error.strerror or error}"
            ) from None
        return root / name
