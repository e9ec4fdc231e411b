"""Whole pages that carry no one's data, rendered once per process and filled in per request.

A start page, an empty question page or the cookies page is the same HTML for every visitor with
the same URL, language, cookie choice and mount point, apart from the request's CSP nonce and CSRF
token. :func:`render_page` renders such a page once, with unguessable placeholders where those two
go, keeps it in a bounded LRU, and on each request puts this request's values in. The nonce is made
and the token generated exactly as a fresh render would (the session gets its CSRF token from
Flask-WTF as before), so the response is byte for byte what ``render_template`` would have given
apart from those two values.

It never caches or serves from the cache: a request other than GET or HEAD, while the session holds
flashed messages or a signed-in user, while it holds answers (unless the view says the page shows
none), when templates auto-reload (development), or a response other than 200.

A page that shows a visitor's answers can be kept too, without them: each answer it is given as a
:class:`govuk_layout.Answer` in its values (check your answers' rows) is rendered as a placeholder, the
key holds the values with those placeholders, and each request puts its own answers back, escaped. It
is kept only when every answer is a single line without surrounding spaces and each placeholder comes
out exactly once as printed text; otherwise the page renders as usual. The view vouches, by passing
Answers, that the template only prints them.

A cached page is also compressed once (:mod:`govuk_layout.slotted`): a response whose body is still the
filled page goes out as gzip, built from the page's pieces compressed at the highest level with this
request's values stored between them, instead of being compressed again by the compression hook.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, after_this_request, current_app, g, render_template, request, session
from jinja2 import Template
from markupsafe import escape
from werkzeug.wrappers import Response

from govuk_layout import auth, compression, consent, csrf, i18n, security, sessions
from govuk_layout.components import Answer, CountedLRU, Uncacheable
from govuk_layout.components import key as params_key
from govuk_layout.slotted import Slotted

EXTENSION_KEY = "govuk_layout.cached_pages"
# What the session holds that a cached page may ignore: the layout's bookkeeping (flashes are refused
# separately) and the language, which is in the key.
_IGNORED_KEYS = sessions.BOOKKEEPING_KEYS | {i18n.SESSION_KEY}

TemplateNames = str | Template | list[str | Template]


@dataclass(frozen=True)
class _Entry:
    page: Slotted  # the page cut at its placeholders ("nonce", "csrf", "answer<n>"), its pieces compressed
    nonce: bool  # the page shows the CSP nonce
    csrf: bool  # the page shows a CSRF token, so the session gets one


def _with_slots(value: Any, placeholder: str, answers: list[str]) -> Any:
    """``value`` with each Answer in it (through dicts, lists and tuples) replaced by a numbered placeholder.

    Only for values ``_values_key`` took: each Answer fits a placeholder, and they come in the key's order.
    """
    if type(value) is Answer:
        answers.append(value)
        return f"{placeholder}x{len(answers) - 1}x"  # plain text of letters and digits: printed as it is
    if type(value) is dict:
        return {name: _with_slots(item, placeholder, answers) for name, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_with_slots(item, placeholder, answers) for item in value)
    return value


def _holds_answer(value: Any) -> bool:
    if type(value) is Answer:
        return True
    if type(value) is dict:
        return any(_holds_answer(name) or _holds_answer(item) for name, item in value.items())
    return type(value) in (list, tuple) and any(_holds_answer(item) for item in value)


def _values_key(values: Mapping[str, Any], answers: list[str]) -> Hashable:
    """The key of ``_with_slots(values)``, in one pass over ``values`` that appends each Answer to ``answers``.

    A value no key can hold (a question, a form) is left out while the page shows no answers: the view's key
    names it then. Raises Uncacheable for an answer no placeholder can stand for, or such a value beside answers.
    """
    parts = []
    refused = False
    for name, value in values.items():
        try:
            parts.append((name, params_key(value, answers)))
        except Uncacheable:
            if _holds_answer(value):
                raise
            refused = True
    if refused and answers:
        raise Uncacheable
    return tuple(parts)


class PageCache(CountedLRU[_Entry]):
    """One app's LRU of rendered pages. Read it with ``govuk_layout.page_cache()``."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        # Letters and digits only, so escaping, JSON and URL encoding leave them as they are; new per process.
        secret = secrets.token_hex(16)
        self.nonce_placeholder = f"govuknonce{secret}"
        self.csrf_placeholder = f"govukcsrf{secret}"
        self.answer_placeholder = f"govukanswer{secret}"

    def _render(self, names: TemplateNames, context: Mapping[str, Any], answers: int) -> tuple[_Entry, bool]:
        """The page with placeholders for the nonce, the token and ``answers`` answers, and whether it may be kept."""
        field = csrf.field_name(current_app.config)
        nonce, token = getattr(request, "csp_nonce", None), g.get(field)
        request.csp_nonce = self.nonce_placeholder  # type: ignore[attr-defined]
        setattr(g, field, self.csrf_placeholder)  # Flask-WTF's per-request token: forms and csrf_token() read it
        try:
            html = render_template(names, **context)
        finally:
            request.csp_nonce = nonce  # type: ignore[attr-defined]
            if token is None:
                g.pop(field, None)
            else:
                setattr(g, field, token)
        # Made before the render (a form built outside ``context``): unguessable, so put back as placeholders.
        if nonce:
            html = html.replace(nonce, self.nonce_placeholder)
        if token:
            html = html.replace(token, self.csrf_placeholder)
        placeholders = {self.nonce_placeholder: "nonce", self.csrf_placeholder: "csrf"}
        slots = {f"{self.answer_placeholder}x{index}x": f"answer{index}" for index in range(answers)}
        page = Slotted.cut(html, {**placeholders, **slots})
        entry = _Entry(page, "nonce" in page.slots, "csrf" in page.slots)
        # The request id may come from the client (X-Request-Id): a page showing it is never kept.
        request_id = g.get("request_id")
        # Each answer printed once as it is; one the template changed (a filter) or repeated is not a slot.
        printed = sorted(slot for slot in page.slots if slot.startswith("answer")) == sorted(slots.values())
        changed = any(self.answer_placeholder.encode() in piece for piece in page.pieces)  # e.g. "…x1x" + "0"
        return entry, printed and not changed and not (request_id and request_id in html)

    def _fill(self, entry: _Entry, answers: list[str]) -> tuple[bytes, dict[str, str]]:
        """The page with this request's nonce and token, made as a fresh render makes them, and its slots' values."""
        values = {f"answer{index}": str(escape(answer)) for index, answer in enumerate(answers)}
        if entry.nonce:
            values["nonce"] = security.csp_nonce()
        if entry.csrf:
            values["csrf"] = csrf.token()
        return entry.page.fill(values), values

    def render(
        self,
        app: Flask,
        names: TemplateNames,
        key: Hashable,
        context: Callable[[], Mapping[str, Any]] | None,
        values: Mapping[str, Any],
        reads_answers: bool,
    ) -> tuple[str | bytes, Callable[[], bytes] | None]:
        """The page, as bytes when it came from or went into the cache (its pieces are UTF-8 already).

        And for a page from the cache, what makes it gzip from its pieces compressed once (a page rendered for
        this request alone is left to the compression hook, cheaper than compressing its pieces at level 9).
        """
        answers: list[str] = []
        current = request._get_current_object()  # type: ignore[attr-defined]  # the proxy looked up once
        try:
            if not self._cacheable(app, current, reads_answers):
                raise Uncacheable
            values_key = _values_key(values, answers)
            page = _page_key(app, current, names, (key, values_key) if answers else key)
        except Uncacheable:
            self._count_uncached()
            return render_template(names, **values, **(context() if context else {})), None
        entry = self._get(page)
        if entry is not None:
            body, filled = self._fill(entry, answers)
            return body, functools.partial(entry.page.gzip, filled)
        with_slots = _with_slots(values, self.answer_placeholder, [])  # numbered in the key's order
        entry, keep = self._render(names, {**with_slots, **(context() if context else {})}, len(answers))
        if not keep and answers:  # the placeholders did not come out as printed answers: render as usual
            return render_template(names, **values, **(context() if context else {})), None
        if keep:
            self._keep_if_ok(page, entry)
        return self._fill(entry, answers)[0], None

    def _keep_if_ok(self, page: Hashable, entry: _Entry) -> None:
        @after_this_request
        def keep(response: Response) -> Response:
            if response.status_code == 200:  # an error page or a redirect is never served from the cache
                self._put(page, entry)
            return response

    def _cacheable(self, app: Flask, current: Request, reads_answers: bool) -> bool:
        if not self.maxsize or app.jinja_env.auto_reload or current.method not in ("GET", "HEAD"):
            return False
        held = set(session)  # iterating does not mark the session accessed (no Vary: Cookie of our own)
        if "_flashes" in held or auth.SESSION_KEY in held:
            return False
        return not (reads_answers and held - _IGNORED_KEYS)


def _names(names: TemplateNames) -> Hashable:
    return tuple(names) if isinstance(names, list) else names


def _page_key(app: Flask, current: Request, names: TemplateNames, key: Hashable) -> Hashable:
    """Everything a page without anyone's data depends on, besides the app's config (one cache per app)."""
    return (
        _names(names),
        key,
        current.scheme,
        current.host,
        current.script_root,  # the mount point (X-Forwarded-Prefix through ProxyFix)
        current.path,
        current.query_string,
        i18n.current_language(),
        consent.current_choice(),  # the cookie banner, and whether analytics loads
        app.config["GOVUK_BRAND"],
    )


def render_page(
    template_name_or_list: TemplateNames,
    key: Hashable = None,
    context: Callable[[], Mapping[str, Any]] | None = None,
    *,
    reads_answers: bool = True,
    **values: Any,
) -> Response:
    """``render_template(template_name_or_list, **values)`` for a page that shows no one's data, from the page cache,
    as a ``text/html`` response (a view returns it as it would the str, with a status if it likes).

    The cache's key is the template, the request's scheme, host, mount point, path and query, the page's
    language, the cookie choice, the brand and ``key``: give ``key`` anything else the page depends on.
    ``context`` (called only when the page is rendered) gives values that are costly to make, such as a
    form: build forms there, so a cached page does not build them. Pass ``reads_answers=False`` when the
    page shows nothing from the session whatever it holds (a question the session has no answer for);
    otherwise a session holding answers renders the page as usual. A page may show answers given in
    ``values`` as :class:`govuk_layout.Answer` (check your answers' rows): it is kept with a placeholder
    for each, the values (with the placeholders) join the key, and each request's answers go in escaped.
    See the module's docstring for what is never cached.

    A response rather than a str: a cached page is UTF-8 bytes already, and a str would be decoded here only for
    Flask to encode it again (both slow for a page with typographic quotes). To change the page, change the
    response's data; it then goes out through the compression hook instead of from its compressed pieces.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy looked up once
    page, gzipped = page_cache(app).render(app, template_name_or_list, key, context, values, reads_answers)
    response: Response = app.response_class(page, mimetype="text/html")
    if gzipped is not None:
        compression.offer_gzip(response, gzipped)
    return response


def page_cache(app: Flask | None = None) -> PageCache:
    """The page cache of ``app`` (default: the current app), for its :meth:`~PageCache.stats`."""
    cache: PageCache = (app or current_app).extensions[EXTENSION_KEY]
    return cache


def init_app(app: Flask, maxsize: int) -> None:
    """Keep up to ``maxsize`` pages per process (0 for none)."""
    app.extensions[EXTENSION_KEY] = PageCache(maxsize)
