"""tools/charts.py: the helm commands and checkov targets render-charts runs."""

from __future__ import annotations

from pathlib import Path

from tools import charts, kit

KIT = kit.load()


def test_lint_and_template_use_the_release_namespace_and_the_service_values(tmp_path: Path) -> None:
    lint, template = charts.commands(KIT, tmp_path, "helm", "apply", "prod", "1.32.0")
    release, values = KIT.release("apply", "prod"), str(tmp_path / "charts/values/apply/values-prod.yaml")
    assert lint == [
        "helm",
        "lint",
        "--strict",
        str(tmp_path / "charts/govuk-service"),
        "--namespace",
        release,
        "--values",
        values,
    ]
    assert template[:3] == ["helm", "template", release]
    assert template[-2:] == ["--kube-version", "1.32.0"]


def test_a_manifest_is_kept_per_environment_and_service(tmp_path: Path) -> None:
    path = charts.write(tmp_path, "apply", "dev", "kind: Service\n")
    assert path == str(tmp_path / "charts" / "dev" / "apply.yaml")
    assert Path(path).read_text() == "kind: Service\n"


def test_checkov_scans_each_framework_on_its_own(tmp_path: Path) -> None:
    scans = charts.checkov_scans(tmp_path, ["a.yaml", "b.yaml"])
    assert scans == {
        "kubernetes": ["--file", "a.yaml", "--file", "b.yaml"],
        "dockerfile": ["--file", str(tmp_path / "Dockerfile")],
        "github_actions": ["--directory", str(tmp_path / ".github")],
    }
