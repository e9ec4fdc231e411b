"""The organisation brand's stylesheets, made from the compiled CSS with a real CSS parser (tinycss2).

GDS Transport is licensed for GOV.UK alone, and the crown and crest belong to GOV.UK too.
For a service elsewhere the builder derives, from govuk-frontend's and MOJ Frontend's own
compiled CSS, stylesheets that have:

- no ``@font-face`` for GDS Transport (so no font file is ever requested);
- every ``font-family`` that names GDS Transport set to :data:`FONT_STACK`, as govuk-frontend's
  documented ``$govuk-font-family`` setting would compile it;
- no footer crest (the ``::before`` that draws it), leaving the "© Crown copyright" link as text.

Rules are dropped or rewritten whole, by selector and declaration name, never by matching text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import tinycss2
from tinycss2 import ast

FONT_STACK = "arial,helvetica,sans-serif"
GOVUK_FONT = "gds transport"
# The footer's crest is the ::before of the copyright link.
_CREST_SELECTOR = ".govuk-footer__copyright-logo:before"

Node = Any  # tinycss2's nodes (it ships no type information)
RuleFilter = Callable[[str], bool]


def _names_gds_transport(tokens: Iterable[Node]) -> bool:
    families = tinycss2.serialize(tokens).replace('"', "").replace("'", "").lower()
    return any(family.strip() == GOVUK_FONT for family in families.split(","))


def _declarations(content: list[Node]) -> str:
    parts = []
    for node in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if isinstance(node, ast.Declaration):
            value = tinycss2.serialize(node.value).strip()
            if node.lower_name == "font-family" and _names_gds_transport(node.value):
                value = FONT_STACK
            parts.append(f"{node.name}:{value}{'!important' if node.important else ''}")
        elif not isinstance(node, ast.ParseError):
            parts.append(node.serialize())
    return ";".join(parts)


def _rules(nodes: Iterable[Node], keep: RuleFilter, statements: bool = True) -> str:
    output = []
    for node in nodes:
        if isinstance(node, ast.QualifiedRule):
            selector = tinycss2.serialize(node.prelude).strip()
            if keep(selector):
                output.append(f"{selector}{{{_declarations(node.content)}}}")
        elif isinstance(node, ast.AtRule):
            if node.lower_at_keyword == "font-face":
                family: list[Node] = next(
                    (
                        declaration.value
                        for declaration in tinycss2.parse_blocks_contents(node.content or [], skip_whitespace=True)
                        if isinstance(declaration, ast.Declaration) and declaration.lower_name == "font-family"
                    ),
                    [],
                )
                if not _names_gds_transport(family):
                    output.append(node.serialize())
            elif node.content is None:  # @charset, @import: statements, kept unless this CSS is appended to other CSS
                if statements:
                    output.append(node.serialize())
            else:  # @media, @supports: the same filter inside, dropped when nothing is left
                inner = _rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True), keep)
                if inner:
                    output.append(f"@{node.at_keyword}{tinycss2.serialize(node.prelude)}{{{inner}}}")
    return "".join(output)


def _parse(css: str) -> list[Node]:
    return list(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _selectors(selector: str) -> list[str]:
    return [part.strip() for part in selector.split(",")]


def without_govuk_brand(css: str) -> str:
    """``css`` with no GDS Transport (``@font-face`` or ``font-family``) and no footer crest."""
    return _rules(_parse(css), lambda selector: _CREST_SELECTOR not in _selectors(selector))


def only_component(css: str, block: str) -> str:
    """The rules of ``css`` whose selectors are all about one BEM block (``.moj-header``), without GDS Transport.

    ``@charset`` and other statements are left out: the result is appended to another stylesheet.
    """

    def about_block(selector: str) -> bool:
        return all(block in part for part in _selectors(selector))

    return _rules(_parse(css), about_block, statements=False)


def organisation_stylesheet(govuk_css: str, moj_css: str) -> str:
    """govuk-frontend without GOV.UK's font and crest, plus MOJ Frontend's header: every page's one stylesheet."""
    return without_govuk_brand(govuk_css) + only_component(moj_css, ".moj-header")
