"""`.ci/run` installs nothing the README's plain `nox` needs, so CI takes the same path as a new user."""

from __future__ import annotations

import re
from pathlib import Path

CI_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "run"
# What the image steps after `nox` (base-image, build-image, image-smoke) need: all .ci/run may apt-install.
IMAGE_STEPS = {"buildah", "podman", "runc", "debootstrap", "fuse-overlayfs", "uidmap"}
# What plain `nox` finds or fetches itself (tools/system.py, tools/helm.py): never installed by CI.
NOX_FETCHES = {
    "chromium",
    "default-jre-headless",
    "default-jre",
    "openjdk-17-jre-headless",
    "npm",
    "nodejs",
    "helm",
    "wrk",
}


def _commands() -> list[str]:
    """The script's commands, comments dropped and continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", CI_SCRIPT.read_text())
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def _apt_packages() -> list[str]:
    installs = [command for command in _commands() if re.match(r"apt(-get)? install\b", command)]
    assert installs, "the check no longer sees the script's apt installs"
    return [word for command in installs for word in command.split()[2:] if not word.startswith(("-", ">"))]


def test_ci_installs_nothing_plain_nox_fetches_itself() -> None:
    assert not set(_apt_packages()) & NOX_FETCHES


def test_ci_installs_only_what_the_image_steps_need() -> None:
    assert set(_apt_packages()) <= IMAGE_STEPS


def test_ci_pip_installs_only_the_runner() -> None:
    pips = [command for command in _commands() if re.search(r"\bpip install\b", command)]
    assert pips, "the check no longer sees the script's pip install"
    for command in pips:
        assert [word for word in command.split("install", 1)[1].split() if not word.startswith("-")] == ["nox", "uv"]


def test_the_image_step_install_says_what_it_is_for() -> None:
    text = CI_SCRIPT.read_text()
    assert re.search(r"# For the image steps after `nox` only.*\n\s*apt-get install[^\n]*\\\n\s*buildah", text)


def test_ci_neither_installs_nor_starts_redis() -> None:
    commands = _commands()
    assert commands, f"{CI_SCRIPT} has no commands"
    installs = [command for command in commands if re.search(r"\b(apt-get|apt|pip)\b.*\binstall\b", command)]
    assert installs, "the check no longer sees the script's installs"
    for command in installs:
        assert not re.search(r"\bredis(-server|-tools|lite)?\b", command), f"CI installs Redis: {command}"
    for command in commands:
        assert not re.match(r"(\S+=\S*\s+)*(redis-server|redis-cli)\b", command), f"CI starts a Redis: {command}"
        assert "REDIS_URL" not in command, f"CI sets REDIS_URL, so the bundled Redis would go untested: {command}"
