"""The programs sessions run that pip does not install: found on this machine, else fetched where allowed.

Each finder looks on PATH first, then installs with apt when this is Debian and we are root (as in CI),
then falls back to what else fetches it (Playwright's own Chromium), and otherwise raises ``Missing``
naming the one command that would fix it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

Run = Callable[[Sequence[str]], object]
# Where Debian's chromium package puts the browser.
DEBIAN_CHROMIUM = "/usr/bin/chromium"


class Missing(Exception):
    """A program is absent and this machine does not let us fetch it; the message says how to get it."""


def can_apt() -> bool:
    """apt may install here: Debian (or Ubuntu) and root."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None and Path("/etc/debian_version").exists()


def apt_install(run: Run, *packages: str) -> None:
    """apt-get install, refreshing the package lists first when a fresh container has none."""
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    try:
        run(command)
    except Exception:
        run(["apt-get", "update", "-qq"])
        run(command)


def find(program: str, apt_package: str, hint: str, run: Run, candidates: Sequence[str | None] = ()) -> str:
    """``program`` from ``candidates`` or PATH, else apt's ``apt_package`` when allowed, else ``Missing(hint)``."""
    for candidate in (*candidates, shutil.which(program)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if can_apt():
        apt_install(run, apt_package)
        found = shutil.which(program)
        if found:
            return found
    raise Missing(hint)


def chromium(run: Run, playwright_install: Callable[[], object]) -> dict[str, str]:
    """The environment that points the browser tests at a Chromium: Debian's when there is (or may be) one,
    else Playwright's own, downloaded by ``playwright_install`` when absent."""
    candidates = (os.environ.get("CHROMIUM_PATH"), DEBIAN_CHROMIUM)
    try:
        return {"CHROMIUM_PATH": find("chromium", "chromium", "no Chromium", run, candidates)}
    except Missing:
        managed = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
        if not any(managed.glob("chromium*")):
            playwright_install()
        return {}  # Playwright finds its own browser


def java(run: Run) -> str:
    """A Java runtime for the Nu HTML Checker."""
    hint = "no Java for the Nu HTML Checker: install a Java runtime (Debian: `apt-get install default-jre-headless`)"
    return find("java", "default-jre-headless", hint, run)


def wrk(run: Run) -> str:
    """wrk, the load generator the bench drives."""
    return find("wrk", "wrk", "no wrk: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)", run)


def valgrind(run: Run) -> str:
    """valgrind, whose cachegrind counts the instructions of ``nox -s bench-instructions``."""
    return find("valgrind", "valgrind", "no valgrind: `apt-get install valgrind` (Debian/Ubuntu; Linux only)", run)
