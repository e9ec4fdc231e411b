"""Every `uses:` in a workflow is pinned to a full commit SHA with its version in a comment.

`python tools/pinned_actions.py FILE...` (a pre-commit hook, so `nox -s lint` and CI run it) accepts
`uses: owner/repo[/path]@<40 hex digits> # v1.2.3`, local `./` workflows and actions, and
`docker://image@sha256:<64 hex digits>`. A tag or branch can be moved to other code; a commit cannot,
and these jobs hold `id-token: write` and the cluster token. Dependabot keeps the SHAs and comments current.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
PINNED = re.compile(r"[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}")
DOCKER = re.compile(r"docker://[^@\s]+@sha256:[0-9a-f]{64}")
VERSION = re.compile(r"v?\d+(\.\d+){0,2}\b")


def problems(path: Path) -> list[str]:
    """Each `uses:` line of the file that is not pinned, or whose pin does not say its version."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = USES.match(line.replace("{{ '{{' }}", "{{").replace("{{ '}}' }}", "}}"))
        if not match:
            continue
        ref, comment = match["ref"].strip("'\""), (match["comment"] or "").strip()
        where = f"{path}:{number}: {ref}"
        if ref.startswith("./"):
            continue
        if ref.startswith("docker://"):
            if not DOCKER.fullmatch(ref):
                found.append(f"{where} is not pinned to an image digest (docker://image@sha256:...)")
        elif not PINNED.fullmatch(ref):
            found.append(f"{where} is not pinned to a full commit SHA (owner/repo@<40 hex> # vX.Y.Z)")
        elif not VERSION.match(comment):
            found.append(f"{where} has no version comment (# vX.Y.Z) saying which release the SHA is")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    found = [problem for path in paths for problem in problems(path)]
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
