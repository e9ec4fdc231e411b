"""Check the boundary between this repository and its Cloud Platform namespaces, from the repo alone.

`python -m tools.contract build/charts` (render-charts runs it after rendering) checks:

- contract: the names the namespace Terraform writes (GitHub environments with their secrets and
  variables, Kubernetes Secrets and keys, the IRSA ServiceAccount) against the names the deploy
  workflows read and the names the rendered charts reference; every mismatch names both sides;
- permissions: every rendered kind is one Cloud Platform's deploy role may create and patch
  (platform/serviceaccount-rules.yaml), so `helm upgrade` is not refused;
- schemas: every custom resource (a ServiceMonitor) is valid against its vendored CRD schema
  (charts/schemas/), as the API server would check it; kubernetes-validate covers the built-in kinds;
- the namespace files are what templates/namespace makes (tools/namespace.py --check).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tools import deploy, kit
from tools import namespace as namespaces

ROOT = kit.ROOT
RULES = Path("platform/serviceaccount-rules.yaml")
SCHEMAS = Path("charts/schemas")
WORKFLOWS = Path(".github/workflows")
# The verbs `helm upgrade --install` needs on every kind it renders.
HELM_VERBS = frozenset({"get", "create", "patch"})
# What the modules write when no name is given (their variables' defaults).
ECR_NAMES = {"secrets": ("ECR_ROLE_TO_ASSUME",), "vars": ("ECR_REGION", "ECR_REPOSITORY")}
ECR_REPOSITORY_ONLY = {"secrets": ("ECR_REGISTRY_URL",)}  # written only without github_environments
KUBE_SECRETS = {
    "github_actions_secret_kube_cert": "KUBE_CERT",
    "github_actions_secret_kube_token": "KUBE_TOKEN",
    "github_actions_secret_kube_cluster": "KUBE_CLUSTER",
    "github_actions_secret_kube_namespace": "KUBE_NAMESPACE",
}
REPOSITORY = "(repository)"  # where a module writes when it is given no GitHub environments
READ = re.compile(r"\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)")
INPUT = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")


@dataclass
class Namespace:
    """What one namespace's Terraform provides, with where each fact comes from."""

    name: str
    where: Path
    # GitHub environment -> {"secrets.X" or "vars.X": "the file that writes it"}
    github: dict[str, dict[str, str]] = field(default_factory=dict)
    # Kubernetes Secret name -> its keys
    secrets: dict[str, set[str]] = field(default_factory=dict)
    service_accounts: set[str] = field(default_factory=set)


def _block(value: Any) -> Any:
    """A nested block (metadata { ... }): python-hcl2 gives a list of its occurrences."""
    return value[0] if isinstance(value, list) else value


def _blocks(document: dict[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for block in document.get(kind, []):
        yield from block.items()


def read_namespace(resources: Path) -> Namespace:
    """Parse one namespace's resources/*.tf (python-hcl2; no terraform binary needed)."""
    import hcl2

    options = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
    files = {}
    for path in sorted(resources.glob("*.tf")):
        with path.open() as file:
            files[path] = hcl2.load(file, serialization_options=options)
    variables = {
        name: body["default"]
        for document in files.values()
        for name, body in _blocks(document, "variable")
        if "default" in body
    }

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(item) for item in value]
        if not isinstance(value, str):
            return value
        text = re.sub(r"\$\{var\.(\w+)\}", lambda match: str(variables.get(match[1], match[0])), value)
        return text[2:-1] if re.fullmatch(r"\$\{[^}]*\}", text) else text

    found = Namespace(name=resources.parent.name, where=resources)
    for path, document in files.items():
        source_file = str(path.relative_to(resources.parents[1]))
        for _name, module in _blocks(document, "module"):
            source = str(module.get("source", ""))
            environments = [str(env) for env in resolve(module.get("github_environments", []))] or [REPOSITORY]
            written: list[str] = []
            if "cloud-platform-terraform-ecr-credentials" in source:
                if "github" not in resolve(module.get("oidc_providers", [])):
                    continue
                prefix = str(resolve(module.get("github_actions_prefix", ""))).upper()
                names = dict(ECR_NAMES)
                if environments == [REPOSITORY]:
                    names = {
                        kind: names.get(kind, ()) + ECR_REPOSITORY_ONLY.get(kind, ()) for kind in ("secrets", "vars")
                    }
                for kind, plain in names.items():
                    written += [f"{kind}.{'_'.join(filter(None, [prefix, name]))}" for name in plain]
            elif "cloud-platform-terraform-serviceaccount" in source:
                written = [f"secrets.{resolve(module.get(key, default))}" for key, default in KUBE_SECRETS.items()]
            elif "cloud-platform-terraform-irsa" in source:
                found.service_accounts.add(str(resolve(module["service_account_name"])))
            for environment in environments:
                found.github.setdefault(environment, {}).update(dict.fromkeys(written, source_file))
        for _type, resources_of_type in _blocks(document, "resource"):
            if _type != "kubernetes_secret":
                continue
            for body in resources_of_type.values():
                name = str(resolve(_block(body["metadata"])["name"]))
                found.secrets.setdefault(name, set()).update(body.get("data", {}).keys())
    return found


def read_namespaces(root: Path) -> dict[str, Namespace]:
    """Every namespace under platform/, by name."""
    folders = sorted((root / namespaces.NAMESPACES).glob("*/resources"))
    return {folder.parent.name: read_namespace(folder) for folder in folders}


@dataclass
class DeployJob:
    """A workflow job that runs in a GitHub environment, and the secrets and variables it reads."""

    where: str
    environment: str
    reads: set[str]
    # The environment variables set for its `nox -s deploy-...` step (None: it runs no deploy).
    deploy_env: set[str] | None = None


def _environment_of(job: dict[str, Any]) -> str | None:
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


def read_workflows(root: Path) -> list[DeployJob]:
    """Each job of each workflow, with a reusable workflow's jobs evaluated for every caller's inputs."""

    def load(path: Path) -> dict[str, Any]:
        return dict(yaml.safe_load(path.read_text()) or {})

    jobs = []
    for path in sorted((root / WORKFLOWS).glob("*.y*ml")):
        workflow = load(path)
        triggers = workflow.get("on", workflow.get(True, {}))
        if isinstance(triggers, dict) and "workflow_call" in triggers and len(triggers) == 1:
            continue  # only evaluated through its callers below
        for job_name, job in (workflow.get("jobs") or {}).items():
            uses = str(job.get("uses", ""))
            if uses.startswith("./"):
                callee = load(root / uses)
                inputs = {key: str(value) for key, value in (job.get("with") or {}).items()}
                for inner_name, inner in (callee.get("jobs") or {}).items():
                    environment = _environment_of(inner)
                    if environment is not None:
                        environment = _substitute(str(environment), inputs)
                    where = f"{path.relative_to(root)} job {job_name} -> {uses.removeprefix('./')} job {inner_name}"
                    jobs.append(DeployJob(where, environment or REPOSITORY, _reads(inner), _deploy_env(inner)))
            else:
                where = f"{path.relative_to(root)} job {job_name}"
                jobs.append(DeployJob(where, str(_environment_of(job) or REPOSITORY), _reads(job), _deploy_env(job)))
    return jobs


def _substitute(text: str, inputs: dict[str, str]) -> str:
    """A reusable workflow's `${{ inputs.x }}` with the caller's `with:` values."""
    return INPUT.sub(lambda match: inputs.get(match[1], match[0]), text)


def _deploy_env(job: dict[str, Any]) -> set[str] | None:
    """The variables a job's `nox -s deploy-...` step gets: the job's env, earlier steps' $GITHUB_ENV, its own env."""
    names = set(job.get("env") or {})
    for step in job.get("steps") or []:
        run = str(step.get("run", ""))
        names |= set(re.findall(r"\b([A-Z][A-Z0-9_]*)=[^\n]*>>\s*\"?\$GITHUB_ENV", run))
        if re.search(r"nox -s \"?deploy-", run):
            return names | set(step.get("env") or {})
    return None


def _reads(job: dict[str, Any]) -> set[str]:
    text = json.dumps(job)
    return {f"{kind}.{name}" for kind, name in READ.findall(text)} - {"secrets.GITHUB_TOKEN"}


def check_workflows(namespace_list: Iterable[Namespace], jobs: Sequence[DeployJob]) -> list[str]:
    """Every secret and variable a job reads is written to its GitHub environment by some namespace's Terraform."""
    written: dict[str, dict[str, str]] = {}
    for found in namespace_list:
        for environment, names in found.github.items():
            written.setdefault(environment, {}).update(
                {name: f"{found.where.parent.name}/resources/{Path(file).name}" for name, file in names.items()}
            )
    problems = []
    for job in jobs:
        provided = written.get(job.environment, {})
        for name in sorted(job.reads - provided.keys()):
            if provided:
                what = ", ".join(f"{each} ({file})" for each, file in sorted(provided.items()))
                theirs = f"the namespace Terraform writes to {job.environment!r} only {what}"
            else:
                places = ", ".join(sorted(written)) or "none"
                theirs = f"no namespace Terraform writes to GitHub environment {job.environment!r} (only to: {places})"
            problems.append(f"{job.where} (environment {job.environment!r}) reads {name}, but {theirs}")
    for job in jobs:
        if job.deploy_env is None:
            continue
        for name in sorted(set(deploy.FROM_CI) - job.deploy_env):
            problems.append(
                f"{job.where} runs nox -s deploy-..., which reads {name} (tools/deploy.py FROM_CI), "
                f"but the job sets only {', '.join(sorted(job.deploy_env or [])) or 'nothing'}"
            )
    deployed = {job.environment for job in jobs}
    for found in namespace_list:
        for environment, names in found.github.items():
            if environment != REPOSITORY and environment not in deployed and "secrets.KUBE_TOKEN" in names:
                problems.append(
                    f"{found.name}/resources/serviceaccount.tf writes KUBE_TOKEN to GitHub environment "
                    f"{environment!r}, but no workflow job runs in it (jobs run in: {', '.join(sorted(deployed))})"
                )
    return problems


def _documents(manifest: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(manifest.read_text()) if doc]


def check_chart(manifest: Path, namespace_by_name: dict[str, Namespace]) -> list[str]:
    """The rendered chart uses only the ServiceAccount and Secrets its namespace's Terraform creates."""
    problems = []
    for doc in _documents(manifest):
        spec = doc.get("spec", {}).get("template", {}).get("spec")
        if spec is None:
            continue
        where = f"{manifest} {doc['kind']} {doc['metadata']['name']}"
        name = doc["metadata"].get("namespace", "")
        found = namespace_by_name.get(name)
        if found is None:
            problems.append(
                f"{where} deploys to namespace {name!r}, but platform/ has no Terraform for it "
                f"(it has: {', '.join(sorted(namespace_by_name)) or 'none'}); run `nox -s namespace`"
            )
            continue
        account = spec.get("serviceAccountName", "default")
        if account not in found.service_accounts:
            problems.append(
                f"{where} runs as ServiceAccount {account!r}, but {found.name}/resources/irsa.tf creates "
                f"{', '.join(sorted(found.service_accounts)) or 'none'} (serviceAccount.name in the values)"
            )
        for container in spec.get("containers", []):
            refs = [(ref["secretRef"]["name"], None) for ref in container.get("envFrom", []) if "secretRef" in ref]
            refs += [
                (env["valueFrom"]["secretKeyRef"]["name"], env["valueFrom"]["secretKeyRef"]["key"])
                for env in container.get("env", [])
                if "secretKeyRef" in env.get("valueFrom", {})
            ]
            for secret, key in refs:
                keys = found.secrets.get(secret)
                made = ", ".join(f"{each} {sorted(found.secrets[each])}" for each in sorted(found.secrets)) or "none"
                if keys is None:
                    problems.append(
                        f"{where} reads Secret {secret!r}, but {found.name}/resources/secret.tf makes {made}"
                    )
                elif key is not None and key not in keys:
                    problems.append(
                        f"{where} reads key {key!r} of Secret {secret!r}, but secret.tf gives it {sorted(keys)}"
                    )
    return problems


def check_service_url(manifest: Path) -> list[str]:
    """The app's GOVUK_SERVICE_URL is on the host its Ingress serves, so links and the brand match the address."""
    documents = _documents(manifest)
    hosts = {rule["host"] for doc in documents if doc["kind"] == "Ingress" for rule in doc["spec"].get("rules", [])}
    problems = []
    for doc in documents:
        if doc["kind"] != "Deployment" or not hosts:
            continue
        for container in doc["spec"]["template"]["spec"].get("containers", []):
            url = next(
                (env.get("value") for env in container.get("env", []) if env["name"] == "GOVUK_SERVICE_URL"), None
            )
            if url is None or urlsplit(url).hostname not in hosts:
                problems.append(
                    f"{manifest} Deployment {doc['metadata']['name']} has GOVUK_SERVICE_URL {url!r}, "
                    f"but its Ingress serves {', '.join(sorted(hosts))}"
                )
    return problems


def describe(root: Path, release: str, github_environment: str) -> list[str]:
    """What the release's namespace provides, by its Terraform: for a deploy's dry run to show."""
    found = read_namespaces(root).get(release)
    if found is None:
        return [f"no namespace Terraform for {release} under {namespaces.NAMESPACES}: run `nox -s namespace`"]
    lines = [f"namespace {release} ({found.where.relative_to(root)}):"]
    lines += [
        f"  ServiceAccount {name} (irsa.tf, with the table's IAM role)" for name in sorted(found.service_accounts)
    ]
    lines += [f"  Secret {name}: {', '.join(sorted(keys))} (secret.tf)" for name, keys in sorted(found.secrets.items())]
    written: dict[str, str] = {}
    for each in read_namespaces(root).values():
        written |= each.github.get(github_environment, {})
    for kind in ("secrets", "vars"):
        names = sorted(name.partition(".")[2] for name in written if name.startswith(f"{kind}."))
        lines.append(f"  GitHub environment {github_environment} {kind}: {', '.join(names) or 'none'}")
    return lines


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _resource(kind: str) -> str:
    """The REST resource of a kind, as RBAC rules name it (Ingress -> ingresses, NetworkPolicy -> networkpolicies)."""
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + ("es" if lower.endswith(("s", "x")) else "s")


def check_permissions(manifest: Path, rules_file: Path) -> list[str]:
    """Every rendered kind is one the deploy role may get, create and patch."""
    data = yaml.safe_load(rules_file.read_text())
    role = f"{data['module']} {data['ref']}"
    problems = []
    for doc in _documents(manifest):
        group, resource = _group(doc["apiVersion"]), _resource(doc["kind"])
        verbs: set[str] = set()
        for rule in data["rules"]:
            if group in rule["api_groups"] and resource in rule["resources"]:
                verbs |= {"get", "create", "patch"} if "*" in rule["verbs"] else set(rule["verbs"])
        missing = HELM_VERBS - verbs
        if missing:
            problems.append(
                f"{manifest} renders {doc['kind']} {doc['metadata']['name']} ({group or 'core'}/{resource}), "
                f"which the deploy role ({role}, {rules_file.name}) may not {'/'.join(sorted(missing))}: "
                "`helm upgrade` would be refused. Create it in the namespace's Terraform and reference it by name"
            )
    return problems


def _strict(schema: Any) -> Any:
    """An OpenAPI v3 CRD schema as JSON Schema, refusing unknown fields as the API server's strict validation does."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in strict
        and "additionalProperties" not in strict
        and not strict.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


def load_crds(root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> JSON Schema, from each vendored CustomResourceDefinition."""
    schemas = {}
    for path in sorted((root / SCHEMAS).glob("*.json")):
        crd = json.loads(path.read_text())
        for version in crd["spec"]["versions"]:
            schema = _strict(version["schema"]["openAPIV3Schema"])
            # metadata is the API server's; the CRD schema does not describe it.
            schema["properties"]["metadata"] = {"type": "object"}
            schemas[(f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])] = schema
    return schemas


def _built_in(group: str) -> bool:
    return "." not in group or group.endswith(".k8s.io")


def check_schemas(manifest: Path, crds: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Custom resources are valid against their vendored CRD schema; one without a schema is refused."""
    import jsonschema

    problems = []
    for doc in _documents(manifest):
        key = (doc["apiVersion"], doc["kind"])
        where = f"{manifest} {doc['kind']} {doc['metadata']['name']}"
        if _built_in(_group(doc["apiVersion"])):
            continue  # kubernetes-validate checks these
        if key not in crds:
            problems.append(f"{where}: no schema for {key[0]} {key[1]} in {SCHEMAS}/ to validate it against")
            continue
        for error in jsonschema.Draft7Validator(crds[key]).iter_errors(doc):
            path = ".".join(str(part) for part in error.absolute_path) or "(top)"
            problems.append(f"{where}: {path}: {error.message}")
    return problems


def check(root: Path, manifests: Sequence[Path]) -> list[str]:
    """Every check above, for the given rendered manifests."""
    found = read_namespaces(root)
    problems = [f"namespace: {problem}" for problem in namespaces.stale(root, namespaces.services(root))]
    problems += [f"contract: {problem}" for problem in check_workflows(found.values(), read_workflows(root))]
    crds = load_crds(root)
    for manifest in manifests:
        problems += [f"contract: {problem}" for problem in check_chart(manifest, found)]
        problems += [f"contract: {problem}" for problem in check_service_url(manifest)]
        problems += [f"permissions: {problem}" for problem in check_permissions(manifest, root / RULES)]
        problems += [f"schema: {problem}" for problem in check_schemas(manifest, crds)]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.contract", description=__doc__.splitlines()[0])
    parser.add_argument("manifests", nargs="+", type=Path, help="rendered manifests, or folders of them")
    parser.add_argument(
        "--describe",
        nargs=2,
        metavar=("RELEASE", "GITHUB_ENVIRONMENT"),
        help="first print what the release's namespace provides (a deploy's dry run shows it)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.describe:
        print("# The namespace provides (its Terraform; the checks below compare it with this manifest):")
        print("\n".join(f"#   {line}" for line in describe(args.root, *args.describe)))
    files = [found for path in args.manifests for found in (sorted(path.rglob("*.yaml")) if path.is_dir() else [path])]
    problems = check(args.root, files)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(
        f"contract, permissions and schemas hold for {len(files)} manifest(s) and {args.root / namespaces.NAMESPACES}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
