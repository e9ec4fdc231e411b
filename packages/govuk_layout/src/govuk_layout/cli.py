"""The ``govuk-layout`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from govuk_layout import assets


def _pins() -> str:
    return " and ".join(f"{release.package} {release.version}" for release in assets.RELEASES)


def _assets(args: argparse.Namespace) -> int:
    if not args.force and assets.is_current(args.dest):
        print(f"{_pins()} are already installed in {args.dest}")
        return 0
    names = assets.build(dest=args.dest, cache_dir=args.cache_dir, registry=args.registry)
    print(f"installed {_pins()} ({len(names)} files) into {args.dest}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govuk-layout", description="Tools for the govuk-layout Flask extension.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "assets",
        help=f"fetch, verify and install {_pins()}",
        description="Fetch the pinned govuk-frontend and MOJ Frontend releases from the npm registry (or the local "
        "cache), verify their sha512 integrity, install their CSS, JS, fonts and images, and derive the "
        "organisation brand's stylesheets.",
    )
    build.add_argument(
        "--dest", type=Path, default=assets.DEFAULT_DEST, help="where to install (default: inside the package)"
    )
    build.add_argument(
        "--cache-dir", type=Path, default=None, help="tarball cache (default: $XDG_CACHE_HOME/govuk-layout)"
    )
    build.add_argument("--registry", default=None, help="npm registry URL (default: npm's configured registry)")
    build.add_argument("--force", action="store_true", help="reinstall even when this version is already installed")
    build.set_defaults(handler=_assets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except assets.AssetError as exc:
        print(f"govuk-layout: error: {exc}", file=sys.stderr)
        return 1
