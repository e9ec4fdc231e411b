"""`nox -s deploy-dev`: a dry run prints the exact helm command; without credentials it names what is missing."""

from __future__ import annotations

import re
from pathlib import Path

from nested_nox import nox, passed

from tools import kit

REPO = Path(__file__).resolve().parents[3]
RELEASE = kit.load().release("example", "dev")
CREDENTIALS = (
    "IMAGE_REPOSITORY", "IMAGE_TAG", "IMAGE_DIGEST", "GITHUB_SHA",
    "KUBE_CERT", "KUBE_TOKEN", "KUBE_CLUSTER", "KUBE_NAMESPACE", "KUBE_CONTEXT",
)  # fmt: skip


def _without_credentials(tmp_path: Path) -> dict[str, str]:
    # An empty kubeconfig, so a developer's own current context cannot leak in.
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    return {"KUBECONFIG": str(tmp_path / "kubeconfig"), **dict.fromkeys(CREDENTIALS, "")}


def test_dry_run_shows_the_namespace_and_the_helm_commands_and_writes_no_token(tmp_path: Path) -> None:
    token = "DO-NOT-WRITE-" + "7" * 20
    env = {
        **_without_credentials(tmp_path),
        "IMAGE_REPOSITORY": "ecr.example.invalid/operations-engineering/example",
        "IMAGE_TAG": "abc1234",
        "IMAGE_DIGEST": "sha256:" + "ab" * 32,
        "KUBE_CERT": "CERT", "KUBE_TOKEN": token, "KUBE_CLUSTER": "cluster.invalid", "KUBE_NAMESPACE": RELEASE,
    }  # fmt: skip
    result = nox(REPO, "-s", "deploy-dev", "--", "--dry-run", env=env)
    assert passed(result)
    out = result.stdout + result.stderr
    # What the namespace's Terraform provides, and that this release uses exactly that.
    assert f"ServiceAccount {RELEASE}-irsa (irsa.tf" in out
    assert f"Secret {RELEASE}: DYNAMODB_TABLE_NAME, REDIS_URL, SECRET_KEY (secret.tf)" in out
    assert "contract, permissions and schemas hold" in out
    check, upgrade = [line for line in out.splitlines() if " upgrade --install " in line and "nox >" not in line]
    for command in (check, upgrade):
        assert f"upgrade --install {RELEASE} " in command
        assert f"--namespace {RELEASE}" in command
        assert "charts/values/example/values-dev.yaml" in command
        assert "--set" not in command
    assert "--dry-run=server" in check and "--wait" in upgrade
    assert "--atomic" not in upgrade  # dev keeps a failed release for debugging; prod is atomic
    assert re.search(r'digest: "?sha256:(ab){32}"?$', out, re.M)
    assert token not in out
    written = [
        path for path in (REPO / "build").rglob("*") if path.is_file() and token in path.read_text(errors="ignore")
    ]
    assert written == []


def test_without_credentials_it_names_what_is_missing(tmp_path: Path) -> None:
    result = nox(REPO, "-s", "deploy-dev", env=_without_credentials(tmp_path))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert f"cannot deploy {RELEASE}" in out
    for missing in ("IMAGE_REPOSITORY", "IMAGE_TAG", "KUBE_TOKEN"):
        assert missing in out
