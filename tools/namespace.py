"""Write each service's Cloud Platform namespace Terraform: `nox -s namespace [-- <service> ...]`.

For every service and environment it renders templates/namespace/*.tf.jinja into
platform/cloud-platform-environments/namespaces/live.cloud-platform.service.justice.gov.uk/
<team>-<service>-<env>/resources/, the files a team copies into a pull request on
ministryofjustice/cloud-platform-environments. The files are generated, so the one place to change
them is the template (or a service's [tool.govuk-kit.namespace] table); `--check` says which files
differ from what the template makes, and render-charts runs it.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from tools import kit

ROOT = kit.ROOT
TEMPLATES = ROOT / "templates" / "namespace"
NAMESPACES = Path("platform/cloud-platform-environments/namespaces/live.cloud-platform.service.justice.gov.uk")
# How Cloud Platform's tags spell an environment.
ENVIRONMENT_NAMES = {"dev": "development", "preprod": "preproduction", "prod": "production"}


def services(root: Path) -> list[str]:
    """Every service that has chart values, so every service that is deployed."""
    return sorted(path.name for path in (root / "charts" / "values").iterdir() if path.is_dir())


def environments(root: Path) -> tuple[str, ...]:
    """The kit's environments in promotion order; the first owns the image repository, the last is production."""
    return kit.load(root).environments


def github_environment(service: str, env: str) -> str:
    """The GitHub environment a service's deploy job for env runs in (deploy-service.yml names it the same way)."""
    return f"{service}-{env}"


def resources(root: Path, service: str, env: str) -> Path:
    """The namespace's resources/ folder; the namespace is also the release and the app Secret's name."""
    return root / NAMESPACES / kit.load(root).release(service, env) / "resources"


def settings(root: Path, service: str) -> dict[str, object]:
    """A service's own namespace settings, [tool.govuk-kit.namespace] in services/<service>/pyproject.toml."""
    path = root / "services" / service / "pyproject.toml"
    if not path.is_file():
        return {}
    with open(path, "rb") as file:
        return dict(tomllib.load(file).get("tool", {}).get("govuk-kit", {}).get("namespace", {}))


def render(root: Path, service: str) -> dict[Path, str]:
    """Every namespace file of the service, by path relative to root."""
    import jinja2  # a runtime dependency of Flask and copier; imported here so --help needs nothing

    loader = jinja2.Environment(  # nosec B701 - it writes Terraform, not HTML
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    facts, own = kit.load(root), settings(root, service)
    envs = facts.environments
    rotated = dict(own.get("secret-key-rotated", {}))  # type: ignore[call-overload]
    files = {}
    for env in envs:
        context = {
            "team": facts.team,
            "github_repository": facts.github_repository,
            "service": service,
            "namespace": facts.release(service, env),
            "environment_name": ENVIRONMENT_NAMES.get(env, env),
            "is_production": str(env == envs[-1]).lower(),
            "github_environment": github_environment(service, env),
            "github_environments": [github_environment(service, each) for each in envs],
            "table_hash_key": own.get("table-hash-key", "id"),
            "redis_node_type": "cache.t4g.small" if env == envs[-1] else "cache.t4g.micro",
            # A new date replaces random_password.secret_key, so the Secret gets a new SECRET_KEY.
            "secret_key_rotated": rotated.get(env, "never"),
        }
        for template in sorted(TEMPLATES.glob("*.tf.jinja")):
            name = template.name.removesuffix(".jinja")
            if name == "ecr.tf" and env != envs[0]:
                continue  # one repository per service, in its first environment's namespace
            path = resources(root, service, env).relative_to(root) / name
            files[path] = loader.get_template(template.name).render(context)
    return files


def stale(root: Path, names: Sequence[str]) -> list[str]:
    """Namespace files that differ from, are missing from, or are not made by the template."""
    problems = []
    for service in names:
        files = render(root, service)
        for path, text in files.items():
            actual = root / path
            if not actual.is_file():
                problems.append(f"{path} is missing")
            elif actual.read_text() != text:
                problems.append(f"{path} differs from templates/namespace")
        for env in environments(root):
            for extra in sorted(resources(root, service, env).glob("*")):
                if extra.relative_to(root) not in files:
                    problems.append(f"{extra.relative_to(root)} is not made by templates/namespace")
    return problems


def write(root: Path, service: str) -> list[Path]:
    """Write the service's namespace files (replacing what was there); returns their paths."""
    files = render(root, service)
    for env in environments(root):
        for old in resources(root, service, env).glob("*.tf"):
            old.unlink()
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return sorted(files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s namespace --", description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", help="the services (default: every service with chart values)")
    parser.add_argument("--check", action="store_true", help="write nothing; fail if a file differs from the template")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.services or services(args.root)
    if args.check:
        problems = stale(args.root, names)
        for problem in problems:
            print(f"namespace: {problem}; run `nox -s namespace`", file=sys.stderr)
        return 1 if problems else 0
    for service in names:
        for path in write(args.root, service):
            print(f"namespace: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
