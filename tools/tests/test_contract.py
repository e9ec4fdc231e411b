"""tools/contract.py: the repo's namespace contract holds, and each check fails on a broken copy, naming both sides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tools import contract, namespace

REPO = namespace.ROOT

DEV = "operations-engineering-example-dev"
SERVICE = ".github/workflows/deploy-service.yml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The parts of this repository the checks read, in a copy a test may break."""
    for part in ("pyproject.toml", "platform", ".github", "charts", "templates/namespace"):
        source, target = REPO / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    for service in namespace.services(REPO):
        (tmp_path / "services" / service).mkdir(parents=True)
        shutil.copy2(REPO / "services" / service / "pyproject.toml", tmp_path / "services" / service)
    return tmp_path


def resources(root: Path, name: str = DEV) -> Path:
    return root / namespace.NAMESPACES / name / "resources"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new))


def manifest(tmp_path: Path, *documents: dict[str, object]) -> Path:
    path = tmp_path / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return path


def deployment(account: str = f"{DEV}-irsa", secret: str = DEV, key: str | None = None) -> dict[str, object]:
    """A Deployment as the chart renders it, reduced to the names the contract is about."""
    container: dict[str, object] = {"name": "app", "envFrom": [{"secretRef": {"name": secret}}]}
    if key:
        container["env"] = [{"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": DEV, "namespace": DEV},
        "spec": {"template": {"spec": {"serviceAccountName": account, "containers": [container]}}},
    }


def service_monitor(**endpoint: object) -> dict[str, object]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": DEV, "namespace": DEV},
        "spec": {"selector": {"matchLabels": {"app": "x"}}, "endpoints": [{"port": "metrics", **endpoint}]},
    }


def test_what_the_example_namespace_provides() -> None:
    found = contract.read_namespace(resources(REPO))
    assert found.service_accounts == {f"{DEV}-irsa"}
    assert found.secrets == {
        DEV: {"SECRET_KEY", "REDIS_URL", "DYNAMODB_TABLE_NAME"},
        f"{DEV}-oidc": {"GOVUK_OIDC_CLIENT_SECRET"},
    }
    kube = {"secrets.KUBE_CERT", "secrets.KUBE_TOKEN", "secrets.KUBE_CLUSTER", "secrets.KUBE_NAMESPACE"}
    ecr = {"secrets.ECR_ROLE_TO_ASSUME", "vars.ECR_REGION", "vars.ECR_REPOSITORY"}
    assert set(found.github["example-dev"]) == kube | ecr
    # The one image repository is written to prod's environment too, so prod can deploy dev's digest.
    assert set(found.github["example-prod"]) == ecr
    assert "secrets.ECR_REGISTRY_URL" not in {name for names in found.github.values() for name in names}


def test_the_repository_holds_its_own_contract(repo: Path, tmp_path: Path) -> None:
    assert contract.check(repo, [manifest(tmp_path, deployment(), service_monitor(interval="30s"))]) == []


def test_a_workflow_reading_a_name_no_module_writes_fails_naming_both_sides(repo: Path) -> None:
    edit(repo / SERVICE, "vars.ECR_REPOSITORY", "secrets.ECR_REGISTRY_URL")
    problems = contract.check_workflows(contract.read_namespaces(repo).values(), contract.read_workflows(repo))
    assert problems
    assert all("reads secrets.ECR_REGISTRY_URL" in problem for problem in problems)
    assert "deploy-service.yml" in problems[0]
    assert "(environment 'example-dev')" in " ".join(problems)
    assert f"vars.ECR_REPOSITORY ({DEV}/resources/ecr.tf)" in problems[0]


@pytest.mark.parametrize("name", ["KUBE_TOKEN", "IMAGE_DIGEST"])
def test_a_deploy_step_missing_a_name_nox_reads_fails(repo: Path, name: str) -> None:
    workflow = repo / SERVICE
    workflow.write_text("\n".join(line for line in workflow.read_text().splitlines() if f"{name}=" not in line
                                  and not line.strip().startswith(f"{name}:")))  # fmt: skip
    problems = contract.check_workflows(contract.read_namespaces(repo).values(), contract.read_workflows(repo))
    assert problems
    assert all(f"which reads {name} (tools/deploy.py FROM_CI), but the job sets only " in p for p in problems)


def test_a_prefix_renames_what_the_ecr_module_writes(repo: Path) -> None:
    edit(
        resources(repo) / "ecr.tf",
        'oidc_providers      = ["github"]',
        'oidc_providers = ["github"]\n  github_actions_prefix = "dev"',
    )
    found = contract.read_namespace(resources(repo))
    assert {"secrets.DEV_ECR_ROLE_TO_ASSUME", "vars.DEV_ECR_REPOSITORY"} <= set(found.github["example-dev"])
    problems = contract.check_workflows([found], contract.read_workflows(repo))
    assert any("reads vars.ECR_REPOSITORY" in problem and "vars.DEV_ECR_REPOSITORY" in problem for problem in problems)


def test_without_environments_the_modules_write_to_the_repository(repo: Path) -> None:
    edit(resources(repo) / "ecr.tf", 'github_environments = ["example-dev", "example-prod"]', "")
    found = contract.read_namespace(resources(repo))
    assert "secrets.ECR_REGISTRY_URL" in found.github[contract.REPOSITORY]
    assert "secrets.ECR_ROLE_TO_ASSUME" not in found.github["example-dev"]


def test_a_github_environment_no_workflow_deploys_in_fails(repo: Path) -> None:
    edit(resources(repo) / "variables.tf", 'default     = "example-dev"', 'default     = "example-development"')
    problems = contract.check_workflows(contract.read_namespaces(repo).values(), contract.read_workflows(repo))
    assert any("writes KUBE_TOKEN to GitHub environment 'example-development'" in problem for problem in problems)
    assert any("reads secrets.KUBE_TOKEN" in problem for problem in problems)


def test_a_service_account_the_irsa_module_does_not_create_fails(repo: Path, tmp_path: Path) -> None:
    problems = contract.check_chart(manifest(tmp_path, deployment(account=DEV)), contract.read_namespaces(repo))
    assert len(problems) == 1
    assert f"runs as ServiceAccount '{DEV}'" in problems[0]
    assert f"{DEV}/resources/irsa.tf creates {DEV}-irsa" in problems[0]


def test_a_secret_or_key_the_namespace_does_not_make_fails(repo: Path, tmp_path: Path) -> None:
    found = contract.read_namespaces(repo)
    problems = contract.check_chart(manifest(tmp_path, deployment(secret="dynamodb-output")), found)
    assert len(problems) == 1
    assert "reads Secret 'dynamodb-output'" in problems[0]
    assert f"secret.tf makes {DEV} ['DYNAMODB_TABLE_NAME', 'REDIS_URL', 'SECRET_KEY']" in problems[0]
    assert f"{DEV}-oidc ['GOVUK_OIDC_CLIENT_SECRET']" in problems[0]
    problems = contract.check_chart(manifest(tmp_path, deployment(key="OIDC_CLIENT_SECRET")), found)
    assert problems == [problems[0]]
    assert f"reads key 'OIDC_CLIENT_SECRET' of Secret '{DEV}'" in problems[0]


def test_a_namespace_with_no_terraform_fails(repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(resources(repo).parent)
    problems = contract.check_chart(manifest(tmp_path, deployment()), contract.read_namespaces(repo))
    assert problems and f"deploys to namespace '{DEV}', but platform/ has no Terraform for it" in problems[0]


@pytest.mark.parametrize(
    ("kind", "api_version"),
    [("ServiceAccount", "v1"), ("Role", "rbac.authorization.k8s.io/v1"), ("StatefulSet", "apps/v1")],
)
def test_a_kind_the_deploy_role_cannot_create_fails_the_permissions_check(
    tmp_path: Path, kind: str, api_version: str
) -> None:
    rendered = manifest(tmp_path, deployment(), {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}})
    problems = contract.check_permissions(rendered, REPO / contract.RULES)
    assert len(problems) == 1
    assert f"renders {kind} x" in problems[0]
    assert "cloud-platform-terraform-serviceaccount 1.1.0" in problems[0]


def test_what_the_chart_renders_the_deploy_role_may_create() -> None:
    kinds = [
        ("v1", "Service"), ("apps/v1", "Deployment"), ("networking.k8s.io/v1", "Ingress"),
        ("networking.k8s.io/v1", "NetworkPolicy"), ("policy/v1", "PodDisruptionBudget"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ]  # fmt: skip
    rules = yaml.safe_load((REPO / contract.RULES).read_text())["rules"]
    for api_version, kind in kinds:
        group, resource = contract._group(api_version), contract._resource(kind)
        assert any(group in rule["api_groups"] and resource in rule["resources"] for rule in rules), kind


def test_a_service_monitor_is_checked_against_the_crd_schema(tmp_path: Path) -> None:
    crds = contract.load_crds(REPO)
    assert contract.check_schemas(manifest(tmp_path, service_monitor(interval="30s", path="/metrics")), crds) == []
    problems = contract.check_schemas(manifest(tmp_path, service_monitor(intervall="30s")), crds)
    assert len(problems) == 1
    assert "'intervall' was unexpected" in problems[0]
    problems = contract.check_schemas(manifest(tmp_path, service_monitor(interval="half a minute")), crds)
    assert problems and "spec.endpoints.0.interval" in problems[0]


def test_a_custom_resource_without_a_schema_fails(tmp_path: Path) -> None:
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "x"}}
    problems = contract.check_schemas(manifest(tmp_path, rule), contract.load_crds(REPO))
    assert problems == [f"{tmp_path / 'rendered.yaml'} PrometheusRule x: no schema for monitoring.coreos.com/v1 "
                        "PrometheusRule in charts/schemas/ to validate it against"]  # fmt: skip


def test_a_hand_edited_namespace_file_fails_the_check(repo: Path) -> None:
    assert namespace.stale(repo, ["example"]) == []
    edit(resources(repo) / "secret.tf", "length  = 64", "length  = 8")
    (resources(repo) / "extra.tf").write_text("")
    assert namespace.main(["--root", str(repo), "--check"]) == 1
    relative = resources(repo).relative_to(repo)
    assert namespace.stale(repo, ["example"]) == [
        f"{relative / 'secret.tf'} differs from templates/namespace",
        f"{relative / 'extra.tf'} is not made by templates/namespace",
    ]


def test_the_command_fails_on_a_broken_fixture(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rendered = manifest(
        tmp_path, deployment(), {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}}
    )
    assert contract.main(["--root", str(repo), str(rendered)]) == 1
    assert "permissions: " in capsys.readouterr().err
    assert contract.main(["--root", str(repo), str(manifest(tmp_path, deployment()))]) == 0


def ingress(host: str) -> dict[str, object]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": DEV},
        "spec": {"rules": [{"host": host}]},
    }


def with_service_url(url: str) -> dict[str, object]:
    document = deployment()
    document["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "GOVUK_SERVICE_URL", "value": url}]  # type: ignore[index]
    return document


def test_the_service_url_is_on_the_ingress_host(tmp_path: Path) -> None:
    host = f"{DEV}.apps.live.cloud-platform.service.justice.gov.uk"
    assert contract.check_service_url(manifest(tmp_path, with_service_url(f"https://{host}/"), ingress(host))) == []
    for wrong in (with_service_url("https://elsewhere.service.gov.uk/"), deployment()):
        problems = contract.check_service_url(manifest(tmp_path, wrong, ingress(host)))
        assert len(problems) == 1 and f"its Ingress serves {host}" in problems[0]
