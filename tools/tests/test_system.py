"""tools/system.py: programs found on PATH, else installed by apt where allowed, else named as missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tools import system


def executable(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


class Recorder:
    """A stand-in for session.run that records commands and, for apt-get install, 'installs' the program."""

    def __init__(self, bin_dir: Path, fail_first_install: bool = False) -> None:
        self.bin_dir, self.fail_first_install, self.commands = bin_dir, fail_first_install, []

    def __call__(self, command: Sequence[str]) -> None:
        self.commands.append(list(command))
        if command[:2] == ["apt-get", "install"]:
            if self.fail_first_install:
                self.fail_first_install = False
                raise RuntimeError("no package lists yet")
            for package in command[5:]:
                executable(self.bin_dir, {"default-jre-headless": "java"}.get(package, package))


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "playwright"))
    return folder


def test_a_program_on_path_is_used_and_nothing_is_installed(bin_dir: Path) -> None:
    run = Recorder(bin_dir)
    java = executable(bin_dir, "java")
    assert system.java(run) == str(java)
    assert run.commands == []


def test_apt_installs_it_when_root_on_debian(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "can_apt", lambda: True)
    run = Recorder(bin_dir)
    assert system.java(run) == str(bin_dir / "java")
    assert run.commands == [["apt-get", "install", "-y", "-qq", "--no-install-recommends", "default-jre-headless"]]


def test_apt_refreshes_its_lists_once_when_the_install_fails(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "can_apt", lambda: True)
    run = Recorder(bin_dir, fail_first_install=True)
    assert system.wrk(run) == str(bin_dir / "wrk")
    assert [command[:2] for command in run.commands] == [
        ["apt-get", "install"],
        ["apt-get", "update"],
        ["apt-get", "install"],
    ]


def test_without_apt_the_missing_program_is_named(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "can_apt", lambda: False)
    with pytest.raises(system.Missing, match="no Java for the Nu HTML Checker"):
        system.java(Recorder(bin_dir))


def test_chromium_path_wins(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = executable(tmp_path, "my-chromium")
    monkeypatch.setenv("CHROMIUM_PATH", str(chosen))
    assert system.chromium(Recorder(bin_dir), lambda: pytest.fail("no download")) == {"CHROMIUM_PATH": str(chosen)}


def test_chromium_comes_from_apt_when_root_on_debian(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "can_apt", lambda: True)
    monkeypatch.setattr(system, "DEBIAN_CHROMIUM", str(bin_dir / "absent"))
    found = system.chromium(Recorder(bin_dir), lambda: pytest.fail("no download"))
    assert found == {"CHROMIUM_PATH": str(bin_dir / "chromium")}


def test_elsewhere_playwright_downloads_its_own_chromium_once(
    bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system, "can_apt", lambda: False)
    monkeypatch.setattr(system, "DEBIAN_CHROMIUM", str(bin_dir / "absent"))
    downloads: list[str] = []
    assert system.chromium(Recorder(bin_dir), lambda: downloads.append("chromium")) == {}
    assert downloads == ["chromium"]
    (tmp_path / "playwright" / "chromium-1200").mkdir(parents=True)
    assert system.chromium(Recorder(bin_dir), lambda: pytest.fail("already downloaded")) == {}
