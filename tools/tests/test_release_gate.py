"""tools/release_gate.py: a deploy waits for CI on its commit, and prod only takes a commit dev ran."""

from __future__ import annotations

from typing import Any

import pytest

from tools import release_gate

SHA = "0123456789abcdef0123456789abcdef01234567"


def run(status: str, conclusion: str | None, number: int = 1) -> dict[str, Any]:
    return {"status": status, "conclusion": conclusion, "html_url": f"https://ci.invalid/runs/{number}"}


class FakeApi:
    """Answers the paths the gate asks for from canned pages; each CI poll takes the next page."""

    def __init__(self, ci_pages: list[list[dict[str, Any]]] | None = None, deployments: Any = ()) -> None:
        self.ci_pages, self.deployments, self.asked = list(ci_pages or []), dict(deployments), []

    def __call__(self, path: str) -> Any:
        self.asked.append(path)
        if path.startswith("actions/workflows/ci.yml/runs?"):
            page = self.ci_pages.pop(0) if len(self.ci_pages) > 1 else self.ci_pages[0]
            return {"workflow_runs": page}
        if path.startswith("deployments?"):
            return [{"id": key, "url": f"https://api.invalid/deployments/{key}"} for key in self.deployments]
        deployment = int(path.split("/")[1])
        return [{"state": self.deployments[deployment], "log_url": f"https://ci.invalid/deploy/{deployment}"}]


def test_ci_passed_on_the_commit() -> None:
    api = FakeApi([[run("completed", "failure", 1), run("completed", "success", 2)]])
    assert release_gate.ci_passed(api, SHA, "ci.yml", wait=0) == "https://ci.invalid/runs/2"
    assert f"head_sha={SHA}" in api.asked[0]


def test_it_waits_while_ci_runs_then_passes() -> None:
    slept: list[float] = []
    api = FakeApi([[run("in_progress", None)], [run("queued", None)], [run("completed", "success")]])
    assert release_gate.ci_passed(api, SHA, "ci.yml", wait=3600, poll=30, sleep=slept.append)
    assert slept == [30, 30]


@pytest.mark.parametrize(
    ("pages", "wait", "reason"),
    [
        ([[run("completed", "failure")]], 3600, "has not passed on"),
        ([[run("completed", "cancelled")]], 3600, "(cancelled)"),
        ([[]], 3600, "no run at all"),
        ([[run("in_progress", None)]], 0, "is still running after 0s"),
    ],
)
def test_the_deploy_is_refused_unless_ci_passed(pages: list[list[dict[str, Any]]], wait: float, reason: str) -> None:
    with pytest.raises(release_gate.Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        release_gate.ci_passed(FakeApi(pages), SHA, "ci.yml", wait=wait, sleep=lambda _: None)


def test_prod_takes_a_commit_dev_deployed() -> None:
    api = FakeApi(deployments={7: "failure", 8: "success"})
    assert release_gate.deployed(api, SHA, "example-dev") == "https://ci.invalid/deploy/8"
    assert f"sha={SHA}" in api.asked[0] and "environment=example-dev" in api.asked[0]


@pytest.mark.parametrize("deployments", [{}, {7: "failure"}, {7: "in_progress"}])
def test_prod_refuses_a_commit_dev_never_ran(deployments: dict[int, str], capsys: pytest.CaptureFixture[str]) -> None:
    args = ["deployed", "--sha", SHA, "--environment", "example-dev"]
    assert release_gate.main(args, fetch=FakeApi(deployments=deployments)) == 1
    assert f"{SHA} has no successful deployment to example-dev" in capsys.readouterr().err


def test_outside_github_actions_it_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert release_gate.main(["ci", "--sha", SHA]) == 2
    assert "missing GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN" in capsys.readouterr().err
