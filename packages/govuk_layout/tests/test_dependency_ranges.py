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
    major, minor = installed.major, installed.minor
    if line == "major":
        neighbours = (f"{major - 1}.99", f"{major + 1}.0")
    else:
        neighbours = (f"{major}.{minor - 1}.99", f"{major}.{minor + 1}.0")
    assert installed in specifier
    assert not any(version in specifier for version in neighbours)
