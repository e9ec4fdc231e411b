"""tools/pinned_actions.py: the workflows here and in the template pass; each kind of loose pin fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import kit, pinned_actions

REPO = kit.ROOT

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"


def workflow(tmp_path: Path, uses: str) -> Path:
    path = tmp_path / "workflow.yml"
    path.write_text(f"jobs:\n  build:\n    steps:\n      - uses: {uses}\n        with:\n          x: 1\n")
    return path


def test_every_workflow_here_and_in_the_template_is_pinned() -> None:
    files = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    files += sorted((REPO / "templates" / "service").rglob("*.yml.jinja"))
    assert files
    assert [problem for path in files for problem in pinned_actions.problems(path)] == []


@pytest.mark.parametrize(
    "uses",
    [
        f"actions/checkout@{SHA} # v7.0.1",
        f"actions/checkout@{SHA}  #v7",
        f"github/codeql-action/init@{SHA} # v4.1.0",
        "./.github/workflows/deploy-service.yml",
        "docker://alpine@sha256:" + "a" * 64,
    ],
)
def test_a_pinned_reference_passes(tmp_path: Path, uses: str) -> None:
    assert pinned_actions.problems(workflow(tmp_path, uses)) == []


@pytest.mark.parametrize(
    ("uses", "problem"),
    [
        ("actions/checkout@v7", "is not pinned to a full commit SHA"),
        ("actions/checkout@main", "is not pinned to a full commit SHA"),
        (f"actions/checkout@{SHA[:12]} # v7.0.1", "is not pinned to a full commit SHA"),
        (f"actions/checkout@{SHA.upper()} # v7.0.1", "is not pinned to a full commit SHA"),
        ("actions/checkout", "is not pinned to a full commit SHA"),
        (f"actions/checkout@{SHA}", "has no version comment"),
        (f"actions/checkout@{SHA} # latest", "has no version comment"),
        ("docker://alpine:3.20", "is not pinned to an image digest"),
        ("pypa/gh-action-pypi-publish@release/v1", "is not pinned to a full commit SHA"),
    ],
)
def test_a_loose_reference_fails(tmp_path: Path, uses: str, problem: str) -> None:
    path = workflow(tmp_path, uses)
    (found,) = pinned_actions.problems(path)
    assert found.startswith(f"{path}:4: ")
    assert problem in found
    assert pinned_actions.main([str(path)]) == 1
