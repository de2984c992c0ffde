from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MNIST_T10K = SHARED_DATA / "mnist-t10k"


@pytest.fixture(autouse=True, scope="session")
def training_threads_as_the_trainer() -> None:
    """Training in the tests' own process uses the threads that the trainer process and
    `tui-nn train` choose: torch's default (every core) is several times slower for these small
    networks on a loaded machine."""
    import torch

    from tui_nn.devices import training_threads

    threads = training_threads()
    if threads is not None:
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep the developer's own presets, runs, config and terminal choices (no colour, ASCII
    plots) out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("TUI_NN_ASCII", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture
def mnist_folder() -> Path:
    if not (MNIST_T10K / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"the MNIST test files are not at {MNIST_T10K}")
    return MNIST_T10K


@pytest.fixture
def fake_app() -> Iterator[Callable[..., Any]]:
    """Make the app on a built-in preset with a scripted trainer (`support.FakeTrainer`, or
    `fake=` a subclass), the preset's `train` settings changed by keyword; every fake made is
    stopped at the end, so no reader thread outlives a failed test."""
    import dataclasses

    from support import FakeTrainer

    from tui_nn.presets import load_named, resolve_preset
    from tui_nn.ui.app import TuiNnApp

    FakeTrainer.instances.clear()

    def make(name: str = "xor", fake: type[Any] = FakeTrainer, **changes: Any) -> Any:
        preset = load_named(name)
        changes.setdefault("pace", None)  # full speed, unless a test is about the pace
        if changes:
            preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, **changes))
        return TuiNnApp(preset, resolve_preset(name), trainer_factory=fake)

    yield make
    for trainer in FakeTrainer.instances:
        trainer.stop()
