"""`nox -s new-service` on a copy of this repository: what it makes works, and what it refuses writes nothing.

Run by `nox -s new-service-check`, which passes in how to run nox (NEW_SERVICE_CHECK_NOX) and a
venv folder the nested sessions reuse between runs (NEW_SERVICE_CHECK_ENVDIR).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from nested_nox import nox, passed

from tools import kit, new_service

REPO = Path(__file__).resolve().parents[3]
NAME = "demo"


def snapshot(repo: Path) -> dict[str, str]:
    """Every file in the copy (outside .nox) and a hash of its content."""
    return {
        str(path.relative_to(repo)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(repo.rglob("*"))
        if path.is_file() and ".nox" not in path.relative_to(repo).parts
    }


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree as a clean clone would have it: tracked and new files, nothing ignored."""
    repo = tmp_path_factory.mktemp("clone") / "repo"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file someone has just deleted is not in a clone
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    # Share the one private Poetry rather than installing another.
    (repo / ".nox").mkdir()
    (repo / ".nox" / "_poetry").symlink_to(REPO / ".nox" / "_poetry")
    return repo


@pytest.fixture(scope="module")
def generated(clone: Path) -> Path:
    before = snapshot(clone)
    assert passed(nox(clone, "-s", "new-service", "--", NAME))
    changed = {path for path, digest in snapshot(clone).items() if before.get(path) != digest}
    assert {"pyproject.toml", "poetry.lock", f".github/workflows/deploy-{NAME}.yml"} <= changed
    namespaces = "platform/cloud-platform-environments/namespaces/live.cloud-platform.service.justice.gov.uk/"
    assert all(
        path in ("pyproject.toml", "poetry.lock", f".github/workflows/deploy-{NAME}.yml")
        or path.startswith((f"services/{NAME}/", f"charts/values/{NAME}/"))
        or (path.startswith(namespaces) and f"-{NAME}-" in path)
        for path in changed
    ), changed
    for env in ("dev", "prod"):
        assert any(
            path.startswith(namespaces) and path.endswith(f"-{NAME}-{env}/resources/irsa.tf") for path in changed
        )
    return clone


def test_the_service_is_registered_in_the_root_project_and_lock(generated: Path) -> None:
    with open(generated / "pyproject.toml", "rb") as file:
        dependency = tomllib.load(file)["tool"]["poetry"]["dependencies"][NAME]
    assert dependency == {"path": f"services/{NAME}", "develop": True}
    with open(generated / "poetry.lock", "rb") as file:
        (locked,) = (package for package in tomllib.load(file)["package"] if package["name"] == NAME)
    assert locked["source"] == {"type": "directory", "url": f"services/{NAME}"}


def test_the_new_service_tests_pass(generated: Path) -> None:
    result = nox(generated, "-s", "tests", "--", f"services/{NAME}/tests")
    assert passed(result)
    assert " passed" in result.stdout


def test_the_chart_renders_and_validates_for_every_environment(generated: Path) -> None:
    result = nox(generated, "-s", "render-charts", env={"SERVICE": NAME})
    assert passed(result)
    # The same contract check as the example's: the new namespace Terraform, workflow and chart agree.
    assert "contract, permissions and schemas hold" in result.stdout
    facts = kit.load(generated)
    for env in facts.environments:
        manifest = (generated / "build" / "charts" / env / f"{NAME}.yaml").read_text()
        assert f"namespace: {facts.release(NAME, env)}" in manifest
        assert f"host: {facts.release(NAME, env)}.cloud-platform.service.justice.gov.uk" in manifest.replace('"', "")


def test_the_deploy_workflow_validates(generated: Path) -> None:
    workflow = generated / ".github" / "workflows" / f"deploy-{NAME}.yml"
    subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)], check=True)
    text = workflow.read_text()
    assert "uses: ./.github/workflows/deploy-service.yml" in text
    assert f"service: {NAME}" in text


def test_an_existing_service_is_refused_and_nothing_is_written(generated: Path) -> None:
    before = snapshot(generated)
    for name in (NAME, "example"):
        result = nox(generated, "-s", "new-service", "--", name)
        assert result.returncode != 0
        assert f"service {name!r} already exists" in result.stderr + result.stdout
    assert snapshot(generated) == before


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Demo", "is not a valid service name"),
        ("1demo", "is not a valid service name"),
        ("my-service", "is not a valid service name"),
        ("my_service", "is not a valid service name"),
        ("demo.app", "is not a valid service name"),
        ("", "is not a valid service name"),
        ("a" * 30, "is too long"),
        ("class", "is already a Python module"),
        ("json", "is already a Python module"),
        ("flask", "is already a Python module or a locked dependency"),
    ],
)
def test_an_invalid_name_is_refused_and_nothing_is_written(clone: Path, name: str, reason: str) -> None:
    before = snapshot(clone)
    result = subprocess.run(
        [sys.executable, "-m", "tools.new_service", name], cwd=clone, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert reason in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(clone) == before


def test_the_longest_name_fits_every_hostname_label(clone: Path) -> None:
    facts = kit.load(clone)
    longest = max(facts.environments, key=len)
    fits = "a" * (new_service.HOST_LABEL_MAX - len(facts.release("", longest)))
    new_service.check(clone, fits)
    assert len(facts.release(fits, longest)) == new_service.HOST_LABEL_MAX == 57
    with pytest.raises(new_service.Refused, match="is too long"):
        new_service.check(clone, fits + "a")
