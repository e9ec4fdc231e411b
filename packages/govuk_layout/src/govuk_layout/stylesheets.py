"""The brands' stylesheets, made from the compiled CSS with a real CSS parser (tinycss2).

The GOV.UK brand's stylesheet is govuk-frontend's without the footer crest's image: that goes in a
stylesheet of its own, which the page loads when the footer comes near the viewport (or at once,
through ``<noscript>``, without JavaScript), so a first visit does not download the 35 KB crest.
The crest's box stays in the main stylesheet, so the footer does not move when the image arrives.

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
# What paints it: a background image, or (where masks work) currentcolor through a mask of the crest.
_CREST_PAINT = ("background", "background-image", "mask", "-webkit-mask")

Node = Any  # tinycss2's nodes (it ships no type information)
RuleFilter = Callable[[str], bool]


def _names_gds_transport(tokens: Iterable[Node]) -> bool:
    families = tinycss2.serialize(tokens).replace('"', "").replace("'", "").lower()
    return any(family.strip() == GOVUK_FONT for family in families.split(","))


def _paints_crest(name: str) -> bool:
    return name in _CREST_PAINT or name.startswith(("mask-", "-webkit-mask-"))


def _declarations(content: list[Node], govuk_brand: bool, crest_paint: bool = True) -> str:
    parts = []
    for node in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if isinstance(node, ast.Declaration):
            if not crest_paint and _paints_crest(node.lower_name):
                continue
            value = tinycss2.serialize(node.value).strip()
            if not govuk_brand and node.lower_name == "font-family" and _names_gds_transport(node.value):
                value = FONT_STACK
            parts.append(f"{node.name}:{value}{'!important' if node.important else ''}")
        elif not isinstance(node, ast.ParseError):
            parts.append(node.serialize())
    return ";".join(parts)


def _rules(
    nodes: Iterable[Node], keep: RuleFilter, statements: bool = True, govuk_brand: bool = False, crest: bool = True
) -> str:
    """The rules ``keep`` accepts; without GDS Transport unless ``govuk_brand``; without the crest's paint unless
    ``crest`` (a rule left empty goes). ``@font-face`` rules are not selected by ``keep``; ``statements``
    keeps ``@charset`` and the like, and under ``govuk_brand`` GDS Transport's ``@font-face``."""
    output = []
    for node in nodes:
        if isinstance(node, ast.QualifiedRule):
            selector = tinycss2.serialize(node.prelude).strip()
            if keep(selector):
                paint = crest or _CREST_SELECTOR not in _selectors(selector)
                declarations = _declarations(node.content, govuk_brand, paint)
                if declarations:
                    output.append(f"{selector}{{{declarations}}}")
        elif isinstance(node, ast.AtRule):
            if node.lower_at_keyword == "font-face" and not govuk_brand:
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
            elif node.lower_at_keyword == "font-face":
                if statements:  # not in a stylesheet appended to another, such as the crest's
                    output.append(node.serialize())
            else:  # @media, @supports: the same filter inside, dropped when nothing is left
                inner_nodes = tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True)
                inner = _rules(inner_nodes, keep, govuk_brand=govuk_brand, crest=crest)
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


def govuk_stylesheets(css: str) -> tuple[str, str]:
    """govuk-frontend's ``css`` split in two: everything but the footer crest's paint, and the rules that paint it."""

    def crest_rule(selector: str) -> bool:
        return _CREST_SELECTOR in _selectors(selector)

    rules = _parse(css)
    main = _rules(rules, lambda selector: True, govuk_brand=True, crest=False)
    return main, _rules(rules, crest_rule, statements=False, govuk_brand=True, crest=True)


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
