"""govuk-frontend-jinja's component macros, imported once per app and memoized.

A component macro is a pure function of its ``params``: it reads nothing from the request, the
session or the language (``tests/test_components.py`` checks every one). So its HTML is kept in a
bounded LRU, keyed by the macro's name and an exact, typed form of the params: ``"a"``,
``Markup("a")`` and a lazy ``"a"`` are different keys, as are ``True``, ``1`` and ``1.0``, because
the macros escape and print them differently. Params holding anything else (a form field, a
date, a ``namespace``) and calls with a ``caller`` body are rendered as they are, uncached.

Text a visitor gave goes in params as an :class:`Answer`. Where a component only prints a param as
escaped text (``HOLES``: a summary list's values), the call is cached with a placeholder in each
Answer's place and each call's own text goes in, so check your answers is cached without anyone's
answers; an Answer anywhere else makes the call uncached.

Every component is a Jinja global (``{{ govukButton({...}) }}`` with no import), and
``{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}`` gives the
same memoized macro, for templates written that way. :class:`Globals` makes the two things Jinja
does with a template's globals at each import and each render cheap (the first was most of an
import's cost).
"""

from __future__ import annotations

import re
import threading
from collections import ChainMap, OrderedDict
from collections.abc import Callable, Hashable, KeysView, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Generic, TypeVar, cast

from flask import Flask, current_app
from flask_babel.speaklater import LazyString
from jinja2 import Template, Undefined
from jinja2.environment import Environment, TemplateModule
from jinja2.ext import Extension
from markupsafe import Markup, escape

PACKAGE = "govuk_frontend_jinja"
COMPONENTS = f"{PACKAGE}/components/"
_MACRO = re.compile(r"{%-?\s*macro\s+(govuk\w+)\s*\(")


def _public_macros() -> dict[str, str]:
    """Template name -> its public macro, for every govuk-frontend-jinja component and helper macro."""
    root = files(PACKAGE) / "templates"
    found: dict[str, str] = {}
    for folder, pattern in (("components", "{}/macro.html"), ("macros", "{}")):
        for entry in (root / folder).iterdir():
            path = root / folder / pattern.format(entry.name)
            if path.is_file():
                for name in _MACRO.findall(path.read_text(encoding="utf-8")):
                    found[f"{PACKAGE}/{folder}/{pattern.format(entry.name)}"] = name
    return found


# "govuk_frontend_jinja/components/button/macro.html" -> "govukButton", and the helpers (govukAttributes).
MACROS = _public_macros()


V = TypeVar("V")
# Set while a component called with cache=False renders, so the components it calls are not cached either.
_UNCACHED: ContextVar[bool] = ContextVar("govuk_layout_uncached", default=False)


class Uncacheable(Exception):
    """Params holding a value whose rendering is not a function of a hashable key."""


class Answer(str):
    """Text a visitor gave, in a component's params: it is never kept in the component cache."""


def fits_placeholder(value: Any) -> bool:
    """Whether ``value`` is an Answer a placeholder can stand for while a page or component is kept.

    Only single-line Answers without surrounding spaces: then a filter that trims or indents the text (as
    a summary card does) treats the placeholder and the answer alike.
    """
    return type(value) is Answer and bool(value) and value.strip() == value and value.splitlines() == [value]


class Fixed(dict[str, Any]):
    """Params made once and shared by many calls (a summary row's key and change link, made once per language),
    keyed once when made rather than at every call. Never change one (nor what it holds) after it is made; it
    cannot hold an Answer (Uncacheable)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params_key = key(dict(self))  # the same key as the plain dict's: it renders the same


# Where a component prints a param as escaped text and does nothing else with it, so an Answer there can be a
# placeholder in the kept HTML: paths into the params, "*" for every item of a list.
HOLES: dict[str, tuple[tuple[str, ...], ...]] = {"govukSummaryList": (("rows", "*", "value", "text"),)}
_HOLE = "\x00answer{}\x00"  # a NUL is never in a page
_HOLES = re.compile("\x00answer([0-9]+)\x00")
# Kept for params whose placeholders did not each come out once, as printed text: those render uncached.
_NOT_HOLLOW = Markup("\x00not hollow\x00")


def _hollow(value: Any, path: tuple[str, ...], answers: list[str]) -> Any:
    """``value`` with each Answer at ``path`` that fits a placeholder replaced by one, appended to ``answers``."""
    if not path:
        if fits_placeholder(value):
            answers.append(value)
            return _HOLE.format(len(answers) - 1)
        return value
    step, rest = path[0], path[1:]
    if step == "*" and type(value) is list:
        return [_hollow(item, rest, answers) for item in value]
    if type(value) is dict and step in value:
        return {**value, step: _hollow(value[step], rest, answers)}
    return value


def _fill(html: Markup, answers: list[str]) -> Markup:
    """The kept HTML with each placeholder replaced by its answer, escaped (in one pass, so an answer is never read)."""
    parts = _HOLES.split(str(html))
    for index in range(1, len(parts), 2):
        parts[index] = escape(answers[int(parts[index])])
    return Markup("".join(parts))  # nosec B704 - the macro's own HTML, and each answer escaped


# Values rendered from their text and type alone. Types are compared exactly: a subclass may render otherwise.
_BY_VALUE = frozenset({bool, int, float, Markup})
_BY_TEXT = frozenset({LazyString, Undefined})  # a lazy message in the page's language; Jinja's plain undefined


def key(value: Any, answers: list[str] | None = None) -> Hashable:
    """An exact, hashable form of ``value``: equal keys render equal HTML. Raises Uncacheable.

    With ``answers``, each Answer that fits a placeholder is appended to it and keyed by its place in it, so the
    key is that of ``value`` with numbered placeholders for its answers (the page cache's key).
    """
    kind = type(value)
    if kind is str or value is None:
        return cast(Hashable, value)
    if kind is dict:
        # Names are never slots, and nearly always text (a str is its own key: no call for it).
        return (
            dict,
            tuple([(name if type(name) is str else key(name), key(item, answers)) for name, item in value.items()]),
        )
    if kind is list or kind is tuple:
        return (kind, tuple([key(item, answers) for item in value]))
    if kind is Fixed:
        return cast(Hashable, value.params_key)
    if kind in _BY_VALUE:
        return (kind, value)
    if kind in _BY_TEXT:
        return (kind, str(value))
    if answers is not None and fits_placeholder(value):
        answers.append(value)
        return (Answer, len(answers) - 1)
    raise Uncacheable(kind.__name__)


@dataclass(frozen=True)
class CacheStats:
    """What the component cache has done since the app started (or was cleared), in this process."""

    hits: int
    misses: int
    uncached: int  # calls with a caller body, uncacheable params, or cache=False
    size: int
    maxsize: int

    @property
    def hit_rate(self) -> float:
        """Hits over cacheable calls (hits and misses); 0.0 before any."""
        calls = self.hits + self.misses
        return self.hits / calls if calls else 0.0


class CountedLRU(Generic[V]):
    """A bounded LRU, shared by threads, counting hits, misses and calls it could not serve (uncached)."""

    def __init__(self, maxsize: int = 0) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = self._uncached = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, self._uncached, len(self._entries), self.maxsize)

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self._hits = self._misses = self._uncached = 0

    def _get(self, key: Hashable) -> V | None:
        """The entry for ``key``, now the most recently used (a hit), or None (a miss)."""
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return value

    def _put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def _count_uncached(self) -> None:
        with self._lock:
            self._uncached += 1


class ComponentCache(Extension, CountedLRU[Markup]):
    """The per-app LRU of component HTML. Read it with ``govuk_layout.component_cache()``."""

    def __init__(self, environment: Environment) -> None:
        Extension.__init__(self, environment)
        CountedLRU.__init__(self)

    def render(self, name: str, macro: Callable[..., Markup], params: Any, cache: bool = True) -> Markup:
        """``macro(params)``, from the cache when this name and params were rendered before."""
        if not cache:  # the params hold answers: so do the params of the components this one calls
            self._count_uncached()
            token = _UNCACHED.set(True)
            try:
                return macro(params)
            finally:
                _UNCACHED.reset(token)
        if not self.maxsize or _UNCACHED.get():
            self._count_uncached()
            return macro(params)
        answers: list[str] = []
        hollow = params
        for path in HOLES.get(name, ()):
            hollow = _hollow(hollow, path, answers)
        try:
            entry = (name, key(hollow))
        except Uncacheable:
            self._count_uncached()
            return macro(params)
        html = self._get(entry)
        if html is None:
            html = macro(hollow)  # outside the lock: a miss renders in parallel with other threads
            if answers and sorted(_HOLES.findall(html)) != sorted(str(index) for index in range(len(answers))):
                html = _NOT_HOLLOW  # an answer did not come out exactly once as text: no placeholders here
            self._put(entry, html)
        if html is _NOT_HOLLOW:
            return macro(params)
        return _fill(html, answers) if answers else html


class Component:
    """A component macro that renders through the app's cache; ``cache=False`` for params holding answers."""

    def __init__(self, name: str, macro: Callable[..., Markup], cache: ComponentCache) -> None:
        self.name, self.macro, self.cache = name, macro, cache

    def __call__(self, *args: Any, cache: bool = True, **kwargs: Any) -> Markup:
        if len(args) != 1 or kwargs:  # a caller body, no params, or named arguments: exactly as the macro
            self.cache._count_uncached()
            return self.macro(*args, **kwargs)
        return self.cache.render(self.name, self.macro, args[0], cache)


class LazyComponent:
    """A component as a Jinja global: its template is loaded on the first call, not at start-up."""

    def __init__(self, environment: Environment, template: str, name: str) -> None:
        self.environment, self.template, self.name = environment, template, name
        self.component: Callable[..., Markup] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Markup:
        if self.component is None:
            self.component = getattr(self.environment.get_template(self.template).module, self.name)
        return self.component(*args, **kwargs)


class Globals(ChainMap[str, Any]):
    """A template's globals, cheap to check and to copy.

    ``keys()`` is a plain dict's, so Jinja's check at each import is one set operation in C rather than
    a Python loop over every global; and a lookup tests each map rather than catching a KeyError from
    the template's own (usually empty) one, which Jinja does for every global at every render.
    """

    def keys(self) -> KeysView[str]:
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()

    def __getitem__(self, name: str) -> Any:
        for mapping in self.maps:
            if name in mapping:
                return mapping[name]
        raise KeyError(name)


class ComponentTemplate(Template):
    """Templates whose modules hand out memoized component macros instead of the bare ones."""

    def make_module(self, *args: Any, **kwargs: Any) -> TemplateModule:
        module = super().make_module(*args, **kwargs)
        name = MACROS.get(self.name or "")
        cache = self.environment.extensions.get(EXTENSION)
        if name and isinstance(cache, ComponentCache):
            setattr(module, name, Component(name, getattr(module, name), cache))
        return module


EXTENSION = f"{ComponentCache.__module__}.{ComponentCache.__qualname__}"


def _make_globals(environment: Environment) -> Callable[[MutableMapping[str, Any] | None], MutableMapping[str, Any]]:
    def make_globals(own: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return Globals({} if own is None else own, environment.globals)

    return make_globals


def init_app(app: Flask, maxsize: int) -> None:
    """Memoize the app's component macros (``maxsize`` entries, 0 for none) and make each a Jinja global."""
    environment = app.jinja_env
    environment.add_extension(ComponentCache)
    environment.extensions[EXTENSION].maxsize = maxsize  # type: ignore[attr-defined]
    environment.template_class = ComponentTemplate
    environment.make_globals = _make_globals(environment)  # type: ignore[method-assign,assignment]
    if environment.cache is not None:
        environment.cache.clear()  # anything loaded before now was made without the two above
    environment.filters["answer"] = Answer  # {"text": reference | answer} in a template
    for template, name in MACROS.items():
        if template.startswith(COMPONENTS):  # not the helpers (govukAttributes): the components use them
            environment.globals[name] = LazyComponent(environment, template, name)


def component_cache(app: Flask | None = None) -> ComponentCache:
    """The component cache of ``app`` (default: the current app), for its :meth:`~ComponentCache.stats`."""
    cache = (app or current_app).jinja_env.extensions[EXTENSION]
    assert isinstance(cache, ComponentCache)
    return cache


def render(name: str, params: Any, cache: bool = True) -> Markup:
    """Render the component macro ``name`` (``"govukInput"``) with ``params`` in the current app, through its cache."""
    component = cast(Callable[..., Markup], current_app.jinja_env.globals[name])
    return component(params, cache=cache)
