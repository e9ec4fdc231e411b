"""Fetch, verify and install govuk-frontend's and MOJ Frontend's compiled runtime files.

Each release is pinned here, with the sha512 integrity the npm registry
publishes for it, so a cached tarball can be verified offline too.

MOJ Frontend (MIT) goes under ``moj/``: its stylesheet and script for the pages that use its
components, its images, and the Ministry of Justice crest the organisation brand shows. The
organisation brand's stylesheets are derived from the compiled CSS by ``stylesheets.py``.

The crests are optimised with svgo (pinned with its dependencies in ``svgo/package-lock.json``,
installed by ``npm ci`` into the cache, run by Node.js): the largest images a first visit loads.

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
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree  # nosec B405 - parses only the integrity-checked tarball's SVG
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import brotli

from govuk_layout import stylesheets


@dataclass(frozen=True)
class Release:
    """One pinned npm release: which of its files the pages need, and where they are installed."""

    package: str
    version: str
    integrity: str
    # The folder inside the tarball holding the compiled files.
    dist: str
    # Runtime files and folders, relative to ``dist``; a leading ``assets/`` is dropped when installed.
    files: tuple[str, ...]
    dirs: tuple[str, ...]
    # Where they go under the install folder ("" or "moj/").
    into: str = ""


GOVUK_FRONTEND_VERSION = "6.3.0"
GOVUK_FRONTEND = Release(
    package="govuk-frontend",
    version=GOVUK_FRONTEND_VERSION,
    integrity="sha512-cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA==",
    dist="package/dist/govuk/",
    # The compiled CSS/JS and the fonts, images and manifest they reference.
    files=("govuk-frontend.min.css", "govuk-frontend.min.js"),
    dirs=("assets/",),
)
# 11.1.0 is the newest MOJ Frontend; its peerDependencies ask for govuk-frontend ^6.0.0.
MOJ_FRONTEND = Release(
    package="@ministryofjustice/frontend",
    version="11.1.0",
    integrity="sha512-1bkUbm2M4DpcpX/pOmumQRBsbJco9W2RwmJv5h/ZC/ZqrAOn2/FjpF+A7vS0gs7oMXBizr9O5huDrSYbLx73Nw==",
    dist="package/moj/",
    files=("moj-frontend.min.css", "moj-frontend.min.js"),
    dirs=("assets/images/",),
    into="moj/",
)
RELEASES = (GOVUK_FRONTEND, MOJ_FRONTEND)
STAMP_FILE = ".govuk-frontend-version"
# Bumped whenever the installed layout changes, so `govuk-layout assets` rebuilds older installs.
BUILD_FORMAT = "brands.3"
MANIFEST_FILE = "fingerprints.json"
DEFAULT_DEST = Path(__file__).parent / "static"
# The organisation brand's files, derived at build time (see stylesheets.py).
ORGANISATION_CSS = "govuk-frontend-organisation.min.css"
MOJ_CSS = {"govuk": "moj/moj-frontend.min.css", "organisation": "moj/moj-frontend-organisation.min.css"}
MOJ_JS = "moj/moj-frontend.min.js"
MOJ_CREST = "moj/images/moj-logotype-crest-2024.svg"
# The crest in MOJ Frontend has no fill of its own (the header's inline copy paints it white); the
# header shows it as an <img>, so the installed copy is painted white (the PNG, dark, is the favicon).
CREST_FILL = "#ffffff"
# svgo's decimal places for each crest's coordinates. GOV.UK's is drawn at 125x102 CSS px and already
# has two. MOJ's 40x40 box at 40 CSS px comes with three; one moves no point by more than 0.05 px,
# and halves its brotli size, which is what keeps the organisation brand's first visit under 40 KB.
CREST_PRECISION = {"images/govuk-crest.svg": 2, MOJ_CREST: 1}
SVGO = Path(__file__).parent / "svgo"
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


def stamp() -> str:
    """What an install by this builder records: the pinned versions and the layout."""
    return f"{GOVUK_FRONTEND.version}+{BUILD_FORMAT}+moj-{MOJ_FRONTEND.version}"


def verify_integrity(data: bytes, release: Release, integrity: str | None = None) -> None:
    """Check ``data`` against an SRI string such as ``sha512-<base64>`` (the release's pin by default)."""
    integrity = integrity or release.integrity
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise AssetError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise AssetError(
            f"integrity check failed for {release.package} {release.version}: tarball does not match {integrity}"
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


def fetch_tarball(cache_dir: Path, registry: str | None = None, release: Release = GOVUK_FRONTEND) -> bytes:
    """Return the verified release tarball, from the cache when it is there."""
    cached = cache_dir / f"{release.package.lstrip('@').replace('/', '-')}-{release.version}.tgz"
    if cached.is_file():
        data = cached.read_bytes()
        try:
            verify_integrity(data, release)
            return data
        except AssetError:
            cached.unlink()  # a corrupt cache is refetched, never trusted
    base = registry or registry_url()
    name = urllib.parse.quote(release.package, safe="@")  # a scoped name's slash is %2F in the registry's URL
    try:
        document = json.loads(_get(f"{base}/{name}/{release.version}"))
        dist = document["dist"]
        tarball_url, published = str(dist["tarball"]), str(dist["integrity"])
    except (ValueError, KeyError, TypeError):
        raise AssetError(f"the registry's document for {release.package} {release.version} is malformed") from None
    if published != release.integrity:
        raise AssetError(f"the registry publishes integrity {published} but govuk-layout pins {release.integrity}")
    data = _get(tarball_url)
    verify_integrity(data, release, published)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
    except OSError:
        pass  # a read-only cache only costs a refetch next time
    return data


def _runtime_members(archive: tarfile.TarFile, release: Release) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for member in archive.getmembers():
        if not member.isfile() or not member.name.startswith(release.dist):
            continue
        relative = member.name[len(release.dist) :]
        if relative in release.files or relative.startswith(release.dirs):
            # Flatten assets/ so the compiled CSS's /assets/fonts URLs resolve.
            target = relative.removeprefix("assets/")
            if ".." in Path(target).parts or Path(target).is_absolute():
                raise AssetError(f"unsafe path in tarball: {member.name}")
            extracted = archive.extractfile(member)
            if extracted is not None:
                files[release.into + target] = extracted.read()
    missing = [name for name in release.files if release.into + name not in files]
    if missing:
        raise AssetError(f"the {release.package} tarball lacks {', '.join(missing)}")
    return files


def _painted(svg: bytes, fill: str) -> bytes:
    """``svg`` with ``fill`` on its root element, parsed and written by an XML parser."""
    ElementTree.register_namespace("", "http://www.w3.org/2000/svg")
    root = ElementTree.fromstring(svg)  # nosec B314 - the integrity-checked tarball's own file
    root.set("fill", fill)
    return bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=False))


def _svgo(cache_dir: Path) -> list[str]:
    """The command running the pinned svgo, installed into ``cache_dir`` from its lock file when not there yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise AssetError("Node.js and npm are needed to optimise the crests with svgo: install npm")
    lock = (SVGO / "package-lock.json").read_bytes()
    home = cache_dir / f"svgo-{hashlib.sha256(lock).hexdigest()[:12]}"
    script = home / "node_modules" / "svgo" / "bin" / "svgo.js"
    if not script.is_file():
        staging = Path(tempfile.mkdtemp(prefix=".svgo-", dir=_made(cache_dir)))
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(SVGO / name, staging / name)
        done = subprocess.run(  # nosec B603 - fixed arguments; npm ci checks every package against the lock
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT * 10,
        )
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise AssetError(f"npm ci for svgo failed: {(done.stderr or done.stdout).strip()[-300:]}")
        shutil.rmtree(home, ignore_errors=True)
        staging.rename(home)
    return [node, str(script)]


def _made(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssetError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return folder


def _optimised(files: dict[str, bytes], cache_dir: Path) -> dict[str, bytes]:
    """The crests in ``files``, optimised by svgo at :data:`CREST_PRECISION` (svgo is kept in ``cache_dir``)."""
    crests = [name for name in CREST_PRECISION if name in files]
    command = _svgo(cache_dir) if crests else []
    optimised = {}
    for name in crests:
        done = subprocess.run(  # nosec B603 - the pinned svgo, reading stdin and writing stdout
            [*command, "--precision", str(CREST_PRECISION[name]), "--input", "-", "--output", "-"],
            input=files[name],
            capture_output=True,
            timeout=_TIMEOUT,
        )
        if done.returncode != 0 or not done.stdout.startswith(b"<svg"):
            raise AssetError(f"svgo could not optimise {name}: {done.stderr.decode(errors='replace').strip()[-300:]}")
        optimised[name] = done.stdout
    return optimised


def _organisation_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The organisation brand's stylesheets (no GDS Transport, no crest, MOJ header) and the painted crest."""
    govuk_css = files[GOVUK_FRONTEND.files[0]].decode()
    moj_css = files[MOJ_CSS["govuk"]].decode()
    return {
        ORGANISATION_CSS: stylesheets.organisation_stylesheet(govuk_css, moj_css).encode(),
        MOJ_CSS["organisation"]: stylesheets.without_govuk_brand(moj_css).encode(),
        MOJ_CREST: _painted(files[MOJ_CREST], CREST_FILL),
    }


def fingerprinted_name(name: str, content: bytes) -> str:
    """``fonts/bold.woff2`` becomes ``fonts/bold.<12 hex digits of sha256>.woff2``."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _rewrite_css(text: str, manifest: dict[str, str], up: str, into: str) -> str:
    def url(match: re.Match[str]) -> str:
        name = into + match[2]
        return f"url({up}{manifest.get(name, name)})"

    return _CSS_ASSET_URL.sub(url, text)


def _fingerprint(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, str]]:
    """Add a content-hashed copy of every file; CSS is first rewritten to name its fonts and images by their copies.

    The rewritten URLs are relative to the stylesheet, so the assets work under any URL prefix.
    """
    manifest = {name: fingerprinted_name(name, content) for name, content in files.items() if not name.endswith(".css")}
    output = dict(files)
    for name, content in files.items():
        if name.endswith(".css"):
            into = name.rpartition("/")[0] + "/" if "/" in name else ""  # MOJ's CSS names its own images
            output[name] = _rewrite_css(content.decode(), manifest, "../" * name.count("/"), into).encode()
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


def install(tarballs: list[bytes], dest: Path) -> list[str]:
    """Write the runtime files, their fingerprinted copies and compressed variants into ``dest``, replacing it.

    ``tarballs`` holds each of :data:`RELEASES`' verified tarballs, in order.
    Returns the installed runtime files' names.
    """
    runtime: dict[str, bytes] = {}
    for release, data in zip(RELEASES, tarballs, strict=True):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            runtime.update(_runtime_members(archive, release))
    runtime.update(_organisation_files(runtime))
    runtime.update(_optimised(runtime, default_cache_dir()))
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
        (staging / STAMP_FILE).write_text(stamp() + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise AssetError(f"cannot write to {dest}: {exc.strerror or exc}") from None
    return sorted(runtime)


def installed_version(dest: Path = DEFAULT_DEST) -> str | None:
    """The govuk-frontend version installed in ``dest``, or None."""
    stamp_file = dest / STAMP_FILE
    return stamp_file.read_text().strip().partition("+")[0] if stamp_file.is_file() else None


def is_current(dest: Path = DEFAULT_DEST) -> bool:
    """Whether ``dest`` holds the pinned releases, installed in this builder's current layout."""
    stamp_file = dest / STAMP_FILE
    return stamp_file.is_file() and stamp_file.read_text().strip() == stamp()


def load_manifest(dest: Path = DEFAULT_DEST) -> dict[str, str]:
    """Runtime file name -> fingerprinted name, or an empty mapping when ``dest`` has no manifest."""
    try:
        manifest = json.loads((dest / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(name): str(hashed) for name, hashed in manifest.items()} if isinstance(manifest, dict) else {}


def build(dest: Path = DEFAULT_DEST, cache_dir: Path | None = None, registry: str | None = None) -> list[str]:
    """Fetch (or reuse from cache), verify and install the pinned releases."""
    tarballs = [fetch_tarball(cache_dir or default_cache_dir(), registry, release) for release in RELEASES]
    return install(tarballs, dest)
