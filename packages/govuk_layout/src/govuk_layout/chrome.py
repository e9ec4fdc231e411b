"""Page chrome that is the same on every request, rendered once per process.

govuk-frontend-jinja's header, footer, service navigation, phase banner and cookie
banner macros cost most of a page's render time, and the base template renders the
header and footer twice (once to test for content). ``{% chrome "name", key, ... %}``
renders its body once for each distinct key and reuses the HTML after that. The keys
must name everything the body depends on (config values, language, navigation state);
per-request values (CSRF token, return path) must stay outside the block. The CSP nonce may be
inside: a fragment is kept with a placeholder where the nonce was, and each request puts its own in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context

MAX_FRAGMENTS = 256  # enough for every navigation state; past it fragments render each time
# Where the nonce goes in a kept fragment. A NUL is never in a page, and a nonce is 32 URL-safe characters.
NONCE_HOLE = "\x00csp-nonce\x00"


class ChromeCache(Extension):
    """The ``{% chrome %}`` tag. Off when templates auto-reload (development), so edits show at once."""

    tags = {"chrome"}

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # The caller's output is already escaped Markup; it is kept as it is.
        self.fragments: dict[str, str] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endchrome",), drop_needle=True)
        call = self.call_method("_fragment", [nodes.ContextReference(), nodes.List(key)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, context: Context, key: list[Any], caller: Callable[[], str]) -> str:
        if self.environment.auto_reload:
            return caller()
        nonce = str(context.get("cspNonce") or "")
        # Keys hold lists and dicts (navigation), so not hashable as they are. A page without a nonce
        # writes no nonce attribute at all, so whether there is one is part of the key.
        name = repr([*key, bool(nonce)])
        fragment = self.fragments.get(name)
        if fragment is None:
            html = caller()
            if len(self.fragments) < MAX_FRAGMENTS:
                self.fragments[name] = html.replace(nonce, NONCE_HOLE) if nonce else html
            return html
        return fragment.replace(NONCE_HOLE, nonce) if nonce else fragment  # Markup's replace: a nonce needs no escaping
