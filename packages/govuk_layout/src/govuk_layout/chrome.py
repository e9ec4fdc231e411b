"""Page chrome that is the same on every request, rendered once per process.

govuk-frontend-jinja's header, footer, service navigation, phase banner and cookie
banner macros cost most of a page's render time, and the base template renders the
header and footer twice (once to test for content). ``{% chrome "name", key, ... %}``
renders its body once for each distinct key and reuses the HTML after that. The keys
must name everything the body depends on (config values, language, navigation state);
per-request values (CSP nonce, CSRF token, return path) must stay outside the block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.ext import Extension
from jinja2.parser import Parser

MAX_FRAGMENTS = 256  # enough for every navigation state; past it fragments render each time


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
        call = self.call_method("_fragment", [nodes.List(key)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, key: list[Any], caller: Callable[[], str]) -> str:
        if self.environment.auto_reload:
            return caller()
        name = repr(key)  # keys hold lists and dicts (navigation), so not hashable as they are
        fragment = self.fragments.get(name)
        if fragment is None:
            fragment = caller()
            if len(self.fragments) < MAX_FRAGMENTS:
                self.fragments[name] = fragment
        return fragment
