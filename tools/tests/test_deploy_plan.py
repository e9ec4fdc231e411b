"""tools/deploy.py: the deploy plan made from the environment, and the exact helm command it runs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tools import deploy, kit

KIT = kit.load()
SERVICE = "example"
NO_CLUSTER = {"KUBECONFIG": "/nonexistent/kubeconfig"}
IMAGE = {"ECR_REGISTRY_URL": "ecr.example.invalid", "ECR_REPOSITORY": "team/example-ecr", "IMAGE_TAG": "abc1234"}


def kube(namespace: str) -> dict[str, str]:
    return {"KUBE_CERT": "CERT", "KUBE_TOKEN": "TOKEN", "KUBE_CLUSTER": "cluster.invalid", "KUBE_NAMESPACE": namespace}


def plan_for(root: Path, env: str, environ: dict[str, str], *extra: str) -> deploy.Plan:
    return deploy.plan(KIT, root, SERVICE, env, environ, extra)


def test_dev_upgrades_the_team_service_env_release_in_its_own_namespace(tmp_path: Path) -> None:
    release = KIT.release(SERVICE, "dev")
    plan = plan_for(tmp_path, "dev", {**IMAGE, **kube(release)})
    command = plan.upgrade("helm")
    assert command[:4] == ["helm", "upgrade", "--install", release]
    assert command[command.index("--namespace") + 1] == release
    assert command[command.index("--values") + 1] == str(tmp_path / "charts/values/example/values-dev.yaml")
    assert "--wait" in command and "--reset-values" in command
    assert "--atomic" not in command  # dev keeps a failed release for debugging
    assert not any(arg.startswith("--set") for arg in command)  # the image comes in a values file
    assert plan.missing == []
    assert deploy.refusal(plan) is None


def test_prod_rolls_back_a_failed_release(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "prod", {**IMAGE, **kube(KIT.release(SERVICE, "prod"))})
    assert "--atomic" in plan.upgrade("helm")


def test_extra_arguments_are_passed_through_last(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "dev", {**IMAGE, **kube(KIT.release(SERVICE, "dev"))}, "--debug")
    assert plan.upgrade("helm")[-1] == "--debug"


def test_every_environment_has_an_ecr_prefix() -> None:
    assert set(deploy.ECR_PREFIXES) == set(KIT.environments)


@pytest.mark.parametrize(
    ("environ", "repository", "tag"),
    [
        (IMAGE, "ecr.example.invalid/team/example-ecr", "abc1234"),
        # The ECR module's per-environment prefix wins over the plain names.
        (
            {**IMAGE, "DEVELOPMENT_ECR_REGISTRY_URL": "dev.invalid", "DEVELOPMENT_ECR_REPOSITORY": "r"},
            "dev.invalid/r",
            "abc1234",
        ),
        ({**IMAGE, "IMAGE_REPOSITORY": "registry.invalid/pushed"}, "registry.invalid/pushed", "abc1234"),
        ({"ECR_REGISTRY_URL": "e.invalid", "ECR_REPOSITORY": "r", "GITHUB_SHA": "f00d"}, "e.invalid/r", "f00d"),
    ],
)
def test_the_image_comes_from_the_ecr_module_names(
    tmp_path: Path, environ: dict[str, str], repository: str, tag: str
) -> None:
    plan = plan_for(tmp_path, "dev", {**environ, **NO_CLUSTER})
    assert (plan.image_repository, plan.tag) == (repository, tag)
    assert plan.image_yaml() == f'image:\n  repository: "{repository}"\n  tag: "{tag}"\n'


def test_without_credentials_the_refusal_names_each_missing_one(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "dev", NO_CLUSTER)
    refusal = deploy.refusal(plan)
    assert refusal is not None
    assert refusal.startswith(f"cannot deploy {KIT.release(SERVICE, 'dev')}: missing ")
    for name in ("DEVELOPMENT_ECR_REGISTRY_URL", "ECR_REPOSITORY", "IMAGE_TAG", "KUBE_TOKEN", "kube context"):
        assert name in refusal


def test_cloud_platform_secrets_become_a_private_kubeconfig(tmp_path: Path) -> None:
    release = KIT.release(SERVICE, "dev")
    flags = deploy.cluster_flags(kube(release), tmp_path, release)
    assert flags == ["--kubeconfig", str(tmp_path / "kubeconfig")]
    config = json.loads((tmp_path / "kubeconfig").read_text())
    assert config["clusters"][0]["cluster"]["server"] == "https://cluster.invalid"
    assert config["users"][0]["user"]["token"] == "TOKEN"
    assert config["contexts"][0]["context"]["namespace"] == release
    assert (tmp_path / "ca.crt").read_text() == "CERT"
    assert stat.S_IMODE((tmp_path / "kubeconfig").stat().st_mode) == 0o600


def test_a_namespace_that_is_not_the_release_is_refused(tmp_path: Path) -> None:
    with pytest.raises(deploy.WrongNamespace, match="belongs in"):
        deploy.cluster_flags(kube("someone-else-dev"), tmp_path, KIT.release(SERVICE, "dev"))


def test_a_kube_context_or_a_current_context_serves_too(tmp_path: Path) -> None:
    assert deploy.cluster_flags({"KUBE_CONTEXT": "cp"}, tmp_path, "ns") == ["--kube-context", "cp"]
    config = tmp_path / "config"
    config.write_text("apiVersion: v1\nkind: Config\n")
    assert deploy.cluster_flags({"KUBECONFIG": str(config)}, tmp_path, "ns") is None
    config.write_text("apiVersion: v1\nkind: Config\ncurrent-context: mine\n")
    assert deploy.cluster_flags({"KUBECONFIG": str(config)}, tmp_path, "ns") == []


def test_the_dry_run_report_shows_values_manifest_and_command(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "dev", {**IMAGE, **NO_CLUSTER})
    plan.values.parent.mkdir(parents=True)
    plan.values.write_text("environment: dev\n")
    report = deploy.dry_run_report(plan, "helm", tmp_path, "kind: Deployment\n")
    assert (plan.workdir / "manifest.yaml").read_text() == "kind: Deployment\n"
    assert plan.image_values.read_text() == plan.image_yaml()
    assert "environment: dev\nimage:\n" in report
    assert f"# Rendered manifest: build/deploy/{plan.release}/manifest.yaml" in report
    assert f"helm upgrade --install {plan.release} " in report
    assert "# A real deploy would stop here: missing cluster credentials" in report
