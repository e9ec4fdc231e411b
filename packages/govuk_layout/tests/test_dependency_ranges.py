"""Dependencies whose internals govuk-layout builds on: each range admits only the release line tested here."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PROJECT = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]


def _requirement(name: str, extra: str | None) -> Requirement:
    lines = PROJECT["optional-dependencies"][extra] if extra else PROJECT["dependencies"]
    (requirement,) = (r for r in map(Requirement, lines) if r.name == name)
    return requirement


def neighbouring_lines(installed: Version, line: str) -> list[Version]:
    """A late release of the release line before ``installed``'s, where there is one, and the first of the next."""
    major, minor = installed.major, installed.minor
    if line == "major":
        below = f"{major - 1}.99" if major else None
        above = f"{major + 1}.0"
    elif minor:
        below, above = f"{major}.{minor - 1}.99", f"{major}.{minor + 1}.0"
    else:  # the first minor of its major: the line before is the previous major's last
        below, above = (f"{major - 1}.99.99" if major else None), f"{major}.1.0"
    return [Version(version) for version in (below, above) if version]


@pytest.mark.parametrize(
    ("installed", "line", "expected"),
    [
        ("23.0.0", "major", ["22.99", "24.0"]),
        ("0.4.1", "major", ["1.0"]),
        ("0.8.0", "minor", ["0.7.99", "0.9.0"]),
        ("1.0.2", "minor", ["0.99.99", "1.1.0"]),
        ("0.0.5", "minor", ["0.1.0"]),
    ],
)
def test_neighbouring_lines_are_valid_at_every_line(installed: str, line: str, expected: list[str]) -> None:
    assert neighbouring_lines(Version(installed), line) == [Version(version) for version in expected]


@pytest.mark.parametrize(
    ("name", "extra", "line"),
    [
        # HeadReadingWorker subclasses gthread and reads its parser's buffer: one major.
        ("gunicorn", "gunicorn", "major"),
        # sessions.py overrides the Redis store's private read, write and regenerate: one 0.x minor.
        ("flask-session", None, "minor"),
    ],
)
def test_the_range_is_the_release_line_under_test(name: str, extra: str | None, line: str) -> None:
    specifier = _requirement(name, extra).specifier
    installed = Version(metadata.version(name))
    assert installed in specifier
    assert not any(version in specifier for version in neighbouring_lines(installed, line))
