"""Deploying a service to Cloud Platform with helm: a plan made from the environment, then carried out.

``plan()`` reads everything (the image CI built, the cluster credentials) and says what is missing;
``Plan.upgrade()`` is the exact ``helm upgrade --install``. Both are plain data, so they are unit-tested,
and ``nox -s deploy-<env>`` only runs the command (or, with ``--dry-run``, prints it).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.kit import Kit

# Cloud Platform's ECR module names its secrets/variables with an optional prefix per environment.
ECR_PREFIXES = {"dev": "DEVELOPMENT_", "prod": "PRODUCTION_"}
KUBE = ("KUBE_CERT", "KUBE_TOKEN", "KUBE_CLUSTER", "KUBE_NAMESPACE")
# prod rolls a failed release back; dev keeps it for debugging.
ROLLBACK = {"prod": ("--atomic",)}


class WrongNamespace(Exception):
    """KUBE_NAMESPACE names another namespace than the release's."""


def _first(environ: Mapping[str, str], *names: str) -> str | None:
    return next((environ[name] for name in names if environ.get(name)), None)


def cluster_flags(environ: Mapping[str, str], workdir: Path, namespace: str) -> list[str] | None:
    """helm's cluster flags: Cloud Platform's KUBE_* secrets (as a kubeconfig written to ``workdir``),
    else KUBE_CONTEXT, else a kubeconfig's current context; None when there is no cluster to talk to."""
    kube = {name: environ.get(name, "") for name in KUBE}
    if all(kube.values()):
        if kube["KUBE_NAMESPACE"] != namespace:
            raise WrongNamespace(
                f"KUBE_NAMESPACE is {kube['KUBE_NAMESPACE']!r} but this release belongs in {namespace!r}"
            )
        (workdir / "ca.crt").write_text(kube["KUBE_CERT"])
        cluster = {"server": f"https://{kube['KUBE_CLUSTER']}", "certificate-authority": str(workdir / "ca.crt")}
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "cp", "cluster": cluster}],
            "users": [{"name": "deploy", "user": {"token": kube["KUBE_TOKEN"]}}],
            "contexts": [{"name": "cp", "context": {"cluster": "cp", "user": "deploy", "namespace": namespace}}],
            "current-context": "cp",
        }
        path = workdir / "kubeconfig"
        path.write_text(json.dumps(config))  # kubeconfig is YAML, and JSON is YAML
        path.chmod(0o600)
        return ["--kubeconfig", str(path)]
    if environ.get("KUBE_CONTEXT"):
        return ["--kube-context", environ["KUBE_CONTEXT"]]
    configs = environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
    for name in filter(None, configs.split(os.pathsep)):
        if Path(name).is_file() and re.search(r"^current-context:\s*\S+", Path(name).read_text(), re.M):
            return []
    return None


@dataclass(frozen=True)
class Plan:
    """One helm release of one service in one environment."""

    release: str
    chart: Path
    values: Path
    image_repository: str | None
    tag: str | None
    workdir: Path
    cluster: list[str] | None
    rollback: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    missing: list[str] = field(default_factory=list)

    @property
    def image_values(self) -> Path:
        """The image as a values file, so no command needs --set."""
        return self.workdir / "image-values.yaml"

    def image_yaml(self) -> str:
        repository = json.dumps(self.image_repository or "UNSET-ECR-REPOSITORY")
        return f"image:\n  repository: {repository}\n  tag: {json.dumps(self.tag or 'UNSET-IMAGE-TAG')}\n"

    def values_args(self) -> list[str]:
        return ["--values", str(self.values), "--values", str(self.image_values)]

    def upgrade(self, helm: str) -> list[str]:
        """The helm upgrade --install that deploys it (the release is also the namespace)."""
        return [
            helm, "upgrade", "--install", self.release, str(self.chart), "--namespace", self.release,
            *self.values_args(), "--reset-values", "--history-max", "10", "--wait", "--timeout", "10m",
            *self.rollback, *(self.cluster or []), *self.extra,
        ]  # fmt: skip

    def template(self, helm: str) -> list[str]:
        """helm template with the same release and values, for the dry run's manifest."""
        return [helm, "template", self.release, str(self.chart), "--namespace", self.release, *self.values_args()]


def plan(kit: Kit, root: Path, service: str, env: str, environ: Mapping[str, str], extra: Sequence[str] = ()) -> Plan:
    """Work out the deploy from the environment; ``missing`` names whatever a real deploy lacks."""
    release = kit.release(service, env)
    prefix = ECR_PREFIXES[env]
    registry = _first(environ, f"{prefix}ECR_REGISTRY_URL", "ECR_REGISTRY_URL")
    repository = _first(environ, f"{prefix}ECR_REPOSITORY", "ECR_REPOSITORY")
    image_repository = environ.get("IMAGE_REPOSITORY") or (
        f"{registry}/{repository}" if registry and repository else None
    )
    tag = _first(environ, "IMAGE_TAG", "GITHUB_SHA")
    workdir = root / "build" / "deploy" / release
    workdir.mkdir(parents=True, exist_ok=True)
    cluster = cluster_flags(environ, workdir, release)
    missing = []
    if not image_repository:
        missing.append(f"{prefix}ECR_REGISTRY_URL/{prefix}ECR_REPOSITORY (or ECR_REGISTRY_URL/ECR_REPOSITORY)")
    if not tag:
        missing.append("IMAGE_TAG (or GITHUB_SHA)")
    if cluster is None:
        missing.append("cluster credentials (KUBE_CERT, KUBE_TOKEN, KUBE_CLUSTER, KUBE_NAMESPACE, or a kube context)")
    made = Plan(
        release=release,
        chart=root / "charts" / "govuk-service",
        values=root / "charts" / "values" / service / f"values-{env}.yaml",
        image_repository=image_repository,
        tag=tag,
        workdir=workdir,
        cluster=cluster,
        rollback=ROLLBACK.get(env, ()),
        extra=tuple(extra),
        missing=missing,
    )
    made.image_values.write_text(made.image_yaml())
    return made


def refusal(deploy: Plan) -> str | None:
    """Why a real deploy cannot go ahead, or None."""
    return f"cannot deploy {deploy.release}: missing {'; '.join(deploy.missing)}" if deploy.missing else None


def dry_run_report(deploy: Plan, helm: str, root: Path, rendered: str) -> str:
    """Keep the rendered manifest beside the plan; return what ``--dry-run`` prints: the values, where the
    manifest is, and the command a real deploy runs."""
    manifest = deploy.workdir / "manifest.yaml"
    manifest.write_text(rendered)
    lines = [
        f"# Values ({deploy.values.relative_to(root)} then the image):",
        deploy.values.read_text() + deploy.image_yaml(),
        f"# Rendered manifest: {manifest.relative_to(root)}",
        "# Would run:",
        shlex.join(deploy.upgrade(helm)),
    ]
    if deploy.missing:
        lines.append(f"# A real deploy would stop here: missing {'; '.join(deploy.missing)}")
    return "\n".join(lines)
