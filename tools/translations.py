"""The gettext catalogues of govuk-layout and every service: update them from the sources, or check them.

``python -m tools.translations`` extracts every marked message, updates each ``.po`` and compiles its
``.mo``; ``--check`` changes nothing and exits 1 listing what is missing, untranslated, fuzzy or stale.
A service takes part once it has a ``translations/<language>/LC_MESSAGES`` folder; ``--add cy`` starts one
for every root.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from govuk_layout import catalogues

REPO = Path(__file__).resolve().parents[1]


def roots(repo: Path = REPO, adding: bool = False) -> list[Path]:
    """govuk-layout's package folder, then each service's package folder that has catalogues (or all, when adding)."""
    services = sorted(path.parent for path in repo.glob("services/*/src/*/__init__.py"))
    chosen = [path for path in services if adding or (path / "translations").is_dir()]
    return [repo / "packages" / "govuk_layout" / "src" / "govuk_layout", *chosen]


def main(argv: list[str] | None = None, repo: Path = REPO) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; list problems and exit 1 if any")
    parser.add_argument("--add", action="append", default=[], metavar="LANG", help="start a catalogue for LANG")
    args = parser.parse_args(argv)
    if args.check:
        found = [problem for root in roots(repo) for problem in catalogues.problems(root)]
        print("\n".join(found) or "every catalogue is complete and compiled")
        return 1 if found else 0
    for root in roots(repo, adding=bool(args.add)):
        for path in catalogues.update(root, args.add):
            print(f"wrote {path.relative_to(repo)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
