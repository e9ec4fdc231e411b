"""The example is what the template makes: `nox -s new-service -- example`, apart from what a service owns."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from tools import new_service

ROOT = new_service.ROOT
NAME = "example"
# The example's own answers to the template's questions (the rest come from the kit and the name).
ANSWERS = {"service_title": "Request access", "contact_email": "operations-engineering@digital.justice.gov.uk"}
# Files the template owns: the example's copy must be exactly what the template renders.
TEMPLATE_OWNED = {
    ".github/workflows/deploy-example.yml",
    "services/example/src/example/__init__.py",
    "services/example/src/example/py.typed",
    "services/example/src/example/start.py",
    "services/example/tests/test_staff_sign_in.py",
}
# Files a service owns: the template only starts them. Every rendered file is in one of the two sets.
SERVICE_OWNED = {
    "services/example/README.md",
    "services/example/pyproject.toml",
    "services/example/src/example/app.py",
    "services/example/src/example/settings.py",
    "services/example/src/example/templates/start.html",
    "services/example/tests/conftest.py",
    "services/example/tests/test_example_pages.py",
    # Tuned per service, but they keep every key the template sets (see below).
    "charts/values/example/values-dev.yaml",
    "charts/values/example/values-prod.yaml",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("rendered")
    new_service.render(destination, {**new_service.answers(ROOT, NAME), **ANSWERS})
    return destination


def files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_every_rendered_file_is_owned_by_the_template_or_the_service(rendered: Path) -> None:
    assert files(rendered) == TEMPLATE_OWNED | SERVICE_OWNED


@pytest.mark.parametrize("name", sorted(TEMPLATE_OWNED))
def test_the_example_has_exactly_what_the_template_renders(rendered: Path, name: str) -> None:
    assert (ROOT / name).read_text() == (rendered / name).read_text(), f"{name} has drifted from the template"


def keys(tree: Any, prefix: str = "") -> set[str]:
    """Every key path in a YAML mapping, such as env.GOVUK_PHASE."""
    if not isinstance(tree, dict):
        return set()
    return {f"{prefix}{key}" for key in tree} | {
        path for key, value in tree.items() for path in keys(value, f"{prefix}{key}.")
    }


@pytest.mark.parametrize("name", sorted(name for name in SERVICE_OWNED if name.startswith("charts/values/")))
def test_the_example_chart_values_set_every_key_the_template_sets(rendered: Path, name: str) -> None:
    ours, template = (yaml.safe_load((root / name).read_text()) for root in (ROOT, rendered))
    assert keys(template) <= keys(ours), f"{name} lacks {sorted(keys(template) - keys(ours))}"


@pytest.mark.parametrize("where", ["example", "rendered"])
def test_a_service_takes_gunicorn_from_govuk_layouts_extra(rendered: Path, where: str) -> None:
    # govuk-layout's worker needs one gunicorn major; a service naming gunicorn itself could ask for another.
    root = ROOT if where == "example" else rendered
    project = tomllib.loads((root / "services" / NAME / "pyproject.toml").read_text())
    requirements = [Requirement(line) for line in project["project"]["dependencies"]]
    assert "gunicorn" not in {requirement.name for requirement in requirements}
    layout = next(requirement for requirement in requirements if requirement.name == "govuk-layout")
    assert "gunicorn" in layout.extras
    assert "gunicorn" in project["tool"]["poetry"]["dependencies"]["govuk-layout"]["extras"]
