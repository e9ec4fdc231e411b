"""axe-core, pinned from the npm registry, run inside the page under test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tools import npm

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what UK public sector bodies must meet.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


def axe_source(cache_dir: Path) -> str:
    """The text of axe.min.js from the verified, cached release tarball."""
    data = npm.tarball("axe-core", AXE_VERSION, AXE_INTEGRITY, cache_dir)
    return npm.member(data, "package/axe.min.js").decode()


def _describe(violation: dict[str, Any]) -> str:
    nodes = "; ".join(f"{' '.join(node['target'])} -> {node['html'][:160]}" for node in violation["nodes"][:5])
    return f"{violation['id']} [{violation['impact']}] {violation['help']} ({', '.join(violation['tags'])}): {nodes}"


_TIMERS_AS_MICROTASKS = """() => {
  window.setTimeout = (callback, delay, ...args) => { Promise.resolve().then(() => callback(...args)); return 0 };
  window.clearTimeout = () => {};
}"""


def run_timers_as_microtasks(page: Page) -> None:
    """axe waits on setTimeout between its checks: where the page's timers never fire (JavaScript off, or
    Playwright's clock paused), run those callbacks as microtasks instead. No page script runs to notice."""
    page.evaluate(_TIMERS_AS_MICROTASKS)


def violations(page: Page, source: str, javascript: bool = True) -> list[str]:
    """Run axe on the page as it is now; one line per WCAG A/AA rule broken, naming the elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated rather than added as a <script>: the service's Content-Security-Policy (rightly)
        # blocks an inline script without its nonce, and the tests keep that policy enforced.
        page.evaluate(source)
        if not javascript:
            run_timers_as_microtasks(page)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(WCAG_TAGS),
    )
    return [_describe(violation) for violation in result["violations"]]
