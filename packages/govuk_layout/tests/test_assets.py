"""The asset builder, against a real local HTTP registry serving a synthetic release."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import io
import json
import re
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest

from govuk_layout import assets, cli

FILES = {
    "package/dist/govuk/govuk-frontend.min.css": (
        b"@font-face{font-family:GDS Transport;src:url(/assets/fonts/bold.woff2) format('woff2')}"
        + b".govuk-footer{background:url(/assets/images/favicon.ico)}" * 20
    ),
    "package/dist/govuk/govuk-frontend.min.js": b"export function initAll(){}" * 20,
    "package/dist/govuk/assets/fonts/bold.woff2": b"font",
    "package/dist/govuk/assets/images/favicon.ico": b"icon",
    "package/dist/govuk/assets/manifest.json": b"{}",
    "package/dist/govuk/govuk-frontend.min.css.map": b"not a runtime file",
    "package/README.md": b"not a runtime file",
}
MOJ_FILES = {
    "package/moj/moj-frontend.min.css": (
        b".moj-header{color:#fff;font-family:GDS Transport,arial,sans-serif}"
        + b".moj-badge{background:url(/assets/images/icon-tick.svg)}" * 20
    ),
    "package/moj/moj-frontend.min.js": b"export function initAll(){}" * 20,
    "package/moj/assets/images/icon-tick.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    "package/moj/assets/images/moj-logotype-crest-2024.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" fill="none" viewBox="0 0 40 40"><!-- a comment -->'
        b'<path d="M0.123 0.456 L 39.987 0.456 L 39.987 39.544 Z"/></svg>'
    ),
    "package/moj/template.njk": b"not a runtime file",
}


def _tarball(files: dict[str, bytes] = FILES) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class Registry:
    def __init__(self) -> None:
        self.tarball = _tarball()
        self.served = self.tarball
        self.moj_tarball = _tarball(MOJ_FILES)
        self.requests: list[str] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                if self.path == f"/govuk-frontend/{assets.GOVUK_FRONTEND_VERSION}":
                    body = json.dumps(
                        {"dist": {"tarball": f"{base}/govuk-frontend.tgz", "integrity": _integrity(registry.tarball)}}
                    ).encode()
                elif self.path == f"/@ministryofjustice%2Ffrontend/{assets.MOJ_FRONTEND.version}":
                    body = json.dumps(
                        {"dist": {"tarball": f"{base}/moj-frontend.tgz", "integrity": _integrity(registry.moj_tarball)}}
                    ).encode()
                elif self.path == "/govuk-frontend.tgz":
                    body = registry.served
                elif self.path == "/moj-frontend.tgz":
                    body = registry.moj_tarball
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    fake = Registry()
    _pin(monkeypatch, _integrity(fake.tarball), _integrity(fake.moj_tarball))
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _pin(monkeypatch: pytest.MonkeyPatch, govuk: str, moj: str) -> None:
    """Pin the builder to the fake registry's tarballs."""
    releases = (
        dataclasses.replace(assets.GOVUK_FRONTEND, integrity=govuk),
        dataclasses.replace(assets.MOJ_FRONTEND, integrity=moj),
    )
    monkeypatch.setattr(assets, "RELEASES", releases)
    monkeypatch.setattr(assets, "GOVUK_FRONTEND", releases[0])
    monkeypatch.setattr(assets, "MOJ_FRONTEND", releases[1])


def _closed_port_url() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


def test_installs_only_runtime_files(registry: Registry, tmp_path: Path) -> None:
    dest = tmp_path / "static"
    names = assets.build(dest=dest, cache_dir=tmp_path / "cache", registry=registry.url)
    assert names == [
        "fonts/bold.woff2",
        "govuk-frontend-organisation.min.css",
        "govuk-frontend.min.css",
        "govuk-frontend.min.js",
        "images/favicon.ico",
        "manifest.json",
        "moj/images/icon-tick.svg",
        "moj/images/moj-logotype-crest-2024.svg",
        "moj/moj-frontend-organisation.min.css",
        "moj/moj-frontend.min.css",
        "moj/moj-frontend.min.js",
    ]
    assert (dest / "fonts" / "bold.woff2").read_bytes() == b"font"
    assert not (dest / "README.md").exists() and not (dest / "moj" / "template.njk").exists()
    assert assets.installed_version(dest) == assets.GOVUK_FRONTEND_VERSION


def test_tampered_tarball_fails_integrity(registry: Registry, tmp_path: Path) -> None:
    registry.served = registry.tarball[:-1] + bytes([registry.tarball[-1] ^ 1])
    with pytest.raises(assets.AssetError, match="integrity check failed"):
        assets.build(dest=tmp_path / "static", cache_dir=tmp_path / "cache", registry=registry.url)
    assert not (tmp_path / "static").exists()
    assert not list((tmp_path / "cache").glob("*.tgz")) if (tmp_path / "cache").exists() else True


def test_works_from_cache_when_network_is_unavailable(registry: Registry, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assets.build(dest=tmp_path / "first", cache_dir=cache, registry=registry.url)
    fetched = len(registry.requests)
    assets.build(dest=tmp_path / "second", cache_dir=cache, registry=_closed_port_url())
    assert len(registry.requests) == fetched
    assert (tmp_path / "second" / "govuk-frontend.min.css").is_file()


def test_corrupt_cache_is_refetched(registry: Registry, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assets.build(dest=tmp_path / "first", cache_dir=cache, registry=registry.url)
    cached = cache / f"govuk-frontend-{assets.GOVUK_FRONTEND_VERSION}.tgz"
    cached.write_bytes(b"corrupt")
    assets.build(dest=tmp_path / "second", cache_dir=cache, registry=registry.url)
    assert cached.read_bytes() == registry.tarball


def test_registry_publishing_other_integrity_is_refused(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pin(monkeypatch, _integrity(registry.tarball), "sha512-" + "A" * 86 + "==")
    with pytest.raises(assets.AssetError, match="pins"):
        assets.build(dest=tmp_path / "static", cache_dir=tmp_path / "cache", registry=registry.url)


def _run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_network_failure_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run_cli(
        capsys,
        "assets",
        "--dest",
        str(tmp_path / "s"),
        "--cache-dir",
        str(tmp_path / "c"),
        "--registry",
        _closed_port_url(),
    )
    assert code == 1
    assert err.startswith("govuk-layout: error: network error fetching")
    assert err.count("\n") == 1


def test_cli_integrity_mismatch_is_one_line(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.served = registry.tarball + b"x"
    code, _, err = _run_cli(
        capsys, "assets", "--dest", str(tmp_path / "s"), "--cache-dir", str(tmp_path / "c"), "--registry", registry.url
    )
    assert code == 1
    assert "integrity check failed" in err and err.count("\n") == 1


def test_cli_unwritable_destination_is_one_line(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A regular file where a folder must go: unwritable even for root, unlike chmod.
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = _run_cli(
        capsys,
        "assets",
        "--dest",
        str(blocker / "static"),
        "--cache-dir",
        str(tmp_path / "c"),
        "--registry",
        registry.url,
    )
    assert code == 1
    assert err.startswith("govuk-layout: error: cannot write to") and err.count("\n") == 1


def test_cli_success(registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run_cli(
        capsys, "assets", "--dest", str(tmp_path / "s"), "--cache-dir", str(tmp_path / "c"), "--registry", registry.url
    )
    assert code == 0
    assert (
        f"installed govuk-frontend {assets.GOVUK_FRONTEND_VERSION} and @ministryofjustice/frontend 11.1.0 (11 files)"
        in out
    )


def test_registry_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "https://mirror.internal/npm/")
    assert assets.registry_url() == "https://mirror.internal/npm"


def test_cli_skips_an_installed_release_unless_forced(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("assets", "--dest", str(tmp_path / "s"), "--cache-dir", str(tmp_path / "c"), "--registry", registry.url)
    assert _run_cli(capsys, *args)[0] == 0
    (tmp_path / "s" / "govuk-frontend.min.css").unlink()
    code, out, _ = _run_cli(capsys, *args)
    assert code == 0
    assert "already installed" in out
    assert not (tmp_path / "s" / "govuk-frontend.min.css").exists()
    assert _run_cli(capsys, *args, "--force")[0] == 0
    assert (tmp_path / "s" / "govuk-frontend.min.css").is_file()


def test_fingerprints_and_precompresses(registry: Registry, tmp_path: Path) -> None:
    dest = tmp_path / "static"
    assets.build(dest=dest, cache_dir=tmp_path / "cache", registry=registry.url)
    manifest = assets.load_manifest(dest)
    assert manifest["fonts/bold.woff2"] == f"fonts/bold.{hashlib.sha256(b'font').hexdigest()[:12]}.woff2"
    assert set(manifest) == set(assets.install([registry.tarball, registry.moj_tarball], tmp_path / "again"))
    for name, hashed in manifest.items():
        assert (dest / hashed).read_bytes() == (dest / name).read_bytes()
        assert hashed.endswith(hashlib.sha256((dest / name).read_bytes()).hexdigest()[:12] + Path(name).suffix)
    css = (dest / manifest["govuk-frontend.min.css"]).read_text()
    assert "/assets/" not in css
    assert f"url({manifest['fonts/bold.woff2']})" in css and f"url({manifest['images/favicon.ico']})" in css
    for name in ("govuk-frontend.min.css", manifest["govuk-frontend.min.js"]):
        content = (dest / name).read_bytes()
        assert brotli.decompress((dest / f"{name}.br").read_bytes()) == content
        assert gzip.decompress((dest / f"{name}.gz").read_bytes()) == content
    assert not list(dest.glob("fonts/*.br")) and not list(dest.glob("fonts/*.gz"))
    # MOJ Frontend's CSS names its own images, under moj/.
    moj_css = (dest / manifest["moj/moj-frontend.min.css"]).read_text()
    assert f"url(../{manifest['moj/images/icon-tick.svg']})" in moj_css


def test_derives_the_organisation_brand(registry: Registry, tmp_path: Path) -> None:
    dest = tmp_path / "static"
    assets.build(dest=dest, cache_dir=tmp_path / "cache", registry=registry.url)
    organisation = (dest / assets.ORGANISATION_CSS).read_text()
    assert "@font-face" not in organisation and "GDS Transport" not in organisation and "bold" not in organisation
    assert ".moj-header{color:#fff;font-family:arial,helvetica,sans-serif}" in organisation
    assert ".moj-badge" not in organisation  # MOJ's components stay in MOJ's own stylesheet
    moj = (dest / assets.MOJ_CSS["organisation"]).read_text()
    assert "GDS Transport" not in moj and moj.count(".moj-badge{") == 20
    crest = (dest / assets.MOJ_CREST).read_text()
    assert crest.startswith("<svg ") and 'fill="#fff"' in crest


def test_the_crests_are_optimised_by_svgo(registry: Registry, tmp_path: Path) -> None:
    """svgo drops what draws nothing and rounds the MOJ crest's coordinates to CREST_PRECISION places."""
    dest = tmp_path / "static"
    assets.build(dest=dest, cache_dir=tmp_path / "cache", registry=registry.url)
    crest = (dest / assets.MOJ_CREST).read_text()
    path = re.search(r' d="([^"]+)"', crest)
    assert path, crest
    source = MOJ_FILES["package/moj/assets/images/moj-logotype-crest-2024.svg"]
    assert "comment" not in crest and len(crest) < len(source)
    assert assets.CREST_PRECISION[assets.MOJ_CREST] == 1
    assert re.findall(r"\.\d+", path[1]) and not re.findall(r"\.\d\d", path[1]), path[1]
    assert (dest / assets.load_manifest(dest)[assets.MOJ_CREST]).read_text() == crest


def test_an_install_by_an_older_builder_is_rebuilt(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "s"
    args = ("assets", "--dest", str(dest), "--cache-dir", str(tmp_path / "c"), "--registry", registry.url)
    assert _run_cli(capsys, *args)[0] == 0
    assert assets.is_current(dest)
    (dest / assets.STAMP_FILE).write_text(assets.GOVUK_FRONTEND_VERSION + "+fingerprinted.1\n")  # before MOJ
    (dest / assets.MANIFEST_FILE).unlink()
    assert assets.installed_version(dest) == assets.GOVUK_FRONTEND_VERSION and not assets.is_current(dest)
    code, out, _ = _run_cli(capsys, *args)
    assert code == 0 and "installed govuk-frontend" in out
    assert assets.is_current(dest) and assets.load_manifest(dest)
