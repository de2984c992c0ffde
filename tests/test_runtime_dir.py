"""The runtime folder for trainer sockets and logs is used only when it is ours alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui_nn.trainer.client import create_log, runtime_dir


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    return tmp_path


def usual(base: Path) -> Path:
    return base / f"tui-nn-{os.getuid()}"


def assert_private_instead(base: Path, reason: str) -> None:
    runtime = runtime_dir()
    assert runtime.path != usual(base)
    info = os.lstat(runtime.path)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert runtime.notice is not None and "\n" not in runtime.notice
    assert str(usual(base)) in runtime.notice and reason in runtime.notice
    assert str(runtime.path) in runtime.notice


def test_the_usual_folder_is_made_private_and_reused(base: Path) -> None:
    first = runtime_dir()
    assert first.path == usual(base) and first.notice is None
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o700
    assert runtime_dir() == first


def test_a_world_writable_folder_is_not_used(base: Path) -> None:
    usual(base).mkdir()
    os.chmod(usual(base), 0o777)
    assert_private_instead(base, "others can write to it (mode 777)")


def test_a_group_writable_folder_is_not_used(base: Path) -> None:
    usual(base).mkdir()
    os.chmod(usual(base), 0o770)
    assert_private_instead(base, "others can write to it")


def test_a_symlink_to_another_folder_is_not_followed(base: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("someone-elses")
    os.chmod(elsewhere, 0o700)
    usual(base).symlink_to(elsewhere, target_is_directory=True)
    assert_private_instead(base, "it is a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_a_file_in_its_place_is_not_used(base: Path) -> None:
    usual(base).write_text("not a folder")
    assert_private_instead(base, "it is not a folder")


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a folder to another user")
def test_a_folder_of_another_user_is_not_used(base: Path) -> None:
    usual(base).mkdir(mode=0o700)
    os.chown(usual(base), 4321, 4321)
    assert_private_instead(base, "it belongs to user id 4321")


def test_the_log_is_never_an_existing_file_or_a_link(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "trainer.log"
    link.symlink_to(target)
    with pytest.raises(OSError):
        create_log(link)
    with pytest.raises(FileExistsError):
        create_log(target)
    assert target.read_text() == "keep me"
    fd = create_log(tmp_path / "new.log")
    os.close(fd)
    assert stat.S_IMODE(os.stat(tmp_path / "new.log").st_mode) == 0o600


async def test_the_app_says_when_it_did_not_use_the_usual_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from support import FakeTrainer, wait_for

    from tui_nn.presets import load_named
    from tui_nn.ui.app import TuiNnApp

    class NoticeTrainer(FakeTrainer):
        def start(self) -> None:
            self.notice = "not using /tmp/tui-nn-0 (it is a symbolic link); using /tmp/x instead"
            super().start()

    app = TuiNnApp(load_named("xor"), trainer_factory=NoticeTrainer)
    said: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: said, "the notice")
        await app.later.settle()  # as quitting does: the lesson pane mounts after the first frame
    assert said == ["not using /tmp/tui-nn-0 (it is a symbolic link); using /tmp/x instead"]
    for fake in NoticeTrainer.instances:
        fake.stop()
