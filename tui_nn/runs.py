"""A run folder: the preset as run, metrics.jsonl appended as training goes, and the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from tui_nn.atomic import write_atomic, write_text_atomic
from tui_nn.errors import TuiNnError
from tui_nn.spec import Preset


class RunFolder:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._metrics: IO[str] = open(self.path / "metrics.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise TuiNnError(f"cannot write the run folder {self.path}: {error.strerror or error}") from None

    def write_preset(self, preset: Preset) -> None:
        from tui_nn.presets import dump_preset

        self._guard(lambda: write_text_atomic(self.path / "preset.toml", dump_preset(preset)))

    def append_metrics(self, event: dict[str, Any]) -> None:
        self._guard(lambda: (self._metrics.write(json.dumps(event) + "\n"), self._metrics.flush()))

    def save_model(self, state_dict: dict[str, Any]) -> None:
        from safetensors.torch import save_file

        tensors = {name: tensor.detach().to("cpu").contiguous() for name, tensor in state_dict.items()}
        self._guard(lambda: write_atomic(self.path / "model.safetensors", lambda t: save_file(tensors, t)))

    def close(self) -> None:
        self._metrics.close()

    def _guard(self, action: Any) -> None:
        try:
            action()
        except OSError as error:
            raise TuiNnError(f"cannot write to the run folder {self.path}: {error.strerror or error}") from None
