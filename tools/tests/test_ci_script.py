"""`.ci/run` installs nothing the README's plain `nox` needs, so CI takes the same path as a new user."""

from __future__ import annotations

import re
from pathlib import Path

CI_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "run"


def _commands() -> list[str]:
    """The script's commands, comments dropped and continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", CI_SCRIPT.read_text())
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


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
