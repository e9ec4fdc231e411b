"""`nox -s deploy-dev -- --dry-run` end to end: the session prints the exact helm command and values.

The plan itself (credentials, refusals, kubeconfig, prod's --atomic) is unit-tested in tools/tests/test_deploy_plan.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from nested_nox import nox, passed

from tools import kit

REPO = Path(__file__).resolve().parents[3]
RELEASE = kit.load().release("example", "dev")
CREDENTIALS = (
    "ECR_REGISTRY_URL", "ECR_REPOSITORY", "DEVELOPMENT_ECR_REGISTRY_URL", "DEVELOPMENT_ECR_REPOSITORY",
    "IMAGE_TAG", "GITHUB_SHA", "KUBE_CERT", "KUBE_TOKEN", "KUBE_CLUSTER", "KUBE_NAMESPACE", "KUBE_CONTEXT",
)  # fmt: skip


def _without_credentials(tmp_path: Path) -> dict[str, str]:
    # An empty kubeconfig, so a developer's own current context cannot leak in.
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    return {"KUBECONFIG": str(tmp_path / "kubeconfig"), **dict.fromkeys(CREDENTIALS, "")}


def test_dry_run_prints_the_helm_upgrade(tmp_path: Path) -> None:
    env = {
        **_without_credentials(tmp_path),
        "ECR_REGISTRY_URL": "ecr.example.invalid",
        "ECR_REPOSITORY": "operations-engineering/example-ecr",
        "IMAGE_TAG": "abc1234",
    }
    result = nox(REPO, "-s", "deploy-dev", "--", "--dry-run", env=env)
    assert passed(result)
    out = result.stdout + result.stderr
    command = next(line for line in out.splitlines() if " upgrade --install " in line)
    assert f"upgrade --install {RELEASE} " in command
    assert f"--namespace {RELEASE}" in command
    assert "charts/values/example/values-dev.yaml" in command
    assert "--wait" in command
    assert "--set" not in command
    assert "--atomic" not in command  # dev keeps a failed release for debugging; prod is atomic
    assert re.search(r'repository: "?ecr\.example\.invalid/operations-engineering/example-ecr"?$', out, re.M)
    assert re.search(r'tag: "?abc1234"?$', out, re.M)
