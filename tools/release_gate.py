"""Gates a deploy job runs first: CI passed on this commit, and (for promotion) an earlier environment ran it.

    python tools/release_gate.py ci --sha SHA [--workflow ci.yml]
    python tools/release_gate.py deployed --sha SHA --environment example-dev

It reads the GitHub REST API at GITHUB_API_URL for GITHUB_REPOSITORY with GITHUB_TOKEN (GitHub Actions
sets all three). `ci` waits while a CI run for the commit is still going, and fails if none succeeded.
`deployed` fails unless a deployment of the commit to that GitHub environment succeeded. Only the
standard library is needed, so the gate job installs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

Fetch = Callable[[str], Any]


class Refused(Exception):
    """The gate is closed; the message says why."""


def github(api: str, repository: str, token: str) -> Fetch:
    """GET a path of the repository's REST API, as JSON."""

    def fetch(path: str) -> Any:
        request = urllib.request.Request(
            f"{api.rstrip('/')}/repos/{repository}/{path}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310 - https API URL from the runner
            return json.load(response)

    return fetch


def ci_passed(
    fetch: Fetch, sha: str, workflow: str, wait: float, poll: float = 30, sleep: Callable[[float], None] = time.sleep
) -> str:
    """The URL of a successful run of the CI workflow on sha, waiting up to `wait` seconds for one still running."""
    deadline = time.monotonic() + wait
    while True:
        query = urllib.parse.urlencode({"head_sha": sha, "per_page": 50})
        runs = fetch(f"actions/workflows/{urllib.parse.quote(workflow)}/runs?{query}")["workflow_runs"]
        passed = [run for run in runs if run.get("conclusion") == "success"]
        if passed:
            return str(passed[0]["html_url"])
        running = [run for run in runs if run.get("status") != "completed"]
        if not running:
            failed = ", ".join(f"{run['html_url']} ({run.get('conclusion')})" for run in runs) or "no run at all"
            raise Refused(f"CI ({workflow}) has not passed on {sha}: {failed}")
        if time.monotonic() >= deadline:
            raise Refused(f"CI ({workflow}) on {sha} is still running after {wait:.0f}s: {running[0]['html_url']}")
        sleep(poll)


def deployed(fetch: Fetch, sha: str, environment: str) -> str:
    """The URL of a successful deployment of sha to the GitHub environment, else Refused."""
    query = urllib.parse.urlencode({"sha": sha, "environment": environment, "per_page": 50})
    for deployment in fetch(f"deployments?{query}"):
        statuses = fetch(f"deployments/{deployment['id']}/statuses?per_page=1")
        if statuses and statuses[0].get("state") == "success":
            return str(statuses[0].get("log_url") or deployment["url"])
    raise Refused(f"{sha} has no successful deployment to {environment}: deploy it there first, then promote it")


def main(argv: Sequence[str] | None = None, fetch: Fetch | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/release_gate.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="gate", required=True)
    ci = commands.add_parser("ci", help="CI passed on the commit (waits while it runs)")
    ci.add_argument("--workflow", default="ci.yml", help="the CI workflow's file name (default: ci.yml)")
    ci.add_argument("--wait", type=float, default=3600, help="seconds to wait for a running CI (default: 3600)")
    promoted = commands.add_parser("deployed", help="the commit was deployed to an earlier environment")
    promoted.add_argument("--environment", required=True, help="the GitHub environment, e.g. example-dev")
    for command in (ci, promoted):
        command.add_argument("--sha", required=True, help="the commit (GITHUB_SHA)")
    args = parser.parse_args(argv)
    if fetch is None:
        missing = [name for name in ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_TOKEN") if not os.environ.get(name)]
        if missing:
            print(f"release-gate: missing {', '.join(missing)} (GitHub Actions sets them)", file=sys.stderr)
            return 2
        fetch = github(os.environ["GITHUB_API_URL"], os.environ["GITHUB_REPOSITORY"], os.environ["GITHUB_TOKEN"])
    try:
        if args.gate == "ci":
            print(f"release-gate: CI passed on {args.sha}: {ci_passed(fetch, args.sha, args.workflow, args.wait)}")
        else:
            print(f"release-gate: {args.sha} ran in {args.environment}: {deployed(fetch, args.sha, args.environment)}")
    except Refused as refusal:
        print(f"release-gate: {refusal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
