"""The kit-wide facts from ``[tool.govuk-kit]`` in the root pyproject.toml, the one place they are written.

The noxfile, ``tools/new_service.py`` (and through it the copier template), the image build and the
tests all read them from here; ``tools/tests/test_kit.py`` fails when any other file states one differently.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Kit:
    team: str
    environments: tuple[str, ...]
    service_name: re.Pattern[str]
    python: str
    app_port: int
    metrics_port: int
    local_dynamodb_port: int
    local_oidc_port: int
    uid: int
    # The repository (under ministryofjustice) whose GitHub environments Cloud Platform's modules write to.
    github_repository: str

    def release(self, service: str, environment: str) -> str:
        """Release and namespace name, <team>-<service>-<env>, as Cloud Platform names namespaces."""
        return f"{self.team}-{service}-{environment}"

    @property
    def python_base_image(self) -> str:
        """The registry image the Dockerfile builds on when no other base is given."""
        return f"python:{self.python}-slim-bookworm"

    def build_args(self) -> dict[str, str]:
        """The Dockerfile's ARGs that carry kit facts."""
        return {"APP_PORT": str(self.app_port), "UID": str(self.uid)}

    def copier_data(self) -> dict[str, Any]:
        """The answers the service template takes from the kit rather than from the user."""
        return {"team": self.team, "python": self.python}


def load(root: Path = ROOT) -> Kit:
    """Read ``[tool.govuk-kit]`` from ``root``'s pyproject.toml."""
    with open(root / "pyproject.toml", "rb") as file:
        facts = tomllib.load(file)["tool"]["govuk-kit"]
    return Kit(
        team=str(facts["team"]),
        environments=tuple(str(env) for env in facts["environments"]),
        service_name=re.compile(str(facts["service-name"])),
        python=str(facts["python"]),
        app_port=int(facts["app-port"]),
        metrics_port=int(facts["metrics-port"]),
        local_dynamodb_port=int(facts["local-dynamodb-port"]),
        local_oidc_port=int(facts["local-oidc-port"]),
        uid=int(facts["uid"]),
        github_repository=str(facts["github-repository"]),
    )
