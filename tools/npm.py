"""Tools taken from the npm registry (helm, the Nu HTML Checker, axe-core), each pinned to a version and its
sha512 integrity.

``npm pack`` fetches through npm's own registry configuration; the tarball is checked against
the pinned integrity before anything in it is used, and cached in the caller's directory.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess  # nosec B404 - runs npm with fixed arguments
import tarfile
from pathlib import Path


def sri(data: bytes) -> str:
    """The Subresource Integrity string npm records for a tarball: sha512-<base64 digest>."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def tarball_name(package: str, version: str) -> str:
    """The file ``npm pack`` writes: a scoped @scope/name becomes scope-name-<version>.tgz."""
    return f"{package.removeprefix('@').replace('/', '-')}-{version}.tgz"


def tarball(package: str, version: str, integrity: str, cache_dir: Path) -> bytes:
    """The verified release tarball, fetched with ``npm pack`` when the cache lacks a good copy."""
    path = cache_dir / tarball_name(package, version)
    if not path.is_file() or sri(path.read_bytes()) != integrity:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm is needed to fetch {package}: `apt-get install npm`")
        cache_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # nosec B603 - fixed arguments
            [npm, "pack", f"{package}@{version}", "--pack-destination", str(cache_dir), "--silent"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    data = path.read_bytes()
    if sri(data) != integrity:
        path.unlink()
        raise RuntimeError(f"{package} {version} failed its integrity check: expected {integrity}")
    return data


def member(data: bytes, name: str) -> bytes:
    """One file from a tarball."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        extracted = archive.extractfile(name)
        if extracted is None:
            raise RuntimeError(f"the tarball has no {name}")
        return extracted.read()
