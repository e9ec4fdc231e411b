"""One source for the kit-wide facts: [tool.govuk-kit] in pyproject.toml, and no file saying otherwise."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest

from tools import kit

ROOT = kit.ROOT
KIT = kit.load()
# This file's own examples of drift, and files that are data rather than statements.
NOT_SCANNED = {"tools/tests/test_kit.py", "poetry.lock"}
# Statements no file makes today (the Dockerfile takes these as build args), kept so none comes back.
GUARDS = {r"(?:EXPOSE |PORT=)(\d+)", r"USER (\d+)"}


def _dotted(major: str, minor: str) -> str:
    return f"{major}.{minor}"


# Each way a file states a fact: the fact, then a pattern whose groups spell its value.
Statement = tuple[str, str, Callable[..., str]]
STATEMENTS: list[Statement] = [
    ("python", r'python-version: "?(\d+\.\d+)"?$', str),
    ("python", r"python:(\d+\.\d+)-slim", str),
    ("python", r'python_version = "(\d+\.\d+)"', str),
    ("python", r'target-version = "py(\d)(\d+)"', _dotted),
    ("python", r'requires-python = ">=(\d+\.\d+)', str),
    ("python", r'^python = ">=(\d+\.\d+)', str),
    ("python", r"Python (\d+\.\d+)(?:\+| or later)", str),
    ("app_port", r"""'PORT', '(\d+)'""", str),
    ("app_port", r"0\.0\.0\.0:(\d+)", str),
    ("app_port", r"containerPort: (\d+)", str),
    ("app_port", r"(?:EXPOSE |PORT=)(\d+)", str),
    ("app_port", r"example service (?:at|on) (?:http://)?127\.0\.0\.1:(\d+)", str),
    ("app_port", r"nox -s serve +# http://127\.0\.0\.1:(\d+)", str),
    ("metrics_port", r"metrics\b[^\n]*port[^\n]*\n(?:\s*#[^\n]*\n)*\s*port: (\d+)", str),
    ("metrics_port", r"master on port (\d+)", str),
    ("local_dynamodb_port", r"DynamoDB[^\n]{0,20}? at 127\.0\.0\.1:(\d+)", str),
    ("local_oidc_port", r"identity provider[^\n]{0,20}? at http://127\.0\.0\.1:(\d+)", str),
    ("uid", r"\bUID (\d+)", str),
    ("uid", r"^uid: (\d+)", str),
    ("uid", r"USER (\d+)", str),
    ("team", r"\b([a-z][a-z-]*?)-example-(?:dev|prod)\b", str),
    ("team", r"^\*\s+@ministryofjustice/([a-z-]+)", str),  # CODEOWNERS (not npm's @ministryofjustice/frontend)
    ("team", r'GOVUK_CONTACT_EMAIL: str = "([a-z-]+)@digital\.justice\.gov\.uk"', str),
    ("service_name", r"(\[a-z\]\[a-z0-9-?\]\*)", str),
]


def expected(fact: str) -> str:
    value = getattr(KIT, fact)
    return value.pattern if isinstance(value, re.Pattern) else str(value)


def scanned() -> dict[str, str]:
    """Every text file a clone has (tracked or new, nothing ignored), by path."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    texts = {}
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if name in NOT_SCANNED or not path.is_file():
            continue
        try:
            texts[name] = path.read_text()
        except UnicodeDecodeError:
            continue  # images
    return texts


def statements(text: str, pattern: str, spell: Callable[..., str]) -> list[str]:
    return [spell(*match.groups()) for match in re.finditer(pattern, text, re.M)]


def test_no_file_states_a_kit_fact_differently() -> None:
    wrong = [
        f"{name}: {fact} is {value!r}, but [tool.govuk-kit] says {expected(fact)!r}"
        for name, text in scanned().items()
        for fact, pattern, spell in STATEMENTS
        for value in statements(text, pattern, spell)
        if value != expected(fact)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("fact", "pattern", "spell"), STATEMENTS, ids=[f"{s[0]}:{s[1][:30]}" for s in STATEMENTS])
def test_every_statement_pattern_still_finds_something(fact: str, pattern: str, spell: Callable[..., str]) -> None:
    """A pattern that matches nothing checks nothing: when a file stops saying it, drop the pattern."""
    if pattern in GUARDS:
        assert not any(statements(text, pattern, spell) for text in scanned().values())
        return
    assert any(statements(text, pattern, spell) for text in scanned().values())


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ('      - uses: actions/setup-python@v5\n        with:\n          python-version: "3.9"\n', "python"),
        ("ARG PYTHON_BASE=python:3.10-slim-bookworm\n", "python"),
        ('target-version = "py310"\n', "python"),
        ("bind = f\"0.0.0.0:{os.environ.get('PORT', '8000')}\"\n", "app_port"),
        ("containerPort: 8000\n", "app_port"),
        ("metrics:\n  # The metrics port.\n  port: 9090\n", "metrics_port"),
        ("USER 1000:1000\n", "uid"),
        ("EXPOSE 8000\n", "app_port"),
        ("# The example service in its dev namespace (platform-example-dev).\n", "team"),
        ('NAME = re.compile(r"[a-z][a-z0-9-]*")\n', "service_name"),
    ],
)
def test_a_different_statement_is_caught(text: str, fact: str) -> None:
    found = [(each, value) for each, pattern, spell in STATEMENTS for value in statements(text, pattern, spell)]
    assert found
    assert all(each == fact and value != expected(fact) for each, value in found), found


def test_the_kit_reads_every_fact() -> None:
    assert KIT.team == "operations-engineering"
    assert KIT.environments == ("dev", "prod")
    assert KIT.service_name.fullmatch("apply2") and not KIT.service_name.fullmatch("my-service")
    assert KIT.release("apply", "prod") == "operations-engineering-apply-prod"
    assert KIT.python_base_image == f"python:{KIT.python}-slim-bookworm"
    assert KIT.build_args() == {"APP_PORT": str(KIT.app_port), "UID": str(KIT.uid)}
    assert KIT.copier_data() == {"team": KIT.team, "python": KIT.python}


def test_every_environment_has_values_for_every_service_and_the_template() -> None:
    template = ROOT / "templates" / "service" / "project" / "charts" / "values" / "{{ name }}"
    folders = [template, *(ROOT / "charts" / "values").iterdir()]
    for folder in folders:
        found = sorted(path.name.split("-", 1)[1].split(".")[0] for path in folder.glob("values-*"))
        assert found == sorted(KIT.environments), folder
        for env in KIT.environments:
            text = next(folder.glob(f"values-{env}.yaml*")).read_text()
            assert re.search(rf"^environment: {env}$", text, re.M), f"{folder}/values-{env}: environment: {env}"


def test_the_workflows_deploy_to_the_kit_environments() -> None:
    workflows = ROOT / ".github" / "workflows"
    template = ROOT / "templates" / "service" / "project" / ".github" / "workflows"
    for workflow in [*workflows.glob("deploy-*.yml"), *template.glob("deploy-*.jinja")]:
        if workflow.name == "deploy-service.yml":
            continue
        deployed = re.findall(r"^\s+environment: (\S+)$", workflow.read_text(), re.M)
        assert sorted(deployed) == sorted(KIT.environments), workflow
