"""Fetch, verify and install govuk-frontend's compiled runtime files.

The release is pinned here, with the sha512 integrity the npm registry
publishes for it, so a cached tarball can be verified offline too.

Installing also fingerprints every file (``name.<hash>.ext`` copies, listed in
``fingerprints.json``) and pre-compresses text files as ``.gz`` and ``.br``, so
the app can serve them cached for a year without compressing per request.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess  # nosec B404 - only runs `npm config get registry`
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import brotli

GOVUK_FRONTEND_VERSION = "6.3.0"
GOVUK_FRONTEND_INTEGRITY = (
    "sha512-cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA=="
)
PACKAGE_NAME = "govuk-frontend"
STAMP_FILE = ".govuk-frontend-version"
# Bumped whenever the installed layout changes, so `govuk-layout assets` rebuilds older installs.
BUILD_FORMAT = "fingerprinted.1"
MANIFEST_FILE = "fingerprints.json"
DEFAULT_DEST = Path(__file__).parent / "static"
_DIST = "package/dist/govuk/"
# Runtime files only: the compiled CSS/JS and the fonts, images and manifest they reference.
_RUNTIME_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
_RUNTIME_DIRS = ("assets/",)
_TIMEOUT = 30
# Text formats worth pre-compressing; fonts and PNGs are compressed already.
_COMPRESSIBLE = (".css", ".js", ".json", ".svg", ".ico")
# The compiled CSS names its fonts and images by absolute /assets/ URLs.
_CSS_ASSET_URL = re.compile(r"url\((['\"]?)/assets/([^)'\"]+)\1\)")


class AssetError(RuntimeError):
    """A failure the CLI reports as one line."""


def registry_url() -> str:
    """The npm registry base URL, as the machine's own npm configuration names it."""
    for var in ("GOVUK_LAYOUT_NPM_REGISTRY", "NPM_CONFIG_REGISTRY", "npm_config_registry"):
        if os.environ.get(var):
            return os.environ[var].rstrip("/")
    npm = shutil.which("npm")
    if npm:
        result = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True, timeout=_TIMEOUT)  # nosec B603
        if result.returncode == 0 and result.stdout.strip().startswith(("https://", "http://")):
            return result.stdout.strip().rstrip("/")
    raise AssetError("cannot find the npm registry: install npm or set NPM_CONFIG_REGISTRY")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govuk-layout"


def verify_integrity(data: bytes, integrity: str) -> None:
    """Check ``data`` against an SRI string such as ``sha512-<base64>``."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise AssetError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise AssetError(
            f"integrity check failed for {PACKAGE_NAME} {GOVUK_FRONTEND_VERSION}: tarball does not match {integrity}"
        )


def _get(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise AssetError(f"refusing to fetch {url!r}: not an http(s) URL")
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:  # nosec B310 - scheme checked above
            return bytes(response.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AssetError(f"network error fetching {url}: {reason}") from None


def fetch_tarball(cache_dir: Path, registry: str | None = None) -> bytes:
    """Return the verified release tarball, from the cache when it is there."""
    cached = cache_dir / f"{PACKAGE_NAME}-{GOVUK_FRONTEND_VERSION}.tgz"
    if cached.is_file():
        data = cached.read_bytes()
        try:
            verify_integrity(data, GOVUK_FRONTEND_INTEGRITY)
            return data
        except AssetError:
            cached.unlink()  # a corrupt cache is refetched, never trusted
    base = registry or registry_url()
    try:
        document = json.loads(_get(f"{base}/{PACKAGE_NAME}/{GOVUK_FRONTEND_VERSION}"))
        dist = document["dist"]
        tarball_url, published = str(dist["tarball"]), str(dist["integrity"])
    except (ValueError, KeyError, TypeError):
        raise AssetError(f"the registry's document for {PACKAGE_NAME} {GOVUK_FRONTEND_VERSION} is malformed") from None
    if published != GOVUK_FRONTEND_INTEGRITY:
        raise AssetError(
            f"the registry publishes integrity {published} but govuk-layout pins {GOVUK_FRONTEND_INTEGRITY}"
        )
    data = _get(tarball_url)
    verify_integrity(data, published)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
    except OSError:
        pass  # a read-only cache only costs a refetch next time
    return data


def _runtime_members(archive: tarfile.TarFile) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for member in archive.getmembers():
        if not member.isfile() or not member.name.startswith(_DIST):
            continue
        relative = member.name[len(_DIST) :]
        if relative in _RUNTIME_FILES or relative.startswith(_RUNTIME_DIRS):
            # Flatten assets/ so the compiled CSS's /assets/fonts URLs resolve.
            target = relative.removeprefix("assets/")
            if ".." in Path(target).parts or Path(target).is_absolute():
                raise AssetError(f"unsafe path in tarball: {member.name}")
            extracted = archive.extractfile(member)
            if extracted is not None:
                files[target] = extracted.read()
    missing = [name for name in _RUNTIME_FILES if name not in files]
    if missing:
        raise AssetError(f"the tarball lacks {', '.join(missing)}")
    return files


def fingerprinted_name(name: str, content: bytes) -> str:
    """``fonts/bold.woff2`` becomes ``fonts/bold.<12 hex digits of sha256>.woff2``."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _rewrite_css(text: str, manifest: dict[str, str], up: str) -> str:
    return _CSS_ASSET_URL.sub(lambda match: f"url({up}{manifest.get(match[2], match[2])})", text)


def _fingerprint(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, str]]:
    """Add a content-hashed copy of every file; CSS is first rewritten to name its fonts and images by their copies.

    The rewritten URLs are relative to the stylesheet, so the assets work under any URL prefix.
    """
    manifest = {name: fingerprinted_name(name, content) for name, content in files.items() if not name.endswith(".css")}
    output = dict(files)
    for name, content in files.items():
        if name.endswith(".css"):
            output[name] = _rewrite_css(content.decode(), manifest, "../" * name.count("/")).encode()
            manifest[name] = fingerprinted_name(name, output[name])
    for name, hashed in manifest.items():
        output[hashed] = output[name]
    return output, dict(sorted(manifest.items()))


def _compressed(files: dict[str, bytes]) -> dict[str, bytes]:
    """``.gz`` and ``.br`` versions of the text files, kept only where they save at least 5%."""
    variants: dict[str, bytes] = {}
    for name, content in files.items():
        if not name.endswith(_COMPRESSIBLE):
            continue
        for suffix, packed in (
            (".br", brotli.compress(content, quality=11)),
            (".gz", gzip.compress(content, compresslevel=9, mtime=0)),
        ):
            if len(packed) < len(content) * 0.95:
                variants[name + suffix] = packed
    return variants


def install(data: bytes, dest: Path) -> list[str]:
    """Write the runtime files, their fingerprinted copies and compressed variants into ``dest``, replacing it.

    Returns the runtime files' names as govuk-frontend ships them.
    """
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        runtime = _runtime_members(archive)
    files, manifest = _fingerprint(runtime)
    files.update(_compressed(files))
    files[MANIFEST_FILE] = (json.dumps(manifest, indent=2) + "\n").encode()
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".govuk-assets-", dir=dest.parent))
    except OSError as exc:
        raise AssetError(f"cannot write to {dest}: {exc.strerror or exc}") from None
    try:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (staging / STAMP_FILE).write_text(f"{GOVUK_FRONTEND_VERSION}+{BUILD_FORMAT}\n")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise AssetError(f"cannot write to {dest}: {exc.strerror or exc}") from None
    return sorted(runtime)


def installed_version(dest: Path = DEFAULT_DEST) -> str | None:
    """The govuk-frontend version installed in ``dest``, or None."""
    stamp = dest / STAMP_FILE
    return stamp.read_text().strip().partition("+")[0] if stamp.is_file() else None


def is_current(dest: Path = DEFAULT_DEST) -> bool:
    """Whether ``dest`` holds the pinned release, installed in this builder's current layout."""
    stamp = dest / STAMP_FILE
    return stamp.is_file() and stamp.read_text().strip() == f"{GOVUK_FRONTEND_VERSION}+{BUILD_FORMAT}"


def load_manifest(dest: Path = DEFAULT_DEST) -> dict[str, str]:
    """Runtime file name -> fingerprinted name, or an empty mapping when ``dest`` has no manifest."""
    try:
        manifest = json.loads((dest / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(name): str(hashed) for name, hashed in manifest.items()} if isinstance(manifest, dict) else {}


def build(dest: Path = DEFAULT_DEST, cache_dir: Path | None = None, registry: str | None = None) -> list[str]:
    """Fetch (or reuse from cache), verify and install the pinned release."""
    data = fetch_tarball(cache_dir or default_cache_dir(), registry)
    return install(data, dest)
