"""Scaffold a service from templates/service with copier; run it as `nox -s new-service -- <name>`.

It makes services/<name> (app factory on govuk-layout, start page, config, tests), the chart's
values for each environment, a deploy workflow, the Cloud Platform namespace Terraform for each
environment (tools/namespace.py), and registers the service in the root Poetry project and its lock.
A bad name or an existing service is refused before anything is written.
"""

from __future__ import annotations

import argparse
import keyword
import re
import shlex
import shutil
import subprocess  # nosec B404 - runs Poetry, named by the caller
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools import kit, namespace

ROOT = kit.ROOT
TEMPLATE = ROOT / "templates" / "service"
# Cloud Platform's limit for each label of a hostname, such as <team>-<name>-<env>.cloud-platform...
HOST_LABEL_MAX = 57


class Refused(Exception):
    """A name the tool will not scaffold; the message says why."""


def layout_range(root: Path) -> str:
    """The govuk-layout versions a new service accepts: the current minor series (0.1 -> >=0.1,<0.2)."""
    with open(root / "packages" / "govuk_layout" / "pyproject.toml", "rb") as file:
        version = tomllib.load(file)["project"]["version"]
    major, minor = (int(part) for part in version.split(".")[:2])
    upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    return f">={major}.{minor},<{upper}"


def locked_names(root: Path) -> set[str]:
    with open(root / "poetry.lock", "rb") as file:
        return {re.sub(r"[-_.]+", "-", package["name"]).lower() for package in tomllib.load(file)["package"]}


def targets(root: Path, name: str) -> list[Path]:
    """Every path the template would create."""
    facts = kit.load(root)
    return [
        root / "services" / name,
        root / "charts" / "values" / name,
        root / ".github" / "workflows" / f"deploy-{name}.yml",
        *(root / namespace.NAMESPACES / facts.release(name, env) for env in facts.environments),
    ]


def check(root: Path, name: str) -> None:
    """Refuse a name that cannot be a service, or a service that already exists."""
    facts = kit.load(root)
    if not facts.service_name.fullmatch(name):
        raise Refused(
            f"{name!r} is not a valid service name: use lowercase letters and digits, starting with a letter "
            "(a Kubernetes DNS-1123 label that is also the service's Python package, so no hyphens)"
        )
    the_team = facts.team
    longest = max(facts.environments, key=len)
    label = f"{the_team}-{name}-{longest}"
    if len(label) > HOST_LABEL_MAX:
        allowed = HOST_LABEL_MAX - len(the_team) - len(longest) - 2
        raise Refused(
            f"{name!r} is too long: its {longest} hostname label {label!r} would be {len(label)} characters and "
            f"Cloud Platform allows {HOST_LABEL_MAX}; with team {the_team!r}, use at most {allowed} characters"
        )
    existing = [str(path.relative_to(root)) for path in targets(root, name) if path.exists()]
    if existing:
        raise Refused(f"service {name!r} already exists: {', '.join(existing)}")
    if keyword.iskeyword(name) or name in sys.stdlib_module_names or name in locked_names(root):
        raise Refused(f"{name!r} is already a Python module or a locked dependency: choose another name")


def answers(root: Path, name: str) -> dict[str, Any]:
    """Everything the template asks, from the name and the kit; the rest take the template's defaults."""
    return {"name": name, **kit.load(root).copier_data(), "layout_range": layout_range(root)}


def render(destination: Path, data: dict[str, Any], *, overwrite: bool = False) -> None:
    """Render the template into ``destination`` with ``data`` as its answers."""
    # Imported here: the name is checked (--check) with nox's own Python, before copier is installed.
    import copier

    copier.run_copy(str(TEMPLATE), str(destination), data=data, defaults=True, overwrite=overwrite, quiet=True)


def generate(root: Path, name: str) -> None:
    render(root, answers(root, name))


def register(root: Path, name: str, poetry: Sequence[str]) -> None:
    """Add the service to the root project as a develop path dependency, and lock (nothing is installed)."""
    subprocess.run([*poetry, "add", "--lock", "--editable", f"./services/{name}"], cwd=root, check=True)  # nosec B603


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s new-service --", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the service's name: lowercase letters and digits, starting with a letter")
    parser.add_argument("--poetry", default="poetry", help="the Poetry command to lock with (default: poetry)")
    parser.add_argument("--check", action="store_true", help="only check the name; write nothing")
    args = parser.parse_args(argv)
    root = ROOT
    try:
        check(root, args.name)
    except Refused as refusal:
        print(f"new-service: {refusal}; nothing was written", file=sys.stderr)
        return 2
    if args.check:
        return 0
    project, lock = (root / "pyproject.toml").read_bytes(), (root / "poetry.lock").read_bytes()
    try:
        generate(root, args.name)
        namespace.write(root, args.name)
        register(root, args.name, shlex.split(args.poetry))
    except BaseException:
        # Leave the tree as it was: no half-made service.
        for path in targets(root, args.name):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        (root / "pyproject.toml").write_bytes(project)
        (root / "poetry.lock").write_bytes(lock)
        raise
    made = ", ".join(str(path.relative_to(root)) for path in targets(root, args.name))
    print(f"new-service: made {made}, and added {args.name} to pyproject.toml and poetry.lock")
    print(f"  test it:   nox -s tests -- services/{args.name}/tests")
    print(f"  its chart: SERVICE={args.name} nox -s render-charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
