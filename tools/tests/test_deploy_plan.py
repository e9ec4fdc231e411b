"""tools/deploy.py: the plan made from the environment, the server-side dry run before the upgrade, and a
kubeconfig that exists only while a real deploy runs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tools import deploy, kit

KIT = kit.load()
SERVICE = "example"
RELEASE = KIT.release(SERVICE, "dev")
NO_CLUSTER = {"KUBECONFIG": "/nonexistent/kubeconfig"}
DIGEST = "sha256:" + "ab" * 32
IMAGE = {"IMAGE_REPOSITORY": "ecr.invalid/team/example", "IMAGE_TAG": "abc1234", "IMAGE_DIGEST": DIGEST}


def kube(namespace: str = RELEASE) -> dict[str, str]:
    return {
        "KUBE_CERT": "CERT",
        "KUBE_TOKEN": "TOKEN-1234",
        "KUBE_CLUSTER": "cluster.invalid",
        "KUBE_NAMESPACE": namespace,
    }


def plan_for(root: Path, env: str, environ: dict[str, str], *extra: str) -> deploy.Plan:
    return deploy.plan(KIT, root, SERVICE, env, environ, extra)


def test_a_server_side_dry_run_comes_before_the_upgrade(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "dev", {**IMAGE, **kube()}, "--debug")
    check, upgrade = plan.server_dry_run("helm", ["--kubeconfig", "k"]), plan.upgrade("helm", ["--kubeconfig", "k"])
    assert check[:4] == upgrade[:4] == ["helm", "upgrade", "--install", RELEASE]
    assert "--dry-run=server" in check and "--dry-run=server" not in upgrade
    assert "--wait" in upgrade and "--wait" not in check
    assert check[check.index("--kubeconfig") + 1] == "k" and upgrade[upgrade.index("--kubeconfig") + 1] == "k"
    assert check[-1] == upgrade[-1] == "--debug"
    assert "--atomic" not in upgrade  # dev keeps a failed release for debugging
    assert not any(arg.startswith("--set") for arg in upgrade)  # the image comes in a values file
    assert "--atomic" in plan_for(tmp_path, "prod", {**IMAGE, **kube(KIT.release(SERVICE, "prod"))}).upgrade("helm")


def test_the_pods_run_the_image_by_digest(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "dev", {**IMAGE, **kube()})
    assert (
        plan.image_yaml()
        == f'image:\n  repository: "ecr.invalid/team/example"\n  tag: "abc1234"\n  digest: "{DIGEST}"\n'
    )
    broken = plan_for(tmp_path, "dev", {**IMAGE, "IMAGE_DIGEST": "latest", **kube()})
    assert "a valid IMAGE_DIGEST" in str(deploy.refusal(broken))


def test_planning_writes_nothing_and_a_dry_run_writes_no_token(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "dev", {**IMAGE, **kube()})
    assert not (tmp_path / "build").exists()
    assert plan.cluster is not None and "cluster.invalid" in plan.cluster
    plan.values.parent.mkdir(parents=True)
    plan.values.write_text("environment: dev\n")
    plan.prepare()
    assert plan.image_values.read_text() == plan.image_yaml()
    manifest = plan.write("kind: Deployment\n")
    report = deploy.dry_run_report(plan, "helm", tmp_path, manifest)
    assert "--dry-run=server" in report and f"helm upgrade --install {RELEASE} " in report
    assert "TOKEN-1234" not in report
    assert not [path for path in tmp_path.rglob("*") if path.is_file() and "TOKEN-1234" in path.read_text()]


def test_the_kubeconfig_lives_only_inside_the_deploy(tmp_path: Path) -> None:
    with deploy.cluster(kube(), RELEASE) as flags:
        config = Path(flags[1])
        assert flags == ["--kubeconfig", str(config)]
        assert not config.is_relative_to(tmp_path) and not config.is_relative_to(kit.ROOT)
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
        written = json.loads(config.read_text())
        assert written["users"][0]["user"]["token"] == "TOKEN-1234"
        assert written["clusters"][0]["cluster"]["server"] == "https://cluster.invalid"
        assert written["contexts"][0]["context"]["namespace"] == RELEASE
    assert not config.parent.exists()


def test_a_kube_context_or_a_current_context_serves_too(tmp_path: Path) -> None:
    with deploy.cluster({"KUBE_CONTEXT": "cp"}, "ns") as flags:
        assert flags == ["--kube-context", "cp"]
    config = tmp_path / "config"
    config.write_text("apiVersion: v1\nkind: Config\n")
    assert deploy.cluster_source({"KUBECONFIG": str(config)}, "ns") is None
    config.write_text("apiVersion: v1\nkind: Config\ncurrent-context: mine\n")
    with deploy.cluster({"KUBECONFIG": str(config)}, "ns") as flags:
        assert flags == []


def test_a_namespace_that_is_not_the_release_is_refused() -> None:
    with pytest.raises(deploy.WrongNamespace, match="belongs in"):
        deploy.cluster_source(kube("someone-else-dev"), RELEASE)


def test_without_credentials_the_refusal_names_each_missing_one(tmp_path: Path) -> None:
    refusal = deploy.refusal(plan_for(tmp_path, "dev", NO_CLUSTER))
    assert refusal is not None and refusal.startswith(f"cannot deploy {RELEASE}: missing ")
    for name in ("IMAGE_REPOSITORY", "IMAGE_TAG", "KUBE_TOKEN", "kube context"):
        assert name in refusal
    with pytest.raises(RuntimeError, match="no cluster credentials"), deploy.cluster(NO_CLUSTER, RELEASE):
        pass


@pytest.mark.parametrize(
    ("environ", "repository", "tag"),
    [
        ({"IMAGE_REPOSITORY": "registry.invalid/pushed", "IMAGE_TAG": "abc1234"}, "registry.invalid/pushed", "abc1234"),
        ({"IMAGE_REPOSITORY": "e.invalid/r", "GITHUB_SHA": "f00d"}, "e.invalid/r", "f00d"),
    ],
)
def test_the_image_is_the_one_the_deploy_job_names(
    tmp_path: Path, environ: dict[str, str], repository: str, tag: str
) -> None:
    plan = plan_for(tmp_path, "dev", {**environ, **NO_CLUSTER})
    assert (plan.image_repository, plan.tag) == (repository, tag)
    assert plan.image_yaml() == f'image:\n  repository: "{repository}"\n  tag: "{tag}"\n'


def test_names_the_namespace_never_writes_do_not_pick_the_image(tmp_path: Path) -> None:
    stale = {"ECR_REGISTRY_URL": "e.invalid", "ECR_REPOSITORY": "r", "DEVELOPMENT_ECR_REPOSITORY": "r", **NO_CLUSTER}
    plan = plan_for(tmp_path, "dev", {**stale, "IMAGE_TAG": "abc1234"})
    assert plan.image_repository is None
    assert "IMAGE_REPOSITORY" in (deploy.refusal(plan) or "")
