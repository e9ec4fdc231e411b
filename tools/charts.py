"""The chart checks render-charts runs for each service and environment, as commands."""

from __future__ import annotations

from pathlib import Path

from tools.kit import Kit

# The Kubernetes release manifests are validated against (Cloud Platform runs 1.32 or later).
KUBE_VERSION = "1.32.0"
# checkov is ~290 MB and pins its own dependencies, so it lives only in the render-charts venv, never the lock.
CHECKOV = "checkov==3.3.30"
# tools/contract.py's Terraform parser, at the lock's versions.
CONTRACT_DEPS = ("python-hcl2", "lark", "regex")


def values(root: Path, service: str, env: str) -> Path:
    return root / "charts" / "values" / service / f"values-{env}.yaml"


def commands(kit: Kit, root: Path, helm: str, service: str, env: str, kube_version: str) -> tuple[list[str], list[str]]:
    """helm lint --strict and helm template of the release <team>-<service>-<env>, in its own namespace."""
    release = kit.release(service, env)
    args = [str(root / "charts" / "govuk-service"), "--namespace", release, "--values", str(values(root, service, env))]
    return [helm, "lint", "--strict", *args], [helm, "template", release, *args, "--kube-version", kube_version]


def write(build: Path, service: str, env: str, manifest: str) -> str:
    """Keep a rendered manifest as build/charts/<env>/<service>.yaml and return its path."""
    out = build / "charts" / env / f"{service}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(manifest)
    return str(out)


def checkov_scans(root: Path, rendered: list[str]) -> dict[str, list[str]]:
    """checkov's targets per framework: one framework per run, because given --file and --directory
    together checkov reports only the directory."""
    return {
        "kubernetes": [arg for path in rendered for arg in ("--file", path)],
        "dockerfile": ["--file", str(root / "Dockerfile")],
        "github_actions": ["--directory", str(root / ".github")],
    }
