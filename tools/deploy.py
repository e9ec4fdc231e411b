"""Deploying a service to Cloud Platform with helm: a plan made from the environment, then carried out.

``plan()`` reads everything (the image CI built, the cluster credentials) and says what is missing;
``Plan.upgrade()`` is the exact ``helm upgrade --install`` and ``Plan.server_dry_run()`` the same upgrade
judged by the API server first. Both are plain data, so they are unit-tested, and ``nox -s deploy-<env>``
only runs them (or, with ``--dry-run``, prints them). The cluster token is written to disk only for a
real deploy, in a private temporary folder that ``cluster()`` removes again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.charts import CONTRACT_DEPS
from tools.kit import Kit

KUBE = ("KUBE_CERT", "KUBE_TOKEN", "KUBE_CLUSTER", "KUBE_NAMESPACE")
# What a deploy job must hand nox (tools/contract.py checks the workflow does): the cluster, the image.
FROM_CI = (*KUBE, "IMAGE_REPOSITORY", "IMAGE_TAG", "IMAGE_DIGEST")
# What tools/contract.py needs in a deploy session (at the lock's versions).
CHECK_DEPS = (*CONTRACT_DEPS, "pyyaml", "jinja2", "markupsafe", "jsonschema", "jsonschema-specifications",
              "referencing", "rpds-py", "attrs", "typing-extensions")  # fmt: skip
# prod rolls a failed release back; dev keeps it for debugging.
ROLLBACK = {"prod": ("--atomic",)}
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class WrongNamespace(Exception):
    """KUBE_NAMESPACE names another namespace than the release's."""


def _first(environ: Mapping[str, str], *names: str) -> str | None:
    return next((environ[name] for name in names if environ.get(name)), None)


def cluster_source(environ: Mapping[str, str], namespace: str) -> str | None:
    """Where the cluster comes from (Cloud Platform's KUBE_* secrets, KUBE_CONTEXT, a kubeconfig's current
    context), without writing anything; None when there is no cluster to talk to."""
    kube = {name: environ.get(name, "") for name in KUBE}
    if all(kube.values()):
        if kube["KUBE_NAMESPACE"] != namespace:
            raise WrongNamespace(
                f"KUBE_NAMESPACE is {kube['KUBE_NAMESPACE']!r} but this release belongs in {namespace!r}"
            )
        return f"KUBE_CLUSTER {kube['KUBE_CLUSTER']} as KUBE_NAMESPACE's deploy account"
    if environ.get("KUBE_CONTEXT"):
        return f"kube context {environ['KUBE_CONTEXT']}"
    configs = environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
    for name in filter(None, configs.split(os.pathsep)):
        if Path(name).is_file() and re.search(r"^current-context:\s*\S+", Path(name).read_text(), re.M):
            return f"the current context of {name}"
    return None


@contextlib.contextmanager
def cluster(environ: Mapping[str, str], namespace: str) -> Iterator[list[str]]:
    """helm's cluster flags for the body of a ``with`` block. From the KUBE_* secrets that is a kubeconfig
    in a private temporary folder (0700, the file 0600), removed when the block ends; nothing is kept."""
    if cluster_source(environ, namespace) is None:
        raise RuntimeError(f"no cluster credentials for {namespace}")
    if not all(environ.get(name) for name in KUBE):
        yield ["--kube-context", environ["KUBE_CONTEXT"]] if environ.get("KUBE_CONTEXT") else []
        return
    with tempfile.TemporaryDirectory(prefix="deploy-") as private:
        folder = Path(private)
        (folder / "ca.crt").write_text(environ["KUBE_CERT"])
        server = {"server": f"https://{environ['KUBE_CLUSTER']}", "certificate-authority": str(folder / "ca.crt")}
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "cp", "cluster": server}],
            "users": [{"name": "deploy", "user": {"token": environ["KUBE_TOKEN"]}}],
            "contexts": [{"name": "cp", "context": {"cluster": "cp", "user": "deploy", "namespace": namespace}}],
            "current-context": "cp",
        }
        path = folder / "kubeconfig"
        path.touch(mode=0o600)
        path.write_text(json.dumps(config))  # kubeconfig is YAML, and JSON is YAML
        yield ["--kubeconfig", str(path)]


@dataclass(frozen=True)
class Plan:
    """One helm release of one service in one environment."""

    release: str
    github_environment: str
    chart: Path
    values: Path
    image_repository: str | None
    tag: str | None
    digest: str | None
    workdir: Path
    cluster: str | None
    rollback: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    missing: list[str] = field(default_factory=list)

    @property
    def image_values(self) -> Path:
        """The image as a values file, so no command needs --set."""
        return self.workdir / "image-values.yaml"

    def image_yaml(self) -> str:
        repository = json.dumps(self.image_repository or "UNSET-ECR-REPOSITORY")
        text = f"image:\n  repository: {repository}\n  tag: {json.dumps(self.tag or 'UNSET-IMAGE-TAG')}\n"
        return text + (f"  digest: {json.dumps(self.digest)}\n" if self.digest else "")

    def values_args(self) -> list[str]:
        return ["--values", str(self.values), "--values", str(self.image_values)]

    def _upgrade(self, helm: str, cluster: Sequence[str]) -> list[str]:
        return [
            helm, "upgrade", "--install", self.release, str(self.chart), "--namespace", self.release,
            *self.values_args(), "--reset-values", "--history-max", "10", *cluster,
        ]  # fmt: skip

    def server_dry_run(self, helm: str, cluster: Sequence[str] = ()) -> list[str]:
        """The same upgrade sent to the API server as a dry run: admission (gatekeeper, PodSecurity) and the
        deploy account's rights judge every object, and nothing changes."""
        return [*self._upgrade(helm, cluster), "--dry-run=server", *self.extra]

    def upgrade(self, helm: str, cluster: Sequence[str] = ()) -> list[str]:
        """The helm upgrade --install that deploys it (the release is also the namespace)."""
        return [*self._upgrade(helm, cluster), "--wait", "--timeout", "10m", *self.rollback, *self.extra]

    def template(self, helm: str) -> list[str]:
        """helm template with the same release and values: the manifest the checks read."""
        return [helm, "template", self.release, str(self.chart), "--namespace", self.release, *self.values_args()]

    def prepare(self) -> None:
        """A fresh workdir with the image values the commands read (never a credential)."""
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self.image_values.write_text(self.image_yaml())

    def write(self, manifest: str) -> Path:
        """Keep the rendered manifest in workdir, where the checks and the reader find it."""
        path = self.workdir / "manifest.yaml"
        path.write_text(manifest)
        return path


def plan(kit: Kit, root: Path, service: str, env: str, environ: Mapping[str, str], extra: Sequence[str] = ()) -> Plan:
    """Work out the deploy from the environment, writing nothing; ``missing`` names whatever a real deploy lacks."""
    release = kit.release(service, env)
    # The deploy job builds this from the ECR login's registry and vars.ECR_REPOSITORY (tools/contract.py
    # checks those are the names the namespace's Terraform writes); by hand, name the image repository.
    image_repository = environ.get("IMAGE_REPOSITORY") or None
    digest = environ.get("IMAGE_DIGEST") or None
    source = cluster_source(environ, release)
    missing = []
    if not image_repository:
        missing.append("IMAGE_REPOSITORY (<registry>/<the ECR_REPOSITORY variable>)")
    tag = _first(environ, "IMAGE_TAG", "GITHUB_SHA")
    if not tag:
        missing.append("IMAGE_TAG (or GITHUB_SHA)")
    if digest is not None and not DIGEST.fullmatch(digest):
        missing.append(f"a valid IMAGE_DIGEST (sha256:<64 hex digits>, not {digest!r})")
    if source is None:
        missing.append("cluster credentials (KUBE_CERT, KUBE_TOKEN, KUBE_CLUSTER, KUBE_NAMESPACE, or a kube context)")
    return Plan(
        release=release,
        github_environment=f"{service}-{env}",
        chart=root / "charts" / "govuk-service",
        values=root / "charts" / "values" / service / f"values-{env}.yaml",
        image_repository=image_repository,
        tag=tag,
        digest=digest,
        workdir=root / "build" / "deploy" / release,
        cluster=source,
        rollback=ROLLBACK.get(env, ()),
        extra=tuple(extra),
        missing=missing,
    )


def refusal(deploy: Plan) -> str | None:
    """Why a real deploy cannot go ahead, or None."""
    return f"cannot deploy {deploy.release}: missing {'; '.join(deploy.missing)}" if deploy.missing else None


def dry_run_report(deploy: Plan, helm: str, root: Path, manifest: Path) -> str:
    """What ``--dry-run`` prints: the values, the manifest, the cluster and the two commands a deploy runs."""
    import shlex

    lines = [
        f"# Values ({deploy.values.relative_to(root)} then the image):",
        deploy.values.read_text() + deploy.image_yaml(),
        f"# Rendered manifest: {manifest.relative_to(root)}",
        f"# Cluster: {deploy.cluster or 'none'}. A real deploy writes its kubeconfig to a private temporary",
        "# folder and removes it; a dry run writes no token anywhere.",
        "# Would run, with that cluster's flags: a server-side dry run, then the upgrade:",
        shlex.join(deploy.server_dry_run(helm)),
        shlex.join(deploy.upgrade(helm)),
    ]
    if deploy.missing:
        lines.append(f"# A real deploy would stop here: missing {'; '.join(deploy.missing)}")
    return "\n".join(lines)
